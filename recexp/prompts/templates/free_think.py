"""Template ``free_think``: free-form thinking, then the rating."""

from __future__ import annotations

from recexp.data.scale import RatingScale
from recexp.prompts.templates._base import task_line, template


@template("free_think", tags=("think", "rate"), order=2)
def system(scale: RatingScale) -> str:
    return f"""{task_line(scale)}
First think briefly about the user's preferences and the item, then give the rating.
Answer format:
<think>...</think>
<rate>N</rate>"""
