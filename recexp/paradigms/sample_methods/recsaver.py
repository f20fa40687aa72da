"""Sample method ``recsaver`` (Rec-SAVER): ``k`` sampled answers per interaction, kept when the
teacher verifies them against the true rating."""

from __future__ import annotations

from recexp.paradigms.sample_methods._job import Interaction, SampleJob
from recexp.paradigms.sample_methods._registry import sample_method
from recexp.prompts.roles import verdict, verify_messages
from recexp.teachers.base import TeacherRequest


@sample_method("recsaver", order=3, description="k reasoning samples per interaction, kept when self-verified")
def recsaver(job: SampleJob) -> tuple[list[dict], dict]:
    """``k`` sampled answers per interaction; the teacher verifies each against the true rating and
    only answers it judges consistent are kept."""
    role = job.roles[-1]
    pairs = [(interaction, s) for interaction in job.items for s in range(job.k)]
    texts = job.ask([job.request(role, interaction, {}, sample=s) for interaction, s in pairs], "teacher: sample")
    candidates = [(interaction, text) for (interaction, _), text in zip(pairs, texts) if job.rated(text) is not None]
    checks = job.ask([_verify_request(interaction, text) for interaction, text in candidates], "teacher: verify")
    examples = [job.example(interaction, role, {}, text, "verified")
                for (interaction, text), check in zip(candidates, checks) if check is not None and verdict(check)]
    job.counts.update({"answers": len(pairs), "verified": len(examples),
                       "rejected": len(candidates) - len(examples),
                       "unclear_verdicts": sum(c is not None and verdict(c) is None for c in checks),
                       "interactions_kept": len({e["row"] for e in examples})})
    return examples, dict(job.counts)


def _verify_request(interaction: Interaction, answer: str) -> TeacherRequest:
    messages = verify_messages(interaction.context, answer, interaction.true, interaction.facts["scale"])
    return TeacherRequest(tuple(messages), "verify", {**interaction.facts, "answer": answer}, interaction.true)
