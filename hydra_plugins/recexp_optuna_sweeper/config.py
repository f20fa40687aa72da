"""ConfigStore entries: ``hydra/sweeper=recexp_optuna`` and its ``sampler`` / ``pruner`` groups.

The keys follow hydra-optuna-sweeper (``n_trials``, ``storage``, ``study_name``, ``sampler``,
``direction``, ``n_jobs``, ``params``) so its users feel at home; recexp adds ``pruner``,
``max_failure_rate`` (also there), ``objectives`` and ``heartbeat_interval``."""


from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

from hydra.core.config_store import ConfigStore

PROVIDER = "recexp_optuna_sweeper"


@dataclass
class TPESamplerConf:
    _target_: str = "optuna.samplers.TPESampler"
    seed: Optional[int] = 42
    n_startup_trials: int = 10
    multivariate: bool = False
    constant_liar: bool = False  # set true with several workers on one study


@dataclass
class RandomSamplerConf:
    _target_: str = "optuna.samplers.RandomSampler"
    seed: Optional[int] = 42


@dataclass
class GridSamplerConf:
    """The grid is every combination of the choice()/range() params (interval() is refused)."""

    _target_: str = "optuna.samplers.GridSampler"
    seed: Optional[int] = 42


@dataclass
class CmaEsSamplerConf:
    _target_: str = "optuna.samplers.CmaEsSampler"
    seed: Optional[int] = 42
    n_startup_trials: int = 1
    sigma0: Optional[float] = None
    warn_independent_sampling: bool = True


@dataclass
class NSGAIISamplerConf:
    _target_: str = "optuna.samplers.NSGAIISampler"
    seed: Optional[int] = 42
    population_size: int = 50


@dataclass
class NopPrunerConf:
    _target_: str = "optuna.pruners.NopPruner"


@dataclass
class MedianPrunerConf:
    _target_: str = "optuna.pruners.MedianPruner"
    n_startup_trials: int = 5
    n_warmup_steps: int = 0
    interval_steps: int = 1
    n_min_trials: int = 1


@dataclass
class PercentilePrunerConf:
    """Prunes a trial outside the best ``percentile`` % of earlier trials at the same step; unlike the
    median it also stops trials tied with a flat majority (common in short RL runs)."""

    _target_: str = "optuna.pruners.PercentilePruner"
    percentile: float = 25.0
    n_startup_trials: int = 5
    n_warmup_steps: int = 0
    interval_steps: int = 1
    n_min_trials: int = 1


@dataclass
class HyperbandPrunerConf:
    _target_: str = "optuna.pruners.HyperbandPruner"
    min_resource: Any = 1
    max_resource: Any = "auto"
    reduction_factor: int = 3


@dataclass
class ThresholdPrunerConf:
    """Prunes a trial whose intermediate value leaves [lower, upper] (e.g. a diverged valid MAE)."""

    _target_: str = "optuna.pruners.ThresholdPruner"
    lower: Optional[float] = None
    upper: Optional[float] = None
    n_warmup_steps: int = 0
    interval_steps: int = 1


@dataclass
class RecexpOptunaSweeperConf:
    defaults: List[Any] = field(default_factory=lambda: ["_self_", {"sampler": "tpe"}, {"pruner": "nop"}])
    _target_: str = "hydra_plugins.recexp_optuna_sweeper.sweeper.RecexpOptunaSweeper"
    _recursive_: bool = False  # sampler and pruner stay configs: re-created per trial / in each job
    sampler: Any = None
    pruner: Any = None
    direction: Any = "minimize"  # or a list, one per objective
    # metrics.json keys; the default is the selection score (recexp.eval.metrics.SELECTION_KEY): valid MAE
    # with unparsed answers at the train median, which a trial cannot improve by answering less
    objectives: List[str] = field(default_factory=lambda: ["valid/mae_median_fallback"])
    study_name: str = "recexp"
    # Stable per study name, so re-running the same command resumes; any SQLAlchemy URL works.
    storage: Optional[str] = "sqlite:///outputs/sweeps/${hydra.sweeper.study_name}/optuna.db"
    # NAME of an environment variable holding the storage URL (e.g. one with a password); when set it
    # replaces `storage`, and trials read it as ${oc.env:NAME}, so the URL is never written anywhere
    storage_env: Optional[str] = None
    n_trials: int = 20  # study-wide COMPLETE + PRUNED trials over all workers and resumes (grid: every point once)
    n_jobs: int = 2  # trials per launcher batch (run in parallel by joblib / submitit)
    max_failure_rate: float = 0.0  # stop when failed trials of this sweep > max_failure_rate x n_trials
    heartbeat_interval: int = 60  # seconds; a RUNNING trial silent for 2x this is failed and re-queued
    # seconds a storage call (sweeper and trial jobs) is retried while the database is unreachable (a
    # PostgreSQL restart or failover), waiting 0.5 s doubling to 5 s; then the sweep / trial fails with one
    # paragraph. Unreachable when the sweep starts: one line at once (exit 2). A heartbeat_interval longer
    # than the outage keeps the running trials alive through it (otherwise they are failed and re-queued;
    # the restart test's outages of 3.3-3.8 s under an interval of 10 s: no trial in flight failed)
    storage_retry_timeout: int = 120
    # config key -> search syntax; nested keys are flattened, so from the command line both
    # 'hydra.sweeper.params={trainer.args.epsilon:"interval(0.1,0.3)"}' style YAML and
    # '+hydra.sweeper.params.trainer.args.epsilon="interval(0.1,0.3)"' work (or simply 'trainer.args.epsilon=interval(0.1,0.3)')
    params: Dict[str, Any] = field(default_factory=dict)


def register() -> None:
    store = ConfigStore.instance()
    store.store(group="hydra/sweeper", name="recexp_optuna", node=RecexpOptunaSweeperConf, provider=PROVIDER)
    for name, node in {"tpe": TPESamplerConf, "random": RandomSamplerConf, "grid": GridSamplerConf,
                       "cmaes": CmaEsSamplerConf, "nsgaii": NSGAIISamplerConf}.items():
        store.store(group="hydra/sweeper/sampler", name=name, node=node, provider=PROVIDER)
    for name, node in {"nop": NopPrunerConf, "median": MedianPrunerConf, "percentile": PercentilePrunerConf,
                       "hyperband": HyperbandPrunerConf,
                       "threshold": ThresholdPrunerConf}.items():
        store.store(group="hydra/sweeper/pruner", name=name, node=node, provider=PROVIDER)


register()
