"""Sample method ``rating_only`` (TALLRec-style): the true rating alone, in the direct template; no teacher."""

from __future__ import annotations

from recexp.paradigms.sample_methods._job import SampleJob
from recexp.paradigms.sample_methods._registry import sample_method


@sample_method("rating_only", order=4, description="the true rating alone, no reasoning (TALLRec-style)",
               needs_teacher=False, template="direct", why_template="trains on the rating alone")
def rating_only(job: SampleJob) -> tuple[list[dict], dict]:
    """One example per interaction: its true rating, in the template's format."""
    from recexp.prompts.facts import write_answer

    role = job.roles[-1]
    examples = [job.example(interaction, role, {}, write_answer(job.template, interaction.facts, interaction.true),
                            "rating_only")
                for interaction in job.items]
    return examples, {"examples": len(examples)}
