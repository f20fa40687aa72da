"""Prompt templates, token-budgeted chat messages, and template-shaped answers."""

from recexp.prompts.facts import fact_sheet, write_answer
from recexp.prompts.render import build_messages, count_tokens, render_prompt_text
from recexp.prompts.templates import (
    TEMPLATES, Template, get_template, item_categories, user_message, with_history_categories,
)

__all__ = [
    "TEMPLATES", "Template", "build_messages", "count_tokens", "fact_sheet", "get_template",
    "item_categories", "render_prompt_text", "user_message", "with_history_categories",
    "write_answer",
]
