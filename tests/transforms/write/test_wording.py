"""Counted nouns: singular for exactly one (trial 10: "1 news articles", "in 1 files")."""
from __future__ import annotations

from transforms.write.wording import counted


def test_counted_is_singular_for_one_only():
    assert [counted(n, "input file") for n in (0, 1, 2, 2225)] == ["0 input files", "1 input file", "2 input files",
                                                                   "2,225 input files"]
    assert counted(1, "news article") == "1 news article" and counted(1, "byte") == "1 byte"
    assert counted(3, "reply", "replies") == "3 replies"
