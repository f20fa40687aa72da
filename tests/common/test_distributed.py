"""recexp.common.distributed and the decisions it shares, on two real gloo ranks (torch.multiprocessing,
a few seconds) and without any: rank 0's outcome (a value, an exception, a prune) reaches every
rank, the best valid step is the same on every rank, evaluation slices cover every row once."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from recexp.common import distributed
from recexp.common.layout import CONF_DIR
from recexp.eval.shared import _first_rows, rank_slice

WORLD = 2


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _on_two_ranks(tmp_path: Path, scenario: str) -> list[dict]:
    """Run ``scenario`` (a function of this module) on two gloo ranks; each rank's outcome."""
    import torch.multiprocessing as mp

    mp.start_processes(_rank_main, args=(WORLD, _free_port(), scenario, str(tmp_path)), nprocs=WORLD,
                       start_method="spawn")
    return [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in range(WORLD)]


def _rank_main(rank: int, world: int, port: int, scenario: str, out: str) -> None:
    os.environ.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(world), MASTER_ADDR="127.0.0.1",
                      MASTER_PORT=str(port), OMP_NUM_THREADS="1")
    try:
        outcome = {"value": globals()[scenario](Path(out))}
    except BaseException as exc:  # noqa: BLE001 - the outcome is the test's subject
        outcome = {"raised": type(exc).__name__, "message": str(exc)}
    (Path(out) / f"rank{rank}.json").write_text(json.dumps(outcome, default=str))
    import torch.distributed as dist

    if dist.is_initialized():  # leave together: a rank exiting under gloo's threads aborts
        dist.barrier()
        dist.destroy_process_group()


def _failing_on_main(out: Path):
    def fail():
        raise ValueError("the teacher is unreachable")

    return distributed.run_on_main(fail)


def _value_and_gather(out: Path):
    calls = out / f"calls{distributed.rank()}"

    def once() -> dict:
        calls.write_text("called")
        return {"rows": [1, 2, 3]}

    value = distributed.run_on_main(once)
    return {"value": value, "gathered": distributed.gather(distributed.rank()), "called": calls.exists()}


class _PruningTrial:
    """The study's pruner says prune at the first report; only rank 0 holds the trial."""

    number = 7
    study = SimpleNamespace(pruner=None)

    def report(self, value: float, step: int) -> None:
        self.reported = (value, step)

    def should_prune(self) -> bool:
        return True


def _prune_during_training(out: Path):
    """The valid-eval callback at step 2: each rank measures a different MAE; rank 0's is kept,
    the best step saved once, and the prune decided on rank 0 stops both ranks."""
    from recexp.sweeps.trial import report_on_main
    from recexp.trainers.callbacks import ValidEvalCallback

    trial = _PruningTrial() if distributed.is_main_process() else None
    mae = 0.5 + distributed.rank()
    metrics = {"mae_median_fallback": mae, "coverage": 1.0, "pearson": 0.1, "pred_top_share": 0.5}
    callback = ValidEvalCallback(lambda model: metrics, 2, out / "best", log_fn=lambda values: None,
                                 report=lambda step, m: report_on_main(trial, "mae_median_fallback", step, m))
    saved = []
    callback.save = lambda model, directory: saved.append(str(directory))
    (out / "best").mkdir(exist_ok=True)
    try:
        callback.on_step_end(None, SimpleNamespace(global_step=2), None, model=object())
    finally:
        (out / f"best{distributed.rank()}.json").write_text(json.dumps({"best": callback.best, "saved": saved}))


def test_a_failure_on_rank_0_is_raised_on_every_rank(tmp_path):
    outcomes = _on_two_ranks(tmp_path, "_failing_on_main")
    assert [o.get("raised") for o in outcomes] == ["ValueError", "ValueError"]
    assert all(o["message"] == "the teacher is unreachable" for o in outcomes)


def test_once_only_work_runs_on_rank_0_and_its_result_reaches_every_rank(tmp_path):
    outcomes = _on_two_ranks(tmp_path, "_value_and_gather")
    assert [o["value"]["value"] for o in outcomes] == [{"rows": [1, 2, 3]}] * 2
    assert [o["value"]["gathered"] for o in outcomes] == [[0, 1]] * 2
    assert [o["value"]["called"] for o in outcomes] == [True, False]


def test_a_prune_decided_on_rank_0_stops_both_ranks_at_the_same_best_step(tmp_path):
    outcomes = _on_two_ranks(tmp_path, "_prune_during_training")
    assert [o.get("raised") for o in outcomes] == ["TrialPruned", "TrialPruned"]
    assert all(o["message"].startswith("pruned at step 2") for o in outcomes)
    kept = [json.loads((tmp_path / f"best{r}.json").read_text()) for r in range(WORLD)]
    assert [k["best"]["mae_median_fallback"] for k in kept] == [0.5, 0.5]  # rank 0's measurement everywhere
    assert all(k["saved"] == [str(tmp_path / "best")] for k in kept)  # every rank joins the save
    assert json.loads((tmp_path / "best" / "best.json").read_text())["step"] == 2
    assert (tmp_path / "valid_curve.json").exists()


@pytest.mark.parametrize("n", [1, 5, 6, 7])
def test_evaluation_slices_have_equal_length_and_rejoin_to_every_row_once(n):
    slices = [rank_slice(n, r, 3) for r in range(3)]
    assert len({len(s) for s in slices}) == 1
    frames = [pd.DataFrame({"row": s}) for s in slices]
    assert _first_rows(frames, n)["row"].tolist() == list(range(n))
    assert _first_rows([np.asarray(s, dtype=float) for s in slices], n).tolist() == list(range(n))


def test_one_process_needs_no_process_group(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.delenv("RANK", raising=False)
    assert distributed.world_size() == 1 and distributed.is_main_process()
    assert distributed.run_on_main(lambda: 3) == 3 and distributed.broadcast_from_main("x") == "x"
    assert distributed.gather(5) == [5] and distributed.main_first(lambda: 4) == 4


def test_slurm_tasks_become_one_process_group(monkeypatch):
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "LOCAL_WORLD_SIZE"):
        monkeypatch.setenv(key, "")  # recorded, so what adopt_slurm_tasks exports is undone after the test
        monkeypatch.delenv(key)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    for key, value in {"SUBMITIT_EXECUTOR": "slurm", "SLURM_JOB_ID": "123", "SLURM_NTASKS": "4",
                       "SLURM_JOB_NUM_NODES": "1", "SLURM_NODEID": "0", "SLURM_JOB_NODELIST": "gpu07",
                       "SLURM_PROCID": "2", "SLURM_LOCALID": "2"}.items():
        monkeypatch.setenv(key, value)
    distributed.adopt_slurm_tasks()
    assert (os.environ["RANK"], os.environ["WORLD_SIZE"], os.environ["LOCAL_RANK"]) == ("2", "4", "2")
    assert os.environ["MASTER_ADDR"] == "gpu07" and os.environ["CUDA_VISIBLE_DEVICES"] == "0,1,2,3"


def test_the_slurm_test_leaves_no_rank_behind():
    """The previous test's exports are undone: a later run in this process (or its children) must
    not join a process group of 4 that never forms."""
    assert "RANK" not in os.environ and "WORLD_SIZE" not in os.environ


def test_slurm_multi_gpu_preset_runs_one_task_per_gpu_on_one_node():
    from hydra import compose, initialize_config_dir

    import recexp.config  # noqa: F401

    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        cfg = compose("config", overrides=["hydra/launcher=slurm_multi_gpu", "hydra.launcher.gpus_per_node=8"],
                      return_hydra_config=True)
    launcher = cfg.hydra.launcher
    assert launcher.nodes == 1 and launcher.tasks_per_node == launcher.gpus_per_node == 8
    assert launcher._target_.endswith("SlurmLauncher")
