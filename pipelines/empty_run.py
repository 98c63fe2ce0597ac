"""A run whose every record was rejected: a field mapping that matches nothing fails, any other
cause is said loudly.

``ingest: fields: {text: body}`` on JSON Lines without ``body`` rejects every record as
``missing_text``; publishing that empty release with exit code 0 would let a scheduler ship an
empty day without a word (trial 10). Such a run is a configuration error, found only once the
records are read, so it is refused after the pipeline and before the publish: exit code 2 with
one line naming the field and the fields or columns the records have, nothing published.
A run rejected whole for another reason (every file binary, a language filter that keeps
nothing) still publishes its audit trail, with a warning on stderr; so does a run that wrote no
article for any other reason (every article's paragraphs dropped: empty after cleaning, cleaning
rules, duplicates of an earlier release), which before session 11 published without a word.
"""
from __future__ import annotations

from pathlib import Path

MAPPING_REASON = "ingest:missing_text"
# missing_text details that say the mapped field is absent (transforms/ingest/core.py
# missing_field_detail, missing_text_detail), not that a record's value is empty or null
_ABSENT = ("record has no ", "no column ")


class UnmappedFields(Exception):
    """Every record was rejected because the text field the config maps is absent."""


def _details(staging: str, limit: int = 100_000) -> list[str]:
    """The distinct ``detail`` values of the staged ``rejects/`` (at most ``limit`` rows read)."""
    import pyarrow.dataset as ds

    found: dict[str, None] = {}
    read = 0
    for batch in ds.dataset(str(Path(staging, "rejects")), format="parquet").to_batches(columns=["detail"]):
        found.update(dict.fromkeys(batch.column(0).to_pylist()))
        read += batch.num_rows
        if read >= limit:
            break
    return sorted(d for d in found if d is not None)


def check_empty_run(staging: str, records: dict, paragraphs: dict | None = None) -> str | None:
    """Refuse a run that rejected every record for an absent text field; else a warning line
    when it rejected every record for another reason, or wrote no article at all; else None.

    Args:
        staging: the staged dataset (its ``rejects/`` is read when every record was rejected
            as ``missing_text``).
        records: ``report.json`` → ``records`` (``in``, ``rejected``, ``rejected_by_reason``,
            ``articles_written``, ``articles_without_kept_paragraphs``).
        paragraphs: ``report.json`` → ``paragraphs`` (``dropped_by_reason``), named in the
            warning of a run that wrote no article.

    Raises:
        UnmappedFields: every record was rejected as ``missing_text`` with a detail naming an
            absent field or column; the message names it and what the records hold.
    """
    total = records.get("in", 0)
    if total and records.get("rejected") != total and records.get("articles_written") == 0:
        rejected, without = records.get("rejected", 0), records.get("articles_without_kept_paragraphs", 0)
        dropped = _by((paragraphs or {}).get("dropped_by_reason") or {})
        return (f"warning: no article was written: of {total:,} record(s), {rejected:,} rejected"
                + (f" ({_by(records.get('rejected_by_reason') or {})})" if rejected else "")
                + f", {without:,} with no kept paragraph" + (f" (paragraphs dropped: {dropped})" if dropped else "")
                + ": this release has no article")
    if not total or records.get("rejected") != total:
        return None
    reasons = records.get("rejected_by_reason") or {}
    if set(reasons) == {MAPPING_REASON}:
        details = _details(staging)
        if details and all(d.startswith(_ABSENT) and not d.endswith("(null)") for d in details):
            raise UnmappedFields(f"the text field names nothing in the input: every record ({total:,}) was rejected "
                                 f"as missing_text, e.g. {details[0]}")
    return f"warning: every record ({total:,}) was rejected ({_by(reasons)}): this release has no article"


def _by(counts: dict) -> str:
    """``{"empty:empty": 2, ...}`` -> ``"empty:empty 2, ..."`` (sorted by key)."""
    return ", ".join(f"{reason} {n:,}" for reason, n in sorted(counts.items()))
