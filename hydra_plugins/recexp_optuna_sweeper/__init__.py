"""recexp's Optuna sweeper for Hydra (``hydra/sweeper=recexp_optuna``): Optuna >= 4 ask/tell
over Hydra's launchers, with pruning, resumable RDB studies and several workers per study."""
