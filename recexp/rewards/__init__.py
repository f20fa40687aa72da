"""Rule-based GRPO rewards for tagged rating predictions (pure Python: no torch/transformers/trl).

Public API: ``REWARDS`` (name -> reward for the think_before_rec template), ``REWARD_RANGES``,
``build_reward_funcs(weights, tags)``, ``make_reward``, and the parsers ``parse_rating``,
``format_ok``, ``step_blocks``, ``completion_text`` with the template tag constants.
"""

from recexp.rewards.functions import (
    FORMAT_ONLY,
    REWARD_RANGES,
    REWARDS,
    MissingRewardColumn,
    RewardFunction,
    build_reward_funcs,
    make_reward,
    true_rating,
)
from recexp.rewards.parsing import (
    DIRECT_TAGS,
    FREE_THINK_TAGS,
    TAGS_BY_TEMPLATE,
    THINK_BEFORE_REC_TAGS,
    completion_text,
    format_ok,
    formatted_rating,
    parse_rating,
    resolve_tags,
    step_blocks,
)

__all__ = [
    "DIRECT_TAGS",
    "FORMAT_ONLY",
    "FREE_THINK_TAGS",
    "MissingRewardColumn",
    "REWARDS",
    "REWARD_RANGES",
    "RewardFunction",
    "TAGS_BY_TEMPLATE",
    "THINK_BEFORE_REC_TAGS",
    "build_reward_funcs",
    "completion_text",
    "format_ok",
    "formatted_rating",
    "make_reward",
    "parse_rating",
    "resolve_tags",
    "step_blocks",
    "true_rating",
]
