"""``newsetl inspect DIR`` and ``newsetl explain DIR ARTICLE_ID``: read a finished dataset.

Both refuse a directory without ``_SUCCESS`` (an unfinished or foreign directory) with exit
code 2 and a one-line message. ``inspect`` prints the numbers of ``report.json`` on one screen
(``--verify`` re-hashes every file listed in ``_SUCCESS``); ``explain`` prints one article's
paragraphs with each decision and the text of the paragraph it duplicates.
"""
from __future__ import annotations

from collections import Counter

import argparse
import json
import os
import sys
import textwrap
from pathlib import Path

from pipelines import damage, stream_info
from pipelines.paths import user_path
from pipelines.usage import OneLineParser
from transforms.records import STATUSES
from transforms.write import wording
from transforms.write.core import verify_manifest

EXIT_USAGE = 2


class DatasetError(Exception):
    """The directory is not a finished newsetl dataset, or the article is not in it (exit 2)."""


def load_finished(directory: str) -> tuple[dict, dict]:
    """Return ``(report, success_manifest)`` of a finished dataset.

    Raises:
        DatasetError: no such directory, no ``_SUCCESS`` (unfinished), or no ``report.json``.
    """
    d = Path(directory)
    if not d.is_dir():
        raise DatasetError(f"{directory} is not a directory")
    if not (d / "_SUCCESS").is_file():
        raise DatasetError(f"{directory} has no _SUCCESS: not a finished newsetl dataset")
    if not (d / "report.json").is_file():
        raise DatasetError(f"{directory} has no report.json")
    try:
        return json.loads((d / "report.json").read_text(encoding="utf-8")), json.loads((d / "_SUCCESS").read_text(encoding="utf-8"))
    except (ValueError, OSError) as err:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise DatasetError(f"{directory}: report.json or _SUCCESS is damaged ({type(err).__name__}: {err})") from None


def _n(v: int) -> str:
    return f"{v:,}"


def _mb(b: int) -> str:
    return f"{b / 1e6:.1f} MB"


def _join(counts: dict) -> str:
    return ", ".join(f"{k} {_n(v)}" for k, v in counts.items() if v) or "none"


def summary_lines(report: dict, success: dict, directory: str) -> list[str]:
    """The one-screen summary of a dataset as lines (also printed at the end of ``newsetl run``)."""
    r, p, c = report["records"], report["paragraphs"], report["clusters"]
    fig = report.get("figures", {})
    tables: dict[str, list[int]] = {}
    for f in success.get("files", []):
        t = tables.setdefault(f["path"].split("/")[0], [0, 0, 0])
        t[0] += 1
        t[1] += f["rows"]
        t[2] += f["bytes"]
    in_bytes = sum(i["size"] for i in report["inputs"])
    lines = [
        f"newsetl dataset {directory} (finished: _SUCCESS present, counts reconciled: {report.get('reconciled')})",
        f"  newsetl {report.get('newsetl_version')}, config {report['config_digest'][:16]}, "
        f"{wording.counted(len(report['inputs']), 'input file')} ({_mb(in_bytes)})",
        f"  records in {_n(r['in'])}: articles written {_n(r['articles_written'])}, without kept paragraphs "
        f"{_n(r['articles_without_kept_paragraphs'])}, flagged copies {_n(r['articles_flagged_duplicate'])}, "
        f"rejected {_n(r['rejected'])}" + (f", taken down {_n(r['removed'])}" if "removed" in r else ""),
        f"  paragraphs in {_n(p['in'])}: {_join({s: p['by_status'].get(s, 0) for s in STATUSES})}"
        + (f", taken down {_n(p['removed'])}" if "removed" in p else ""),
        f"  removed by reason: {_join(p['dropped_by_reason'])}",
        f"  rejected by reason: {_join(r['rejected_by_reason'])}",
        f"  clusters {_n(c['count'])}, largest {_n(c['largest'])} paragraphs",
    ]
    for key, label in (("published_unparsed", "published dates not parsed (kept as null, see ingest.published_formats)"),
                       ("language_unrecognised", "input languages not recognised (detected instead)"),
                       ("url_unusable", "input urls naming no web address (kept as null)")):
        counted = report.get(key) or {}
        if counted.get("total"):
            files = sorted(counted["by_file"].items(), key=lambda kv: (-kv[1], kv[0]))
            more = f", +{len(files) - 3} more files" if len(files) > 3 else ""
            lines.append(f"  {label}: {_n(counted['total'])} "
                         f"({', '.join(f'{os.path.basename(f)} {_n(n)}' for f, n in files[:3])}{more})")
    against = report.get("dedup_against") or {}
    if against.get("releases") or against.get("takedowns_from"):
        parts = [f"{r['release']} ({_n(r.get('paragraphs_dropped', 0))} paragraphs dropped)" for r in against.get("releases", [])]
        parts += [f"{r['release']} (takedowns only)" for r in against.get("takedowns_from", [])]
        down = (against.get("taken_down") or {}).get("rejected")
        lines.append("  deduplicated against: " + ", ".join(parts) + (f"; taken-down articles rejected {_n(down)}" if down else ""))
    skipped = report.get("inputs_skipped") or []
    if skipped:
        more = f", +{len(skipped) - 3} more" if len(skipped) > 3 else ""
        reasons = Counter(s["reason"] for s in skipped)
        what = "files of directory inputs" + (" and directories globs matched" if "glob_directory" in reasons else "")
        lines.append(f"  inputs skipped ({what} not read: {_join(dict(sorted(reasons.items())))}; "
                     f"name one by path to read it, with ingest.format for an unknown format): {_n(len(skipped))} "
                     f"({', '.join(s['path'] for s in skipped[:3])}{more})")
    if fig.get("languages"):
        lines.append(f"  languages: {_join(fig['languages'])} (source: {_join(fig.get('language_sources') or {})})")
    if report.get("charsets"):
        lines.append(f"  charsets (articles written): {_join(report['charsets'])}")
    index = report.get("index")
    if index:
        per = index["bytes_per_paragraph"]
        lines.append(f"  release index: {_n(index['paragraphs'])} paragraphs, {_mb(index['bytes'])}"
                     + (f", {per:,.1f} bytes per paragraph" if per is not None else ""))
    lines.append("  tables: " + "; ".join(f"{t} {n} file(s) {_n(rows)} rows {_mb(b)}" for t, (n, rows, b) in sorted(tables.items())))
    docs = [d["path"] for d in success.get("documents", [])]
    if docs:
        lines.append("  documents: " + ", ".join(docs))
    return lines


def _dataset(directory: str, table: str):
    import pyarrow.dataset as ds

    return ds.dataset(str(Path(directory, table)), format="parquet", partitioning="hive")


def article_decisions(directory: str, article_id: str) -> tuple[dict | None, list[dict], dict[str, dict]]:
    """One article's written row, its paragraph rows (by index) and the rows they duplicate.

    Returns:
        ``(article row or None when it was not written, paragraph rows, {paragraph_id: row})``.

    Raises:
        DatasetError: the article id has no paragraph rows.
    """
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    for table in ("paragraphs", "articles"):
        if not Path(directory, table).is_dir():
            raise DatasetError(f"{directory} has no {table}/ directory: the dataset is damaged "
                               f"(newsetl inspect {directory} --verify lists what is missing)")
    paras = _dataset(directory, "paragraphs").to_table(filter=ds.field("article_id") == article_id).to_pylist()
    if not paras:
        removal = taken_down_row(directory, article_id)
        if removal is not None:
            raise DatasetError(removal)
        from pipelines.explain_rejects import ArticleRejected, rejected_rows

        rejected = rejected_rows(directory, article_id)
        if rejected:
            raise ArticleRejected(article_id, rejected)
        raise DatasetError(f"article {article_id} is not in {directory}/paragraphs (see the article_id column) nor in its "
                           "rejects/ (looked up by derived id, by the id or url in a record's excerpt, or as FILE:RECORD)"
                           + _unlisted_hint(directory))
    paras.sort(key=lambda p: p["index"])
    arts = _dataset(directory, "articles").to_table(filter=ds.field("article_id") == article_id).to_pylist()
    targets = sorted({p["duplicate_of"] for p in paras if p["duplicate_of"]})
    originals = {}
    if targets:
        rows = _dataset(directory, "paragraphs").to_table(filter=pc.field("paragraph_id").isin(targets)).to_pylist()
        originals = {r["paragraph_id"]: r for r in rows}
    return (arts[0] if arts else None), paras, originals


def _removals(directory: str, article_ids) -> dict:
    """:func:`transforms.takedown.core.removals_of` for a dataset (none without ``removals/``)."""
    from transforms.takedown.core import TakedownHistoryError, removals_of

    if not Path(directory, "removals").is_dir():
        return {}
    try:
        return removals_of(directory, article_ids)
    except TakedownHistoryError as err:
        raise DatasetError(str(err)) from None


def _in_release(removal) -> str:
    """``release NAME (published YYYY-MM-DD HH:MM UTC)``: the release whose takedown removed
    it, and when (its ``_SUCCESS`` time), or ``release NAME or an earlier one of its history``."""
    import datetime as dt

    if not removal.certain:
        return f"release {removal.release} or an earlier one of its history (gone)"
    success = Path(removal.path, "_SUCCESS") if removal.path else None
    if success is None or not success.is_file():
        return f"release {removal.release}"
    when = dt.datetime.fromtimestamp(success.stat().st_mtime, dt.timezone.utc)
    return f"release {removal.release} (published {when:%Y-%m-%d %H:%M} UTC)"


def _why(row: dict) -> str:
    return f"requested as {row['requested']!r}, reason: {row['reason'] or 'none given'}"


def taken_down_row(directory: str, article_id: str) -> str | None:
    """One line saying that ``article_id`` was taken down (README "Takedowns"): in which
    release and when (:func:`_in_release`; the history of a takedown release an older newsetl
    made is read back, :func:`transforms.takedown.core.removals_of`), the request and its
    reason. None when the dataset's history has no row for it, or only one for its copies of
    removed text (the article is still there)."""
    from transforms.takedown.core import COPY, REJECTED

    removal = _removals(directory, [article_id]).get(article_id)
    if removal is None or removal.row.get("matched_by") == COPY:
        return None
    listed = Path(directory, "removals").is_dir() and any(
        r["article_id"] == article_id for r in _dataset(directory, "removals").to_table(columns=["article_id"]).to_pylist())
    what = ("its excerpt in rejects/ replaced (a rejected record, never written)" if removal.row.get("matched_by") == REJECTED
            else f"{removal.row['paragraphs_removed']} paragraph(s) removed")
    return (f"article {article_id} was taken down in {_in_release(removal)}, {_why(removal.row)}, {what} ("
            + (f"removals/ of {directory} lists it)" if listed else
               f"removals/ of {directory} does not list it, an older newsetl's takedown release: read from "
               f"its history, {removal.path})"))


def _unlisted_hint(directory: str) -> str:
    """For an article not found: the takedowns of the dataset's history that are listed nowhere, if any."""
    from transforms.takedown.core import TakedownHistoryError, removal_history

    if not Path(directory, "removals").is_dir():
        return ""
    try:
        _, unlisted, _ = removal_history(directory)
    except TakedownHistoryError as err:
        raise DatasetError(str(err)) from None
    return (f"; {unlisted} article(s) taken down in its history are listed nowhere (the release an older newsetl "
            "made this takedown from is gone): it may be one of them") if unlisted else ""


MAX_LINES = 6  # explain prints a paragraph in at most this many lines, unless --full


def fill(text: str, indent: str, width: int = 100, full: bool = False) -> str:
    """``text`` wrapped at ``width`` after ``indent``, its own line breaks kept (a table's rows, a
    code block's lines); ``(empty)`` for an empty text. Unless ``full``, at most
    :data:`MAX_LINES` lines, then one line saying how much was left out (before session 11 the
    cut was a bare ``…``, easily taken for the text's own)."""
    if not text.strip():
        return indent + "(empty)"
    lines = [w for line in text.split("\n")
             for w in (textwrap.wrap(line, width=width, initial_indent=indent, subsequent_indent=indent) or [indent.rstrip()])]
    if full or len(lines) <= MAX_LINES:
        return "\n".join(lines)
    left = len(text) - sum(len(line) - len(indent) for line in lines[:MAX_LINES])  # about: wraps drop a space each
    return "\n".join(lines[:MAX_LINES] + [indent + f"[cut by explain: {len(lines) - MAX_LINES:,} more line(s), about "
                                                     f"{max(left, 0):,} more characters; --full prints whole paragraphs]"])


def _other_key(directory: str, key: str) -> tuple[str, str, int | None] | None:
    """For a ``key`` that is no article id: ``(article id, note, paragraph index or None)`` when
    it is a paragraph id (``NEWID4/1``, as ``duplicate_of`` and ``cluster_id`` show them) of an
    article in ``paragraphs/``, or ``FILE:RECORD`` of a written article (``articles/`` columns
    ``source_file``, ``source_record``); else None."""
    import re

    import pyarrow.dataset as ds

    from pipelines.explain_rejects import _file_record, same_file

    paragraph = re.fullmatch(r"(.+)/([0-9]+)", key)
    if paragraph and _dataset(directory, "paragraphs").count_rows(filter=ds.field("paragraph_id") == key):
        return paragraph.group(1), f"(paragraph {key} is paragraph {paragraph.group(2)} of article {paragraph.group(1)})", \
            int(paragraph.group(2))
    file_record = _file_record(key)
    if file_record is not None:
        name, number = file_record
        rows = _dataset(directory, "articles").to_table(columns=["article_id", "source_file"],
                                                        filter=ds.field("source_record") == number).to_pylist()
        found = sorted((r["article_id"], r["source_file"]) for r in rows if same_file(r["source_file"], name))
        if found:
            return found[0][0], f"({key} is article {found[0][0]}: source {found[0][1]} record {number})", None
    return None


def explain_lines(directory: str, article_id: str, width: int = 100, full: bool = False) -> list[str]:
    """Human-readable decisions of one article (see :func:`article_decisions`). ``article_id``
    may also be one of its paragraph ids or, for a written article, ``FILE:RECORD``
    (:func:`_other_key`); ``full``: whole paragraphs (else :data:`MAX_LINES` lines each)."""
    marked, note = None, []
    try:
        article, paras, originals = article_decisions(directory, article_id)
    except DatasetError:
        other = _other_key(directory, article_id)
        if other is None:
            raise
        article_id, line, marked = other
        note = [line]
        article, paras, originals = article_decisions(directory, article_id)
    head = f"article {article_id}"
    if article:
        head += (f": written, {article['paragraphs_kept']} of {article['paragraphs_total']} body paragraphs kept; "
                 f"language {article['language'] or 'unknown'}"
                 + (f" ({article['language_source']})" if article["language_source"] else "") + f"; source {article['source_file']} "
                 f"record {article['source_record']}")
        if article["duplicate_of_article"]:
            head += f"; flagged as a copy of article {article['duplicate_of_article']}"
    else:
        head += ": not written (no kept body paragraph)"
    lines = note + [head]
    removals = _removals(directory, {article_id} | {p["duplicate_of"].rsplit("/", 1)[0] for p in paras
                                                   if p["duplicate_of"] and not p.get("duplicate_of_release")
                                                   and p["duplicate_of"] not in originals})
    own = removals.get(article_id)
    if own is not None and own.row.get("paragraph_ids"):  # its copies of removed text went (remove --include-copies)
        lines.append(f"paragraph(s) {', '.join(p.rsplit('/', 1)[1] for p in own.row['paragraph_ids'])} taken down in "
                     f"{_in_release(own)} as copies of removed text ({', '.join(own.row['copy_of'] or [])}; "
                     f"{_why(own.row)})")
    for p in paras:
        decision = p["status"] + (f" ({p['reason']})" if p["reason"] else "")
        release = p.get("duplicate_of_release")
        if p["duplicate_of"]:
            sim = f"{p['similarity']:.3f}" if p["similarity"] is not None else "?"
            decision += f", duplicate of {p['duplicate_of']}" + (f" in earlier release {release}" if release else "") + f", similarity {sim}"
        if p["cluster_id"]:
            decision += f", cluster {p['cluster_id']}"
        lines.append(f"[{p['index']}] {decision}" + ("   <- the paragraph asked for" if p["index"] == marked else ""))
        lines.append(fill(p["text"], "    ", width, full))
        # an earlier release's paragraph is not in this dataset (the same id here may be another paragraph)
        original = originals.get(p["duplicate_of"]) if p["duplicate_of"] and not release else None
        if original is not None:
            lines.append(f"    duplicates {original['paragraph_id']} ({original['status']}):")
            lines.append(fill(original["text"], "    > ", width, full))  # not "| ": a Markdown table's rows start with one
        elif p["duplicate_of"] and not release and p["duplicate_of"].rsplit("/", 1)[0] in removals:
            gone = removals[p["duplicate_of"].rsplit("/", 1)[0]]
            lines.append(f"    duplicates {p['duplicate_of']}, taken down in {_in_release(gone)}, {_why(gone.row)}: "
                         "this row still holds its text (newsetl remove --include-copies removes it)")
    return lines


def inspect_parser() -> argparse.ArgumentParser:
    """Argument parser of ``newsetl inspect DIR [--verify]``."""
    parser = OneLineParser(prog="newsetl inspect", description="Summary of a finished newsetl dataset.")
    parser.add_argument("directory", type=user_path, metavar="DIR")
    parser.add_argument("--verify", action="store_true", help="re-hash every file listed in _SUCCESS")
    return parser


def explain_parser() -> argparse.ArgumentParser:
    """Argument parser of ``newsetl explain DIR ARTICLE_ID``."""
    parser = OneLineParser(prog="newsetl explain",
                           description="One article's paragraphs with each decision and what it duplicated.")
    parser.add_argument("directory", type=user_path, metavar="DIR")
    parser.add_argument("article_id", metavar="ARTICLE_ID",
                        help="an article id, one of its paragraph ids (NEWID4/1), or FILE:RECORD (articles/ and rejects/ "
                             "columns); for a rejected record also its url")
    parser.add_argument("--full", action="store_true", help=f"print whole paragraphs (else at most {MAX_LINES} lines each)")
    return parser


def inspect_main(argv: list[str]) -> int:
    """``newsetl inspect DIR [--verify]``: returns the exit code (2: not a finished dataset)."""
    args = inspect_parser().parse_args(argv)
    if stream_info.is_streaming_output(args.directory):  # windows and panes, no _SUCCESS or report.json
        print("\n".join(stream_info.summary_lines(args.directory)))
        return 0
    try:
        report, success = load_finished(args.directory)
    except DatasetError as err:
        print(f"newsetl: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(summary_lines(report, success, args.directory)))
    damaged = damage.size_problems(args.directory, success)
    if damaged and not args.verify:  # a stat per file; --verify re-hashes them
        print("  " + damage.damaged_message(args.directory, damaged))
        return 1
    if args.verify:
        problems = verify_manifest(args.directory)
        print("  verify: " + ("every file matches _SUCCESS" if not problems else "; ".join(problems)))
        return 1 if problems else 0
    return 0


def _stream_pane(directory: str, article_id: str) -> tuple[str, list[str]]:
    """The pane of a ``--streaming`` output that holds ``article_id`` and a line naming it."""
    import pyarrow.dataset as ds

    holds = lambda article: lambda pane: _dataset(str(pane), "paragraphs").count_rows(filter=ds.field("article_id") == article) > 0
    pane = stream_info.find_article(directory, article_id, holds(article_id))
    if pane is None and "/" in article_id:  # a paragraph id (NEWID4/1): the pane of its article (explain_lines)
        article = article_id.rsplit("/", 1)[0]
        pane = stream_info.find_article(directory, article, holds(article))
    if pane is None:
        raise DatasetError(f"article {article_id} is not in the paragraphs/ of "
                           + (f"pane {directory}" if stream_info.is_pane(directory) else
                              f"any window's highest pane of the --streaming output {directory}"))
    return str(pane), [f"(--streaming output: {pane.parent.name}/{pane.name})"]


def explain_main(argv: list[str]) -> int:
    """``newsetl explain DIR ARTICLE_ID``: returns the exit code (2: no dataset or no such article)."""
    args = explain_parser().parse_args(argv)
    from pipelines.explain_rejects import ArticleRejected

    directory, where = args.directory, []
    try:
        if stream_info.is_streaming_output(directory) or stream_info.is_pane(directory):  # no _SUCCESS: its panes
            directory, where = _stream_pane(directory, args.article_id)
        else:
            _, success = load_finished(directory)
            damaged = damage.size_problems(directory, success, ("articles/", "paragraphs/", "removals/"))
            if damaged:
                raise DatasetError(damage.damaged_message(directory, damaged))
        try:
            lines = where + explain_lines(directory, args.article_id, full=args.full)
        except (OSError, ValueError) as err:  # pyarrow's ArrowInvalid (a ValueError), ArrowIOError (an OSError)
            raise DatasetError(damage.read_error(directory, err)) from None
    except ArticleRejected as rejected:  # an explanation: the article's dead letter(s)
        lines = where + rejected.lines
    except DatasetError as err:
        print(f"newsetl: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(lines))
    return 0
