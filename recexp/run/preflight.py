"""Compose and check the config before Hydra starts a run: a config that cannot run fails with
one line before any run dir is made or any heavy library is imported, a run dir that already
holds a run is refused so nothing is overwritten, and a run dir (sweep dir) or cache_dir that cannot
be written or has less than min_free_gb free is refused (recexp/run/dirs_check.py)."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra._internal.utils import get_args_parser
from omegaconf import DictConfig, OmegaConf

from recexp.common.distributed import is_main_process, world_size
from recexp.common.errors import ConfigError
from recexp.run.dirs_check import check_dirs, check_run_dir
from recexp.run.validation import task_config, validate


def preflight(argv: list[str], config_dir: Path) -> None:
    """Validate a single run's config as `python run.py ARGS` would compose it; an Optuna sweep
    (-m with hydra/sweeper=recexp_optuna) is checked before its first trial. Other multiruns and
    Hydra's informational flags are left to Hydra (each job validates itself)."""
    args = get_args_parser().parse_args(argv)
    if args.multirun and world_size() > 1:
        raise ConfigError("-m: a multirun under torchrun / accelerate launch would run one sweep per process; "
                          "launch multi-process jobs with hydra/launcher=slurm_multi_gpu "
                          "(docs/guides/gpu_and_processes.md, Several GPUs)")
    if args.help or args.hydra_help or args.info or args.cfg or args.shell_completion:
        return
    if args.config_path or args.config_dir:
        return
    if args.multirun:
        from hydra_plugins.recexp_optuna_sweeper._precheck import preflight_sweep

        base = preflight_sweep(args.config_name or "config", args.overrides, config_dir)
        check_dirs({"hydra.sweep.dir": str(base.hydra.sweep.dir), "cache_dir": base.cache_dir}, base.min_free_gb)
        return
    _check_distributed_run_dir(args.overrides)
    with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
        try:
            cfg = compose(args.config_name or "config", overrides=args.overrides, return_hydra_config=True)
        except AssertionError:  # OmegaConf asserts when an override reaches into a null node
            raise ConfigError(_null_parent_message(args.config_name or "config", args.overrides)) from None
    _refuse_sweep_without_multirun(cfg, argv)
    validate(task_config(cfg))
    check_dirs({"hydra.run.dir": str(cfg.hydra.run.dir), "cache_dir": cfg.cache_dir}, cfg.min_free_gb)
    if is_main_process():  # other ranks start later, when rank 0 may have begun writing the run dir
        check_run_dir(Path(str(cfg.hydra.run.dir)), bool(cfg.resume))
    from recexp.paradigms.samples_provenance import preflight_samples  # reads data only when reusing samples

    preflight_samples(cfg)


def _refuse_sweep_without_multirun(cfg: DictConfig, argv: list[str]) -> None:
    """An Optuna sweep preset (or sweeper) without -m would silently train once: refuse it."""
    preset = cfg.hydra.runtime.choices.get("sweep")
    sweeper = str(cfg.hydra.sweeper.get("_target_", ""))
    if preset in (None, "null") and not sweeper.endswith("RecexpOptunaSweeper"):
        return
    args = " ".join(argv)
    if preset in (None, "null"):
        raise ConfigError(f"hydra/sweeper=recexp_optuna sweeps; without -m it would train once. Run the sweep: "
                          f"python run.py -m {args}  (or: recexp sweep {args})")
    rest = " ".join(a for a in argv if a != f"sweep={preset}")
    raise ConfigError(f"sweep={preset} is an Optuna sweep preset; without -m it would train once. Run the sweep: "
                      f"python run.py -m {args}  (or: recexp sweep {preset}{' ' + rest if rest else ''})")


def _check_distributed_run_dir(overrides: list[str]) -> None:
    """Ranks of `accelerate launch` / torchrun start microseconds apart, so the default
    timestamped run dir would differ between them: they must be given one explicitly."""
    if world_size() > 1 and not any(o.startswith("hydra.run.dir=") for o in overrides):
        raise ConfigError("hydra.run.dir: multi-process runs (WORLD_SIZE>1) need an explicit "
                          "hydra.run.dir=outputs/runs/NAME so every rank writes to the same run dir")


def _null_parent_message(config_name: str, overrides: list[str]) -> str:
    """Name the overrides that set a key under a node that is null in this composition."""
    choices = [o for o in overrides if "=" in o and "." not in o.split("=", 1)[0]]
    base = compose(config_name, overrides=choices)
    keys = {o: o.split("=", 1)[0].lstrip("+~") for o in overrides}
    culprits = [o for o, key in keys.items() if "." in key and not key.startswith("hydra.")
                and OmegaConf.select(base, key.rpartition(".")[0]) is None]
    return (f"{', '.join(culprits) or 'an override'}: sets a key under a node that is null in this config "
            "(for example model.tiny.* with a pretrained model)")
