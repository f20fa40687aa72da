"""Checks on a composed config that the schemas alone cannot express. Imports nothing heavy,
so a bad config fails in well under a second, before torch or TRL is loaded. What a stage needs is
checked by the stage's own check (``recexp.paradigms.registry``), called from here; the checks
here belong to no stage (schema keys, dataset, split files, evaluation)."""

from __future__ import annotations

import dataclasses

from omegaconf import DictConfig, OmegaConf

from recexp.common.errors import ConfigError, close_matches
from recexp.config import REMOTE_KEYS, RunConfig, field_schema
from recexp.data.readers import DATA_FORMATS
from recexp.data.scale import DEFAULT_SCALE
from recexp.data.sufficiency import TRAINING_STAGES  # they read the train and valid splits
from recexp.paradigms.stage_list import check_stage_list, uses_model
from recexp.teachers import TEACHERS


def validate(cfg: DictConfig) -> None:
    """Raise ConfigError (one line, naming the key) for a config that cannot run."""
    _check_schema(cfg)
    TEACHERS.check(cfg.teacher.backend)
    check_stage_list(cfg)  # each stage's own check (recexp.paradigms.registry)
    _check_dataset(cfg.dataset)
    _check_split_files(cfg)
    _check_eval(cfg)


def task_config(cfg: DictConfig) -> DictConfig:
    """The config without Hydra's own node."""
    return OmegaConf.masked_copy(cfg, [key for key in cfg if key != "hydra"])


def _check_schema(cfg: DictConfig) -> None:
    """Every key must exist in its schema: catches keys forced in with '+'."""
    _check_keys(cfg, RunConfig, "")


def _check_keys(node: DictConfig, schema: type, path: str) -> None:
    allowed = {f.name for f in dataclasses.fields(schema)}
    for key in node:
        full_key = f"{path}{key}"
        if key not in allowed:
            hint = close_matches(str(key), allowed)
            did_you_mean = f" (did you mean {' or '.join(hint)}?)" if hint else ""
            raise ConfigError(f"{full_key}: unknown key{did_you_mean}; allowed keys here: {', '.join(sorted(allowed))}")
        child_schema = field_schema(schema, key)
        if child_schema is not None and isinstance(node[key], DictConfig):
            _check_keys(node[key], child_schema, f"{full_key}.")



def _check_eval(cfg: DictConfig) -> None:
    ev = cfg.eval
    if ev.max_samples is not None and ev.max_samples < 1:
        raise ConfigError(f"eval.max_samples: a number of cases >= 1, or null for all; got {ev.max_samples}")
    if ev.backend.value == "vllm" and uses_model(list(cfg.paradigm.stages)):
        from recexp.common.vllm_support import require_vllm

        require_vllm("eval.backend=vllm")


def _check_dataset(ds: DictConfig) -> None:
    fmt = ds.format
    DATA_FORMATS.check(fmt)
    scale = _rating_scale(ds)
    if ds.sample_users is not None and ds.sample_users < 1:
        raise ConfigError(f"dataset.sample_users: a number of users >= 1, or null for all; got {ds.sample_users}")
    if ds.sample_users is not None and ds.split.strategy.value == "given":
        raise ConfigError("dataset.sample_users: not applied with dataset.split.strategy=given (splits are used as given)")
    if fmt == "synthetic":
        if ds.synthetic is None:
            raise ConfigError("dataset.synthetic: required when dataset.format=synthetic")
        if scale != DEFAULT_SCALE:
            raise ConfigError(f"dataset.rating_scale: the synthetic generator writes ratings 1-5; got {scale.as_list()}")
        return
    if not DATA_FORMATS.get(fmt).timed and ds.split.strategy.value != "given":
        raise ConfigError(f"dataset.split.strategy: format {fmt} has no timestamps; "
                          "use dataset.split.strategy=given with dataset.split.test_path=...")
    has_path = not OmegaConf.is_missing(ds, "reviews_path") and ds.reviews_path is not None
    if ds.split.strategy.value != "given" and not has_path and ds.reviews_remote.url is None:
        raise ConfigError(
            f"dataset.reviews_path: required for dataset={ds.name} (format {fmt}); "
            f"pass dataset.reviews_path=/path/to/reviews file"
        )
    if not 0 <= ds.split.valid_frac < 1 or not 0 < ds.split.test_frac < 1 or ds.split.valid_frac + ds.split.test_frac >= 1:
        raise ConfigError("dataset.split: need 0 <= valid_frac, 0 < test_frac and valid_frac + test_frac < 1")
    for key in ("k_core", "max_review_chars"):
        if ds[key] < 0:
            raise ConfigError(f"dataset.{key}: must be >= 0, got {ds[key]}")
    _check_remotes(ds)


def _check_remotes(ds: DictConfig) -> None:
    """Download urls are https unless ``dataset.allow_http``; the extraction cap is positive."""
    from recexp.data.transport import check_url

    for name in REMOTE_KEYS:
        if ds[name].url is not None:
            check_url(ds[name].url, allow_http=ds.allow_http, key=f"dataset.{name}.url")
    if not ds.max_extract_gb > 0:
        raise ConfigError(f"dataset.max_extract_gb: a size in GB > 0; got {ds.max_extract_gb}")



def _rating_scale(ds: DictConfig):
    from recexp.data.scale import RatingScale

    try:
        return RatingScale.of(ds.rating_scale)
    except (TypeError, ValueError) as error:
        raise ConfigError(str(error)) from None


def _check_split_files(cfg: DictConfig) -> None:
    """``split.strategy=given`` reads split.<split>_path (the test file always, the train and valid
    files when the paradigm trains) instead of reviews_path; other strategies read no split file."""
    ds, split = cfg.dataset, cfg.dataset.split
    paths = {name: split[f"{name}_path"] for name in ("train", "valid", "test")}
    if split.strategy.value != "given":
        for name, path in paths.items():
            if path is not None:
                raise ConfigError(f"dataset.split.{name}_path: only read with dataset.split.strategy=given")
        return
    if ds.format == "synthetic":
        raise ConfigError("dataset.split.strategy=given: reads files; the synthetic generator has none")
    if not OmegaConf.is_missing(ds, "reviews_path") and ds.reviews_path is not None:
        raise ConfigError("dataset.reviews_path: not read with dataset.split.strategy=given; pass the "
                          "files as dataset.split.train_path, valid_path and test_path")
    training = [stage for stage in cfg.paradigm.stages if stage in TRAINING_STAGES]
    needed = ("train", "valid", "test") if training else ("test",)
    for name in needed:
        if paths[name] is None:
            why = f"paradigm={cfg.paradigm.name} trains (stage {training[0]})" if training else "every paradigm evaluates on it"
            raise ConfigError(f"dataset.split.{name}_path: required with dataset.split.strategy=given ({why}); "
                              f"pass dataset.split.{name}_path=/path/to/{name} file")
