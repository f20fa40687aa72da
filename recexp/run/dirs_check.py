"""Before a run starts: the directories it writes (the run dir or sweep dir, ``cache_dir``) must be
writable and have ``min_free_gb`` free, or it stops with one line naming the key and the path; a run
dir that already holds a run is refused (``check_run_dir``), so nothing is overwritten.

A directory that does not exist yet is judged by its nearest existing ancestor (where it would be
created): a probe file is created there and removed, and its file system's free space is read. Nothing
else is created. Imports nothing heavy."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from recexp.common.errors import ConfigError

GB = 10**9
MIN_FREE_KEY = "min_free_gb"
PROBE_PREFIX = ".recexp-write-probe-"
RUN_MARKERS = ("resolved_config.yaml", "metrics.json")  # a directory holding either holds a run


def check_dirs(dirs: dict[str, str | Path], min_free_gb: float) -> None:
    """Check each ``{key: path}`` (e.g. ``{"hydra.run.dir": ..., "cache_dir": ...}``)."""
    if min_free_gb < 0:
        raise ConfigError(f"{MIN_FREE_KEY}: free space in GB >= 0 (0: no check); got {min_free_gb}")
    for key, path in dirs.items():
        check_dir(Path(path).expanduser(), key, min_free_gb)


def check_dir(path: Path, key: str, min_free_gb: float) -> None:
    """Raise ConfigError unless ``path`` can be written and its file system has ``min_free_gb`` free."""
    existing = _nearest_existing(path, key)
    _probe_write(existing, path, key)
    free = free_bytes(existing)
    if min_free_gb and free < min_free_gb * GB:
        raise ConfigError(f"{key}={path}: {free / GB:.2f} GB free on its file system, below "
                          f"{MIN_FREE_KEY}={min_free_gb:g}; free some space, choose another {key}, "
                          f"or lower {MIN_FREE_KEY} (0: no check)")


def free_bytes(path: Path) -> int:
    """Free bytes on the file system holding ``path`` (the probe the tests replace)."""
    return shutil.disk_usage(path).free


def _nearest_existing(path: Path, key: str) -> Path:
    """``path`` itself when it exists, else its closest existing ancestor, which must be a directory."""
    absolute = path.absolute()
    for candidate in (absolute, *absolute.parents):
        if candidate.exists():
            if not candidate.is_dir():
                raise ConfigError(f"{key}={path}: {candidate} is a file, not a directory; "
                                  f"choose another {key}")
            return candidate
    raise ConfigError(f"{key}={path}: no part of it exists")


def _probe_write(directory: Path, path: Path, key: str) -> None:
    """Create and remove a probe file in ``directory``."""
    try:
        with tempfile.NamedTemporaryFile(dir=directory, prefix=PROBE_PREFIX):
            pass
    except OSError as exc:
        where = "" if directory == path.absolute() else f" (it would be created in {directory})"
        raise ConfigError(f"{key}={path}: cannot write there{where}: {type(exc).__name__}: "
                          f"{exc.strerror or exc}; choose a writable {key}") from None


def check_run_dir(run_dir: Path, resume: bool) -> None:
    """Refuse a directory holding a run, unless resuming a run that has not finished."""
    if not any((run_dir / marker).exists() for marker in RUN_MARKERS):
        return
    status, error = _recorded_status(run_dir)
    if resume and status == "ok":
        raise ConfigError(f"resume=true but the run in {run_dir} already finished (metrics.json status ok)")
    if resume:
        return
    if status == "failed":
        raise ConfigError(f"hydra.run.dir={run_dir} holds a failed run ({error}); add resume=true to run again "
                          "there, or choose another directory")
    raise ConfigError(f"hydra.run.dir={run_dir} already holds a run; choose another directory "
                      "(or resume=true to continue an unfinished run there)")


def _recorded_status(run_dir: Path) -> tuple[str | None, str]:
    """The status and error metrics.json records (None without one: still running, or killed)."""
    path = run_dir / "metrics.json"
    if not path.exists():
        return None, ""
    try:
        metrics = json.loads(path.read_text())
    except json.JSONDecodeError:
        return None, ""
    return metrics.get("status"), " ".join(str(metrics.get("error", "")).split())[:200]
