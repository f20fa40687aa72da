"""Stage ``load_model``: resolve and load the LLM, and make it the state's predictor."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from recexp.paradigms.state import RunState


def prompt_settings(prompt_cfg: DictConfig) -> dict:
    return {"max_tokens": prompt_cfg.max_tokens, "snippet_chars": prompt_cfg.snippet_chars,
            "item_reviews_limit": prompt_cfg.item_reviews_limit}


def template_of(cfg: DictConfig):
    from recexp.data.scale import RatingScale
    from recexp.prompts import get_template

    return get_template(cfg.prompt.template, RatingScale.of(cfg.dataset.rating_scale))


def load_model(state: RunState) -> RunState:
    from recexp.models.loading import load_model as load, resolve_model_path
    from recexp.models.precision import weights_dtype

    cfg = state.cfg
    cache_root = Path(cfg.cache_dir).expanduser()
    state.model_path = resolve_model_path(cfg.model, cache_root, state.data, prompt_settings(cfg.prompt))
    state.model, state.tokenizer = load(state.model_path, cfg.model, dtype=weights_dtype(cfg))
    state.metrics["model/weights_dtype"] = str(state.model.dtype).removeprefix("torch.")
    set_predictor(state)
    return state


def set_predictor(state: RunState) -> None:
    """The state's model as a predictor: one prompt per interaction, or the paradigm's chain of roles."""
    from recexp.eval.chain import ChainPredictor
    from recexp.eval.generation import LLMPredictor
    from recexp.paradigms.sample_methods import chain

    cfg = state.cfg
    template = template_of(cfg)
    args = (state.model, state.tokenizer, state.data, template, prompt_settings(cfg.prompt),
            cfg.eval.batch_size, cfg.eval.max_new_tokens)
    roles = chain(cfg.paradigm.samples.method, template) if cfg.paradigm.samples is not None else []
    state.predictor = ChainPredictor(*args, roles=roles) if len(roles) > 1 else LLMPredictor(*args)
