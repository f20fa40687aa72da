"""Experiment tracking: one W&B run per Hydra job (or none)."""

from recexp.tracking.tracker import NullTracker, Tracker, open_tracker

__all__ = ["NullTracker", "Tracker", "open_tracker"]
