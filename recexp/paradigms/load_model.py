"""Stage ``load_model``: resolve and load the LLM, and make it the state's predictor; and its config
check (what every LLM stage needs: a model and a prompt template). The module's imports are light:
the check runs while a config is validated."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from recexp.common.errors import ConfigError
from recexp.paradigms.state import RunState
from recexp.prompts.templates import PROMPT_TEMPLATES


def load_model(state: RunState) -> RunState:
    from recexp.models.loading import load_model as load
    from recexp.models.loading import resolve_model_path
    from recexp.models.precision import weights_dtype
    from recexp.prompts.settings import prompt_settings

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
    from recexp.prompts.settings import prompt_settings, template_of

    cfg = state.cfg
    template = template_of(cfg)
    args = (state.model, state.tokenizer, state.data, template, prompt_settings(cfg.prompt),
            cfg.eval.batch_size, cfg.eval.max_new_tokens)
    roles = chain(cfg.paradigm.samples.method, template) if cfg.paradigm.samples is not None else []
    state.predictor = ChainPredictor(*args, roles=roles) if len(roles) > 1 else LLMPredictor(*args)


# checks


def check_load_model(cfg: DictConfig) -> None:
    if cfg.model.source.value == "none":
        raise ConfigError(f"model: paradigm={cfg.paradigm.name} needs an LLM; choose model=tiny or a pretrained model")
    if cfg.model.source.value == "tiny" and cfg.model.tiny is None:
        raise ConfigError("model.tiny: required when model.source=tiny")
    if cfg.model.source.value == "tiny":
        _check_warmup_templates(dict(cfg.model.tiny.warmup_templates))
        if cfg.model.tiny.student.value == "shipped":
            _check_shipped_student(cfg)
    if cfg.model.source.value == "pretrained" and not (cfg.model.path or cfg.model.hub_id):
        raise ConfigError("model.path: set model.path=/local/copy or model.hub_id=org/name")
    if cfg.prompt.template is None:
        names = PROMPT_TEMPLATES.names()
        raise ConfigError(f"prompt: paradigm={cfg.paradigm.name} needs a template; "
                          f"choose prompt={', '.join(names[:-1])} or {names[-1]}")
    PROMPT_TEMPLATES.check(cfg.prompt.template)


def _check_shipped_student(cfg: DictConfig) -> None:
    """model.tiny.student=shipped: the shipped student's recipe is this run's (data, sizes, budget)."""
    from recexp.data.pipeline import data_fingerprint
    from recexp.models.shipped import check_shipped, recipe, stored_recipe, tiny_settings

    if cfg.dataset.format != "synthetic":  # the shipped student is the synthetic data's; never download here
        shipped = stored_recipe()["dataset"]
        raise ConfigError(f"model.tiny.student=shipped: the shipped student was warmed up on dataset={shipped}, "
                          f"not dataset={cfg.dataset.name}; set model.tiny.student=build to build one for it")
    tiny, prompt = tiny_settings(cfg)
    check_shipped(recipe(tiny, data_fingerprint(cfg.dataset, cfg.cache_dir), prompt, cfg.dataset.name))


def _check_warmup_templates(weights: dict) -> None:
    templates = sorted(PROMPT_TEMPLATES.names())
    for name, count in weights.items():
        if name not in templates:
            raise ConfigError(f"model.tiny.warmup_templates.{name}: unknown template; known: {', '.join(templates)}")
        if count < 0:
            raise ConfigError(f"model.tiny.warmup_templates.{name}: a count of examples per cycle, >= 0; got {count}")
    if not any(weights.values()):
        raise ConfigError("model.tiny.warmup_templates: at least one template needs a positive count")
