"""Dataset overrides the benchmarks share: the synthetic default and the real slices in ../shared/data."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
DATASETS = {
    "synthetic": ["dataset=synthetic"],
    "music": ["dataset=amazon_music",
              f"dataset.reviews_path={SHARED}/amazon2014_digital_music/reviews_Digital_Music_5.partial.json.gz",
              f"dataset.meta_path={SHARED}/amazon2014_digital_music/meta_Digital_Music.partial.json.gz"],
    "instruments": ["dataset=amazon2014", "dataset.name=musical_instruments",
                    f"dataset.reviews_path={SHARED}/amazon2014_musical_instruments/reviews_Musical_Instruments_5.json.gz"],
    "beauty": ["dataset=amazon2018", "dataset.name=all_beauty",
               f"dataset.reviews_path={SHARED}/amazon2018_all_beauty/All_Beauty_5.json.gz"],
}
