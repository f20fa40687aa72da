"""Which process of a multi-process (accelerate / torchrun) run writes the run's outputs."""

import os


def is_main_process() -> bool:
    """Rank 0 (or a single process): the one that writes run outputs and talks to W&B."""
    return int(os.environ.get("RANK", "0")) == 0
