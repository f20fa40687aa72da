"""The job side of Optuna sweeps (the sweeper itself is hydra_plugins/recexp_optuna_sweeper)."""
