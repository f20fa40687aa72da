"""One rating scale threaded through prompts, parsing, rewards, teacher, metrics and CF; 1-5 unchanged."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from recexp.data.scale import DEFAULT_SCALE, RatingScale
from recexp.eval.metrics import rating_metrics
from recexp.paradigms.cf_models.bias import BiasModel
from recexp.paradigms.cf_models.means import MeanModel
from recexp.paradigms.sample_methods import chain
from recexp.prompts import fact_sheet, get_template, write_answer
from recexp.prompts.roles import verify_messages
from recexp.rewards import build_reward_funcs, format_ok, parse_rating
from recexp.teachers.heuristic import rule_rating

TEN = RatingScale(1, 10)


def answer(rate: str) -> str:
    return ("<analyze user>User Preference: x</analyze user>\n<analyze item>y [pos] a [neg] b</analyze item>\n"
            f"<match>z</match>\n<rate>{rate}</rate>")


def test_prompts_state_the_scale_and_1_to_5_is_unchanged():
    for name in ("think_before_rec", "direct", "free_think"):
        assert get_template(name) is get_template(name, DEFAULT_SCALE)
        assert "an integer from 1 to 5" in get_template(name).system
        ten = get_template(name, TEN)
        assert "an integer from 1 to 10" in ten.system and "1 to 5" not in ten.system
        assert ten.scale == TEN and ten.tags == get_template(name).tags
    roles = chain("exp3rt", get_template("think_before_rec", TEN))
    assert all("from 1 to 10" in role.system and "1 to 5" not in role.system for role in roles)
    assert "from 1 to 10" in verify_messages("ctx", "answer", 8, TEN)[0]["content"]


def test_parsing_follows_the_scale():
    tags = get_template("think_before_rec").tags
    assert parse_rating(answer("8"), tags) is None and parse_rating(answer("8"), tags, TEN) == 8.0
    assert parse_rating(answer("0"), tags, TEN) is None and parse_rating(answer("11"), tags, TEN) is None
    assert format_ok(answer("10"), tags, TEN) and not format_ok(answer("10"), tags)


def _rewards(scale, preds, truths, names=("format", "rating", "rating_linear", "rating_squared", "exact_match")):
    funcs, _ = build_reward_funcs({name: 1.0 for name in names}, scale=scale)
    return {f.__name__: f(completions=[answer(p) for p in preds], rating=truths) for f in funcs}


def test_rating_reward_keeps_its_shape_on_any_scale():
    ten = _rewards(TEN, ["7", "10", "1", "12"], [7, 1, 10, 5])
    assert ten["rating"] == [1.0, -1.0, -1.0, 0.0]  # exact, farthest both ways, out of scale
    assert ten["format"] == [1.0, 1.0, 1.0, -1.0]
    assert ten["rating_linear"][:3] == [1.0, 0.0, 0.0] and ten["rating_squared"][:3] == [1.0, 0.0, 0.0]
    half = _rewards(TEN, ["4"], [7])["rating"][0]
    assert half == pytest.approx(1 - 2 * 3 / 9)


def test_rating_reward_on_1_to_5_is_the_reference():
    preds, truths = ["1", "2", "3", "4", "5", "4.5"], [5, 4, 3, 1, 2, 3]
    five = _rewards(DEFAULT_SCALE, preds, truths)
    assert five["rating"] == [1.0 - abs(float(p) - t) / 2.0 for p, t in zip(preds, truths)]
    assert five["rating_linear"] == [1.0 - abs(float(p) - t) / 4.0 for p, t in zip(preds, truths)]
    assert five["rating_squared"] == [1.0 - (float(p) - t) ** 2 / 16.0 for p, t in zip(preds, truths)]


def test_metrics_levels_follow_the_scale():
    true = np.array([1.0, 10.0, 7.0])
    m = rating_metrics(true, np.array([2.0, 9.0, 7.0]), np.full(3, 5.0), scale=TEN)
    assert m["mae"] == pytest.approx(2 / 3)  # in the scale's units
    assert {k for k in m if k.startswith("pred_hist/")} == {f"pred_hist/{r}" for r in range(1, 11)}
    assert m["pred_hist/9"] == pytest.approx(1 / 3) and m["mae_by_true/10"] == 1.0
    five = rating_metrics(np.array([4.0]), np.array([4.0]), np.array([4.0]))
    assert {k for k in five if k.startswith("pred_hist/")} == {f"pred_hist/{r}" for r in range(1, 6)}


def test_heuristic_teacher_and_answers_on_ten():
    facts = {"user_avg": 9.6, "item_avg": 9.9, "overlap_liked": ["x"], "overlap_disliked": [],
             "item_title": "t", "scale": TEN}
    assert rule_rating(facts) == 10
    assert rule_rating({**facts, "user_avg": None, "item_avg": None, "overlap_liked": []}) == 8  # at(0.75)
    assert rule_rating({**facts, "user_avg": 2.0, "item_avg": 2.0, "overlap_liked": [],
                        "overlap_disliked": ["y"]}) == 1
    ctx = {"user_history": [{"title": "a", "categories": ["drama"], "rating": 8.0},
                            {"title": "b", "categories": ["horror"], "rating": 3.0}],
           "user_avg_rating": 5.5, "user_n_prior": 2,
           "target_item": {"title": "c", "categories": ["drama"], "reviews": []}, "item_avg_rating": None}
    sheet = fact_sheet(ctx, scale=TEN)
    assert sheet["liked"] == ["drama"] and sheet["disliked"] == ["horror"]  # >= 7.75, <= 3.25
    assert fact_sheet(ctx)["liked"] == ["drama"]  # on 1-5 both are >= 4 and none <= 2
    assert write_answer(get_template("direct", TEN), sheet, 9) == "<rate>9</rate>"
    with pytest.raises(ValueError, match="from 1 to 10"):
        write_answer(get_template("direct", TEN), sheet, 11)


def test_cf_clips_to_the_scale():
    train = pa.table({"user_id": ["u", "u", "v"], "item_id": ["a", "b", "a"], "rating": [10.0, 10.0, 9.0]})
    assert MeanModel("global", scale=TEN).fit(train).predict(train).tolist() == pytest.approx([29 / 3] * 3)
    assert MeanModel("global").fit(train).predict(train).tolist() == [5.0] * 3
    assert BiasModel(reg=0.0, scale=TEN).fit(train).predict(train).max() <= 10.0
