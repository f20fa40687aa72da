"""What the SFT and GRPO stages share: trainer arguments (the config's args plus what the run
sets) and training, with ``resume=true`` from the checkpoint to continue from."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from recexp.paradigms.state import RunState

log = logging.getLogger(__name__)


def training_args(state: RunState, trainer_cfg: DictConfig, output_name: str, **extra: Any) -> dict:
    """``trainer_cfg.args`` plus output dir (``<run_dir>/<output_name>``), reporting, seed and
    precision (bf16 on a GPU that supports it, else fp32; activation checkpointing off) unless set."""
    import torch

    from recexp.trainers.args import CHECKPOINTING, OLD_CHECKPOINTING, with_installed_names

    args = OmegaConf.to_container(trainer_cfg.args, resolve=True)
    on_gpu = torch.cuda.is_available()
    args.setdefault("bf16", on_gpu and torch.cuda.is_bf16_supported())
    if OLD_CHECKPOINTING not in args:  # the deprecated name, set by hand: transformers says so
        args.setdefault(CHECKPOINTING, False)
    args = with_installed_names(trainer_cfg.kind, args)
    args.setdefault("use_cpu", not on_gpu)
    args.setdefault("seed", state.cfg.seed)
    return {
        **args, **extra,
        "output_dir": str(state.run_dir / output_name),
        "report_to": ["wandb"] if state.tracker is not None and state.tracker.status == "ok" else "none",
        "run_name": state.run_dir.name,
    }


def train(trainer: Any, state: RunState, stage: str) -> Any:
    """``trainer.train()``; with ``resume=true`` from the last complete checkpoint. A checkpoint
    at the last step (the run was killed after this stage trained) is loaded and trained no
    further: the TrainOutput then has no training loss (NaN)."""
    from transformers.trainer_utils import TrainOutput

    from recexp.trainers.callbacks import StopAtLastStep, TrainingFinished

    checkpoint = resume_checkpoint(state, trainer.args.output_dir, stage)
    stop = StopAtLastStep()
    trainer.add_callback(stop)
    try:
        return trainer.train(resume_from_checkpoint=checkpoint)
    except TrainingFinished as done:
        log.info("%s: %s is at the last step (%s); nothing left to train", stage, checkpoint, done)
        return TrainOutput(trainer.state.global_step, float("nan"), {})
    finally:
        trainer.remove_callback(stop)


def resume_checkpoint(state: RunState, output_dir: str, stage: str) -> str | None:
    """With ``resume=true`` the newest complete checkpoint in ``output_dir``, else None; the log
    says which, or that the stage trains from the start (no checkpoint: none was saved yet, or
    ``save_strategy`` is "no")."""
    if not state.cfg.resume:
        return None
    checkpoint = last_complete_checkpoint(Path(output_dir))
    if checkpoint:
        log.info("%s: resuming from %s", stage, checkpoint)
    else:
        log.info("%s: no checkpoint to resume from in %s; training from the start", stage, output_dir)
    return checkpoint


def last_complete_checkpoint(directory: Path) -> str | None:
    """The newest ``checkpoint-N`` whose save finished (``trainer_state.json`` is written last): a
    process killed while saving leaves a partial one, which a resume skips."""
    if not directory.is_dir():
        return None
    steps = sorted((int(p.name.removeprefix("checkpoint-")), p) for p in directory.glob("checkpoint-*")
                   if p.is_dir() and p.name.removeprefix("checkpoint-").isdigit())
    for _step, path in reversed(steps):
        if (path / "trainer_state.json").exists():
            return str(path)
        log.warning("skipping %s: its save did not finish (no trainer_state.json)", path)
    return None
