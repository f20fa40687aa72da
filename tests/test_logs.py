"""Log hygiene: repeated third-party warnings shown once; trainer scalars as one log line."""

from __future__ import annotations

import logging

from recexp.run.logs import RepeatedWarningFilter
from recexp.trainers.log_scalars import format_scalars


def _record(name: str, message: str, level: int = logging.WARNING) -> logging.LogRecord:
    return logging.LogRecord(name, level, __file__, 0, message, None, None)


def test_repeated_third_party_warning_passes_once():
    once = RepeatedWarningFilter()
    assert once.filter(_record("transformers.x", "deprecated thing"))
    assert not once.filter(_record("transformers.x", "deprecated thing"))
    assert once.filter(_record("transformers.x", "another thing"))
    assert once.filter(_record("recexp.grpo", "ours")) and once.filter(_record("recexp.grpo", "ours"))
    assert once.filter(_record("transformers.x", "info", logging.INFO)) and once.filter(_record("transformers.x", "info", logging.INFO))


def test_python_warning_from_two_call_sites_counts_once():
    once = RepeatedWarningFilter()
    assert once.filter(_record("py.warnings", "/a.py:1: FutureWarning: old\n  x()"))
    assert not once.filter(_record("py.warnings", "/b.py:9: FutureWarning: old\n  y()"))


def test_trainer_scalars_are_one_line_of_numbers():
    line = format_scalars({"loss": 0.123456, "reward": 1.5, "rewards/format/mean": 0.9, "kl": float("nan"),
                           "note": "text", "flag": True, "step": 5})
    assert line == "loss=0.1235 reward=1.5 rewards/format/mean=0.9 kl=nan step=5"


def test_printed_log_dicts_and_bars_are_dropped_when_output_is_a_file(monkeypatch):
    from transformers.trainer_callback import CallbackHandler, PrinterCallback, ProgressCallback

    from recexp.trainers.log_scalars import quiet_progress

    class Trainer:
        def __init__(self):
            self.callback_handler = CallbackHandler([PrinterCallback(), ProgressCallback()], None, None, None, None)

        def remove_callback(self, callback):
            self.callback_handler.remove_callback(callback)

    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    on_terminal = Trainer()
    quiet_progress(on_terminal)
    assert [type(c) for c in on_terminal.callback_handler.callbacks] == [ProgressCallback]
    monkeypatch.setenv("TQDM_DISABLE", "1")
    to_file = Trainer()
    quiet_progress(to_file)
    assert to_file.callback_handler.callbacks == []
