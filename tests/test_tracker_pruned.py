"""A sweep trial stopped by its pruner ends its W&B run as finished (exit 0) with a ``pruned`` tag
and summary state; a failure still ends it with exit 1."""

from __future__ import annotations

import pytest

from recexp.sweeps.trial import TrialPruned
from recexp.tracking import tracker as tracking


class FakeRun:
    def __init__(self):
        self.tags, self.summary, self.exit_code = ("sweep",), {}, None

    def finish(self, exit_code):
        self.exit_code = exit_code


@pytest.fixture
def run(monkeypatch):
    fake = FakeRun()
    monkeypatch.setattr(tracking, "_start", lambda *a: tracking.Tracker(fake))
    return fake


def test_a_pruned_trial_finishes_with_the_pruned_tag(run):
    with pytest.raises(TrialPruned):
        with tracking.open_tracker(None, None, {}, "trial"):
            raise TrialPruned("pruned at step 10")
    assert run.exit_code == 0 and run.tags == ("sweep", "pruned") and run.summary["state"] == "pruned"


def test_a_failure_still_exits_1(run):
    with pytest.raises(RuntimeError):
        with tracking.open_tracker(None, None, {}, "trial"):
            raise RuntimeError("boom")
    assert run.exit_code == 1 and run.tags == ("sweep",) and "state" not in run.summary
