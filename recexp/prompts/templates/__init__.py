"""Prompt templates: a system prompt and its answer tags, one module per template in this package
(``@template("name", tags=...)`` on the function that writes the system prompt on a rating scale).

Adding a template is one module here plus ``conf/prompt/<name>.yaml``. Light: rewards and config
validation read the names and tags without loading data code (the user turn is
``recexp.prompts.user_turn``)."""

from __future__ import annotations

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.prompts.templates._base import (
    PROMPT_TEMPLATES,
    Template,
    TemplateSpec,
    task_line,
    template,
)

__all__ = ["PROMPT_TEMPLATES", "TEMPLATES", "Template", "TemplateSpec", "get_template", "task_line",
           "template", "template_tags"]

# every template on the default scale, in listing order
TEMPLATES: dict[str, Template] = {name: spec.on(DEFAULT_SCALE) for name, spec in PROMPT_TEMPLATES.items()}


def get_template(name: str, scale: RatingScale = DEFAULT_SCALE) -> Template:
    """The template called ``name`` on ``scale``; KeyError naming the known templates otherwise."""
    if name not in TEMPLATES:
        raise KeyError(f"unknown template {name!r}; known: {', '.join(sorted(TEMPLATES))}")
    return TEMPLATES[name] if scale == DEFAULT_SCALE else PROMPT_TEMPLATES.get(name).on(scale)


def template_tags(name: str) -> tuple[str, ...]:
    """The answer tags of template ``name``, in order; KeyError naming the known templates otherwise."""
    return get_template(name).tags
