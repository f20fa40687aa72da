"""Sweeps under load and faults, on a real PostgreSQL server started by the test (loopback only):
six workers on one study; the server restarted while trials run; a worker SIGKILLed inside a trial
while the others go on; the storage unreachable at start. Each scenario audits the stored study:
exactly n_trials trials end COMPLETE or PRUNED, none is left RUNNING or WAITING, no params were
evaluated twice unless the second run is a logged retry (Optuna's ``failed_trial`` system attr) of
a failed one, every failed trial was retried with its params and the retry finished (a trial whose
ask was cut off before its params were stored never ran: it is not re-queued, its slot asked anew), and every
finished trial has its own run dir with its metrics.json. Each prints one FIGURES line (workers,
trials, restarts, kills, lost, duplicated, retried, never ran, wall): docs/guides/crashes.md."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from optuna.trial import TrialState

from recexp.sweeps.storage import open_storage

from ..conftest import ROOT
from .helpers import free_port
from .test_postgres_workers import postgres_server  # noqa: F401  (fixture)

pytestmark = pytest.mark.slow
# the cheapest trial: the global mean of the smoke data's train ratings (~0.5 s); the sampled seed
# (one of 1e9) gives each trial its own params, so a param set seen twice is a trial run twice
TRIAL = ["paradigm=global_mean", "debug=smoke", "seed=tag(int, interval(0, 1000000000))"]
DEADLINE_S = 270  # each scenario must end within 5 minutes on 2 shared cores
FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)
SPACE = {"seed"}  # the params each trial samples (TRIAL)

# run.py whose third trial job hangs inside the trial (after its run dir and first heartbeat, before
# its result), naming its run dir in $RECEXP_HANG_MARKER: the test SIGKILLs it there
HANG_IN_THIRD_TRIAL = """
import os, runpy, sys, time
from pathlib import Path
import recexp.paradigms.runner as runner
real, calls = runner.run_stages, []
def run_stages(stages, state, **kwargs):
    calls.append(state.run_dir)
    if len(calls) == 3:
        Path(os.environ["RECEXP_HANG_MARKER"]).write_text(str(state.run_dir))
        time.sleep(600)
    return real(stages, state, **kwargs)
runner.run_stages = run_stages
sys.argv = ["run.py", *sys.argv[1:]]
runpy.run_path("run.py", run_name="__main__")
"""


def _sweep_args(url: str, sweep_dir: Path, n_trials: int, heartbeat: int, *extra: str) -> list[str]:
    return ["-m", "hydra/sweeper=recexp_optuna", "hydra/sweeper/sampler=random", "hydra.sweeper.study_name=load",
            f"hydra.sweeper.storage={url}", f"hydra.sweep.dir={sweep_dir}", f"hydra.sweeper.n_trials={n_trials}",
            "hydra.sweeper.n_jobs=1", f"hydra.sweeper.heartbeat_interval={heartbeat}", "hydra.sweeper.sampler.seed=null",
            *TRIAL, *extra]


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONPATH": str(ROOT), **extra}


class Workers:
    """``n`` sweep workers (each `run.py -m` in its own session, output in workers/<i>.log)."""

    def __init__(self, tmp_path: Path, argvs: list[list[str]], env: dict[str, str]) -> None:
        (tmp_path / "workers").mkdir()
        self.logs = [tmp_path / "workers" / f"{i}.log" for i in range(len(argvs))]
        self.procs = []
        for argv, log in zip(argvs, self.logs):
            with log.open("w") as out:
                self.procs.append(subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                                   start_new_session=True))
        self.started = time.monotonic()

    def kill(self, i: int) -> None:
        os.killpg(self.procs[i].pid, signal.SIGKILL)
        self.procs[i].wait()

    def wait(self, deadline_s: float = DEADLINE_S) -> float:
        """Wait for every worker; the wall time (s). A worker still running at the deadline fails the test."""
        try:
            for proc in self.procs:
                proc.wait(timeout=max(1.0, self.started + deadline_s - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop()
            pytest.fail(f"workers still running after {deadline_s}s:\n{self.tails()}")
        return time.monotonic() - self.started

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def tails(self) -> str:
        return "\n".join(f"--- worker {i} (rc {p.returncode}):\n{log.read_text()[-1500:]}"
                         for i, (p, log) in enumerate(zip(self.procs, self.logs)))


def audit(url: str, sweep_dir: Path, n_trials: int) -> dict:
    """What the stored study and the sweep dir say: finished, lost, duplicated, retried, left open."""
    from optuna.storages import RDBStorage

    storage = RDBStorage(url)
    trials = storage.get_all_trials(storage.get_study_id_from_name("load"))
    finished = [t for t in trials if t.state in FINISHED]
    ran = [t for t in trials if not t.user_attrs.get("recexp/surplus")]  # a surplus trial is asked, never run
    by_params = Counter(tuple(sorted(t.params.items())) for t in ran)
    first_of = {}
    unlogged = []  # a param set run again without being a retry of a failed trial
    for t in sorted(ran, key=lambda t: t.number):
        key = tuple(sorted(t.params.items()))
        if key in first_of and t.system_attrs.get("failed_trial") is None:
            unlogged.append(t.number)
        first_of.setdefault(key, t.number)
    finished_keys = Counter(tuple(sorted(t.params.items())) for t in finished)
    failed = [t for t in ran if t.state == TrialState.FAIL]
    # a trial whose ask was cut off right after creating it has no params: it never ran (no run dir), and
    # its slot is asked anew (not re-queued); every other failed trial's params finished exactly once
    never_ran = [t.number for t in failed if set(t.params) != SPACE and not t.user_attrs.get("run_dir")]
    requeued = {t.system_attrs.get("failed_trial") for t in trials}
    lost = [t.number for t in failed if t.number not in never_ran and finished_keys[tuple(sorted(t.params.items()))] != 1]
    run_dirs = [t.user_attrs.get("run_dir") for t in finished]
    return {
        "finished": len(finished), "lost": len(lost) + max(0, n_trials - len(finished)), "lost_trials": lost,
        "never_ran": never_ran, "never_ran_requeued": [n for n in never_ran if n in requeued],
        # finished twice with the same params, or run again without a logged retry, or more than asked
        "duplicated": max(sum(n - 1 for n in finished_keys.values()), len(unlogged), len(finished) - n_trials, 0),
        "unlogged_reruns": unlogged, "retried": sum(1 for t in finished if t.system_attrs.get("failed_trial") is not None),
        "failed": [t.number for t in failed], "open": [t.number for t in trials if not t.state.is_finished()],
        "run_dirs_ok": len(set(run_dirs)) == len(run_dirs) and all(
            d and Path(d).parent == sweep_dir and (Path(d) / "metrics.json").exists() for d in run_dirs),
        "max_runs_of_a_param_set": max(by_params.values(), default=0), "trials": trials,
    }


def check_exact(result: dict, n_trials: int, tails: str) -> None:
    summary = {k: v for k, v in result.items() if k != "trials"}
    summary["failed_trials"] = [_described(t) for t in result["trials"] if t.number in result["failed"]]
    assert result["open"] == [], f"trials left RUNNING/WAITING: {summary}\n{tails}"
    assert result["lost"] == 0, f"trials lost: {summary}\n{tails}"
    assert result["never_ran_requeued"] == [], f"trials that never ran were re-queued: {summary}"
    assert result["duplicated"] == 0, f"trials counted twice: {summary}\n{tails}"
    assert result["finished"] == n_trials, summary
    assert result["run_dirs_ok"], summary


def _described(trial) -> dict:
    """What the storage holds of a trial: enough to tell a lost run from a trial that never ran."""
    return {"number": trial.number, "params": trial.params, "user_attrs": trial.user_attrs,
            "system_attrs": {k: v for k, v in trial.system_attrs.items() if k != "fixed_params"},
            "started": str(trial.datetime_start), "ended": str(trial.datetime_complete)}


def figures(scenario: str, workers: int, n_trials: int, restarts: int, kills: int, result: dict, wall: float) -> None:
    print(f"\nFIGURES {scenario}: workers={workers} trials={n_trials} restarts={restarts} kills={kills} "
          f"lost={result['lost']} duplicated={result['duplicated']} retried={result['retried']} "
          f"never_ran={len(result['never_ran'])} wall={wall:.0f}s")


def _wait_for(condition, what: str, workers: Workers, timeout: float = DEADLINE_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline or all(p.poll() is not None for p in workers.procs):
            workers.stop()
            pytest.fail(f"never saw {what}:\n{workers.tails()}")
        time.sleep(0.2)


def _finished_count(storage) -> int:
    try:
        study_id = storage.get_study_id_from_name("load")
    except KeyError:
        return 0
    return len(storage.get_all_trials(study_id, deepcopy=False, states=FINISHED))


def test_six_workers_sixty_trials(tmp_path, postgres_server):  # noqa: F811
    n_workers, n_trials = 6, 60
    open_storage(postgres_server.url)  # the schema, once (the workers' race to create it: test_postgres_workers)
    args = _sweep_args(postgres_server.url, tmp_path / "load", n_trials, 5)
    workers = Workers(tmp_path, [[sys.executable, "run.py", *args]] * n_workers, _env())
    wall = workers.wait()
    assert [p.returncode for p in workers.procs] == [0] * n_workers, workers.tails()
    result = audit(postgres_server.url, tmp_path / "load", n_trials)
    figures("six workers", n_workers, n_trials, 0, 0, result, wall)
    check_exact(result, n_trials, workers.tails())
    assert result["failed"] == [] and result["max_runs_of_a_param_set"] == 1


def test_server_restart_while_trials_run(tmp_path, postgres_server):  # noqa: F811
    n_workers, n_trials, restarts, down_s = 4, 40, 2, 3
    storage = open_storage(postgres_server.url)
    args = _sweep_args(postgres_server.url, tmp_path / "load", n_trials, 10, "hydra.sweeper.storage_retry_timeout=60")
    workers = Workers(tmp_path, [[sys.executable, "run.py", *args]] * n_workers, _env())
    outages = []
    for k in range(restarts):  # after 10 and 25 finished trials: stop (fast), 3 s down, start
        _wait_for(lambda k=k: _finished_count(storage) >= 10 + 15 * k, f"{10 + 15 * k} finished trials", workers)
        stopping = time.monotonic()
        postgres_server.stop()
        time.sleep(down_s)
        postgres_server.start()
        outages.append(time.monotonic() - stopping)
        storage.remove_session()
    wall = workers.wait()
    assert [p.returncode for p in workers.procs] == [0] * n_workers, workers.tails()
    logs = "".join(log.read_text() for log in workers.logs)
    assert "unreachable" in logs and "retrying" in logs  # the workers did meet the outage
    result = audit(postgres_server.url, tmp_path / "load", n_trials)
    figures("server restart", n_workers, n_trials, restarts, 0, result, wall)
    print(f"outages (stop..started): {', '.join(f'{s:.1f}s' for s in outages)}")
    check_exact(result, n_trials, workers.tails())


def test_worker_killed_inside_a_trial(tmp_path, postgres_server):  # noqa: F811
    n_workers, n_trials = 4, 30
    open_storage(postgres_server.url)
    marker = tmp_path / "hung_run_dir"
    args = _sweep_args(postgres_server.url, tmp_path / "load", n_trials, 2)
    argvs = [[sys.executable, "-c", HANG_IN_THIRD_TRIAL, *args]] + [[sys.executable, "run.py", *args]] * (n_workers - 1)
    workers = Workers(tmp_path, argvs, _env(RECEXP_HANG_MARKER=str(marker)))
    _wait_for(marker.exists, "worker 0 inside its third trial", workers)
    workers.kill(0)  # SIGKILL, while the others run
    wall = workers.wait()
    assert [p.returncode for p in workers.procs] == [-signal.SIGKILL] + [0] * (n_workers - 1), workers.tails()
    result = audit(postgres_server.url, tmp_path / "load", n_trials)
    figures("worker killed", n_workers, n_trials, 0, 1, result, wall)
    check_exact(result, n_trials, workers.tails())
    number = int(Path(marker.read_text()).name.split("_")[0])  # the trial it died in (its run dir)
    killed, = [t for t in result["trials"] if t.number == number]
    assert killed.state == TrialState.FAIL and number in result["failed"]
    retry, = [t for t in result["trials"] if t.system_attrs.get("failed_trial") == killed.number]
    assert retry.params == killed.params and retry.state == TrialState.COMPLETE


def test_storage_unreachable_at_start(tmp_path):
    url = f"postgresql+psycopg://postgres:Secr3tPw@127.0.0.1:{free_port()}/postgres"  # nothing listens there
    args = ["-m", "hydra/sweeper=recexp_optuna", "hydra.sweeper.storage_env=RECEXP_TEST_STORAGE",
            f"hydra.sweep.dir={tmp_path / 's'}", *TRIAL]
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, env=_env(RECEXP_TEST_STORAGE=url),
                          capture_output=True, text=True, timeout=120)
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert len(lines) == 1, proc.stderr[-3000:]
    masked = url.replace("Secr3tPw", "***")
    assert f"hydra.sweeper.storage_env=RECEXP_TEST_STORAGE: cannot reach the study storage {masked}" in lines[0]
    assert "Secr3tPw" not in proc.stdout + proc.stderr
    assert time.monotonic() - started < 60  # no retrying at start
