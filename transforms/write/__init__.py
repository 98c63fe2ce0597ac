"""Write stage: Parquet tables, run report and crash-safe publish."""
