"""The processes of one run (``accelerate launch`` / ``torchrun`` / a SLURM job with several tasks)
and how they coordinate, on accelerate's ``PartialState`` (torch.distributed underneath).

Every rank composes the same config and runs the same stages. Rules the stages follow:

- work that must happen once (run-dir check, data cache build, tiny model build, teacher calls)
  runs on rank 0 (``run_on_main`` / ``main_first``); the others wait at a broadcast and get its
  result, or its exception, so no rank is left waiting on a rank that failed;
- every run output file is written by rank 0 alone (``is_main_process``);
- a decision that changes the path a rank takes (the best valid step, a prune) is made on rank 0
  and broadcast (``broadcast_from_main``), so every rank takes the same path;
- evaluation is shared: every rank predicts an equal share and all get the whole (``gather``).

With one process (``WORLD_SIZE`` unset or 1) every helper is a plain call: nothing is imported,
no process group is made, and single-process runs behave as before.
"""

from __future__ import annotations

import logging
import os
import pickle
from typing import Any, Callable, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# What launchers set for torch.distributed's env:// rendezvous; removed in a fresh single process.
LAUNCHER_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK", "GROUP_WORLD_SIZE",
                "ROLE_RANK", "ROLE_WORLD_SIZE", "ROLE_NAME", "MASTER_ADDR", "MASTER_PORT",
                "TORCHELASTIC_RUN_ID", "TORCHELASTIC_RESTART_COUNT", "TORCHELASTIC_MAX_RESTARTS",
                "TORCHELASTIC_USE_AGENT_STORE", "TORCH_NCCL_ASYNC_ERROR_HANDLING")


def world_size() -> int:
    """Number of processes of this run (the launcher's ``WORLD_SIZE``; 1 without a launcher)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    """This process's global rank (the launcher's ``RANK``; 0 without a launcher)."""
    return int(os.environ.get("RANK", "0"))


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def is_multi_process() -> bool:
    return world_size() > 1


def is_main_process() -> bool:
    """Rank 0 (or a single process): the one that writes run outputs and talks to W&B."""
    return rank() == 0


def partial_state() -> Any:
    """accelerate's ``PartialState`` for this process (joins the process group on first use).

    ``cpu=True`` without CUDA, as the trainers' ``TrainingArguments(use_cpu=True)`` set it: on CPU
    the ranks then talk over gloo."""
    import torch
    from accelerate import PartialState

    return PartialState(cpu=not torch.cuda.is_available())


def device() -> Any:
    """The device this rank's model belongs on: ``cuda:<local rank>`` on GPUs (never a bare
    ``cuda``, which is every rank's ``cuda:0``), else the CPU."""
    import torch

    if not is_multi_process():
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return partial_state().device


def barrier() -> None:
    """Wait until every rank gets here (no-op with one process)."""
    if is_multi_process():
        partial_state().wait_for_everyone()


def broadcast_from_main(value: T) -> T:
    """Rank 0's ``value`` on every rank (pickled; any picklable object)."""
    if not is_multi_process():
        return value
    from accelerate.utils import broadcast_object_list

    box = [value if is_main_process() else None]
    partial_state()  # the process group must exist before the broadcast
    broadcast_object_list(box, from_process=0)
    return box[0]


def gather(value: Any) -> list[Any]:
    """Every rank's ``value``, in rank order, on every rank (``[value]`` with one process)."""
    if not is_multi_process():
        return [value]
    from accelerate.utils import gather_object

    partial_state()
    return list(gather_object([value]))


def leave_together() -> None:
    """At the end of a run every rank reached: wait for the others, then close the process group
    (a process exiting with gloo's threads still running can abort, failing the launcher)."""
    if not is_multi_process():
        return
    state = partial_state()
    state.wait_for_everyone()
    state.destroy_process_group()


def run_on_main(fn: Callable[[], T]) -> T:
    """``fn()`` on rank 0 only; every rank returns its result, or raises its exception.

    The other ranks wait at a broadcast, so a failure on rank 0 reaches them instead of leaving
    them waiting forever."""
    if not is_multi_process():
        return fn()
    outcome: tuple[bool, Any] | None = None
    error: BaseException | None = None
    if is_main_process():
        try:
            outcome = (True, fn())
        except BaseException as exc:  # shared below, then re-raised with its traceback on rank 0
            error, outcome = exc, (False, _picklable(exc))
    ok, value = broadcast_from_main(outcome)
    if error is not None:
        raise error
    if not ok:
        raise value
    return value


def main_first(fn: Callable[[], T]) -> T:
    """``fn()`` on rank 0, then, once it succeeded, on the other ranks: for work whose result
    rank 0 leaves in a cache the others then read (data splits, the tiny model)."""
    if not is_multi_process():
        return fn()
    kept: dict[str, T] = {}

    def on_main() -> None:
        kept["value"] = fn()

    run_on_main(on_main)
    return kept["value"] if is_main_process() else fn()


def run_single_process(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in a freshly spawned process outside the run's process group.

    For once-only work that trains with a transformers Trainer (the tiny model's warm-up): run on
    rank 0 inside the group, the Trainer would wrap the model for all ranks and wait for the others."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    root = logging.getLogger()
    log_files = [h.baseFilename for h in root.handlers if isinstance(h, logging.FileHandler)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context, initializer=_leave_launcher_env,
                             initargs=(root.getEffectiveLevel(), log_files)) as pool:
        return pool.submit(fn, *args).result()


def _leave_launcher_env(level: int, log_files: list[str]) -> None:
    """Start of the spawned process: no launcher variables; log to stderr and the run's log files."""
    tag = f"rank {rank()}, single process"
    for name in LAUNCHER_ENV:
        os.environ.pop(name, None)
    handlers = [logging.StreamHandler(), *(logging.FileHandler(f) for f in log_files)]
    logging.basicConfig(level=level, handlers=handlers,
                        format=f"[%(asctime)s][%(name)s][%(levelname)s] - [{tag}] %(message)s")


def _picklable(exc: BaseException) -> BaseException:
    """``exc`` if it survives pickling (the other ranks raise the same type), else a RuntimeError
    with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:
        return RuntimeError(f"rank 0 failed: {type(exc).__name__}: {exc}")


def describe_process() -> str:
    """``rank R of N (local rank L, pid P)``: what every run logs first."""
    return f"rank {rank()} of world size {world_size()} (local rank {local_rank()}, pid {os.getpid()})"


def tag_log_records() -> None:
    """Prefix this process's log messages with ``[rank R]`` when the run has several processes,
    so the lines of all ranks in one run.log can be told apart."""
    if not is_multi_process():
        return
    make_record, prefix = logging.getLogRecordFactory(), f"[rank {rank()}] "
    if getattr(make_record, "recexp_rank_tag", None) == prefix:
        return

    def tagged(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if isinstance(record.msg, str):
            record.msg = prefix + record.msg
        return record

    tagged.recexp_rank_tag = prefix  # type: ignore[attr-defined]
    logging.setLogRecordFactory(tagged)


def adopt_slurm_tasks() -> None:
    """Inside a SLURM job with several tasks (``hydra/launcher=slurm_multi_gpu``) started by
    submitit, export the torch.distributed variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_*) the
    tasks need to form one process group; no-op elsewhere or when a launcher already set them."""
    if "RANK" in os.environ or os.environ.get("SUBMITIT_EXECUTOR") != "slurm":
        return
    if int(os.environ.get("SLURM_NTASKS", "1")) <= 1:
        return
    from submitit.helpers import TorchDistributedEnvironment

    TorchDistributedEnvironment().export(set_cuda_visible_devices=False)
