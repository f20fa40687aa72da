"""Stage ``grpo``: RecZero's pure-RL step, through TRL's GRPOTrainer with rule-based rewards.

Checkpoints go to ``<run_dir>/checkpoints`` every ``trainer.args.save_steps``; with ``resume=true``
training continues from the last one. With ``trainer.valid_eval_steps`` > 0 the model is
evaluated greedily on a valid subset during training and the best step is the one kept. The
module's imports are light: its config check (``check_grpo``) runs while a config is validated."""

from __future__ import annotations

import logging
import time
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from recexp.common import distributed
from recexp.common.distributed import is_main_process
from recexp.common.errors import ConfigError
from recexp.common.jsonio import write_json
from recexp.paradigms.load_model import set_predictor
from recexp.paradigms.state import RunState
from recexp.paradigms.training import train, training_args

log = logging.getLogger(__name__)


def grpo(state: RunState) -> RunState:
    from trl import GRPOConfig

    from recexp.models.loading import lora_config
    from recexp.prompts.settings import template_of
    from recexp.rewards import build_reward_funcs
    from recexp.trainers.grpo_trainer import RecexpGRPOTrainer
    from recexp.trainers.log_scalars import LogScalarsCallback, quiet_progress
    from recexp.trainers.rollout import rollout_dtype, trl_switches
    from recexp.trainers.signal import SignalMonitor, check_completion_budget

    cfg = state.cfg
    check_completion_budget(state)
    template = template_of(cfg)
    funcs, weights = build_reward_funcs(dict(cfg.reward.weights), template.tags, template.scale)
    args = GRPOConfig(**training_args(state, cfg.trainer, "checkpoints", reward_weights=weights,
                                      **trl_switches(cfg.trainer.rollout)))
    train_set, counter = prompt_dataset(state, "train", cfg.trainer.max_train_prompts)
    callback = valid_callback(state)
    trainer = RecexpGRPOTrainer(
        model=state.model, reward_funcs=funcs, args=args, train_dataset=train_set,
        processing_class=state.tokenizer, peft_config=lora_config(cfg.model),
        callbacks=[SignalMonitor(), LogScalarsCallback("grpo")] + ([callback] if callback else []),
        rollout_dtype=None if cfg.model.lora.enabled else rollout_dtype(cfg.trainer.rollout, args.bf16),
    )
    quiet_progress(trainer)
    if callback is not None:  # the best step is saved as the trainer saves (a sharded model is gathered)
        callback.save = lambda model, directory: trainer.save_model(str(directory))
    started = time.perf_counter()
    train(trainer, state, "grpo")
    state.metrics.update(_train_metrics(trainer, started, callback))
    state.metrics.update(counter.metrics("train"))
    _keep_final_model(state, trainer, callback)
    return state


def prompt_dataset(state: RunState, split: str, limit: int | None):
    """The split's (or a seeded subset of ``limit``) prompts, templated lazily, with the true
    ``rating`` column (the reward functions read it); and their counter."""
    import numpy as np

    from recexp.paradigms.prompt_data import lazy_prompt_dataset

    table = state.data.split(split)
    rows, ratings = table.column("row").to_numpy(), table.column("rating").to_numpy()
    if limit is not None and limit < len(rows):
        pick = np.random.default_rng(state.cfg.seed).choice(len(rows), size=limit, replace=False)
        rows, ratings = rows[pick], ratings[pick]
    log.info("grpo: %d %s prompts, templated as training reads them", len(rows), split)
    return lazy_prompt_dataset(state.predictor, rows, ratings)


def valid_callback(state: RunState):
    """The valid-eval callback, or None when ``trainer.valid_eval_steps`` is 0."""
    import numpy as np

    from recexp.eval.metrics import rating_metrics
    from recexp.eval.shared import predict_shared
    from recexp.paradigms.evaluate import fallback_ratings, train_mean, train_median
    from recexp.sweeps.trial import trial_reporter
    from recexp.trainers.callbacks import ValidEvalCallback

    every = state.cfg.trainer.valid_eval_steps
    if not every:
        return None
    valid = state.data.split("valid")
    n = min(state.cfg.trainer.valid_eval_samples, valid.num_rows)
    subset = valid.take(np.random.default_rng(state.cfg.seed).choice(valid.num_rows, size=n, replace=False))
    fallback, median = fallback_ratings(subset, train_mean(state)), train_median(state)

    def evaluate(model) -> dict:
        was_training = model.training
        state.predictor.model = model
        frame = predict_shared(state.predictor, subset, desc="valid during training")  # every rank takes part
        model.train(was_training)
        return rating_metrics(subset.column("rating").to_numpy(), frame["pred"].to_numpy(), fallback,
                              median=median, scale=state.data.scale)

    return ValidEvalCallback(evaluate, every, state.run_dir / "best", log_fn=state.tracker.log,
                             report=trial_reporter(state.cfg))


def _train_metrics(trainer, started: float, callback) -> dict:
    from recexp.eval.metrics import SELECTION_KEY

    history = trainer.state.log_history
    if is_main_process():
        write_json(Path(trainer.args.output_dir).parent / "train_log.json", history, indent=1)
    last = next((h for h in reversed(history) if "reward" in h), {})
    metrics = {"grpo/steps": trainer.state.global_step, "grpo/train_seconds": round(time.perf_counter() - started, 1)}
    metrics.update(_peak_gpu_memory())
    metrics.update(phase_means(history))
    metrics.update({f"grpo/last_{k}": v for k, v in last.items() if isinstance(v, (int, float))})
    if callback is not None and callback.best is not None:
        metrics["grpo/best_step"] = callback.best["step"]
        metrics["grpo/best_valid_mae"] = callback.best[SELECTION_KEY]
    return metrics


def phase_means(history: list[dict]) -> dict:
    """``grpo/step_time/<phase>_s``: each phase's mean seconds per optimizer step over the logged steps
    (``recexp.trainers.phases``; each logging step carries the mean over its steps)."""
    from recexp.trainers.phases import PREFIX

    logged = [h for h in history if f"{PREFIX}step_s" in h]
    keys = [k for k in (logged[0] if logged else {}) if k.startswith(PREFIX)]
    return {f"grpo/step_time/{k[len(PREFIX):]}": round(sum(h[k] for h in logged) / len(logged), 4) for k in keys}


def _peak_gpu_memory() -> dict:
    """``grpo/peak_gpu_memory_gb``: torch's peak allocation on this process's GPU (none on CPU)."""
    import torch

    if not torch.cuda.is_available():
        return {}
    return {"grpo/peak_gpu_memory_gb": round(torch.cuda.max_memory_allocated() / 1e9, 2)}


def _keep_final_model(state: RunState, trainer, callback) -> None:
    """Save the last model to <run_dir>/model; continue with the best valid step when there is one."""
    kept_dir = state.run_dir / "model"
    trainer.save_model(str(kept_dir))
    model = trainer.model
    if callback is not None and callback.best is not None:
        step = callback.best["step"]
        log.info("grpo: keeping the best valid step %d%s", step,
                 " (the model GRPO started from: no step improved on it)" if step == 0 else "")
        kept_dir = state.run_dir / "best"
        distributed.barrier()  # rank 0 has finished writing it
        model = _load_weights(model, kept_dir)
        if is_main_process():
            state.tokenizer.save_pretrained(kept_dir)
    elif callback is not None:
        log.warning("grpo: no best valid step on record (no finite valid MAE, or a kill cut a best-step save "
                    "short and its record was dropped); keeping the last step")
    state.model, state.model_path = model, str(kept_dir)
    set_predictor(state)


def _load_weights(model, directory: Path):
    from transformers import AutoModelForCausalLM

    if hasattr(model, "peft_config"):
        from peft import PeftModel

        return PeftModel.from_pretrained(model.get_base_model(), directory)
    return AutoModelForCausalLM.from_pretrained(directory, dtype=model.dtype).to(model.device)


# checks


def check_grpo(cfg: DictConfig) -> None:
    from recexp.rewards import REWARDS
    from recexp.trainers.args import check_grpo_batching, check_trainer_args

    if cfg.trainer.kind != "grpo":
        raise ConfigError(f"trainer: stage grpo needs trainer=grpo, got trainer={cfg.trainer.name}")
    weights = dict(cfg.reward.weights)
    if not weights:
        raise ConfigError("reward.weights: stage grpo needs at least one reward, e.g. reward=reczero")
    for name in weights:
        if name not in REWARDS:
            raise ConfigError(f"reward.weights.{name}: unknown reward; known: {', '.join(sorted(REWARDS))}")
    from recexp.trainers.rollout import check_rollout

    args = OmegaConf.to_container(cfg.trainer.args, resolve=True)
    check_rollout(cfg)
    check_trainer_args("grpo", args)
    check_grpo_batching(args)
