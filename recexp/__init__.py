"""recexp: experiment framework for reasoning-enhanced LLM recommenders."""

__version__ = "0.1.0"
