"""Teacher samples: the heuristic teacher, RecOne's aligned/rationalized/dropped split, the
distillation methods' examples, and the role chains (no model needed: contexts from synthetic data)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from recexp.data.context import ContextBuilder
from recexp.data.processing import process
from recexp.data.synthetic import generate
from recexp.paradigms.sample_methods import SAMPLE_METHODS, Interaction, SampleJob, chain
from recexp.paradigms.samples import _check_failures, sft_examples
from recexp.prompts import fact_sheet, get_template, user_message
from recexp.prompts.roles import hint_messages, tagged_text, verdict
from recexp.rewards import format_ok, parse_rating
from recexp.teachers.base import TeacherReply, TeacherRequest
from recexp.teachers.heuristic import MARK, MAX_STRETCH, HeuristicTeacher, rule_rating


class SpyTeacher(HeuristicTeacher):
    """The heuristic teacher, recording every request; ``fail_every`` makes some calls fail."""

    def __init__(self, fail_every: int = 0) -> None:
        super().__init__()
        self.requests: list[TeacherRequest] = []
        self.fail_every = fail_every

    def complete(self, requests, desc="teacher"):
        replies = []
        for request in requests:
            self.requests.append(request)
            failed = self.fail_every and len(self.requests) % self.fail_every == 0
            replies.append(TeacherReply(None, error="HTTP 500") if failed else super().complete([request])[0])
        return replies


@pytest.fixture(scope="module")
def processed():
    return process(generate(n_users=60, n_items=40, seed=3))


def _items(processed, template, n=80) -> list[Interaction]:
    builder = ContextBuilder(processed)
    ratings = processed.interactions.column("rating").to_pylist()
    rows = range(0, min(n * 3, processed.interactions.num_rows), 3)
    items = []
    for row in rows:
        ctx = builder.build(row)
        facts = {**fact_sheet(ctx), "template": template.name}
        items.append(Interaction(row, int(round(ratings[row])), facts, user_message(ctx)))
    return items


def _job(processed, method, template_name="think_before_rec", teacher=None, **kw) -> SampleJob:
    template = get_template(template_name)
    return SampleJob(teacher or SpyTeacher(), template, chain(method, template), _items(processed, template), **kw)


def test_heuristic_rule_uses_averages_and_tastes():
    base = {"user_avg": 2.0, "item_avg": 3.0, "overlap_liked": [], "overlap_disliked": [], "item_title": "x"}
    assert rule_rating(base) == 3  # 2.5 rounds half up (recexp.eval.rounding)
    assert rule_rating({**base, "overlap_liked": ["jazz"]}) == 3
    assert rule_rating({**base, "user_avg": 4.6, "item_avg": 4.8}) == 5
    assert rule_rating({**base, "user_avg": None, "item_avg": None}) == 4
    tilted = {**base, "item_avg": 2.4}  # score 2.2: offsets -1/0/+1 give 1/2/3
    offsets = {rule_rating({**tilted, "item_title": f"t{i}"}, sample=1) - 2 for i in range(30)}
    assert offsets == {-1, 0, 1}


def test_heuristic_teacher_is_deterministic_and_says_it_is_rule_based(processed):
    job = _job(processed, "recone")
    request = job.request(job.roles[-1], job.items[0], {})
    first, second = (HeuristicTeacher().complete([request])[0].text for _ in range(2))
    assert first == second and MARK in first and format_ok(first, job.template.tags)


def test_recone_counts_add_up_and_kept_answers_end_on_the_true_rating(processed):
    job = _job(processed, "recone")
    examples, counts = SAMPLE_METHODS.get("recone").make(job)
    n = len(job.items)
    assert counts["aligned"] + counts["rationalized"] + counts["dropped"] == n
    assert counts["aligned"] > 0 and counts["rationalized"] > 0 and counts["dropped"] > 0
    kinds = pd.Series([e["kind"] for e in examples]).value_counts().to_dict()
    assert kinds == {k: counts[k] for k in ("aligned", "rationalized")}
    for example in examples:
        assert format_ok(example["completion"], job.template.tags)
        assert parse_rating(example["completion"], job.template.tags) == example["true"]
        assert "actual rating" not in example["messages"]  # the student never sees the hint
    hinted = [r for r in job.teacher.requests if r.hint_rating is not None]
    assert len(hinted) == n - counts["aligned"]  # exactly the wrong ones are re-asked
    assert all(f"actual rating of this item is {r.hint_rating}" in r.messages[-1]["content"] for r in hinted)


def test_recone_dropped_samples_are_those_the_teacher_cannot_stretch_to(processed):
    job = _job(processed, "recone")
    examples, counts = SAMPLE_METHODS.get("recone").make(job)
    kept = {e["row"] for e in examples}
    for item in job.items:
        distance = abs(rule_rating(item.facts) - item.true)
        assert (item.row in kept) == (distance <= MAX_STRETCH)


class HalfStarTeacher:
    """Always answers a well-formed 4.5."""

    def complete(self, requests, desc="teacher"):
        text = "<analyze user>u</analyze user>\n<analyze item>i</analyze item>\n<match>m</match>\n<rate>4.5</rate>"
        return [TeacherReply(text) for _ in requests]


def test_a_teachers_half_star_is_never_aligned_with_a_whole_truth(processed):
    job = _job(processed, "recone", teacher=HalfStarTeacher())
    assert job.rated(HalfStarTeacher().complete([None])[0].text) == 4.5
    examples, counts = SAMPLE_METHODS.get("recone").make(job)
    assert examples == [] and counts["aligned"] == 0 and counts["dropped"] == len(job.items)


def test_recone_without_rationalization_keeps_only_aligned(processed):
    examples, counts = SAMPLE_METHODS.get("recone").make(_job(processed, "recone", rationalize=False))
    assert counts["rationalized"] == 0 and {e["kind"] for e in examples} == {"aligned"}


def test_teacher_failures_are_counted_and_the_rate_is_enforced(processed):
    job = _job(processed, "recone", teacher=SpyTeacher(fail_every=4))
    _, counts = SAMPLE_METHODS.get("recone").make(job)
    assert counts["teacher_errors"] == len(job.teacher.requests) // 4 > 0
    scoped = {f"recone/{k}": v for k, v in counts.items()}
    _check_failures(scoped, "recone", 0.5)
    with pytest.raises(RuntimeError, match="teacher calls failed"):
        _check_failures(scoped, "recone", 0.1)


def test_exp3rt_chain_examples_one_per_role_with_profiles_in_the_rater_prompt(processed):
    job = _job(processed, "exp3rt")
    examples, counts = SAMPLE_METHODS.get("exp3rt").make(job)
    assert counts["kept"] + counts["dropped"] == len(job.items) and counts["kept"] > 0
    assert len(examples) == 3 * counts["kept"]
    by_role = pd.DataFrame(examples).groupby("role")
    assert set(by_role.groups) == {"user_profile", "item_profile", "rater"}
    for example in examples:
        if example["role"] == "rater":
            user_turn = json.loads(example["messages"])[-1]["content"]
            assert "user_profile: " in user_turn and "item_profile: " in user_turn
            assert parse_rating(example["completion"], job.template.tags) == example["true"]
        else:
            assert tagged_text(example["completion"], "profile")
    guided = {r.task for r in job.teacher.requests if r.hint_rating is not None}
    assert guided == {"reason"}  # only the rater is told the rating


def test_reason4rec_chains_summary_reasoning_and_a_direct_rating(processed):
    job = _job(processed, "reason4rec", template_name="direct")
    examples, counts = SAMPLE_METHODS.get("reason4rec").make(job)
    roles = [e["role"] for e in examples]
    assert roles.count("summarizer") == roles.count("reasoner") == roles.count("predictor") == counts["kept"] > 0
    predictor = next(e for e in examples if e["role"] == "predictor")
    assert predictor["completion"] == f"<rate>{predictor['true']}</rate>"
    assert "reasoning: " in json.loads(predictor["messages"])[-1]["content"]


def test_recsaver_keeps_only_verified_samples(processed):
    job = _job(processed, "recsaver", k=3)
    examples, counts = SAMPLE_METHODS.get("recsaver").make(job)
    assert counts["answers"] == 3 * len(job.items)
    assert counts["verified"] == len(examples) > 0 and counts["rejected"] > 0
    assert all(parse_rating(e["completion"], job.template.tags) == e["true"] for e in examples)
    samples = {r.sample for r in job.teacher.requests if r.task == "reason"}
    assert samples == {0, 1, 2}


def test_rating_only_needs_no_teacher(processed):
    job = _job(processed, "rating_only", template_name="direct", teacher=None)
    job.teacher = None
    examples, _ = SAMPLE_METHODS.get("rating_only").make(job)
    assert all(e["completion"] == f"<rate>{e['true']}</rate>" for e in examples)
    pairs = sft_examples(pd.DataFrame(examples))
    assert pairs[0]["prompt"][0]["role"] == "system" and pairs[0]["completion"][0]["role"] == "assistant"


def test_hint_and_verdict_helpers():
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    hinted = hint_messages(messages, 4, get_template("think_before_rec"))
    assert hinted[0] == messages[0] and hinted[1]["content"].endswith("ending with <rate>4</rate>, without saying that you were told it.")
    assert messages[1]["content"] == "u"
    assert verdict("<verdict> Yes </verdict>") is True and verdict("<verdict>no</verdict>") is False
    assert verdict("probably") is None and tagged_text("<x></x>", "x") is None
