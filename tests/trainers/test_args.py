"""Configs name activation checkpointing by transformers 5.23's name; an older transformers (the
reference GPU machine has 5.17) gets it under the old ``gradient_checkpointing``, and the check
accepts it there too."""

from __future__ import annotations

import recexp.trainers.args as trainer_args
from recexp.trainers.args import check_trainer_args, checkpointing_name, with_installed_names


def _older_transformers(monkeypatch):
    fields = {k: v for k, v in trainer_args.trainer_fields("grpo").items() if k != "activation_checkpointing"}
    fields["gradient_checkpointing"] = "bool"
    monkeypatch.setattr(trainer_args, "trainer_fields", lambda kind: fields)


def test_the_installed_transformers_takes_the_new_name():
    assert checkpointing_name("grpo") == "activation_checkpointing"
    args = {"activation_checkpointing": True, "max_steps": 3}
    assert with_installed_names("grpo", args) == args


def test_an_older_transformers_gets_the_old_name(monkeypatch):
    _older_transformers(monkeypatch)
    assert checkpointing_name("grpo") == "gradient_checkpointing"
    assert with_installed_names("grpo", {"activation_checkpointing": True, "max_steps": 3}) == {
        "gradient_checkpointing": True, "max_steps": 3}
    check_trainer_args("grpo", {"activation_checkpointing": False})
