"""Evaluation shared by every paradigm: metrics and predictions files."""
