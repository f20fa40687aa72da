"""Trainer arguments shared by the SFT and GRPO stages: the config's args plus what the run sets."""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig, OmegaConf

from recexp.paradigms.state import RunState


def training_args(state: RunState, trainer_cfg: DictConfig, output_name: str, **extra: Any) -> dict:
    """``trainer_cfg.args`` plus output dir (``<run_dir>/<output_name>``), reporting, seed and
    precision (bf16 on a GPU that supports it, else fp32; gradient checkpointing off) unless set."""
    import torch

    args = OmegaConf.to_container(trainer_cfg.args, resolve=True)
    on_gpu = torch.cuda.is_available()
    args.setdefault("bf16", on_gpu and torch.cuda.is_bf16_supported())
    args.setdefault("gradient_checkpointing", False)
    args.setdefault("use_cpu", not on_gpu)
    args.setdefault("seed", state.cfg.seed)
    return {
        **args, **extra,
        "output_dir": str(state.run_dir / output_name),
        "report_to": ["wandb"] if state.tracker is not None and state.tracker.status == "ok" else "none",
        "run_name": state.run_dir.name,
    }
