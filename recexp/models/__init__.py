"""LLM loading (hub name or local path, dtype, attention, LoRA) and the offline tiny model."""
