"""Takedowns that stick: the articles earlier releases removed, and the matching rule (no Beam).

``newsetl remove`` writes ``removals/`` into a takedown release (every takedown of its history:
a takedown of a takedown release carries the earlier rows forward). A later ``newsetl run
--dedup-against RELEASE`` reads those rows once in the launcher (:func:`taken_down_in`) and
hands the small lookup to the pipeline, where an article with a removed id or URL becomes a
dead letter (stage ``dedup``, reason ``taken_down``) instead of being published again.

URLs are compared by :func:`url_key`, so a takedown listed as ``HTTPS://Example.com/a/?utm_source=x``
matches an article published as ``https://example.com/a``.
"""
from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyarrow.parquet as pq

from transforms.ingest.warc import canonical_url
from transforms.records import Article, Reject

log = logging.getLogger("newsetl.takedown")

STAGE = "dedup"
COPY = "copy_of_removed"  # removals/ matched_by of an article that lost only its copies of removed text
REJECTED = "rejected_record"  # removals/ matched_by of a request that matched only rejected records (their excerpts taken down)
TAKEN_DOWN = "taken_down"
REMOVALS = "removals"


class TakedownHistoryError(ValueError):
    """A release's ``removals/`` cannot be read (one-line message)."""


def url_key(url: str | None) -> str | None:
    """The form two URLs of one article share, or None for a value that is not an absolute URL.

    Rules, in order: courlan's ``normalize_url`` (the one the WARC reader groups captures by,
    :func:`transforms.ingest.warc.canonical_url`: scheme and host lower-cased, default port
    (``:80``, ``:443``) removed, tracking parameters (``utm_*``, ``fbclid``, ``gclid`` ...)
    removed, the remaining query sorted, the fragment removed), then one rule of our own: a
    trailing ``/`` of the path removed (``/a/`` and ``/a``; the root stays ``/``). ``http`` and
    ``https``, ``www.`` and no ``www.`` stay different URLs.

    Returns:
        the key as a string, e.g. ``https://example.com/a?b=1`` for
        ``HTTPS://Example.COM:443/a/?utm_source=x&b=1#top``.
    """
    if not url or "://" not in url:
        return None
    canonical = canonical_url(url)
    if not canonical:
        return None
    parts = urlsplit(canonical)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") or "/", parts.query, ""))


def read_removals(release: str) -> list[dict]:
    """The ``removals/`` rows of a release (none for a release no takedown made), as dicts with
    at least ``article_id``, ``url``, ``requested`` and ``reason``, sorted by article id.

    Raises:
        TakedownHistoryError: ``removals/`` exists and cannot be read.
    """
    path = Path(release, REMOVALS)
    if not path.is_dir():
        return []
    try:
        rows = pq.read_table(path).to_pylist()
    except (OSError, ValueError) as err:
        raise TakedownHistoryError(f"{release}: removals/ cannot be read ({err})") from None
    return sorted(rows, key=lambda r: r["article_id"])


def _report(release: str | Path) -> dict:
    """A release's ``report.json``, or {} when it cannot be read."""
    try:
        report = json.loads(Path(release, "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return report if isinstance(report, dict) else {}


def _made_from(release: str, report: dict) -> str | None:
    """The release a takedown release was made from (``report.json`` → ``removals.from_release``,
    as its ``newsetl remove`` was given it, so maybe relative to another directory): that path,
    else the directory of that name next to ``release``; only one whose ``report.json`` still has
    the sha256 recorded then (``removals.from_report_sha256``). None when neither is found."""
    from transforms.write.core import sha256_file  # write.core imports the dedup index, which needs no takedown

    info = report.get("removals") or {}
    given, digest = info.get("from_release"), info.get("from_report_sha256")
    if not isinstance(given, str) or not given or not digest:
        return None
    for candidate in (Path(given), Path(release).absolute().parent / Path(given).name):
        try:
            if sha256_file(str(candidate / "report.json")) == digest:
                return str(candidate)
        except OSError:
            continue
    return None


def removal_history(release: str) -> tuple[list[dict], int, list[str]]:
    """Every takedown of a release's history: its ``removals/`` rows and, when they are fewer
    than the articles its ``report.json`` counts as removed (``records.removed``: a takedown of a
    takedown release made by a newsetl before 2026-11-30 listed only its own takedown), the rows
    of the release it was made from (:func:`_made_from`), and so on back, until the count is
    reached or no earlier release is found. An article listed twice keeps the later row.

    Returns:
        ``(rows as :func:`read_removals` gives them, sorted by article id; how many removed
        articles are still unlisted (0 for a complete history); the earlier releases read)``.

    Raises:
        TakedownHistoryError: a ``removals/`` that cannot be read, or an earlier release's
            ``removals/`` that is damaged (not as its ``_SUCCESS`` lists it).
    """
    from transforms.write.core import damage  # write.core imports the dedup index, which needs no takedown

    rows = {r["article_id"]: r for r in read_removals(release)}
    report = _report(release)
    expected = (report.get("records") or {}).get("removed") or 0
    used, current, seen = [], release, {Path(release).resolve()}
    while _articles(rows.values()) < expected:
        earlier = _made_from(current, report)
        if earlier is None or Path(earlier).resolve() in seen:
            break
        seen.add(Path(earlier).resolve())
        broken = damage(earlier, (f"{REMOVALS}/",))
        if broken:
            raise TakedownHistoryError(f"{release}: the release it was made from, {earlier}, is {broken}")
        used.append(earlier)
        for r in read_removals(earlier):
            rows.setdefault(r["article_id"], r)
        current, report = earlier, _report(earlier)
    return sorted(rows.values(), key=lambda r: r["article_id"]), max(expected - _articles(rows.values()), 0), used


def _articles(rows) -> int:
    """How many removal rows are whole articles (``records.removed`` counts them): not the rows
    of articles that only lost their copies of removed text (``newsetl remove --include-copies``)
    nor those of requests that matched only rejected records."""
    return sum(1 for r in rows if is_article_row(r))


def is_article_row(row: dict) -> bool:
    """Whether a ``removals/`` row is a written article that was taken down (its rows removed),
    not an article that only lost its copies of removed text (:data:`COPY`) nor a request that
    matched only ``rejects/`` rows (:data:`REJECTED`: their excerpts were taken down)."""
    return row.get("matched_by") not in (COPY, REJECTED)


def history_chain(release: str) -> list[str]:
    """``release``, the release it was made from (:func:`_made_from`), that one's, and so on
    back, as far as they are found (a run's release, made from nothing, ends it)."""
    chain, seen = [release], {Path(release).resolve()}
    while True:
        earlier = _made_from(chain[-1], _report(chain[-1]))
        if earlier is None or Path(earlier).resolve() in seen:
            return chain
        seen.add(Path(earlier).resolve())
        chain.append(earlier)


@dataclass(frozen=True)
class Removal:
    """Where an article's takedown is recorded (:func:`removals_of`): its ``removals/`` ``row``,
    the ``release`` (name) whose takedown removed it, that release's directory when it is found
    (``path``, else None) and whether the release is ``certain`` (False: that release or an
    earlier one of its history, which is gone)."""

    row: dict
    release: str
    path: str | None
    certain: bool


def removals_of(release: str, article_ids) -> dict[str, Removal]:
    """The takedowns of ``article_ids`` in ``release``'s history: its ``removals/`` rows and,
    for a takedown release an older newsetl made (its ``removals/`` lists its own takedown only),
    those of the releases it was made from (:func:`history_chain`).

    The release that removed an article: the row's ``removed_in`` (written since session 10);
    else the release of the chain made from the newest one that still holds the article's
    paragraph rows; else (that one is gone) the oldest release found that lists it, certain only
    when its ``removals/`` holds its own takedown alone (as many articles as its ``report.json``
    → ``removals.articles``: what a newsetl before 2026-11-30 wrote).

    Returns:
        ``{article_id: Removal}`` for the ids that were taken down (copies of removed text,
        ``matched_by`` :data:`COPY`, included).

    Raises:
        TakedownHistoryError: a ``removals/`` that cannot be read.
    """
    wanted, found = set(article_ids), {}
    chain = history_chain(release)
    every = [read_removals(d) for d in chain]
    listed = [{r["article_id"]: r for r in rows if r["article_id"] in wanted} for rows in every]
    for aid in sorted(wanted):
        where = [k for k, rows in enumerate(listed) if aid in rows]
        if not where:
            continue
        k = max(where)  # the oldest release that lists it: its row is the takedown's own
        row = listed[k][aid]
        if row.get("removed_in"):
            names = {Path(d).resolve().name: d for d in chain}
            found[aid] = Removal(row, row["removed_in"], names.get(row["removed_in"]), True)
            continue
        holder = next((j for j in range(1, len(chain)) if _holds(chain[j], aid)), None)
        if holder is not None:  # removed by the release made from the newest one that still has it
            found[aid] = Removal(row, Path(chain[holder - 1]).resolve().name, chain[holder - 1], True)
            continue
        own = (_report(chain[k]).get("removals") or {}).get("articles")  # what its own takedown removed
        found[aid] = Removal(row, Path(chain[k]).resolve().name, chain[k], own == _articles(every[k]))
    return found


def _holds(release: str, article_id: str) -> bool:
    """True when the release's ``paragraphs/`` has rows of the article."""
    path = Path(release, "paragraphs")
    if not path.is_dir():
        return False
    try:
        return pq.read_table(path, columns=["article_id"], filters=[("article_id", "==", article_id)]).num_rows > 0
    except (OSError, ValueError):
        return False


def unlisted_message(release: str, unlisted: int, used: list[str]) -> str:
    """The warning for a takedown history that cannot be completed (:func:`removal_history`)."""
    return (f"{release}: {unlisted} article(s) taken down in its history are listed nowhere: its removals/ was written by "
            f"a newsetl before 2026-11-30, which listed only the last takedown, and the release it was made from "
            f"({'read: ' + ', '.join(used) + '; ' if used else ''}report.json → removals.from_release) is gone or changed; "
            "a re-sent copy of them is not rejected as taken_down (README \"Takedowns\")")


_HOST = re.compile(r"\s*[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?([^/?#:\[\]]*)(?=[/?#:]|$)")


def _host(url: str) -> str | None:
    """The lower-cased host of an absolute URL (no user, no port), or None (no scheme, an IPv6
    literal): a regular expression, as ``urlsplit`` cost 6 us a URL."""
    m = _HOST.match(url)
    return m[1].lower() if m else None


@dataclass(frozen=True)
class TakenDown:
    """What earlier releases removed: ``ids`` and ``urls`` (:func:`url_key` form) each map to
    ``(release name, reason or None)``. Small (one entry per removed article), so it travels as
    a DoFn's constructor argument.

    ``hosts`` (derived) are the URL keys' hosts: an article URL on another (ASCII) host cannot
    match and is not normalised (:func:`_host` is a regular expression; :func:`url_key` cost
    16 us a URL).
    """

    ids: dict = field(default_factory=dict)
    urls: dict = field(default_factory=dict)
    unlisted: dict = field(default_factory=dict)  # release name -> removed articles its history lists nowhere
    hosts: frozenset = field(init=False, default=frozenset())

    def __post_init__(self):
        object.__setattr__(self, "hosts", frozenset(_host(k) for k in self.urls))

    def __bool__(self) -> bool:
        return bool(self.ids or self.urls)

    def match(self, article_id: str, url: str | None) -> tuple[str, str, str | None] | None:
        """``(matched by: "article_id" or "url", release name, reason)`` when the article was
        taken down, else None. The id is tried first."""
        hit = self.ids.get(article_id)
        if hit is not None:
            return ("article_id", *hit)
        if not url or not self.urls:
            return None
        host = _host(url)
        if host is not None and host.isascii() and host not in self.hosts:
            return None
        key = url_key(url)
        hit = self.urls.get(key) if key else None
        return ("url", *hit) if hit is not None else None


def taken_down_in(releases) -> TakenDown:
    """Read every ``removals/`` row of the ``--dedup-against`` releases once, with the history
    of a takedown release an older newsetl made (:func:`removal_history`); a history that cannot
    be completed is logged as a warning (:func:`unlisted_message`) and counted in ``unlisted``.

    Args:
        releases: ``((release directory, release name), ...)``, as the launcher checked them; an
            article removed in several is attributed to the first.

    Returns:
        a :class:`TakenDown` (empty when no release holds ``removals/``).

    Raises:
        TakedownHistoryError: a ``removals/`` that is damaged or missing (not as ``_SUCCESS``
            lists it) or unreadable.
    """
    from transforms.write.core import damage  # write.core imports the dedup index, which needs no takedown

    ids, urls, missing = {}, {}, {}
    for path, name in releases:
        broken = damage(path, (f"{REMOVALS}/",))  # also a removals/ deleted since: its files are listed
        if broken:
            raise TakedownHistoryError(f"--dedup-against {path}: {broken}")
        try:
            rows, unlisted, used = removal_history(path)  # an older takedown release: its history read back
        except TakedownHistoryError as err:
            raise TakedownHistoryError(f"--dedup-against {err}") from None
        if unlisted:
            log.warning("%s", unlisted_message(f"--dedup-against {path}", unlisted, used))
            missing[name] = unlisted
        for row in rows:
            hit = (name, row.get("reason"))
            if row.get("matched_by") == COPY:  # re-sent, it would publish the copied text: its other paragraphs are in
                hit = (name, f"{row.get('reason') or 'none given'}; it copied the text of taken-down "  # the release already
                             f"{', '.join(row.get('copy_of') or [])}")
            ids.setdefault(row["article_id"], hit)
            # a copy row's request names the article it copied, not this one
            for url in (row.get("url"), None if row.get("matched_by") == COPY else row.get("requested")):
                key = url_key(url)
                if key:
                    urls.setdefault(key, hit)
    return TakenDown(ids, urls, missing)


def report_section(taken: TakenDown, records: dict) -> dict:
    """``report.json`` → ``dedup_against.taken_down`` of a run: the removed articles each
    release listed (``listed``: release name -> articles), the articles of this run rejected
    as taken down (``rejected``, also in ``records.rejected_by_reason`` as ``dedup:taken_down``)
    and, only when there are some, the removed articles a release's history lists nowhere
    (``unlisted``: release name -> articles, :func:`removal_history`)."""
    listed = Counter(release for release, _ in taken.ids.values())
    section = {"listed": dict(sorted(listed.items())),
               "rejected": records["rejected_by_reason"].get(f"{STAGE}:{TAKEN_DOWN}", 0)}
    if taken.unlisted:  # an older takedown release whose history could not be read back
        section["unlisted"] = dict(sorted(taken.unlisted.items()))
    return section


def taken_down_reject(article: Article, matched_by: str, release: str, reason: str | None) -> Reject:
    """The dead letter of an article an earlier release took down (stage ``dedup``, reason
    ``taken_down``; the detail names the release and the takedown's reason)."""
    what = f"url {article.url}" if matched_by == "url" else f"article id {article.article_id}"
    return Reject(article.source_file, article.source_record, -1, STAGE, TAKEN_DOWN,
                  f"{what} was taken down in release {release} (reason: {reason or 'none given'})",
                  (article.title or article.url or article.article_id)[:200])


def drop_taken_down(articles: list[Article], taken: TakenDown) -> tuple[list[Article], list[Reject]]:
    """Split a batch of articles into those to keep and the rejects of the taken-down ones (order kept)."""
    kept, rejects = [], []
    for a in articles:
        hit = taken.match(a.article_id, a.url)
        if hit is None:
            kept.append(a)
        else:
            rejects.append(taken_down_reject(a, *hit))
    return kept, rejects
