"""Rewards and completion parsing: examples, TRL's calling convention, and property tests."""

from __future__ import annotations

import importlib.util
import math
import pickle
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recexp.rewards import (
    DIRECT_TAGS,
    FREE_THINK_TAGS,
    REWARD_RANGES,
    REWARDS,
    TAGS_BY_TEMPLATE,
    THINK_BEFORE_REC_TAGS,
    MissingRewardColumn,
    build_reward_funcs,
    completion_text,
    format_ok,
    make_reward,
    parse_rating,
    step_blocks,
)

RATING_REWARDS = ("rating", "rating_linear", "rating_squared", "exact_match")


def answer(rate="4", user="likes sci-fi", item="a space opera", match="good fit", sep="\n") -> str:
    return sep.join([
        f"<analyze user>{user}</analyze user>",
        f"<analyze item>{item}</analyze item>",
        f"<match>{match}</match>",
        f"<rate>{rate}</rate>",
    ])


def scores(text, true=4.0, tags=THINK_BEFORE_REC_TAGS) -> dict[str, float]:
    return {name: make_reward(name, tags)(None, [text], [true])[0] for name in REWARDS}


# ---------------------------------------------------------------- examples

def test_perfect_answer_gets_full_rewards():
    s = scores(answer("4"), true=4)
    assert s == {"format": 1.0, "format_strict": 1.0, "rating": 1.0, "rating_linear": 1.0,
                 "rating_squared": 1.0, "exact_match": 1.0, "format_soft": 1.0}


def test_rating_reward_follows_the_error():
    assert scores(answer("3"), true=4)["rating"] == 0.5
    assert scores(answer("1"), true=5)["rating"] == -1.0
    assert scores(answer("3"), true=4)["rating_linear"] == 0.75
    assert scores(answer("2"), true=4)["rating_squared"] == 0.75


NUMBERED = ("1. <analyze user>likes sci-fi</analyze user>\n2. <analyze item>a space opera</analyze item>\n"
            "3. <match>good fit</match>\n4. <rate>4</rate>")


@pytest.mark.parametrize("text", [
    NUMBERED,  # what the numbered system prompt invites
    "Sure, step by step.\n" + answer("4") + "\nHope this helps",  # preamble and trailer
    answer("4", sep=" so "),  # text between blocks
    "Step 1: <analyze user>u</analyze user> Step 2: <analyze item>i</analyze item> "
    "Step 3: <match>m</match> Final: <rate> 4.5 </rate>.",
])
def test_format_accepts_text_around_the_blocks_like_the_reference(text):
    s = scores(text, true=4)
    assert s["format"] == 1.0 and s["rating"] > 0 and format_ok(text)
    assert s["format_strict"] == -1.0 and not format_ok(text, strict=True)


@pytest.mark.parametrize("text", [
    answer("4").replace("<match>good fit</match>", "") + "<match>late</match>",  # wrong order
    "<analyze item>i</analyze item><analyze user>u</analyze user><match>m</match><rate>4</rate>",
    NUMBERED.replace("2. <analyze item>", "2. <match>m</match> <analyze item>").replace("3. <match>good fit</match>", ""),
    answer("4").replace("<match>good fit</match>", ""),  # missing tag
    NUMBERED.replace("<analyze user>likes sci-fi</analyze user>", "likes sci-fi"),
    answer("4") + "<rate>4</rate>",  # duplicate tag
    NUMBERED + "\n5. <analyze user>again</analyze user>",
    answer("4", match="ok <match>again</match>"),  # repeated, nested in itself
    "<analyze user>u<analyze item>i</analyze item></analyze user><match>m</match><rate>4</rate>",
    answer("4", item="   "),  # empty block
    answer("4", user=""),
    NUMBERED.replace("good fit", " \n "),
    answer("0"), answer("6"), answer("5.5"), NUMBERED.replace("<rate>4", "<rate>7"),  # rating out of range
    answer("four"), answer("4 or 5"),  # not one number
    answer("4").replace("</rate>", ""),  # unclosed
    answer("4").upper(),  # tags are case-sensitive
    "",
])
def test_format_failures_zero_the_rating_rewards(text):
    s = scores(text, true=4)
    assert s["format"] == -1.0 and s["format_strict"] == -1.0
    assert all(s[name] == 0.0 for name in RATING_REWARDS)
    assert not format_ok(text) and not format_ok(text, strict=True)


@pytest.mark.parametrize("rate, expected", [
    ("4", 4.0), (" 4 \n", 4.0), ("4.5", 4.5), ("1", 1.0), ("5.0", 5.0), ("04", 4.0),
    ("0", None), ("6", None), ("5.01", None), ("four", None), ("4 or 5", None), ("4/5", None),
    ("4 5", None), ("NaN", None), ("nan", None), ("inf", None), ("1e309", None), ("4e0", None),
    ("-0", None), ("+4", None), ("-4", None), ("4.", None), ("", None), ("  ", None),
    ("٤", None), ("4\u00b2", None), ("9" * 400, None), ("4,5", None),
])
def test_parse_rating_is_strict(rate, expected):
    assert parse_rating(answer(rate)) == expected
    assert format_ok(answer(rate)) is (expected is not None)


def test_parse_rating_ignores_the_other_steps_but_not_a_repeated_rate():
    assert parse_rating("blah <rate>3</rate> blah") == 3.0
    assert parse_rating("<rate>3</rate><rate>3</rate>") is None
    assert parse_rating("</rate><rate>3") is None
    assert parse_rating(None) is None  # type: ignore[arg-type]


def test_exact_match_rounds_half_up():
    assert scores(answer("4.5"), true=5)["exact_match"] == 1.0
    assert scores(answer("4.49"), true=4)["exact_match"] == 1.0
    assert scores(answer("3.5"), true=3)["exact_match"] == 0.0
    assert scores(answer("3.5"), true=4)["exact_match"] == 1.0  # half up, not half to even
    assert scores(answer("4.5"), true=4.5)["rating"] == 1.0


@pytest.mark.parametrize("true", [None, float("nan"), "four", "", [4], float("inf"), 0, 6, True, object()])
def test_invalid_true_rating_gives_zero_not_an_error(true):
    s = scores(answer("4"), true=true)
    assert all(s[name] == 0.0 for name in RATING_REWARDS)
    assert s["format"] == 1.0 and s["format_strict"] == 1.0 and s["format_soft"] == 1.0


def test_numeric_string_and_int_true_ratings_are_accepted():
    assert scores(answer("4"), true="4")["rating"] == 1.0
    assert scores(answer("4"), true=3)["rating"] == 0.5


def test_format_soft_gives_partial_credit_without_order():
    assert scores(answer("4").replace("<match>good fit</match>", ""))["format_soft"] == 0.75
    assert scores(answer("six"))["format_soft"] == 0.75
    assert scores("<rate>4</rate><match>m</match>")["format_soft"] == 0.5  # order ignored
    assert scores("garbage")["format_soft"] == 0.0


def test_step_blocks():
    assert step_blocks(answer("4"), THINK_BEFORE_REC_TAGS) == ["likes sci-fi", "a space opera", "good fit", "4"]
    assert step_blocks("<rate>4</rate><rate>5</rate>", DIRECT_TAGS) == [None]
    assert step_blocks("<think> x </think>", FREE_THINK_TAGS) == [" x ", None]


def test_conversational_completions():
    msgs = [{"role": "assistant", "content": answer("5")}]
    assert completion_text(msgs) == answer("5")
    parts = [{"role": "assistant", "content": [{"type": "text", "text": answer("5")}]}]
    assert completion_text(parts) == answer("5")
    assert REWARDS["rating"](None, [msgs, parts], [5, 4]) == [1.0, 0.5]
    assert completion_text([{"role": "user", "content": "x"}]) == ""
    for odd in (None, 3, {"content": "x"}, [None, 1], [{"role": "assistant", "content": None}]):
        assert completion_text(odd) == ""


@pytest.mark.parametrize("template, text", [
    ("free_think", "<think>\nhmm, a fan\n</think>\n<rate>2</rate>"),
    ("direct", "  <rate>2</rate>\n"),
])
def test_other_templates(template, text):
    tags = TAGS_BY_TEMPLATE[template]
    assert format_ok(text, tags) and format_ok(text, template)
    assert scores(text, true=3, tags=tags)["rating"] == 0.5
    # think_before_rec output is not the blocks alone of another template (strict); the reference
    # format only asks for that template's blocks: the direct template's <rate> is there
    assert not format_ok(answer("2"), tags, strict=True)
    assert format_ok(answer("2"), tags) is (template == "direct")
    assert parse_rating(text, tags) == 2.0
    assert parse_rating("<think>x</think>", tags) is None


def test_reward_weights_and_registry():
    funcs, weights = build_reward_funcs({"format": 0.5, "rating": 1, "exact_match": 0.0}, FREE_THINK_TAGS)
    assert [f.__name__ for f in funcs] == ["format", "rating", "exact_match"]
    assert weights == [0.5, 1.0, 0.0]  # zero weight kept: still logged by TRL
    assert all(f.tags == FREE_THINK_TAGS for f in funcs)
    assert set(REWARDS) == set(REWARD_RANGES)
    assert all(f.__name__ == name and f.tags == THINK_BEFORE_REC_TAGS for name, f in REWARDS.items())
    with pytest.raises(KeyError, match="known rewards.*rating_linear"):
        build_reward_funcs({"accuracy": 1.0})
    with pytest.raises(ValueError):
        build_reward_funcs({"format": float("nan")})
    with pytest.raises(TypeError):
        build_reward_funcs({"format": "1"})
    with pytest.raises(ValueError):
        build_reward_funcs({})
    with pytest.raises(KeyError):
        make_reward("format", "no_such_template")


def test_length_mismatch_is_a_caller_bug():
    with pytest.raises(ValueError):
        REWARDS["rating"](None, [answer(), answer()], [4])



@pytest.mark.parametrize("name", ["rating", "rating_linear", "rating_squared", "exact_match"])
def test_a_reward_without_its_column_fails_at_the_first_call_naming_both(name):
    with pytest.raises(MissingRewardColumn) as info:
        REWARDS[name](prompts=["p"], completions=[answer()], completion_ids=[[1]], row=[3], trainer_state=None)
    message = str(info.value)
    assert "\n" not in message and f"reward '{name}'" in message and "column 'rating'" in message
    assert "other columns: row" in message


def test_format_rewards_need_no_column():
    for name in ("format", "format_strict", "format_soft"):
        assert REWARDS[name](None, [answer()]) == [1.0]


def test_rewards_are_picklable():
    restored = pickle.loads(pickle.dumps(build_reward_funcs({"rating": 1.0}, DIRECT_TAGS)[0][0]))
    assert restored.__name__ == "rating" and restored(None, ["<rate>3</rate>"], [3]) == [1.0]


def test_parsing_is_fast_and_linear_on_adversarial_input():
    normal = answer("4", user="u" * 500, item="i" * 500, match="m" * 500)
    start = time.perf_counter()
    for _ in range(2000):
        format_ok(normal)
    assert (time.perf_counter() - start) / 2000 < 100e-6  # a few µs normally; loose for shared CPUs
    soup = ("<analyze user></analyze user" + "<rate>" + "</match>" + "<match>") * 20_000
    start = time.perf_counter()
    for text in (soup, soup + answer(), "<rate>" + "9" * 200_000 + "</rate>", "<" * 300_000):
        for fn in REWARDS.values():
            fn(None, [text], [4])
    assert time.perf_counter() - start < 1.0


def test_import_does_not_pull_heavy_libraries():
    code = ("import sys, recexp.rewards; "
            "heavy = [m for m in ('torch', 'transformers', 'trl') if m in sys.modules]; "
            "assert not heavy, heavy")
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# ---------------------------------------------------------------- TRL's calling convention

def _grpo_trainer_source() -> str:
    spec = importlib.util.find_spec("trl")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("trl is not installed")
    return (Path(spec.submodule_search_locations[0]) / "trainer" / "grpo_trainer.py").read_text()


def test_trl_still_calls_reward_functions_this_way():
    """Guard: the call reproduced below is the one in the installed TRL (read as text, no torch import)."""
    source = _grpo_trainer_source()
    assert "prompts=prompts, completions=completions, completion_ids=completion_ids_list, **reward_kwargs" in source
    for extra in ('reward_kwargs["trainer_state"]', 'reward_kwargs["log_extra"]', 'reward_kwargs["log_metric"]'):
        assert extra in source
    assert 'if key not in ["prompt", "completion", "completion_ids"]' in source


@pytest.mark.parametrize("conversational", [False, True])
def test_called_like_trl_grpo_trainer(conversational):
    """Reproduces GRPOTrainer._calculate_rewards (TRL 1.16) for a group of 2 prompts x 3 generations."""
    inputs = [
        {"prompt": p, "rating": r, "user_id": u, "item_id": i}
        for p, r, u, i in [("Rate A", 4, "u1", "i1"), ("Rate B", 2.0, "u2", "i2")]
        for _ in range(3)
    ]
    texts = [answer("4"), answer("3"), "no idea", answer("2"), answer("2.5"), answer("2") * 2]
    if conversational:
        prompts = [[{"role": "user", "content": x["prompt"]}] for x in inputs]
        completions = [[{"role": "assistant", "content": t}] for t in texts]
    else:
        prompts = [x["prompt"] for x in inputs]
        completions = texts
    completion_ids_list = [[ord(c) % 50 for c in t] for t in texts]
    keys = [key for key in inputs[0] if key not in ["prompt", "completion", "completion_ids"]]
    reward_kwargs = {key: [example[key] for example in inputs] for key in keys}
    reward_kwargs["trainer_state"] = object()
    reward_kwargs["log_extra"] = lambda column, values: None
    reward_kwargs["log_metric"] = lambda name, value: None

    funcs, weights = build_reward_funcs({"format": 1.0, "rating": 1.0, "exact_match": 0.0})
    outputs = {
        getattr(f, "__name__", type(f).__name__): f(
            prompts=prompts, completions=completions, completion_ids=completion_ids_list, **reward_kwargs
        )
        for f in funcs
    }
    assert len(weights) == len(funcs)
    assert outputs["format"] == [1.0, 1.0, -1.0, 1.0, 1.0, -1.0]
    assert outputs["rating"] == [1.0, 0.5, 0.0, 1.0, 0.75, 0.0]
    assert outputs["exact_match"] == [1.0, 0.0, 0.0, 1.0, 0.0, 0.0]
    assert all(type(v) is float for out in outputs.values() for v in out)


# ---------------------------------------------------------------- properties

_TAG_TOKENS = [f"<{t}>" for ts in TAGS_BY_TEMPLATE.values() for t in ts] + \
              [f"</{t}>" for ts in TAGS_BY_TEMPLATE.values() for t in ts]
_ODD_NUMBERS = ["4", "4.5", "1", "5", "0", "6", "-0", "nan", "NaN", "inf", "-inf", "1e309", "9" * 400,
                "", " ", "4/5", "four", "4 5", "\u0664", "1.0000000000000000001", "5.0000000000000001"]
_pieces = st.one_of(st.sampled_from(_TAG_TOKENS), st.sampled_from(_ODD_NUMBERS),
                    st.text(max_size=12), st.sampled_from(["\n", " ", "<", ">", "</", "/"]))
tag_soup = st.lists(_pieces, max_size=40).map("".join)


@st.composite
def shuffled_answers(draw):
    blocks = [f"<{t}>{draw(st.sampled_from(_ODD_NUMBERS + ['x']))}</{t}>" for t in THINK_BEFORE_REC_TAGS]
    blocks = draw(st.permutations(blocks))
    repeats = draw(st.lists(st.sampled_from(blocks), max_size=2))
    nest_at = draw(st.integers(0, len(blocks)))
    text = "".join(blocks[:nest_at]) + "".join(repeats) + "".join(blocks[nest_at:])
    return draw(st.sampled_from(["", " ", "x"])) + text + draw(st.sampled_from(["", "\n", "y"]))


completion_like = st.one_of(
    st.text(), tag_soup, shuffled_answers(),
    st.sampled_from([answer(n) for n in _ODD_NUMBERS]),
    st.builds(lambda t: [{"role": "assistant", "content": t}], st.one_of(tag_soup, shuffled_answers())),
    st.sampled_from([None, 3, [], [{}], [{"role": "assistant"}], {"content": "x"}]),
)
true_like = st.one_of(
    st.none(), st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**30),
    st.sampled_from([1, 2, 3, 4, 5, 4.5, "4", "nan", "five", "", True, [4]]), st.text(max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(completion_like, true_like), max_size=8),
       st.sampled_from(list(TAGS_BY_TEMPLATE.values())))
def test_every_reward_is_finite_within_range_and_never_raises(batch, tags):
    completions = [c for c, _ in batch]
    ratings = [r for _, r in batch]
    for name, (low, high) in REWARD_RANGES.items():
        out = make_reward(name, tags)(prompts=None, completions=completions, rating=ratings,
                                      completion_ids=[[1]] * len(batch), trainer_state=None)
        assert len(out) == len(batch)
        assert all(type(v) is float and math.isfinite(v) and low <= v <= high for v in out), (name, out)


def reference_format_ok(text: str, tags: tuple[str, ...], strict: bool) -> bool:
    """Slow, obviously-correct statement of the format (fine on short hypothesis texts): the
    RecZero reference (every tag once, blocks in order, non-empty, rating in range) and, strict,
    only whitespace outside the blocks."""
    all_tags = [f"<{t}>" for t in tags] + [f"</{t}>" for t in tags]
    if any(text.count(tag) != 1 for tag in all_tags):
        return False
    gap = r"\s*" if strict else ".*?"
    pattern = gap + gap.join(f"<{t}>(.*?)</{t}>" for t in tags) + gap
    match = re.fullmatch(pattern, text, flags=re.DOTALL)
    if match is None:
        return False
    blocks = match.groups()
    return (all(b.strip() and not any(tag in b for tag in all_tags) for b in blocks)
            and parse_rating(f"<rate>{blocks[-1]}</rate>", ("rate",)) is not None)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), tag_soup, shuffled_answers()), st.sampled_from(list(TAGS_BY_TEMPLATE.values())))
def test_parsers_are_consistent(text, tags):
    rating = parse_rating(text, tags)
    assert rating is None or (math.isfinite(rating) and 1.0 <= rating <= 5.0)
    blocks = step_blocks(text, tags)
    assert len(blocks) == len(tags)
    assert rating == (parse_rating(f"<{tags[-1]}>{blocks[-1]}</{tags[-1]}>", tags) if blocks[-1] is not None else None)
    assert format_ok(text, tags) == reference_format_ok(text, tags, strict=False)
    assert format_ok(text, tags, strict=True) == reference_format_ok(text, tags, strict=True)
    assert not format_ok(text, tags, strict=True) or format_ok(text, tags)
    if format_ok(text, tags):
        assert rating is not None and all(b is not None and b.strip() for b in blocks)
        assert make_reward("format_soft", tags)(None, [text], [None]) == [1.0]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(min_size=1).filter(str.strip), min_size=3, max_size=3),
       st.decimals(1, 5, places=2), st.integers(1, 5), st.sampled_from(["", "\n", " \n\t"]))
def test_well_formed_answers_always_pass(steps, pred, true, sep):
    steps = [s.replace("<", "(") for s in steps]  # tags inside a block would break the format
    text = answer(str(pred), *steps, sep=sep)
    assert format_ok(text) and parse_rating(text) == float(str(pred))
    assert REWARDS["rating_linear"](None, [text], [true]) == [1 - abs(float(str(pred)) - true) / 4]
