"""Counted nouns in the documents and summaries: ``1 file``, ``2 files``, ``1,000 articles``."""
from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` with thousands separators and ``noun`` in the singular for exactly 1, else the
    plural (``noun + "s"`` unless given): ``counted(1, "input file")`` -> ``"1 input file"``,
    ``counted(2225, "news article")`` -> ``"2,225 news articles"``."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"
