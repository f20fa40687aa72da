"""Makes the top-level ``sweeps/`` folder the Hydra config group ``sweep``."""
