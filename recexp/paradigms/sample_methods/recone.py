"""Sample method ``recone`` (RecOne's cold start): reason and rate; keep right answers (aligned),
re-ask the rest with the true rating (rationalized), drop what still misses it."""

from __future__ import annotations

from recexp.paradigms.sample_methods._job import SampleJob
from recexp.paradigms.sample_methods._registry import sample_method


@sample_method("recone", order=0, description="reason+rate; keep if right (aligned), else re-ask with the true "
                                                "rating (rationalized)")
def recone(job: SampleJob) -> tuple[list[dict], dict]:
    """Keep right answers (aligned); re-ask the rest with the true rating and keep the new answer
    when it ends on it (rationalized); drop the others."""
    role = job.roles[-1]
    first = job.ask([job.request(role, interaction, {}) for interaction in job.items], "teacher: reason")
    examples, wrong = [], []
    for interaction, text in zip(job.items, first):
        if job.rated(text) == interaction.true:
            examples.append(job.example(interaction, role, {}, text, "aligned"))
        else:
            wrong.append(interaction)
    job.counts["aligned"] = len(examples)
    second = job.ask([job.request(role, interaction, {}, hint=True, task="rationalize") for interaction in wrong],
                     "teacher: rationalize") if wrong and job.rationalize else [None] * len(wrong)
    for interaction, text in zip(wrong, second):
        if job.rated(text) == interaction.true:
            examples.append(job.example(interaction, role, {}, text, "rationalized"))
    job.counts["rationalized"] = len(examples) - job.counts["aligned"]
    job.counts["dropped"] = len(wrong) - job.counts["rationalized"]
    return examples, dict(job.counts)
