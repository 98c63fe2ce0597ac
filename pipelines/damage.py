"""Damaged table files of a finished dataset, found cheaply (sizes against ``_SUCCESS``) or when
pyarrow fails to read them, said in one line instead of a traceback (``inspect``, ``explain``).

``newsetl inspect DIR --verify`` re-hashes every file; this module only compares each file's
size with the ``bytes`` its ``_SUCCESS`` entry lists (a ``stat`` per file), which catches a
truncated or missing file (trial 10: a ``paragraphs/`` part cut to 500 bytes made ``explain``
print pyarrow's traceback) but not a same-size corruption, which pyarrow's read error then
reports through :func:`read_error`.
"""
from __future__ import annotations

from pathlib import Path


def size_problems(directory: str, success: dict, prefixes: tuple[str, ...] = ()) -> list[str]:
    """Listed table files that are missing or whose size differs from ``_SUCCESS``.

    Args:
        directory: the dataset.
        success: its parsed ``_SUCCESS`` (``files``: ``[{"path", "bytes", ...}]``).
        prefixes: only files whose path starts with one of these (``("paragraphs/",)``); all when empty.

    Returns:
        One phrase per problem: ``"paragraphs/part-00000-of-00001.parquet has 500 bytes, _SUCCESS
        lists 109,935"`` or ``"... is missing"``.
    """
    problems = []
    for entry in success.get("files", []):
        path = entry.get("path", "")
        if prefixes and not path.startswith(prefixes):
            continue
        f = Path(directory, path)
        if not f.is_file():
            problems.append(f"{path} is missing")
        elif "bytes" in entry and f.stat().st_size != entry["bytes"]:
            problems.append(f"{path} has {f.stat().st_size:,} bytes, _SUCCESS lists {entry['bytes']:,}")
    return problems


def damaged_message(directory: str, problems: list[str]) -> str:
    """The one line naming a dataset's damaged files and the command that checks them all."""
    shown = "; ".join(problems[:3]) + (f"; +{len(problems) - 3} more" if len(problems) > 3 else "")
    return f"{directory} is damaged: {shown}; run newsetl inspect {directory} --verify"


def read_error(directory: str, err: Exception) -> str:
    """:func:`damaged_message` for an error pyarrow raised reading a table (its first sentence)."""
    first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return damaged_message(directory, [f"a table file cannot be read ({type(err).__name__}: {first[:300]})"])
