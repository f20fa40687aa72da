"""Structured-config schemas, registered in Hydra's ConfigStore.

``conf/config.yaml`` puts ``recexp_schema`` first in its defaults list, so every group option
and every command-line override is merged into these dataclasses: a wrong type, an unknown key
or a value outside an Enum fails at composition. This module imports nothing heavy.
"""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, ClassVar, Dict, List, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING


class SplitStrategy(Enum):
    leave_last = "leave_last"  # per user: last -> test, the one before -> valid, rest -> train
    global_time = "global_time"  # one time cut for everyone: latest test_frac -> test, etc.
    given = "given"  # train/valid/test files supplied separately (split.train_path, valid_path, test_path)


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
    train_path: Optional[str] = None  # given only: the published train file (a paradigm that trains needs it)
    valid_path: Optional[str] = None  # given only
    test_path: Optional[str] = None  # given only: always needed


@dataclass
class ContextConfig:
    history_k: int = 10  # the user's last K earlier interactions
    item_reviews_k: int = 10  # the item's last K earlier reviews
    snippet_chars: int = 200  # review snippet length shown in a context


REMOTE_KEYS = ("reviews_remote", "meta_remote")  # the DatasetConfig fields that name a download


@dataclass
class DatasetConfig:
    name: str = MISSING
    format: str = MISSING  # synthetic, or a format declared in recexp/data/readers/ (DATA_FORMATS)
    reviews_path: Optional[str] = None
    meta_path: Optional[str] = None
    reviews_remote: RemoteFile = field(default_factory=RemoteFile)
    meta_remote: RemoteFile = field(default_factory=RemoteFile)
    allow_http: bool = False  # accept plain-http remote urls (no transport security; https otherwise)
    max_extract_gb: float = 50.0  # cap on one archive member's extracted size (GB of 10^9 bytes)
    synthetic: Optional[SyntheticConfig] = None
    rating_scale: List[int] = field(default_factory=lambda: [1, 5])  # [lo, hi], integer ratings
    strict: bool = False  # first malformed input line raises (with file and line number)
    max_review_chars: int = 256  # review text kept per interaction (bounds memory)
    dedupe: bool = True  # duplicate (user, item): keep the latest
    k_core: int = 5
    # keep this many users, drawn deterministically (a seeded hash of the user id, the same in
    # every file order) while the reviews are read, before dedupe and k-core; null: every user
    sample_users: Optional[int] = None
    sample_seed: int = 0
    split: SplitConfig = field(default_factory=SplitConfig)
    context: ContextConfig = field(default_factory=ContextConfig)


class ModelSource(Enum):
    none = "none"  # classic paradigms: no LLM
    tiny = "tiny"  # built offline on first use (recexp/models/tiny.py)
    pretrained = "pretrained"  # a hub name or a local directory


class TinyStudent(Enum):
    auto = "auto"  # the shipped student when this run's recipe is its recipe, else build (the log says which)
    shipped = "shipped"  # the warmed-up student shipped in the package (recexp/models/students/); refused otherwise
    build = "build"  # built from model.tiny on first use and cached (recexp/models/tiny.py)


class Dtype(Enum):
    auto = "auto"
    float32 = "float32"
    bfloat16 = "bfloat16"
    float16 = "float16"




@dataclass
class LoraConfig:
    enabled: bool = False
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: List[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])


@dataclass
class TinyModelConfig:
    """Sizes of the offline Qwen2-architecture model and its format warm-up (see recexp/models/tiny.py)."""

    vocab_size: int = 2048
    hidden_size: int = 128
    intermediate_size: int = 384
    layers: int = 4
    heads: int = 4
    kv_heads: int = 2
    max_position_embeddings: int = 1024
    warmup_samples: int = 2000
    warmup_steps: int = 300
    warmup_batch_size: int = 16
    warmup_lr: float = 0.002
    # warm-up examples per template in each cycle (every template, so every paradigm starts from
    # the same student; the four-step template weighted up, it has the most format to learn)
    warmup_templates: Dict[str, int] = field(default_factory=lambda: {"think_before_rec": 2, "free_think": 1, "direct": 1})
    seed: int = 0
    # auto: the student shipped in the package when its recipe is this one, else build it (logged);
    # shipped: the shipped one or a config error; build: build this recipe on first use and cache
    # it. Not part of the recipe.
    student: TinyStudent = TinyStudent.build


@dataclass
class ModelConfig:
    name: str = "none"
    source: ModelSource = ModelSource.none
    hub_id: Optional[str] = None  # e.g. Qwen/Qwen2.5-0.5B-Instruct
    path: Optional[str] = None  # a local copy; wins over hub_id
    # dtype of frozen weights (evaluation, the LoRA base); trained weights stay float32: a full
    # fine-tune loads float32 master weights (bf16 autocast on GPU), LoRA adapters are float32
    dtype: Dtype = Dtype.auto
    attn_implementation: Optional[str] = None  # sdpa, eager, flash_attention_2 (None: transformers' default)
    trust_remote_code: bool = False
    max_prompt_tokens: int = 2048  # prompt budget (prompt.max_tokens defaults to it)
    n_params_b: Optional[float] = None  # parameters in billions (training memory estimate, recexp/models/memory.py)
    # the shape that sizes the rollouts' KV cache (recexp/models/memory.py); None: not counted
    n_layers: Optional[int] = None
    n_kv_heads: Optional[int] = None
    head_dim: Optional[int] = None
    lora: LoraConfig = field(default_factory=LoraConfig)
    tiny: Optional[TinyModelConfig] = None


@dataclass
class PromptConfig:
    name: str = "none"
    template: Optional[str] = None  # a template of recexp/prompts/templates/ (checked by stage load_model's check)
    max_tokens: int = 2048  # enforced by shortening history and snippets, never the instruction or target
    snippet_chars: int = 120
    item_reviews_limit: int = 3


@dataclass
class RewardConfig:
    name: str = "none"
    weights: Dict[str, float] = field(default_factory=dict)  # reward name -> weight (recexp.rewards.REWARDS)


class RolloutBackend(Enum):
    """Who generates GRPO's completions (recexp/trainers/rollout.py maps each to TRL's switches)."""

    hf = "hf"  # transformers generate, one padded batch per generation pass
    continuous_batching = "continuous_batching"  # transformers' paged continuous batching (generate_batch)
    vllm_colocate = "vllm_colocate"  # vLLM inside the training process (pip install -e .[vllm])
    vllm_server = "vllm_server"  # a `trl vllm-serve` process (pip install -e .[vllm])


class RolloutDtype(Enum):
    auto = "auto"  # bfloat16 when training runs bf16 autocast (a bf16-capable GPU), else the policy itself
    bfloat16 = "bfloat16"  # always a bf16 inference copy, refreshed after every optimizer step
    float32 = "float32"  # no copy: generate from the float32 master weights


@dataclass
class RolloutConfig:
    backend: RolloutBackend = RolloutBackend.hf
    dtype: RolloutDtype = RolloutDtype.auto  # the transformers backends' weights (vLLM keeps its own copy)


@dataclass
class GRPOTrainerConfig:
    """The RL trainer, the ``trainer`` slot (stage grpo): trainer=grpo, or trainer=none."""

    # what a composition error says when this option is chosen for another slot (recexp.run.error_messages)
    MISPLACED: ClassVar[str] = ("the GRPO trainer goes in the trainer slot: trainer=grpo "
                                "(tune it with trainer.args.KEY=...)")
    name: str = "none"
    kind: str = "none"  # which trainer fills the slot (none: empty), recorded in saved configs
    args: Dict[str, Any] = field(default_factory=dict)  # keyword arguments of trl.GRPOConfig
    rollout: RolloutConfig = field(default_factory=RolloutConfig)  # how completions are generated
    max_train_prompts: Optional[int] = None  # random subset of the train split turned into prompts (None: all)
    valid_eval_steps: int = 0  # greedy valid MAE every N training steps (0: off); the best step is kept
    valid_eval_samples: int = 200


@dataclass
class SFTTrainerConfig:
    """The SFT trainer, the ``sft`` slot (stage sft): trainer@sft=sft, or trainer@sft=none. Not a
    subclass of GRPOTrainerConfig (nor it of this), so an option typed for one slot fails to compose
    in the other. The last three keys mirror the GRPO slot's, so saved configs keep their keys; the
    sft stage reads none of them."""

    MISPLACED: ClassVar[str] = ("the SFT trainer goes in the sft slot: trainer@sft=sft "
                                "(tune it with sft.args.KEY=...)")
    name: str = "none"
    kind: str = "none"  # which trainer fills the slot (none: empty), recorded in saved configs
    args: Dict[str, Any] = field(default_factory=dict)  # keyword arguments of trl.SFTConfig
    max_train_prompts: Optional[int] = None  # unused by the sft stage
    valid_eval_steps: int = 0  # unused by the sft stage
    valid_eval_samples: int = 200  # unused by the sft stage


class EvalBackend(Enum):
    hf = "hf"  # transformers generate, batched with left padding
    vllm = "vllm"  # vLLM offline engine on the saved model (pip install -e .[vllm])


@dataclass
class EvalConfig:
    """LLM evaluation: greedy decoding, repetition_penalty 1.0, the stop tokens GRPO uses."""

    backend: EvalBackend = EvalBackend.hf
    batch_size: int = 64
    max_new_tokens: int = 128
    max_samples: Optional[int] = None  # per split: a seeded subset of this many cases (null: all)
    subset_seed: int = 0  # the subset's seed, apart from `seed`: runs of every seed score the same cases
    vllm_gpu_memory_utilization: float = 0.85  # backend=vllm


@dataclass
class TeacherConfig:
    """Who writes reasoning traces for the distillation / RecOne cold-start stages."""

    name: str = "none"
    backend: str = "none"  # none, or a backend declared in recexp/teachers/ (recexp.teachers.TEACHERS)
    model: Optional[str] = None  # openai: the served model name; hf: hub name or local path
    base_url: Optional[str] = None  # openai: e.g. https://api.deepseek.com/v1 or http://localhost:8000/v1
    api_key_env: Optional[str] = None  # openai: NAME of the environment variable holding the key (never the key)
    temperature: float = 0.7
    top_p: float = 1.0
    max_tokens: int = 512
    concurrency: int = 8  # openai: requests in flight at once
    timeout_s: float = 120.0  # openai: per request
    max_retries: int = 5  # openai: retries on 429 / 5xx / timeouts, exponential backoff with jitter
    backoff_s: float = 1.0  # openai: first backoff; doubles per retry
    batch_size: int = 8  # hf: prompts per generate call
    dtype: Dtype = Dtype.auto  # hf, vllm_local
    tensor_parallel_size: int = 1  # vllm_local
    gpu_memory_utilization: float = 0.85  # vllm_local
    cache: bool = True  # on-disk reply cache under <cache_dir>/teacher (keyed by model, prompt, sampling)


@dataclass
class CFConfig:
    """Classic collaborative-filtering baselines; list-valued keys are tuned on valid."""

    model: str = MISSING  # a model declared in recexp/paradigms/cf_models/ (CF_MODELS)
    reg: List[float] = field(default_factory=lambda: [1.0])
    factors: List[int] = field(default_factory=lambda: [32])
    lr: float = 0.01
    max_epochs: int = 300
    patience: int = 10
    batch_size: int = 256
    select_by: Metric = Metric.mae
    refit: bool = True  # refit the valid-selected model on train + valid before test (cf/fit_on/*)


@dataclass
class SamplesConfig:
    """The teacher_samples stage: which interactions, how many, and the method's knobs."""

    method: str = "recone"  # a method of recexp/paradigms/sample_methods/ (checked by paradigms/samples_check.py)
    n_samples: int = 1000  # training interactions sampled (seeded by `seed`)
    samples_path: Optional[str] = None  # reuse a samples.parquet written by an earlier run (no teacher calls)
    allow_other_data: bool = False  # reuse samples_path made on other data (fingerprint, split); in metrics.json
    rationalize: bool = True  # recone: re-ask with the true rating when the first answer is wrong
    k: int = 4  # recsaver: reasoning samples per interaction
    max_teacher_failure_rate: float = 0.2  # fail the stage when more teacher calls than this fail


@dataclass
class ParadigmConfig:
    name: str = MISSING
    stages: List[str] = MISSING
    description: str = ""
    source: str = ""  # the paper the paradigm follows, and what recexp simplifies
    cf: Optional[CFConfig] = None
    samples: Optional[SamplesConfig] = None


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
class OptunaTrialConfig:
    """Set by the Optuna sweeper on each trial job (never by hand): how the job reaches its trial
    to report intermediate valid metrics and be pruned (recexp/sweeps/trial.py). All null outside
    a sweep; ``study_name`` set means "this job is a trial"."""

    storage: Optional[str] = None  # SQLAlchemy URL of the study's storage
    study_name: Optional[str] = None
    trial_id: Optional[int] = None
    trial_number: Optional[int] = None
    objective: Optional[str] = None  # metrics key reported during training (None: multi-objective, no reports)
    storage_retry_timeout: float = 120  # seconds a storage call waits for an unreachable database (hydra.sweeper's)


@dataclass
class RunConfig:
    dataset: DatasetConfig = MISSING
    model: ModelConfig = MISSING
    prompt: PromptConfig = MISSING
    reward: RewardConfig = MISSING
    paradigm: ParadigmConfig = MISSING
    trainer: GRPOTrainerConfig = MISSING  # the RL trainer (stage grpo)
    sft: SFTTrainerConfig = MISSING  # the SFT trainer (stage sft); selected with trainer@sft=sft
    teacher: TeacherConfig = MISSING
    logger: LoggerConfig = MISSING
    eval: EvalConfig = field(default_factory=EvalConfig)
    optuna: OptunaTrialConfig = field(default_factory=OptunaTrialConfig)  # set by the Optuna sweeper on trials
    seed: int = 42
    resume: bool = False
    cache_dir: str = "${oc.env:RECEXP_CACHE_DIR,'~/.cache/recexp'}"
    min_free_gb: float = 1.0  # free space the run dir and cache_dir need before a run starts (0: no check)


def field_schema(schema: type, key: str) -> type | None:
    """The dataclass type of field ``key`` of ``schema`` (unwrapping Optional), else None."""
    hint = typing.get_type_hints(schema).get(key)
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    candidate = args[0] if typing.get_origin(hint) is typing.Union and len(args) == 1 else hint
    return candidate if dataclasses.is_dataclass(candidate) else None


# group option schemas: a yaml of conf/trainer/ names its schema in its defaults
# (``- /trainer_schema/grpo@_here_``), so it composes only into a slot of that type
TRAINER_SCHEMAS = {"grpo": GRPOTrainerConfig, "sft": SFTTrainerConfig}


def register_configs() -> None:
    """Register the top-level schema (``conf/config.yaml`` lists it first in its defaults) and the
    trainer options' schemas."""
    store = ConfigStore.instance()
    store.store(name="recexp_schema", node=RunConfig)
    for name, schema in TRAINER_SCHEMAS.items():
        store.store(group="trainer_schema", name=name, node=schema)


register_configs()
