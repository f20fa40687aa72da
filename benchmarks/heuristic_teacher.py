"""How good is the rule-based teacher itself? The ceiling a student distilled from it could reach.

    python benchmarks/heuristic_teacher.py [--datasets synthetic music]

For each dataset: the heuristic teacher's own rating (recexp/teachers/heuristic.py, from the same
leakage-free contexts the prompts show) scored on valid and test with the project's metrics, and the
share of train interactions it gets exactly right (RecOne's "aligned" rate) or within one star
(aligned + rationalized). Prints one line per dataset and split.
"""

from __future__ import annotations

import argparse

import numpy as np
from hydra import compose, initialize_config_dir
from shared_datasets import DATASETS  # benchmarks/shared_datasets.py

import recexp.config  # noqa: F401
from recexp.common.layout import CONF_DIR
from recexp.data.context import ContextBuilder
from recexp.data.pipeline import load_dataset
from recexp.eval.metrics import rating_metrics
from recexp.prompts.facts import fact_sheet
from recexp.teachers.heuristic import MAX_STRETCH, rule_rating


def rule_ratings(data, split: str, item_reviews_limit: int) -> tuple[np.ndarray, np.ndarray]:
    table = data.split(split)
    builder = ContextBuilder(data.processed)
    preds = [rule_rating(fact_sheet(builder.build(int(r)), item_reviews_limit=item_reviews_limit))
             for r in table.column("row").to_numpy()]
    return table.column("rating").to_numpy().astype(float), np.array(preds, dtype=float)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["synthetic", "music"], choices=list(DATASETS))
    args = parser.parse_args()
    for name in args.datasets:
        with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
            cfg = compose("config", overrides=DATASETS[name] + ["logger=none"])
        data = load_dataset(cfg.dataset, cfg.cache_dir)
        limit = cfg.prompt.item_reviews_limit
        true, pred = rule_ratings(data, "train", limit)
        print(f"{name:9s} train  exact {np.mean(true == pred):.3f}  within {MAX_STRETCH} star "
              f"{np.mean(np.abs(true - pred) <= MAX_STRETCH):.3f}  (n={len(true)})")
        for split in ("valid", "test"):
            true, pred = rule_ratings(data, split, limit)
            m = rating_metrics(true, pred, pred)
            print(f"{name:9s} {split:5s}  mae {m['mae']:.4f}  rmse {m['rmse']:.4f}  pearson {m['pearson']:.3f}  (n={len(true)})")


if __name__ == "__main__":
    main()
