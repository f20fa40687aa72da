"""kill -9 while the processed-data cache is built: while the reviews are read (their text spills
beside the cache entry) and while the splits are written (into a temporary sibling). Nothing
partial is ever published, the next build removes what the killed ones left, and later runs reuse
the cache. The file is large enough (600k reviews) that each phase lasts about a second: at smoke
size the whole build takes 10 ms, too fast to kill inside."""

from __future__ import annotations

import gzip
from pathlib import Path

from recexp.data.cache import is_complete

from .killing import Run, appeared, orphans


def write_reviews(path: Path, n_users: int = 30_000, n_items: int = 20) -> Path:
    """A 2014-format review file (gzip) in which every user rated every item once."""
    with gzip.open(path, "wt", compresslevel=1) as handle:
        handle.writelines(
            f'{{"reviewerID": "u{u}", "asin": "i{i}", "overall": {1 + (u * i) % 5}.0, "unixReviewTime": '
            f'{1_400_000_000 + 3600 * (u * n_items + i)}, "reviewText": "{"ok " * 20}", "summary": "s"}}\n'
            for u in range(n_users) for i in range(n_items))
    return path


def test_a_data_build_killed_while_reading_or_writing_publishes_nothing_partial(tmp_path):
    reviews = write_reviews(tmp_path / "reviews.json.gz")
    overrides = ("paradigm=global_median", "logger=none", "dataset=amazon2014", f"dataset.reviews_path={reviews}")
    run = Run(tmp_path, *overrides)
    processed = run.cache / "processed"

    run.kill_when(appeared(processed, ".amazon2014-*-reviews.arrow"))  # reading: the text spill exists
    [spill] = orphans(processed)
    assert not list(processed.glob("amazon2014-*")), "the kill landed after the cache was published"

    second = run.kill_when(lambda attempt: any(p.is_dir() for p in orphans(processed)))  # writing the splits
    [tmp_dir] = [p for p in orphans(processed) if p.is_dir()]
    assert not list(processed.glob("amazon2014-*")), "the kill landed after the cache was published"
    assert not is_complete(tmp_dir)  # half-written, and never read: only a published name is
    assert f"data: removing {spill}, left by a build" in second.log() and not spill.exists()

    third, metrics = run.finish()
    assert f"data: removing {tmp_dir}, left by a build" in third.log() and "data: cached splits in" in third.log()
    assert metrics["data/cache_hit"] is False and orphans(processed) == []
    [target] = processed.glob("amazon2014-*")
    assert is_complete(target) and metrics["data/dir"] == str(target)

    again, reused = Run(tmp_path, *overrides, cache=run.cache, name="again").finish()
    assert reused["data/cache_hit"] is True and f"data: reusing cached splits in {target}" in again.log()
    assert reused["test/mae"] == metrics["test/mae"]
