"""Template ``direct``: the rating alone."""

from __future__ import annotations

from recexp.data.scale import RatingScale
from recexp.prompts.templates._base import task_line, template


@template("direct", tags=("rate",), order=1)
def system(scale: RatingScale) -> str:
    return f"""{task_line(scale)}
Answer with only the rating, a number {scale.describe()}, in this format:
<rate>N</rate>"""
