"""Synthetic review data with learnable structure, for tests and quick experiments.

Users have a rating bias and sparse tastes over readable attributes (genres); items have 1-3
attributes and a quality. A rating is ``clip(round(3 + user_bias + item_quality + fit + noise),
1, 5)`` where ``fit`` is the user's mean taste over the item's attributes, so a user's history
(prior mean, liked and disliked genres) and the item's prior mean predict the rating. Review
titles and texts follow the rating and the user's taste for each of the item's attributes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from recexp.data import columns as C
from recexp.data.raw import RawData

# Part of the data fingerprint: bump when the generator's output changes for the same parameters.
GENERATOR_VERSION = 1

ATTRIBUTES = (
    "jazz", "sci-fi", "mystery", "romance", "horror", "comedy", "fantasy", "history",
    "thriller", "folk", "documentary", "poetry", "western", "anime", "classical", "hip-hop",
    "biography", "cooking", "travel", "drama", "adventure", "noir", "satire", "blues",
)
_ADJECTIVES = (
    "Midnight", "Silver", "Hidden", "Broken", "Golden", "Quiet", "Crimson", "Last", "Electric",
    "Forgotten", "Wandering", "Hollow", "Burning", "Frozen", "Velvet", "Distant", "Restless",
    "Paper", "Iron", "Secret", "Wild", "Lonely", "Painted", "Sunken", "Endless", "Bitter",
    "Gentle", "Savage", "Northern", "Glass",
)
_NOUNS = (
    "Orchard", "River", "Lantern", "Kingdom", "Harbor", "Garden", "Engine", "Signal", "Mirror",
    "Voyage", "Forest", "Tower", "Letter", "Canyon", "Island", "Machine", "Chorus", "Frontier",
    "Compass", "Archive", "Storm", "Meadow", "Circus", "Station", "Bridge", "Empire", "Echo",
    "Feather", "Desert", "Atlas",
)
_BRANDS = (
    "Bluefin Press", "Northlight", "Cobalt Media", "Harbor & Finch", "Red Kite", "Open Field",
    "Lumen House", "Paper Moon", "Granite Works", "Tidewater", "Small Hours", "Orbit Arts",
)
_TITLES = {
    1: ("Waste of time", "Really bad", "Avoid this one", "Terrible"),
    2: ("Disappointing", "Not for me", "Expected more", "Meh, mostly dull"),
    3: ("Mixed feelings", "Okay, not great", "Some good, some bad", "Average at best"),
    4: ("Really good", "Worth it", "Solid pick", "Enjoyed it"),
    5: ("Absolutely wonderful", "A new favourite", "Five stars, no doubt", "Loved it"),
}
_OPENERS = {
    1: ("I could not stand {title}.", "{title} was a chore from start to finish.",
        "Honestly one of the worst things I have tried, {title} fell flat."),
    2: ("{title} did not work for me.", "I wanted to like {title}, but it let me down.",
        "Not much to enjoy in {title}, sadly."),
    3: ("{title} was fine, nothing more.", "Mixed bag overall with {title}.",
        "Some parts of {title} landed, others did not."),
    4: ("{title} was a really good time.", "I enjoyed {title} quite a lot.",
        "Pleasantly surprised by {title}."),
    5: ("Loved every minute of {title}.", "{title} is easily one of my favourites.",
        "Wow, {title} blew me away."),
}
_LIKED = ("Loved the {attr} feel of it.", "The {attr} elements really worked for me.",
          "Great {attr} touches throughout.")
_NEUTRAL = ("The {attr} side was fine, nothing special.", "The {attr} parts were okay.",
            "The {attr} angle neither helped nor hurt.")
_DISLIKED = ("The {attr} parts dragged.", "I never warmed to the {attr} side of it.",
             "Too much {attr} for my taste.")
_CLOSERS = {
    1: ("Cannot recommend it.", "Would not buy again.", "Skip it."),
    2: ("Probably will not revisit it.", "Hard to recommend.", "Maybe others will like it more."),
    3: ("Worth a try if it is on sale.", "Your mileage may vary.", "Not bad, not great."),
    4: ("Would recommend it.", "I will look for more like this.", "Good value overall."),
    5: ("Highly recommended to everyone.", "Already looking forward to revisiting it.",
        "An easy five stars."),
}
_ASIDES = (
    "", "", "I picked it up after a friend kept mentioning it.",
    "Bought it on a whim during a sale.",
    "I went in with fairly high expectations after reading a few other reviews here.",
    "It took me a couple of evenings to get through it, which is about what I expected.",
)
_FILLER = " Took me a while to write this review, but I wanted to share my honest opinion."
_MIN_TEXT, _MAX_TEXT = 100, 400
_T0, _SPAN = 1_600_000_000, 2 * 365 * 24 * 3600
_TASTE, _BIAS_MEAN, _BIAS_SD, _QUALITY_SD, _SELECTION = 1.5, 0.3, 0.7, 0.6, 0.8


def generate(n_users: int = 500, n_items: int = 300, n_attributes: int = 12, min_per_user: int = 8,
             max_per_user: int = 30, noise: float = 0.6, seed: int = 0) -> RawData:
    """Deterministic synthetic interactions and item metadata for the given seed."""
    if not 1 <= n_attributes <= len(ATTRIBUTES):
        raise ValueError(f"n_attributes must be in 1..{len(ATTRIBUTES)}, got {n_attributes}")
    if not 1 <= min_per_user <= max_per_user <= n_items:
        raise ValueError("need 1 <= min_per_user <= max_per_user <= n_items")
    rng = np.random.default_rng(seed)
    tastes = _user_tastes(rng, n_users, n_attributes)
    bias = rng.normal(_BIAS_MEAN, _BIAS_SD, n_users)
    attrs = _item_attributes(rng, n_items, n_attributes)
    quality = rng.normal(0.0, _QUALITY_SD, n_items)
    popularity = rng.normal(0.0, 0.7, n_items)
    counts = rng.integers(min_per_user, max_per_user + 1, n_users)
    users, items = _choose_items(rng, tastes, attrs, popularity, counts, max_per_user)
    times = _timestamps(rng, counts)
    item_fit = (tastes[users] * attrs[items]).sum(1) / attrs[items].sum(1)
    ratings = np.clip(np.round(3 + bias[users] + quality[items] + item_fit
                               + noise * rng.normal(size=len(users))), 1, 5)
    titles = _item_titles(rng, n_items)
    review_titles, texts = _reviews(rng, users, items, ratings, tastes, attrs, titles)
    log_order = np.argsort(times, kind="stable")
    interactions = pa.table({
        C.USER: _ids("U", n_users)[users], C.ITEM: _ids("I", n_items)[items],
        C.RATING: ratings, C.TIMESTAMP: times,
        C.REVIEW_TITLE: review_titles, C.REVIEW_TEXT: texts,
    }).take(log_order)
    items_table = _items_table(rng, attrs, titles)
    return RawData(interactions=interactions, items=items_table, n_lines=len(users))


def _user_tastes(rng: np.random.Generator, n_users: int, n_attributes: int) -> np.ndarray:
    """Small random tastes plus 2-3 strongly liked and 1-2 strongly disliked attributes."""
    tastes = rng.normal(0.0, 0.2, (n_users, n_attributes))
    rank = rng.random((n_users, n_attributes)).argsort(1).argsort(1)
    n_liked = rng.integers(2, 4, (n_users, 1))
    n_disliked = rng.integers(1, 3, (n_users, 1))
    tastes += _TASTE * (rank < n_liked)
    tastes -= _TASTE * ((rank >= n_liked) & (rank < n_liked + n_disliked))
    return tastes


def _item_attributes(rng: np.random.Generator, n_items: int, n_attributes: int) -> np.ndarray:
    """Boolean (item, attribute) matrix with 1-3 attributes per item."""
    n_attrs = rng.integers(1, min(3, n_attributes) + 1, (n_items, 1))
    rank = rng.random((n_items, n_attributes)).argsort(1).argsort(1)
    return rank < n_attrs


def _choose_items(rng, tastes, attrs, popularity, counts, max_per_user):
    """Distinct items per user, biased to popular and fitting items (Gumbel top-k), in chunks."""
    fit_per_attr = attrs / attrs.sum(1, keepdims=True)
    n_items = len(attrs)
    chunk = max(1, 2_000_000 // n_items)
    picked = []
    for start in range(0, len(tastes), chunk):
        fit = tastes[start:start + chunk] @ fit_per_attr.T
        keys = popularity + _SELECTION * fit + rng.gumbel(size=fit.shape)
        top = np.argpartition(-keys, max_per_user - 1, axis=1)[:, :max_per_user]
        picked.append(rng.permuted(top, axis=1))
    picked = np.concatenate(picked)
    take = np.arange(max_per_user) < counts[:, None]
    users = np.repeat(np.arange(len(counts)), counts)
    return users, picked[take]


def _timestamps(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """Strictly increasing seconds per user inside a personal active window of a ~2 year span."""
    users = np.repeat(np.arange(len(counts)), counts)
    start = _T0 + rng.uniform(0, 0.75, len(counts)) * _SPAN
    length = rng.uniform(0.1, 1.0, len(counts)) * (_T0 + _SPAN - start)
    frac = np.sort(users + rng.random(len(users))) - users
    rank = np.arange(len(users)) - np.repeat(np.cumsum(counts) - counts, counts)
    return (start[users] + frac * length[users]).astype(np.int64) + rank


def _item_titles(rng: np.random.Generator, n_items: int) -> list[str]:
    """Unique readable titles: 'The <Adjective> <Noun>', numbered once the pairs run out."""
    pairs = [f"The {a} {n}" for a in _ADJECTIVES for n in _NOUNS]
    order = rng.permutation(len(pairs))
    return [pairs[order[i % len(pairs)]] + (f" {i // len(pairs) + 1}" if i >= len(pairs) else "")
            for i in range(n_items)]


def _ids(prefix: str, n: int) -> np.ndarray:
    width = len(str(max(n - 1, 0)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(n)], dtype=object)


def _reviews(rng, users, items, ratings, tastes, attrs, titles):
    """Review titles and 100-400 char texts phrased after the rating and per-attribute tastes."""
    names = ATTRIBUTES[:attrs.shape[1]]
    picks = rng.integers(0, 1 << 30, (len(users), 4 + attrs.shape[1]))
    review_titles, texts = [], []
    for n, (u, i, r) in enumerate(zip(users, items, ratings.astype(int))):
        p = picks[n]
        sentences = [_pick(_OPENERS[r], p[0]).format(title=titles[i]), _pick(_ASIDES, p[3])]
        for a in np.flatnonzero(attrs[i]):
            taste = tastes[u, a]
            pool = _LIKED if taste > 0.5 else _DISLIKED if taste < -0.5 else _NEUTRAL
            sentences.append(_pick(pool, p[4 + a]).format(attr=names[a]))
        sentences.append(_pick(_CLOSERS[r], p[1]))
        review_titles.append(_pick(_TITLES[r], p[2]))
        texts.append(_fit_length(" ".join(filter(None, sentences))))
    return review_titles, texts


def _pick(options: tuple[str, ...], draw: int) -> str:
    return options[draw % len(options)]


def _fit_length(text: str) -> str:
    """Pad short texts with a filler sentence and cut long ones at a word boundary."""
    while len(text) < _MIN_TEXT:
        text += _FILLER
    if len(text) > _MAX_TEXT:
        text = text[:_MAX_TEXT].rsplit(" ", 1)[0]
    return text


def _items_table(rng: np.random.Generator, attrs: np.ndarray, titles: list[str]) -> pa.Table:
    names = ATTRIBUTES[:attrs.shape[1]]
    categories = [[names[a] for a in np.flatnonzero(row)] for row in attrs]
    brands = [_BRANDS[b] for b in rng.integers(0, len(_BRANDS), len(attrs))]
    prices = np.round(np.exp(rng.normal(2.7, 0.6, len(attrs))), 2)
    descriptions = [f"{title}: a {' and '.join(cats)} release from {brand}."
                    for title, cats, brand in zip(titles, categories, brands)]
    return pa.table({
        C.ITEM: _ids("I", len(attrs)), C.TITLE: titles, C.DESCRIPTION: descriptions,
        C.CATEGORIES: pa.array(categories, type=pa.list_(pa.string())),
        C.BRAND: brands, C.PRICE: prices,
    })
