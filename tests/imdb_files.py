"""IMDb Spoiler Dataset files (the schema users download) written by tests: ratings 1-10."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np

GENRES = ["Drama", "Comedy", "Horror", "Action", "Romance", "Thriller"]


def reviews(n_users: int = 40, n_movies: int = 30, per_user: int = 12, seed: int = 0) -> list[dict]:
    """Review records, each user's in date order; ratings follow user bias + movie quality."""
    rng = np.random.default_rng(seed)
    bias, quality = rng.normal(0, 1.5, n_users), rng.normal(0, 1.5, n_movies)
    start = dt.date(2005, 1, 1)
    records = []
    for user in range(n_users):
        movies = rng.choice(n_movies, size=per_user, replace=False)
        days = np.sort(rng.choice(3000, size=per_user, replace=False))
        for movie, day in zip(movies, days):
            rating = int(np.clip(np.rint(6 + bias[user] + quality[movie] + rng.normal(0, 1)), 1, 10))
            date = start + dt.timedelta(days=int(day))
            records.append({"review_date": f"{date.day} {date:%B %Y}", "movie_id": f"tt{movie:07d}",
                            "user_id": f"ur{user:07d}", "is_spoiler": bool(rng.random() < 0.2),
                            "review_text": f"Review of movie {movie} by {user}: {'great' if rating > 6 else 'weak'}.",
                            "rating": str(rating), "review_summary": "great" if rating > 6 else "weak"})
    return records


def movies(n_movies: int = 30) -> list[dict]:
    return [{"movie_id": f"tt{m:07d}", "plot_summary": f"The plot of movie {m}.", "duration": "1h 50min",
             "genre": [GENRES[m % len(GENRES)], GENRES[(m + 1) % len(GENRES)]], "rating": 7.0,
             "release_date": "1999-01-01", "plot_synopsis": ""} for m in range(n_movies)]


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def write_imdb(folder: Path, **kwargs) -> tuple[Path, Path]:
    """IMDB_reviews.json and IMDB_movie_details.json in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    return (write_jsonl(folder / "IMDB_reviews.json", reviews(**kwargs)),
            write_jsonl(folder / "IMDB_movie_details.json", movies(kwargs.get("n_movies", 30))))


def write_given_split(folder: Path, **kwargs) -> dict[str, Path]:
    """train/valid/test files in the IMDb review schema: per user, the last review -> test, the one
    before -> valid, the rest -> train."""
    folder.mkdir(parents=True, exist_ok=True)
    by_user: dict[str, list[dict]] = {}
    for record in reviews(**kwargs):
        by_user.setdefault(record["user_id"], []).append(record)
    splits = {"train": [], "valid": [], "test": []}
    for records in by_user.values():
        splits["train"] += records[:-2]
        splits["valid"].append(records[-2])
        splits["test"].append(records[-1])
    return {name: write_jsonl(folder / f"{name}.json", rows) for name, rows in splits.items()}
