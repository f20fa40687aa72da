"""A run dir or cache_dir that cannot be written, or whose disk is (nearly) full, stops the run
before Hydra starts and before anything heavy is imported: one line naming the key and the path,
exit code 2, nothing created."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from recexp.common.errors import CONFIG_ERROR_EXIT_CODE, ConfigError
from recexp.common.layout import CONF_DIR
from recexp.run import dirs_check
from recexp.run.preflight import preflight
from tests.conftest import ROOT, run_cli


def config_error(proc) -> str:
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == CONFIG_ERROR_EXIT_CODE and len(lines) == 1, proc.stderr
    assert lines[0].startswith("config error: "), proc.stderr
    return lines[0]


def writable(directory: Path) -> bool:
    try:
        with tempfile.NamedTemporaryFile(dir=directory):
            return True
    except OSError:
        return False


@pytest.fixture
def read_only_dir(tmp_path) -> Path:
    """A directory this process cannot write in: one with mode 0o500, or, as root (whom modes do not
    stop), /sys, which refuses new files even to root; skipped where neither holds."""
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        for candidate in (directory, Path("/sys")):
            if candidate.is_dir() and not writable(candidate):
                yield candidate
                return
        pytest.skip("no directory this process cannot write in (root, and /sys absent or writable)")
    finally:
        directory.chmod(0o700)


def test_run_dir_under_a_regular_file(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    run_dir = tmp_path / "file" / "sub"
    line = config_error(run_cli("paradigm=global_mean", "logger=none", f"hydra.run.dir={run_dir}", timeout=60))
    assert line == (f"config error: hydra.run.dir={run_dir}: {tmp_path / 'file'} is a file, not a directory; "
                    "choose another hydra.run.dir")


def test_read_only_cache_dir(read_only_dir, tmp_path):
    cache = read_only_dir / "recexp-cache"
    line = config_error(run_cli("paradigm=global_mean", "logger=none", f"cache_dir={cache}",
                                f"hydra.run.dir={tmp_path / 'run'}", timeout=60))
    assert line.startswith(f"config error: cache_dir={cache}: cannot write there (it would be created in "
                           f"{read_only_dir}): ")
    assert line.endswith("; choose a writable cache_dir")
    assert not (tmp_path / "run").exists() and not cache.exists()


def test_read_only_sweep_dir(read_only_dir):
    sweep = read_only_dir / "sweep"
    line = config_error(run_cli("-m", "paradigm=global_mean,bias", "logger=none", f"hydra.sweep.dir={sweep}",
                                timeout=60))
    assert line.startswith(f"config error: hydra.sweep.dir={sweep}: cannot write there")


def test_full_disk_exits_2_with_one_line_before_heavy_imports(tmp_path):
    """The free-space probe reports 0 inside the run's own process (patched before run.py starts)."""
    run_dir = tmp_path / "runs" / "one"
    code = (
        "import sys\n"
        "from recexp.run import dirs_check\n"
        "dirs_check.free_bytes = lambda path: 0\n"
        f"sys.argv = ['run.py', 'logger=none', 'hydra.run.dir={run_dir}']\n"
        "import runpy\n"
        "try:\n runpy.run_path('run.py', run_name='__main__')\n"
        "except SystemExit as e: print('EXIT', e.code)\n"
        "heavy=[m for m in ('torch','transformers','trl','wandb','pandas','pyarrow') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert f"EXIT {CONFIG_ERROR_EXIT_CODE}" in proc.stdout and "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
    assert proc.stderr.strip() == (
        f"config error: hydra.run.dir={run_dir}: 0.00 GB free on its file system, below min_free_gb=1; "
        "free some space, choose another hydra.run.dir, or lower min_free_gb (0: no check)")
    assert list(tmp_path.iterdir()) == []  # no run dir, and the probe file removed


def test_each_job_of_a_multirun_checks_free_space(tmp_path):
    """The disk fills during a multirun: the probe reports 0 once the first job has written its
    metrics.json; the second job stops with the same one line (exit 2), the first job's outputs stay."""
    sweep = tmp_path / "sweep"
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from recexp.run import dirs_check\n"
        f"dirs_check.free_bytes = lambda path: 0 if list(Path('{sweep}').rglob('metrics.json')) else 10**12\n"
        f"sys.argv = ['run.py', '-m', 'paradigm=global_mean', 'debug=smoke', 'logger=none', 'seed=1,2', "
        f"'hydra.sweep.dir={sweep}']\n"
        "import runpy\n"
        "runpy.run_path('run.py', run_name='__main__')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode == CONFIG_ERROR_EXIT_CODE, proc.stderr[-3000:]
    job, line = proc.stderr.strip().splitlines()  # Hydra names the job, then the one line
    assert job == "Error executing job with overrides: ['paradigm=global_mean', 'debug=smoke', 'logger=none', 'seed=2']"
    assert line == (
        f"config error: hydra.sweep.dir={sweep / '1_global_mean_synthetic'}: 0.00 GB free on its file system, "
        "below min_free_gb=1; free some space, choose another hydra.sweep.dir, or lower min_free_gb (0: no check)")
    assert (sweep / "0_global_mean_synthetic" / "metrics.json").exists()
    assert not (sweep / "1_global_mean_synthetic" / "metrics.json").exists()


def test_preflight_checks_the_cache_dir_in_process(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setattr(dirs_check, "free_bytes", lambda path: 0 if path == cache else 10**12)
    with pytest.raises(ConfigError, match=rf"^cache_dir={cache}: 0.00 GB free"):
        preflight(["paradigm=global_mean", "logger=none", f"cache_dir={cache}",
                   f"hydra.run.dir={tmp_path / 'elsewhere' / 'run'}"], CONF_DIR)
    monkeypatch.setattr(dirs_check, "free_bytes", lambda path: 10**12)
    preflight(["paradigm=global_mean", "logger=none", f"cache_dir={cache}", f"hydra.run.dir={tmp_path / 'run'}"],
              CONF_DIR)
    assert [p.name for p in tmp_path.iterdir()] == ["cache"] and list(cache.iterdir()) == []  # creates nothing


def test_full_cache_disk_and_the_threshold_key(tmp_path, monkeypatch):
    run_dir, cache = tmp_path / "run", tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setattr(dirs_check, "free_bytes", lambda path: 0 if path == cache else 10**12)
    dirs = {"hydra.run.dir": run_dir, "cache_dir": cache}
    with pytest.raises(ConfigError, match=rf"^cache_dir={cache}: 0.00 GB free .* below min_free_gb=0.5;"):
        dirs_check.check_dirs(dirs, 0.5)
    dirs_check.check_dirs(dirs, 0)  # 0: no free-space check (writability still checked)
    with pytest.raises(ConfigError, match="min_free_gb: free space in GB >= 0"):
        dirs_check.check_dirs(dirs, -1)


def test_dir_errors_import_nothing_heavy(tmp_path):
    (tmp_path / "file").write_text("")
    code = (
        f"import sys; sys.argv=['run.py','hydra.run.dir={tmp_path / 'file' / 'sub'}'];"
        "import runpy\n"
        "try:\n runpy.run_path('run.py', run_name='__main__')\n"
        "except SystemExit as e: print('EXIT', e.code)\n"
        "heavy=[m for m in ('torch','transformers','trl','wandb','pandas','pyarrow') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ})
    assert "EXIT 2" in proc.stdout and "HEAVY []" in proc.stdout, proc.stdout + proc.stderr
    assert "is a file, not a directory" in proc.stderr
