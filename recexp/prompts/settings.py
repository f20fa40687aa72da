"""The run's prompt config as the objects prompting uses: its template (on the dataset's rating
scale) and the settings that budget a prompt."""

from __future__ import annotations

from omegaconf import DictConfig


def prompt_settings(prompt_cfg: DictConfig) -> dict:
    return {"max_tokens": prompt_cfg.max_tokens, "snippet_chars": prompt_cfg.snippet_chars,
            "item_reviews_limit": prompt_cfg.item_reviews_limit}


def template_of(cfg: DictConfig):
    from recexp.data.scale import RatingScale
    from recexp.prompts import get_template

    return get_template(cfg.prompt.template, RatingScale.of(cfg.dataset.rating_scale))
