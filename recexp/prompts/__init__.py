"""Prompt templates, token-budgeted chat messages, and template-shaped answers.

Names are loaded on first use, so ``recexp.prompts.templates`` (read by rewards and config
validation) can be imported without the data code behind rendering and fact sheets."""

from __future__ import annotations

import importlib
from typing import Any

_SOURCES = {
    "fact_sheet": "recexp.prompts.facts", "write_answer": "recexp.prompts.facts",
    "build_messages": "recexp.prompts.render", "count_tokens": "recexp.prompts.render",
    "render_prompt_text": "recexp.prompts.render",
    "TEMPLATES": "recexp.prompts.templates", "Template": "recexp.prompts.templates",
    "get_template": "recexp.prompts.templates",
    "user_message": "recexp.prompts.user_turn",
}

__all__ = ["TEMPLATES", "Template", "build_messages", "count_tokens", "fact_sheet", "get_template",
           "render_prompt_text", "user_message", "write_answer"]


def __getattr__(name: str) -> Any:
    if name not in _SOURCES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_SOURCES[name]), name)
