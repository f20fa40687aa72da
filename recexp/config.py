"""Structured-config schemas, registered in Hydra's ConfigStore.

``conf/config.yaml`` puts ``recexp_schema`` first in its defaults list, so every group option
and every command-line override is merged into these dataclasses: a wrong type, an unknown key
or a value outside an Enum fails at composition. This module imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Dict, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


class DataFormat(Enum):
    synthetic = "synthetic"
    amazon2014 = "amazon2014"
    amazon2018 = "amazon2018"
    amazon2023 = "amazon2023"
    yelp = "yelp"


class SplitStrategy(Enum):
    leave_last = "leave_last"  # per user: last -> test, the one before -> valid, rest -> train
    global_time = "global_time"  # one time cut for everyone: latest test_frac -> test, etc.


class CFModel(Enum):
    global_mean = "global_mean"
    user_mean = "user_mean"
    item_mean = "item_mean"
    bias = "bias"
    mf = "mf"


class Metric(Enum):
    mae = "mae"
    rmse = "rmse"


class LoggerBackend(Enum):
    wandb = "wandb"
    none = "none"


class WandbMode(Enum):
    offline = "offline"
    online = "online"
    disabled = "disabled"


@dataclass
class RemoteFile:
    """Where a preset's raw file comes from when it is absent locally."""

    url: Optional[str] = None
    filename: Optional[str] = None  # name inside the data cache; default: last part of the url
    sha256: Optional[str] = None
    size: Optional[int] = None
    archive_member: Optional[str] = None  # the file to extract when the url is a zip/tar archive
    terms: Optional[str] = None  # licence / terms page the user must accept


@dataclass
class SyntheticConfig:
    n_users: int = 500
    n_items: int = 300
    n_attributes: int = 12
    min_per_user: int = 8
    max_per_user: int = 30
    noise: float = 0.6
    seed: int = 0


@dataclass
class SplitConfig:
    strategy: SplitStrategy = SplitStrategy.leave_last
    valid_frac: float = 0.1  # global_time only
    test_frac: float = 0.1  # global_time only


@dataclass
class ContextConfig:
    history_k: int = 10  # the user's last K earlier interactions
    item_reviews_k: int = 10  # the item's last K earlier reviews
    snippet_chars: int = 200  # review snippet length shown in a context


@dataclass
class DatasetConfig:
    name: str = MISSING
    format: DataFormat = MISSING
    reviews_path: Optional[str] = None
    meta_path: Optional[str] = None
    reviews_remote: RemoteFile = field(default_factory=RemoteFile)
    meta_remote: RemoteFile = field(default_factory=RemoteFile)
    synthetic: Optional[SyntheticConfig] = None
    strict: bool = False  # first malformed input line raises (with file and line number)
    max_review_chars: int = 256  # review text kept per interaction (bounds memory)
    dedupe: bool = True  # duplicate (user, item): keep the latest
    k_core: int = 5
    split: SplitConfig = field(default_factory=SplitConfig)
    context: ContextConfig = field(default_factory=ContextConfig)


@dataclass
class ModelConfig:
    name: str = "none"


@dataclass
class PromptConfig:
    name: str = "none"


@dataclass
class RewardConfig:
    name: str = "none"
    weights: Dict[str, float] = field(default_factory=dict)


@dataclass
class TrainerConfig:
    name: str = "none"


@dataclass
class TeacherConfig:
    name: str = "none"


@dataclass
class CFConfig:
    """Classic collaborative-filtering baselines; list-valued keys are tuned on valid."""

    model: CFModel = MISSING
    reg: List[float] = field(default_factory=lambda: [1.0])
    factors: List[int] = field(default_factory=lambda: [32])
    lr: float = 0.01
    max_epochs: int = 300
    patience: int = 10
    batch_size: int = 256
    select_by: Metric = Metric.mae


@dataclass
class ParadigmConfig:
    name: str = MISSING
    stages: List[str] = MISSING
    description: str = ""
    cf: Optional[CFConfig] = None


@dataclass
class LoggerConfig:
    backend: LoggerBackend = LoggerBackend.none
    mode: WandbMode = WandbMode.offline
    project: str = "recexp"
    entity: Optional[str] = None
    group: Optional[str] = None
    tags: List[str] = field(default_factory=list)
    job_type: Optional[str] = None  # default: the paradigm name
    init_timeout_s: float = 30.0


@dataclass
class RunConfig:
    dataset: DatasetConfig = MISSING
    model: ModelConfig = MISSING
    prompt: PromptConfig = MISSING
    reward: RewardConfig = MISSING
    paradigm: ParadigmConfig = MISSING
    trainer: TrainerConfig = MISSING
    teacher: TeacherConfig = MISSING
    logger: LoggerConfig = MISSING
    seed: int = 42
    resume: bool = False
    cache_dir: str = "${oc.env:RECEXP_CACHE_DIR,'~/.cache/recexp'}"


def register_configs() -> None:
    """Register the top-level schema (``conf/config.yaml`` lists it first in its defaults)."""
    ConfigStore.instance().store(name="recexp_schema", node=RunConfig)


register_configs()
