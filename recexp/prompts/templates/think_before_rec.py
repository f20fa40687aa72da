"""Template ``think_before_rec`` (RecZero): analyze the user, analyze the item, match them, then rate."""

from __future__ import annotations

from recexp.data.scale import RatingScale
from recexp.prompts.templates._base import task_line, template


@template("think_before_rec", tags=("analyze user", "analyze item", "match", "rate"), order=0)
def system(scale: RatingScale) -> str:
    return f"""{task_line(scale)}
Answer in exactly four steps, in this order:
1. <analyze user>: the user's preferences, starting with "User Preference:".
2. <analyze item>: the item's name, then [pos] its likely positives and [neg] its likely negatives.
3. <match>: how the user's preferences fit the item.
4. <rate>: only the predicted rating, a number {scale.describe()}.
Answer format:
<analyze user>User Preference: ...</analyze user>
<analyze item>ITEM NAME. [pos] ... [neg] ...</analyze item>
<match>...</match>
<rate>N</rate>"""
