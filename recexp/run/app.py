"""The run entry point behind `python run.py ARGS` and `recexp run ARGS` (`recexp sweep ARGS` adds -m).

Hydra reads the config tree ``conf/`` (``recexp.common.layout.CONF_DIR``: the checkout's, or the same
folder inside an installed wheel), so a run starts from any directory once recexp is installed. A
config mistake ends as one line (exit 2), a failed run as one paragraph naming its stage, run dir and
log (exit 1)."""

from __future__ import annotations

import os
import sys

# Hydra would otherwise catch every exception itself, print it and exit 1; with full errors it
# re-raises, and ``report_errors`` below turns config errors and failed runs into short messages.
os.environ["HYDRA_FULL_ERROR"] = "1"
if not sys.stderr.isatty():  # output goes to a file: no progress bars (carriage returns); stages log progress
    for _variable in ("TQDM_DISABLE", "HF_DATASETS_DISABLE_PROGRESS_BARS", "HF_HUB_DISABLE_PROGRESS_BARS"):
        os.environ.setdefault(_variable, "1")

import hydra  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

import recexp.config  # noqa: E402,F401  (registers the schemas in the ConfigStore)
from recexp.common.errors import (  # noqa: E402
    CONFIG_ERROR_EXIT_CODE,
    CONFIG_ERRORS,
    RunFailed,  # noqa: E402
)
from recexp.common.layout import CONF_DIR  # noqa: E402
from recexp.run.error_messages import describe  # noqa: E402

RUN_FAILED_EXIT_CODE = 1


@hydra.main(version_base="1.3", config_path=str(CONF_DIR), config_name="config")
def hydra_main(cfg: DictConfig) -> float | dict | None:
    from recexp.run.launcher import launch

    return launch(cfg)


def main(argv: list[str] | None = None) -> None:
    """Preflight the config, then run it through Hydra (``argv``: Hydra's command line)."""
    from recexp.run.preflight import preflight

    argv = sys.argv[1:] if argv is None else list(argv)
    sys.argv = [sys.argv[0], *argv]  # Hydra reads its command line from sys.argv
    report_errors(lambda: (preflight(argv, CONF_DIR), hydra_main()))


def report_errors(entry) -> None:
    """Run ``entry``; a config error becomes one line (exit 2), a failed run one paragraph (exit 1)."""
    try:
        entry()
    except CONFIG_ERRORS as exc:
        print(f"config error: {describe(exc)}", file=sys.stderr)
        sys.exit(CONFIG_ERROR_EXIT_CODE)
    except RunFailed as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(RUN_FAILED_EXIT_CODE)
