"""Prompt templates, user turn (no leakage), token-budgeted rendering, template-shaped answers."""

from __future__ import annotations

import re

import pyarrow as pa
import pytest

from recexp.data import columns as C
from recexp.data.context import ContextBuilder
from recexp.data.processing import Processed, process
from recexp.data.synthetic import generate
from recexp.prompts import (
    TEMPLATES,
    build_messages,
    count_tokens,
    fact_sheet,
    get_template,
    render,
    render_prompt_text,
    user_message,
    write_answer,
)

CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
    "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


@pytest.fixture(scope="module")
def processed() -> Processed:
    return process(generate(n_users=60, n_items=40, seed=1))


@pytest.fixture(scope="module")
def builder(processed) -> ContextBuilder:
    return ContextBuilder(processed)


@pytest.fixture(scope="module")
def rich_ctx(builder) -> dict:
    """A context with a long history and several item reviews."""
    n = builder._n_rows
    return max((builder.build(r) for r in range(0, n, 7)),
               key=lambda c: (len(c["user_history"]), len(c["target_item"]["reviews"])))


def _train_tokenizer(texts: list[str]):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=["<|endoftext|>", "<|im_start|>",
                                                                  "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    core.train_from_iterator(texts, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=core, eos_token="<|im_end|>",
                                   pad_token="<|endoftext|>")


@pytest.fixture(scope="module")
def tokenizer(processed):
    shown = processed.reviews[C.REVIEW_TEXT].take(processed.interactions[C.REVIEW_ROW])
    texts = [t for t in shown.to_pylist() if t]
    tok = _train_tokenizer(texts + [t.system for t in TEMPLATES.values()])
    tok.chat_template = CHAT_TEMPLATE
    return tok


@pytest.fixture(scope="module")
def plain_tokenizer(tokenizer):
    """The same vocabulary without a chat template (plain-text fallback)."""
    import copy
    tok = copy.deepcopy(tokenizer)
    tok.chat_template = None
    return tok


# ---------------------------------------------------------------- templates


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_system_prompt_mentions_every_tag(name):
    template = get_template(name)
    assert template.name == name
    for tag in template.tags:
        assert f"<{tag}>" in template.system and f"</{tag}>" in template.system


def test_think_before_rec_asks_for_its_steps():
    system = get_template("think_before_rec").system
    for marker in ("User Preference:", "[pos]", "[neg]"):
        assert marker in system
    positions = [system.rindex(f"<{tag}>") for tag in get_template("think_before_rec").tags]
    assert positions == sorted(positions)


def test_unknown_template_lists_known_names():
    with pytest.raises(KeyError, match="think_before_rec"):
        get_template("nope")


# ---------------------------------------------------------------- user message


def test_user_message_shows_history_averages_and_target(builder):
    ctx = builder.build(5)
    text = user_message(ctx)
    for entry in ctx["user_history"]:
        assert entry["title"] in text
    assert f"user_avg_rating: {ctx['user_avg_rating']:.1f}" in text
    assert f"target_item_avg_rating: {ctx['item_avg_rating']:.1f}" in text
    assert f"title: {ctx['target_item']['title']}" in text
    for label in ("user_history", "target_item:"):
        assert label in text


def test_unknown_averages_and_empty_history(builder):
    ctx = builder.build(0)
    assert ctx["user_history"] == [] and ctx["user_avg_rating"] is None
    text = user_message(ctx)
    assert "user_avg_rating: unknown" in text and "- (none)" in text


def _history_lines(text: str) -> list[str]:
    section = text.split("user_history", 1)[1].split("\nuser_avg_rating", 1)[0]
    return [line for line in section.splitlines()[1:] if line != "- (none)"]


def test_history_lines_are_exactly_the_context_history(builder):
    for row in range(0, builder._n_rows, 11):
        ctx = builder.build(row)
        lines = _history_lines(user_message(ctx))
        assert len(lines) == len(ctx["user_history"])
        for line, entry in zip(lines, ctx["user_history"]):
            assert line.startswith(f"- {entry['title']} ({', '.join(entry['categories'])}) | rating ")


def test_history_limit_keeps_most_recent(rich_ctx):
    lines = _history_lines(user_message(rich_ctx, history_limit=2))
    assert [line.split(" | ")[0][2:].split(" (")[0] for line in lines] == \
        [e["title"] for e in rich_ctx["user_history"][-2:]]
    assert _history_lines(user_message(rich_ctx, history_limit=0)) == []


def _with_rating(processed: Processed, row: int, rating: float) -> Processed:
    table = processed.interactions
    ratings = table[C.RATING].to_numpy().copy()
    ratings[row] = rating
    table = table.set_column(table.schema.get_field_index(C.RATING), C.RATING, pa.array(ratings))
    return Processed(table, processed.reviews, processed.item_order, processed.items,
                     processed.stats)


def test_user_message_does_not_depend_on_target_rating(processed, builder):
    """Changing a row's own rating (to every other value) never changes its user message."""
    ratings = processed.interactions[C.RATING].to_numpy()
    for row in range(0, builder._n_rows, 29):
        expected = user_message(builder.build(row))
        for other in {1.0, 2.0, 3.0, 4.0, 5.0} - {ratings[row]}:
            altered = ContextBuilder(_with_rating(processed, row, other)).build(row)
            assert user_message(altered) == expected


def test_target_rating_never_labelled_for_target(builder):
    for row in range(0, builder._n_rows, 3):
        text = user_message(builder.build(row))
        item_head = text.split("target_item:", 1)[1].split("recent reviews", 1)[0]
        assert "rating" not in item_head.replace("target_item_avg_rating", "")
        assert not re.search(r"target[_ ]rating", text)
        labels = re.sub(r"(^- (.+ \| )?rating [\d.]+|^(user|target_item)_avg_rating: |"
                        r"\(\d+ ratings\)$)", "", text, flags=re.M)
        assert "rating" not in labels.lower()  # every rating shown is a history/review/average


# ---------------------------------------------------------------- budget


def test_no_budget_means_no_shortening(rich_ctx, tokenizer):
    messages, shortened = build_messages("think_before_rec", rich_ctx)
    assert not shortened
    assert messages[0] == {"role": "system", "content": get_template("think_before_rec").system}
    assert messages[1]["role"] == "user" and messages[1]["content"] == user_message(rich_ctx)
    full = count_tokens(messages, tokenizer)
    same, shortened = build_messages("think_before_rec", rich_ctx, tokenizer=tokenizer,
                                     max_tokens=full)
    assert same == messages and not shortened


@pytest.mark.parametrize("fraction", [0.9, 0.7, 0.55, 0.45])
def test_over_budget_prompts_are_shortened_to_fit(rich_ctx, tokenizer, fraction):
    template = get_template("think_before_rec")
    full, _ = build_messages(template, rich_ctx)
    minimal = _minimal_tokens(template, rich_ctx, tokenizer)
    budget = max(int(count_tokens(full, tokenizer) * fraction), minimal)
    messages, shortened = build_messages(template, rich_ctx, tokenizer=tokenizer,
                                         max_tokens=budget)
    assert shortened
    assert count_tokens(messages, tokenizer) <= budget
    _assert_core_kept(messages, template, rich_ctx)


def _minimal_tokens(template, ctx, tokenizer) -> int:
    shortest, _ = build_messages(template, ctx, tokenizer=tokenizer, max_tokens=1)
    return count_tokens(shortest, tokenizer)


def _assert_core_kept(messages, template, ctx):
    assert messages[0]["content"] == template.system
    user = messages[1]["content"]
    item = ctx["target_item"]
    assert f"title: {item['title']}" in user
    assert f"categories: {', '.join(item['categories'])}" in user
    assert f"brand: {item['brand']}" in user


def test_budget_keeps_the_least_shortened_prompt_that_fits(rich_ctx, tokenizer):
    """Candidates shrink monotonically; the binary search returns the first one that fits."""
    template = get_template("think_before_rec")
    full = render._Cut(len(rich_ctx["user_history"]), 120, 3)
    variants = [user_message(rich_ctx, history_limit=c.history, snippet_chars=c.snippet_chars,
                             item_reviews_limit=c.reviews)
                for c in [full, *render._shorter_cuts(full)]]
    counts = [count_tokens([{"role": "system", "content": template.system},
                            {"role": "user", "content": v}], tokenizer) for v in variants]
    assert counts == sorted(counts, reverse=True) and len(set(counts)) == len(counts)
    for budget in range(counts[-1], counts[0], 29):
        messages, shortened = build_messages(template, rich_ctx, tokenizer=tokenizer,
                                             max_tokens=budget)
        expected = next(v for v, n in zip(variants, counts) if n <= budget)
        assert shortened and messages[1]["content"] == expected


def test_history_goes_first_oldest_first(rich_ctx, tokenizer):
    template = get_template("direct")
    full, _ = build_messages(template, rich_ctx)
    budget = count_tokens(full, tokenizer) - 1
    messages, shortened = build_messages(template, rich_ctx, tokenizer=tokenizer,
                                         max_tokens=budget)
    lines = _history_lines(messages[1]["content"])
    assert shortened and len(lines) == len(rich_ctx["user_history"]) - 1
    assert lines[0].startswith(f"- {rich_ctx['user_history'][1]['title']} ")
    assert messages[1]["content"].count("\n- rating ") == 3  # item reviews untouched


def test_impossible_budget_returns_shortest_without_raising(rich_ctx, tokenizer):
    template = get_template("think_before_rec")
    messages, shortened = build_messages(template, rich_ctx, tokenizer=tokenizer, max_tokens=5)
    assert shortened
    user = messages[1]["content"]
    assert _history_lines(user) == [] and "recent reviews" not in user
    _assert_core_kept(messages, template, rich_ctx)


def test_few_tokenizations_per_prompt(rich_ctx, tokenizer, monkeypatch):
    calls = []
    real = render.count_tokens
    monkeypatch.setattr(render, "count_tokens", lambda m, t: calls.append(1) or real(m, t))
    full, _ = build_messages("think_before_rec", rich_ctx)
    n_cuts = len(render._shorter_cuts(render._Cut(len(rich_ctx["user_history"]), 120, 3)))
    for budget in (count_tokens(full, tokenizer) // 2, 5):
        calls.clear()
        build_messages("think_before_rec", rich_ctx, tokenizer=tokenizer, max_tokens=budget)
        assert len(calls) <= 2 + n_cuts.bit_length()


def test_plain_text_fallback_without_chat_template(rich_ctx, plain_tokenizer):
    template = get_template("free_think")
    full, _ = build_messages(template, rich_ctx)
    text = render_prompt_text(full, plain_tokenizer)
    assert text.startswith(template.system) and user_message(rich_ctx) in text
    budget = count_tokens(full, plain_tokenizer) * 2 // 3
    assert count_tokens(full, plain_tokenizer) == len(plain_tokenizer(text)["input_ids"])
    messages, shortened = build_messages(template, rich_ctx, tokenizer=plain_tokenizer,
                                         max_tokens=budget)
    assert shortened and count_tokens(messages, plain_tokenizer) <= budget


def test_render_prompt_text_applies_chat_template(rich_ctx, tokenizer):
    messages, _ = build_messages("direct", rich_ctx)
    text = render_prompt_text(messages, tokenizer)
    assert text.startswith("<|im_start|>system\n") and text.endswith("<|im_start|>assistant\n")
    assert count_tokens(messages, tokenizer) == len(tokenizer(text, add_special_tokens=False)
                                                    ["input_ids"])


# ---------------------------------------------------------------- facts and answers


def _contexts(builder, processed, step=9):
    return [builder.build(r) for r in range(0, builder._n_rows, step)]


def test_fact_sheet_restates_the_prompt(builder, processed):
    for ctx in _contexts(builder, processed):
        facts = fact_sheet(ctx)
        assert facts["user_avg"] == ctx["user_avg_rating"]
        assert facts["item_avg"] == ctx["item_avg_rating"]
        assert facts["item_title"] == ctx["target_item"]["title"]
        liked = {c for e in ctx["user_history"] if e["rating"] >= 4 for c in e["categories"]}
        disliked = {c for e in ctx["user_history"] if e["rating"] <= 2 for c in e["categories"]}
        assert set(facts["liked"]) <= liked and set(facts["disliked"]) <= disliked
        assert len(facts["liked"]) <= 3 and not set(facts["liked"]) & set(facts["disliked"])
        assert set(facts["overlap_liked"]) == set(facts["liked"]) & set(facts["item_categories"])
        text = user_message(ctx).lower()
        for phrase in facts["item_positives"] + facts["item_negatives"]:
            assert phrase in text


def test_liked_attributes_most_frequent_first():
    history = [{"item_id": str(i), "title": f"T{i}", "rating": r, "categories": cats}
               for i, (r, cats) in enumerate([(5, ["jazz", "soul"]), (4, ["jazz"]),
                                              (1, ["metal"]), (5, ["soul", "jazz"]),
                                              (2, ["metal", "pop"]), (4, ["pop"]), (4, ["pop"])])]
    ctx = {"user_history": history, "user_avg_rating": 3.6, "user_n_prior": 7,
           "item_avg_rating": None, "item_n_prior": 0,
           "target_item": {"title": "Midnight Orchard", "categories": ["jazz", "metal"],
                           "reviews": [{"rating": 5, "review_title": "Warm vocals!"},
                                       {"rating": 1, "review_title": "Too short"}]}}
    facts = fact_sheet(ctx)
    # jazz 3 likes; pop and soul 2 each (pop's one dislike does not outweigh), pop more recent
    assert facts["liked"] == ["jazz", "pop", "soul"] and facts["disliked"] == ["metal"]
    assert facts["item_positives"] == ["warm vocals"] and facts["item_negatives"] == ["too short"]
    assert facts["overlap_liked"] == ["jazz"] and facts["overlap_disliked"] == ["metal"]


def _tag_spans(answer: str, tags) -> list[tuple[int, int]]:
    spans = []
    for tag in tags:
        assert answer.count(f"<{tag}>") == 1 and answer.count(f"</{tag}>") == 1, tag
        start, end = answer.index(f"<{tag}>"), answer.index(f"</{tag}>")
        assert answer[start + len(tag) + 2:end].strip(), f"empty <{tag}>"
        spans.append((start, end))
    return spans


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_answers_follow_the_template(builder, processed, name):
    template = get_template(name)
    for i, ctx in enumerate(_contexts(builder, processed)):
        rating = i % 5 + 1
        answer = write_answer(template, fact_sheet(ctx), rating)
        spans = _tag_spans(answer, template.tags)
        assert spans == sorted(spans) and all(s < e for s, e in spans)
        assert all(prev_end < start for (_, prev_end), (start, _) in zip(spans, spans[1:]))
        assert answer.endswith(f"<rate>{rating}</rate>")
        assert len(answer.split()) <= 80
        if name == "think_before_rec":
            assert "<analyze user>User Preference: " in answer
            assert re.search(r"\[pos\] .+ \[neg\] .+</analyze item>", answer)
            assert ctx["target_item"]["title"] in answer
        if name == "direct":
            assert answer == f"<rate>{rating}</rate>"


def test_answer_without_history_categories_names_liked_titles(builder):
    ctx = builder.build(5)
    ctx = {**ctx, "user_history": [{**e, "categories": []} for e in ctx["user_history"]]}
    answer = write_answer("think_before_rec", fact_sheet(ctx), 3)
    liked = [e["title"] for e in ctx["user_history"] if e["rating"] >= 4]
    assert liked and liked[-1] in answer


def test_write_answer_rejects_bad_ratings():
    facts = fact_sheet({"user_history": [], "user_avg_rating": None, "item_avg_rating": None,
                        "target_item": {"title": "X"}})
    for bad in (0, 6, 3.5):
        with pytest.raises(ValueError):
            write_answer("direct", facts, bad)


def test_answers_restate_only_what_the_budgeted_prompt_shows():
    """With a budget that drops the history, the facts (and so the warm-up's and the rule-based
    teacher's answers) know no tastes: an answer never restates what its prompt does not show."""
    from recexp.prompts.render import shown_context

    class WordTokenizer:  # one token per word; no chat template
        chat_template = None

        def __call__(self, text):
            return {"input_ids": text.split()}

    history = [{"item_id": str(i), "title": f"T{i}", "rating": 5, "categories": ["jazz"]} for i in range(6)]
    ctx = {"user_history": history, "user_avg_rating": 4.6, "user_n_prior": 6,
           "item_avg_rating": 4.0, "item_n_prior": 3,
           "target_item": {"title": "Midnight Orchard", "categories": ["jazz"], "reviews": []}}
    tok = WordTokenizer()
    full = fact_sheet(shown_context("think_before_rec", ctx, tokenizer=tok, max_tokens=10_000))
    assert full["liked"] == ["jazz"] and full["overlap_liked"] == ["jazz"]
    system = len(get_template("think_before_rec").system.split())
    shown = shown_context("think_before_rec", ctx, tokenizer=tok, max_tokens=system + 25)
    assert shown["user_history"] == [] and shown["user_avg_rating"] == 4.6
    facts = fact_sheet(shown)
    assert facts["liked"] == [] and facts["overlap_liked"] == []
    assert "jazz" not in write_answer("think_before_rec", facts, 4)
