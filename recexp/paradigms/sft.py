"""Stage ``sft``: supervised fine-tuning on the teacher samples through TRL's SFTTrainer.

Arguments come from the ``sft`` slot (``trainer@sft=sft``: keyword arguments of trl.SFTConfig,
checked at composition). The loss is on the completion only (conversational prompt/completion
pairs). With ``resume=true`` training continues from the last complete checkpoint in
``<run_dir>/sft_checkpoints`` when there is one (``sft.args.save_strategy=steps``; the default
"no" saves none, and the log says SFT starts over). The tuned model is saved to
``<run_dir>/sft_model`` and reloaded from there, so a GRPO stage after it rebuilds its reference
model from the SFT weights. The module's imports are light: its config check (``check_sft``) runs
while a config is validated."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from recexp.common import distributed
from recexp.common.distributed import is_main_process
from recexp.common.errors import ConfigError
from recexp.common.jsonio import write_json
from recexp.paradigms.state import RunState
from recexp.paradigms.training import train, training_args

log = logging.getLogger(__name__)


def sft(state: RunState) -> RunState:
    from datasets import Dataset
    from trl import SFTConfig, SFTTrainer

    from recexp.models.loading import lora_config
    from recexp.paradigms.samples import sft_examples
    from recexp.trainers.log_scalars import LogScalarsCallback, quiet_progress

    cfg = state.cfg
    args = SFTConfig(**training_args(state, cfg.sft, "sft_checkpoints"))
    trainer = SFTTrainer(model=state.model, args=args, train_dataset=Dataset.from_list(sft_examples(state.samples)),
                         processing_class=state.tokenizer, peft_config=lora_config(cfg.model),
                         callbacks=[LogScalarsCallback("sft")])
    quiet_progress(trainer)
    if cfg.model.lora.enabled:
        _check_unsharded(trainer)
    started = time.perf_counter()
    result = train(trainer, state, "sft")
    state.metrics.update({"sft/steps": result.global_step, "sft/train_loss": result.training_loss,
                          "sft/train_seconds": round(time.perf_counter() - started, 1),
                          "sft/examples": len(state.samples)})
    _write_log(trainer, state.run_dir)
    _save_and_reload(state, trainer, state.run_dir / "sft_model")
    return state


def _write_log(trainer, run_dir: Path) -> None:
    if is_main_process():
        write_json(run_dir / "sft_log.json", trainer.state.log_history, indent=1)


def _save_and_reload(state: RunState, trainer, directory: Path) -> None:
    """Save the tuned model (LoRA merged into the base) and continue from the saved copy; with
    several processes the copy is written once and every rank reloads it."""
    from recexp.models.loading import load_model
    from recexp.models.precision import weights_dtype
    from recexp.paradigms.load_model import set_predictor

    model = trainer.model
    if hasattr(model, "merge_and_unload"):
        if is_main_process():
            model.merge_and_unload().save_pretrained(directory)
    else:
        trainer.save_model(str(directory))  # every rank: gathers a sharded model, writes on rank 0
    if is_main_process():
        state.tokenizer.save_pretrained(directory)
    distributed.barrier()  # the copy is complete before any rank reads it
    log.info("sft: saved the tuned model to %s", directory)
    state.model_path = str(directory)
    state.model, state.tokenizer = load_model(state.model_path, state.cfg.model, dtype=weights_dtype(state.cfg))
    set_predictor(state)


def _check_unsharded(trainer) -> None:
    """Merging LoRA needs the whole base weights on rank 0, which FSDP and ZeRO-3 shard away."""
    deepspeed = getattr(trainer.accelerator.state, "deepspeed_plugin", None)
    if trainer.is_fsdp_enabled or (deepspeed is not None and deepspeed.zero_stage == 3):
        raise RuntimeError("sft: merging LoRA into a model sharded by FSDP / ZeRO-3 is not supported; "
                           "run the SFT stage with the ddp or zero2 accelerate preset")


# checks


def check_sft(cfg: DictConfig) -> None:
    from recexp.trainers.args import check_trainer_args

    if cfg.sft.kind != "sft":
        raise ConfigError(f"sft: stage sft needs the SFT slot filled (trainer@sft=sft), got sft={cfg.sft.name}")
    check_trainer_args("sft", OmegaConf.to_container(cfg.sft.args, resolve=True), prefix="sft.args")
