"""Sample method ``reason4rec`` (Reason4Rec): summarizer, reasoner and predictor roles; the student
plays them in a chain at inference."""

from __future__ import annotations

from recexp.paradigms.sample_methods._chain import play_chain
from recexp.paradigms.sample_methods._job import SampleJob
from recexp.paradigms.sample_methods._registry import sample_method
from recexp.prompts.roles import TASK, Role

SUMMARIZER = Role(
    "summarizer", "summarize",
    f"""{TASK}
Summarize the user's aspect preferences from their reviews: for each aspect they mention, whether
they care for it and how it affects their ratings. At most 60 words, in this format:
<summary>...</summary>""", "summary", title="user_preference_summary")

REASONER = Role(
    "reasoner", "reason_only",
    f"""{TASK}
Using the user's preference summary, reason step by step about whether and how much the user will
like the target item. Do not give a number. At most 80 words, in this format:
<reasoning>...</reasoning>""", "reasoning", inputs=(SUMMARIZER,), title="reasoning")


@sample_method("reason4rec", order=2, steps=(SUMMARIZER, REASONER), rater="predictor",
               description="summarizer, reasoner and predictor roles, chained at inference")
def reason4rec(job: SampleJob) -> tuple[list[dict], dict]:
    """The teacher summarizes, reasons from the summary, then predicts (the last two told the true rating)."""
    return play_chain(job)
