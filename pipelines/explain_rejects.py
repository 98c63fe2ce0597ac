"""``newsetl explain DIR ID`` of an article that is not in ``paragraphs/``: find it in
``rejects/`` and say why it was rejected.

A ``rejects/`` row has no ``article_id`` column (many dead letters never became an article:
a line that is not JSON has no id), so the row of an id is found from what a row carries:

- a derived id (records without an id of their own: text files, CSV without an id column,
  a JSON line that does not parse): ``xxh64("<relative path>:<record>")``
  (:func:`transforms.ingest.core.derived_article_id`) of the row's file and record, for each
  way of cutting the file's path into input root and relative path (the root is not stored);
- the dump's own id: the excerpt of a JSON record (``"id": "a1"`` or ``"id": 17``, the id field
  of the run's ``ingest.fields``) or of a Reuters-21578 story (``NEWID=30 ...``: ``NEWID30``), or a detail that names the article (``duplicate_article_id``,
  ``language_filtered``, ``taken_down``);
- a url: the excerpt's ``"url": "..."`` (the url field of ``ingest.fields``) or a detail's
  ``url ...``;
- ``FILE:RECORD``: the input file (as given, or its trailing path components) and the record
  number (0-based), as the rejects table and the run's messages show them.

No Beam import; reads the rejects with pyarrow (one scan, prefiltered in Arrow by substring).
"""
from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

from transforms.ingest.core import DEFAULT_FIELDS, derived_article_id


def _suffixes(path: str) -> list[str]:
    """Every relative path a file could have had under an input root: ``a/b/c.jsonl`` ->
    ``["c.jsonl", "b/c.jsonl", "a/b/c.jsonl"]`` (``/`` separators, as the ids were made)."""
    parts = [p for p in path.replace("\\", "/").split("/") if p]
    return ["/".join(parts[i:]) for i in range(len(parts) - 1, -1, -1)]


def _file_record(key: str) -> tuple[str, int] | None:
    """``("FILE", RECORD)`` of a ``FILE:RECORD`` key, else None."""
    head, sep, tail = key.rpartition(":")
    return (head, int(tail)) if sep and head and re.fullmatch(r"-?[0-9]+", tail) else None


def same_file(source_file: str, name: str) -> bool:
    """True when ``name`` (as a user gives it in ``FILE:RECORD``) names ``source_file`` (a
    table's ``source_file``): the same path, or its trailing path components."""
    source = source_file.replace("\\", "/")
    return source == name or source.endswith("/" + name.lstrip("./"))


def matches(row: dict, key: str, fields: dict) -> str | None:
    """How a ``rejects/`` row is the record ``key`` names (``"derived id"``, ``"id"``,
    ``"url"``, ``"file and record"``), or None."""
    file_record = _file_record(key)
    if file_record is not None:
        name, number = file_record
        if number == row["source_record"] and same_file(row["source_file"], name):
            return "file and record"
    if re.fullmatch(r"[0-9a-f]{16}", key):
        record = max(row["source_record"], 0)  # a whole-file reject of a one-article file: its record 0
        if any(derived_article_id(rel, record) == key for rel in _suffixes(row["source_file"])):
            return "derived id"
    quoted = re.escape(key)
    id_field, url_field = (re.escape(fields.get(n, n)) for n in ("id", "url"))
    excerpt, detail = row["excerpt"] or "", row["detail"] or ""
    newid = re.match(r"NEWID=([0-9]+) ", excerpt)  # a Reuters-21578 story (transforms/ingest/reuters.py): id NEWID<n>
    if newid and key == f"NEWID{newid.group(1)}" or \
            re.search(rf'"{id_field}"\s*:\s*(?:"{quoted}"|{quoted}(?=[\s,}}]))', excerpt) or \
            re.search(rf"\barticle(?:_id| id)? '?{quoted}'?(?=[\s:,;)]|$)", detail):
        return "id"
    if re.search(rf'"{url_field}"\s*:\s*"{quoted}"', excerpt.replace("\\/", "/")) or re.search(rf"\burl {quoted}(?=\s|$)", detail):
        return "url"
    return None


class ArticleRejected(Exception):
    """``explain`` found the article among the rejects: ``lines`` say why (exit code 0)."""

    def __init__(self, key: str, rows: list[dict]):
        super().__init__(f"article {key} was rejected")
        self.lines = rejected_lines(key, rows)


def rejected_rows(directory: str, key: str) -> list[dict]:
    """The ``rejects/`` rows of the record ``key`` names (see the module docstring), sorted by
    file, record and stage; [] when the dataset has no ``rejects/``. The id and url field names
    are the run's (``report.json`` -> ``config.ingest.fields``)."""
    return rejected_rows_of(directory, [key]).get(key, [])


def rejected_rows_of(directory: str, keys: list[str]) -> dict[str, list[dict]]:
    """:func:`rejected_rows` of several keys with one scan of ``rejects/`` (``newsetl remove``:
    the requests that matched no written article).

    Returns:
        ``{key: rows}`` for the keys with at least one row (each row a dict of the rejects
        columns plus ``matched_by``), rows sorted as :func:`rejected_rows` sorts them.
    """
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    if not keys or not Path(directory, "rejects").is_dir():
        return {}
    try:
        report = json.loads(Path(directory, "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        report = {}
    fields = {**DEFAULT_FIELDS, **(((report.get("config") or {}).get("ingest") or {}).get("fields") or {})}
    table = ds.dataset(str(Path(directory, "rejects")), format="parquet").to_table()
    out, every = {}, None  # every row, read into Python once, for the keys not found by substring
    for key in keys:
        if re.fullmatch(r"[0-9a-f]{16}", key) or _file_record(key) or key.startswith("NEWID"):
            every = table.to_pylist() if every is None else every
            candidates = every
        else:  # an own id or a url: in the text
            hit = pc.or_(pc.match_substring(table["excerpt"], key), pc.match_substring(table["detail"], key))
            hit = pc.or_(hit, pc.match_substring(table["excerpt"], key.replace("/", "\\/")))
            candidates = table.filter(hit).to_pylist()
        rows = [dict(r, matched_by=how) for r in candidates if (how := matches(r, key, fields))]
        if rows:
            out[key] = sorted(rows, key=lambda r: (r["source_file"], r["source_record"], r["stage"], r["reason"]))
    return out


def rejected_lines(key: str, rows: list[dict], width: int = 100) -> list[str]:
    """What ``newsetl explain`` prints for a rejected article: one block a ``rejects/`` row."""
    lines = []
    for r in rows:
        where = f"{r['source_file']} record {r['source_record']}" + (f" byte {r['byte_offset']}" if r["byte_offset"] >= 0 else "")
        lines.append(f"article {key}: not written, rejected at stage {r['stage']} (reason {r['reason']}): {r['detail']}")
        lines.append(f"    source {where} (found by {r['matched_by']} in rejects/)")
        excerpt = " ".join((r["excerpt"] or "").split())
        if excerpt:
            lines.append("    | " + textwrap.shorten(excerpt, width=width - 6, placeholder=" …"))
    return lines
