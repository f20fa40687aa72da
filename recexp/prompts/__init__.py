"""Prompt templates, token-budgeted chat messages, and template-shaped answers."""

from recexp.prompts.facts import fact_sheet, write_answer
from recexp.prompts.render import build_messages, count_tokens, render_prompt_text
from recexp.prompts.templates import (
    TEMPLATES, Template, get_template, user_message,
)

__all__ = [
    "TEMPLATES", "Template", "build_messages", "count_tokens", "fact_sheet", "get_template",
    "render_prompt_text", "user_message",
    "write_answer",
]
