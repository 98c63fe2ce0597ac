"""Ingest stage: input files -> Article records and dead letters."""
