"""Two first runs started at once on one empty cache (different run dirs): one builds the
processed split and the tiny model, the other waits for it (recexp.common.publish.build_lock) and
reuses them; both end ok, nothing is built twice and no temporary copy is left."""

from __future__ import annotations

import json

import pytest

from .killing import Run, orphans


@pytest.mark.slow
def test_two_runs_on_one_empty_cache_build_each_piece_once(tmp_path):
    cache = tmp_path / "cache"
    runs = [Run(tmp_path, "debug=smoke", "paradigm=zero_shot", "model.tiny.warmup_steps=20", cache=cache, name=name)
            for name in ("a", "b")]
    started = [run.start() for run in runs]
    for attempt, proc in started:
        attempt.returncode = proc.wait(timeout=600)
        assert attempt.returncode == 0, attempt.log()[-4000:]
    logs = [attempt.log() for attempt, _ in started]

    [builder] = [log for log in logs if "model: tiny model with" in log]  # built once
    [waiter] = [log for log in logs if log is not builder]
    assert "model: another process is building" in waiter and "model: reusing tiny model" in waiter
    assert sum("data: cached splits in" in log for log in logs) == 1
    assert sum("data: reusing cached splits in" in log for log in logs) == 1

    assert len(list((cache / "models").glob("tiny-*"))) == 1 and len(list((cache / "processed").glob("synthetic-*"))) == 1
    assert orphans(cache / "models") == [] and orphans(cache / "processed") == []
    metrics = [json.loads((run.dir / "metrics.json").read_text()) for run in runs]
    assert metrics[0]["status"] == metrics[1]["status"] == "ok"
    assert metrics[0]["test/mae"] == metrics[1]["test/mae"]  # the same model on the same split
