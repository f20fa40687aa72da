"""A run's lifecycle, from composition to the record it leaves: compose (app), check (preflight,
validation, error_messages), prepare the run dir (dirs_check), run (launcher: data, stages) and record
(provenance, summary, failure, logs). Started only by the entry points (`recexp`, run.py, the sweeper)."""
