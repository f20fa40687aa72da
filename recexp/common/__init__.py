"""Shared plumbing every part of recexp uses: the config error type, the extension-point registry,
atomic publishing, strict JSON, secrets, optional extras, several processes, where the config tree is."""
