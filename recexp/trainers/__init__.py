"""TRL trainer configuration (GRPOConfig / SFTConfig from `trainer.args`) and training callbacks."""
