"""The classic CF models: each model module declares its class with ``@CF_MODELS.register("name")``;
``paradigm.cf.model`` names one of them."""

from __future__ import annotations

from recexp.common.registry import Registry

CF_MODELS: Registry = Registry(kind="CF model", key="paradigm.cf.model", package="recexp.paradigms.cf_models")
