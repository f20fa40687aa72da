"""GRPO without a learning signal says so (recexp/trainers/signal.py)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from recexp.trainers.signal import SignalMonitor


def _feed(monitor: SignalMonitor, logs: list[dict]) -> None:
    args = SimpleNamespace(max_completion_length=64)
    for step, entry in enumerate(logs, start=1):
        monitor.on_log(args, SimpleNamespace(global_step=step * 5), None, logs=entry)


def test_identical_rewards_for_several_logs_warn_once(caplog):
    monitor = SignalMonitor(patience=3)
    with caplog.at_level(logging.WARNING, logger="recexp.trainers.signal"):
        _feed(monitor, [{"frac_reward_zero_std": 1.0}] * 5)
    warnings = [r.message for r in caplog.records]
    assert len(warnings) == 1 and "frac_reward_zero_std = 1" in warnings[0] and "step 15" in warnings[0]


def test_clipped_completions_warn_with_the_length_to_raise(caplog):
    monitor = SignalMonitor(patience=2)
    with caplog.at_level(logging.WARNING, logger="recexp.trainers.signal"):
        _feed(monitor, [{"completions/clipped_ratio": 0.71, "frac_reward_zero_std": 0.2}] * 2)
    assert any("max_completion_length=64" in r.message for r in caplog.records)


def test_a_signal_that_comes_back_resets_the_streak(caplog):
    monitor = SignalMonitor(patience=3)
    with caplog.at_level(logging.WARNING, logger="recexp.trainers.signal"):
        _feed(monitor, [{"frac_reward_zero_std": 1.0}, {"frac_reward_zero_std": 1.0},
                        {"frac_reward_zero_std": 0.4}, {"frac_reward_zero_std": 1.0}])
    assert not caplog.records
