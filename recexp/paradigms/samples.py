"""Stage ``teacher_samples``: the teacher writes SFT examples for a sample of train interactions.

How the examples are made is the paradigm's ``samples.method`` (``recexp/paradigms/sample_methods/``).
The examples go to ``<run_dir>/samples.parquet`` (one row per student example: ``row``, ``role``,
``messages`` as JSON, ``completion``, ``kind``, ``true``, ``method``) and the counts to metrics under
``<method>/…``. ``samples.samples_path`` reuses an earlier run's file instead of asking the teacher;
the file records the data it was made on (``recexp/paradigms/samples_provenance.py``), checked before
any stage runs. With several processes rank 0 alone asks the teacher and writes the file; every
rank trains on the same examples."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from recexp.common import distributed
from recexp.common.publish import atomic_path
from recexp.paradigms.samples_provenance import PROVENANCE, samples_file, stamp
from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)
COLUMNS = ["row", "role", "messages", "completion", "kind", "true", "method"]


def teacher_samples(state: RunState) -> RunState:
    cfg = state.cfg.paradigm.samples
    if cfg.samples_path:
        frame = load_samples(Path(cfg.samples_path).expanduser(), cfg.method)
        state.metrics["samples/reused_from"] = str(cfg.samples_path)
    else:  # the teacher is asked once: rank 0 makes the samples, every rank gets them
        frame, counts = distributed.run_on_main(lambda: make_samples(state))
        frame = stamp(frame, state)
        state.metrics.update(counts)
    if frame.empty:
        raise RuntimeError(f"teacher_samples: no {cfg.method} samples kept; see the counts in metrics.json")
    state.metrics["samples/examples"] = len(frame)
    state.metrics["samples/interactions"] = int(frame["row"].nunique())
    if distributed.is_main_process():
        with atomic_path(state.run_dir / "samples.parquet") as tmp:  # the old file or the new one, never torn
            frame.to_parquet(tmp, index=False)
    state.samples = frame
    return state


def make_samples(state: RunState) -> tuple[pd.DataFrame, dict]:
    from recexp.paradigms.sample_methods import SAMPLE_METHODS, SampleJob
    from recexp.teachers import build_teacher

    cfg = state.cfg
    method = cfg.paradigm.samples.method
    teacher = build_teacher(cfg.teacher, Path(cfg.cache_dir).expanduser())
    if cfg.resume:
        _say_how_samples_resume(teacher)
    job = SampleJob.build(state, teacher, pick_rows(state, cfg.paradigm.samples.n_samples))
    log.info("teacher_samples: %s on %d train interactions (teacher=%s)", method, len(job.items), cfg.teacher.name)
    examples, counts = SAMPLE_METHODS.get(method).make(job)
    examples = [{**example, "method": method} for example in examples]
    counts = {f"{method}/{k}": v for k, v in counts.items()}
    counts.update(teacher.describe() if teacher is not None else {"teacher/name": "none"})
    _check_failures(counts, method, cfg.paradigm.samples.max_teacher_failure_rate)
    log.info("teacher_samples: %s", ", ".join(f"{k}={v}" for k, v in counts.items()))
    return pd.DataFrame(examples, columns=COLUMNS), counts


def _say_how_samples_resume(teacher) -> None:
    """resume=true: the samples are made again; say what the teacher's reply cache saves."""
    if teacher is not None and teacher.cache is not None:
        log.info("teacher_samples: resume=true: making the samples again; replies cached in %s are not asked "
                 "again", teacher.cache.dir)
    else:
        log.info("teacher_samples: resume=true: making the samples again (this teacher caches no replies: "
                 "every request is answered again)")


def pick_rows(state: RunState, n: int) -> np.ndarray:
    """``n`` train rows drawn without replacement, seeded by the run's seed (all when fewer)."""
    rows = state.data.split("train").column("row").to_numpy()
    if n >= len(rows):
        return rows
    return np.sort(np.random.default_rng(state.cfg.seed).choice(rows, size=n, replace=False))


def load_samples(path: Path, method: str) -> pd.DataFrame:
    """An earlier run's samples.parquet (a run dir works too), checked for the expected columns
    and made by the same method (another method's examples would not match this student's roles)."""
    path = samples_file(path)
    if not path.is_file():
        raise FileNotFoundError(f"paradigm.samples.samples_path: no samples file at {path}")
    frame = pd.read_parquet(path)
    missing = set(COLUMNS) - set(frame.columns)
    if missing:
        raise ValueError(f"paradigm.samples.samples_path: {path} lacks columns {sorted(missing)}")
    made_by = sorted(set(frame["method"]))
    if made_by != [method]:
        raise ValueError(f"paradigm.samples.samples_path: {path} holds samples.method={','.join(made_by)} "
                         f"examples; this paradigm uses samples.method={method}")
    log.info("teacher_samples: reusing %d %s examples from %s", len(frame), method, path)
    return frame[[*COLUMNS, *(c for c in PROVENANCE if c in frame.columns)]]


def _check_failures(counts: dict, method: str, max_rate: float) -> None:
    calls, failed = counts.get(f"{method}/teacher_calls", 0), counts.get(f"{method}/teacher_errors", 0)
    if calls and failed / calls > max_rate:
        raise RuntimeError(f"teacher_samples: {failed} of {calls} teacher calls failed (> "
                           f"paradigm.samples.max_teacher_failure_rate={max_rate}); rerun to retry them "
                           "(successful replies are cached)")


def sft_examples(frame: pd.DataFrame) -> list[dict]:
    """Conversational prompt/completion pairs for TRL's SFTTrainer (loss on the completion only)."""
    return [{"prompt": json.loads(m), "completion": [{"role": "assistant", "content": c}]}
            for m, c in zip(frame["messages"], frame["completion"])]
