"""Data pipeline: raw readers -> normalized tables -> k-core -> split -> contexts -> parquet cache."""
