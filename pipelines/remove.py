"""``newsetl remove --ids FILE RELEASE --output NEW_RELEASE [--overwrite]``: takedowns.

Publishes a new release without the listed articles (ids or URLs, one per line, optionally a
tab and a reason), their paragraphs and their index rows, with ``removals/`` and a report
saying what was removed and why. RELEASE is never modified. Uses the launcher's output checks
and its staged publish (``_SUCCESS`` written last, then renamed into place). Exit codes as
``newsetl run``: 2 for a bad request list, release or output.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.cli import EXIT_USAGE, UsageError, _check_output
from pipelines.config import ConfigError, config_from_dict
from pipelines.explain_rejects import rejected_rows_of
from pipelines.interrupts import InterruptGuard
from pipelines.paths import user_path
from pipelines.usage import OneLineParser
from transforms.dedup import index as index_core
from transforms.takedown.core import TakedownHistoryError, is_article_row, removal_history, unlisted_message
from transforms.write import core as write_core
from transforms.write import documents
from transforms.write import takedown


def remove_parser() -> argparse.ArgumentParser:
    """The argument parser of ``newsetl remove``."""
    parser = OneLineParser(prog="newsetl remove", description="Publish a release without some articles.")
    parser.add_argument("--ids", required=True, type=user_path, metavar="FILE", help="file: article id or URL per line, optional tab + reason")
    parser.add_argument("release", type=user_path, metavar="RELEASE", help="the published release to remove articles from (read only)")
    parser.add_argument("--output", required=True, type=user_path, metavar="NEW_RELEASE", help="the new release directory")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty output directory")
    parser.add_argument("--include-copies", action="store_true",
                        help="also remove the paragraphs of other articles that copy the removed text (README \"Takedowns\")")
    return parser


def _comma_reason(request: str) -> bool:
    """True when ``request`` looks like an id or URL followed by a comma and a reason: an id
    with a comma; a URL whose text after its last comma is a word (letters, none of
    ``/?=&#.%``) after a space or in a URL without a query (``https://x/a-1, gdpr``,
    ``https://x/a-1,gdpr``). Commas a URL holds (``https://x/a,b/c``, ``?x=1,2``,
    ``?tags=a,b``) are left alone."""
    head, comma, tail = request.rpartition(",")
    if not comma or "://" not in request:
        return bool(comma)
    word = tail.strip()
    return (bool(re.search(r"[^\W\d_]", word)) and not re.search(r"[/?=&#.%]", word)
            and (tail[:1].isspace() or "?" not in head))


def not_found_message(missing: list[str], published: bool = True) -> str:
    """One line naming the takedown requests that matched no article (up to 5), with a hint for
    the usual mistakes in a list: a comma or a quote where the format has a tab and bare ids.
    ``published``: the takedown was published, so its ``report.json`` lists them all."""
    shown = ", ".join(repr(k) for k in missing[:5]) + (f", +{len(missing) - 5} more" if len(missing) > 5 else "")
    hints = []
    if any(_comma_reason(k) for k in missing):
        hints.append("a reason follows a tab, not a comma")
    if any(k[:1] in "\"'" for k in missing):
        hints.append("ids are written without quotes")
    return (f"{len(missing)} request(s) matched no article: {shown} (ids are case-sensitive"
            + "".join(f"; {h}" for h in hints) + ("; report.json: removals.not_found)" if published else ")"))


def remove(argv: list[str]) -> int:
    """``newsetl remove``: returns the process exit code."""
    args = remove_parser().parse_args(argv)
    try:
        release = Path(args.release)
        if not release.is_dir():
            raise UsageError(f"release {args.release} does not exist or is not a directory")
        if not (release / "_SUCCESS").is_file():
            raise UsageError(f"release {args.release} has no _SUCCESS (unfinished or not a newsetl release)")
        broken = write_core.damage(str(release))  # a takedown re-publishes every table
        if broken:
            raise UsageError(f"release {args.release} is {broken}")
        if release.resolve() == Path(args.output).resolve():
            raise UsageError("--output is the release itself; a takedown publishes a new release")
        later = takedown.later_revisions(args.release, args.output)
        if later:  # a takedown of an older revision would publish again what the later one removed
            name = Path(later[-1]).name
            raise UsageError(f"release {args.release} has a later takedown revision, {name}: a takedown of "
                             f"{release.absolute().name} would publish again what {name} removed; "
                             f"remove from the latest revision, {later[-1]}, instead")
        try:
            old = json.loads((release / "report.json").read_text(encoding="utf-8"))
        except (ValueError, OSError) as err:
            raise UsageError(f"release {args.release}: report.json is missing or damaged ({type(err).__name__})") from None
        config = config_from_dict(old["config"], source=f"{args.release}/report.json")
        requests = takedown.read_requests(args.ids)
        out = _check_output(args.output, args.overwrite, [args.release])
        # RELEASE's takedown history (a takedown release), read back through the releases it was
        # made from when an older newsetl listed only its last takedown
        before, unlisted, used = removal_history(str(release))
    except (UsageError, ConfigError, takedown.TakedownError, TakedownHistoryError) as err:
        print(f"newsetl: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if unlisted:
        print(f"newsetl: warning: {unlisted_message(f'release {args.release}', unlisted, used)}", file=sys.stderr)
    found, missing, already = takedown.match_articles(str(release), requests, before)
    # a request that matched no written article may name a rejected record (its excerpt holds its text)
    rejected = {k: rows for k, v in rejected_rows_of(str(release), missing).items()
                if (rows := [r for r in v if r["matched_by"] in REJECT_MATCHES])}
    missing = [k for k in missing if k not in rejected]
    # every article removed now or earlier in RELEASE's history (not those that only lost their copies)
    gone = {**{r["article_id"]: r for r in before if is_article_row(r)}, **found}
    # --include-copies: also the copies of what RELEASE's history removed (a takedown made without it)
    copies = _copies(str(release), set(gone)) if args.include_copies else {}
    if not found and not copies and not rejected:  # a release identical to RELEASE helps no one: most likely the wrong list or release
        what = (f"already removed by an earlier takedown: {len(already)}" if already else "") + \
               ("; " if already and missing else "") + (f"not found: {len(missing)}" if missing else "")
        print(f"newsetl: error: no article of {args.ids} is in release {args.release} ({what or 'the list is empty'}); "
              + (f"{not_found_message(missing, published=False)}; " if missing else "")
              + "nothing was published", file=sys.stderr)
        return EXIT_USAGE
    staging = out.with_name(f".{out.name}.staging-{int(time.time())}-{os.getpid()}")
    staging.mkdir(parents=True)
    guard = InterruptGuard(staging)  # Ctrl-C: one line, exit 130, staging removed
    try:
        name = out.resolve().name
        excerpts = (set(gone), {r["url"] for r in gone.values() if r.get("url")}) if args.include_copies else None
        own = frozenset(takedown.reject_identity(r) for v in rejected.values() for r in v)
        dropped = takedown.copy_without(str(release), str(staging), set(found), config.output, set(copies), excerpts, own)
        rows = takedown.removal_rows(found, dropped, name)
        copy_rows = takedown.copy_rows(copies, gone, _urls(str(release)), dropped, name) if args.include_copies else None
        reject_rows = takedown.rejected_rows(rejected, dict(requests), name)
        (staging / "removals").mkdir()
        pq.write_table(takedown.removals_table(before, rows + (copy_rows or []) + reject_rows),
                       staging / "removals" / "part-00000-of-00001.parquet", store_schema=True)
        report = takedown.takedown_report(old, str(staging), str(release), rows, missing, already, before, copy_rows,
                                          dropped["rejects"], reject_rows, dropped["rejected"])
        # the name it was given by (a link's name, not its target's): what marks NAME-rN as NAME's revision
        report["removals"]["from_release_name"] = os.path.basename(os.path.abspath(args.release))
        report["removals"].update(history_read_from=used, history_unlisted=unlisted)
        report["index"] = index_core.index_report(str(staging), config.dedup, out.resolve().name)
        documents.write_documents(str(staging), report, out.resolve().name)  # report.json/.html, README.md, _SUCCESS
        guard.publishing()
        write_core.publish(str(staging), str(out))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        guard.restore()
    held = report["removals"]["copies"]
    print(f"newsetl: wrote {out}: removed {len(rows)} article(s), {report['removals']['paragraphs']} paragraph(s)"
          + (f"; copies of the removed text: {held['paragraphs']} paragraph(s) of {held['articles']} other article(s)"
             if args.include_copies else "")
          + (f"; rejected records: {len(rejected)} (their excerpts taken down)" if rejected else "")
          + (f"; not found: {len(missing)}" if missing else "")
          + (f"; already removed by an earlier takedown: {len(already)}" if already else ""))
    if missing:
        print(f"newsetl: warning: {not_found_message(missing)}", file=sys.stderr)
    copies = report["removals"]["copies_of_removed"]
    if copies:  # the removed text lives on in their audit rows, and a re-sent copy is no duplicate any more
        shown = ", ".join(copies[:5]) + (f", +{len(copies) - 5} more" if len(copies) > 5 else "")
        print(f"newsetl: warning: {report['removals']['dangling_duplicate_of']} paragraph(s) of {len(copies)} other article(s) "
              f"copy the removed text ({shown}; report.json: removals.copies_of_removed): they stay in paragraphs/ as "
              "dropped duplicates, and a later run would publish that text under their ids; pass --include-copies "
              "to remove those paragraphs too",
              file=sys.stderr)
    return 0


REJECT_MATCHES = ("id", "derived id", "url")  # how a request may name a rejected record (not FILE:RECORD)


def _copies(release: str, gone: set[str]) -> dict[str, tuple[str, bool]]:
    """``--include-copies``: the rows of other articles that copy text of the articles removed
    now or earlier in RELEASE's history (``gone``; :func:`takedown.copies_of_removed`)."""
    paras = pq.read_table(release + "/paragraphs", columns=["paragraph_id", "duplicate_of", "duplicate_of_release"])
    return takedown.copies_of_removed(paras, gone)


def _urls(release: str) -> dict[str, str | None]:
    """Article id -> URL of RELEASE's written articles."""
    arts = pq.read_table(release + "/articles", columns=["article_id", "url"]).to_pylist()
    return {a["article_id"]: a["url"] for a in arts}
