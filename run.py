"""Entry point: `python run.py [group=option ...] [key=value ...]` (add `-m` for multirun)."""

import os
import sys
from pathlib import Path

# Let composition errors reach recexp.errors.report_config_errors, which prints them as one line.
os.environ["HYDRA_FULL_ERROR"] = "1"

import hydra  # noqa: E402
from omegaconf import DictConfig  # noqa: E402

import recexp.config  # noqa: E402,F401  (registers the schemas in the ConfigStore)
from recexp.errors import report_config_errors  # noqa: E402
from recexp.preflight import preflight  # noqa: E402

CONF_DIR = Path(__file__).resolve().parent / "conf"


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def main(cfg: DictConfig) -> float | None:
    from recexp.launcher import launch

    return launch(cfg)


def checked_main() -> None:
    preflight(sys.argv[1:], CONF_DIR)
    main()


if __name__ == "__main__":
    report_config_errors(checked_main)
