"""What a prompt template is, and the registry its modules declare themselves in.

Pure Python (no data or model code): rewards and config validation read template names and tags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from recexp.common.registry import Registry
from recexp.data.scale import DEFAULT_SCALE, RatingScale


@dataclass(frozen=True)
class Template:
    """A named answer format: the system prompt and its tags, in answer order, on a rating scale."""

    name: str
    system: str
    tags: tuple[str, ...]
    scale: RatingScale = DEFAULT_SCALE


@dataclass(frozen=True)
class TemplateSpec:
    """A template as declared: its answer tags (in order, the rating tag last) and its system prompt
    written on a rating scale."""

    name: str
    tags: tuple[str, ...]
    system: Callable[[RatingScale], str]

    def on(self, scale: RatingScale) -> Template:
        """The template on ``scale``."""
        return Template(self.name, self.system(scale), self.tags, scale)


PROMPT_TEMPLATES: Registry[TemplateSpec] = Registry(
    kind="template", key="prompt.template", package="recexp.prompts.templates")


def template(name: str, *, tags: tuple[str, ...], order: int = 100) -> Callable:
    """Decorator on a function ``scale -> system prompt``: declare template ``name`` answering in
    ``tags`` (``order`` sorts listings; the tiny model's tokenizer adds the tags in that order)."""

    def declare(system: Callable[[RatingScale], str]) -> Callable[[RatingScale], str]:
        PROMPT_TEMPLATES.add(name, TemplateSpec(name, tuple(tags), system), order=order)
        return system

    return declare


def task_line(scale: RatingScale) -> str:
    """The task sentence every template starts with, on ``scale``."""
    return (f"You predict the rating (an integer {scale.describe()}) that a user will give an item, "
            "from the user's history and the item's information.")
