"""What the chained methods (EXP3RT, Reason4Rec) share: the teacher plays each role in order."""

from __future__ import annotations

from recexp.paradigms.sample_methods._job import Interaction, SampleJob
from recexp.prompts.roles import Role, tagged_text


def play_chain(job: SampleJob) -> tuple[list[dict], dict]:
    """The teacher plays each role in order, each seeing the outputs before it; the roles after the
    first input-free ones are rating-guided (told the true rating). An interaction is kept only when
    every role answered in its format and the rating role ended on the true rating; then each role
    becomes one student example."""
    outputs: dict[int, dict[str, str]] = {interaction.row: {} for interaction in job.items}
    texts: dict[int, dict[str, str]] = {interaction.row: {} for interaction in job.items}
    alive = list(job.items)
    for role in job.roles:
        guided = bool(role.inputs)
        replies = job.ask([job.request(role, interaction, outputs[interaction.row], hint=guided)
                           for interaction in alive], f"teacher: {role.name}")
        alive = [interaction for interaction, text in zip(alive, replies)
                 if _accept(job, role, interaction, text, outputs, texts)]
    examples = [job.example(interaction, role, _inputs_of(role, outputs[interaction.row]),
                            texts[interaction.row][role.name], "guided" if role.inputs else "role")
                for interaction in alive for role in job.roles]
    job.counts.update({"kept": len(alive), "dropped": len(job.items) - len(alive)})
    return examples, dict(job.counts)


def _accept(job: SampleJob, role: Role, interaction: Interaction, text: str | None, outputs: dict,
            texts: dict) -> bool:
    if role.tag is None:
        ok = job.rated(text) == interaction.true
    else:
        content = tagged_text(text, role.tag) if text is not None else None
        ok = content is not None
        if text is not None and not ok:
            job.counts[f"{role.name}_unparsed"] += 1
        if ok:
            outputs[interaction.row][role.name] = content
    if ok:
        texts[interaction.row][role.name] = text
    return ok


def _inputs_of(role: Role, outputs: dict) -> dict:
    return {source.name: outputs[source.name] for source in role.inputs}
