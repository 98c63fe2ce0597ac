"""Daily scheduled runs: one release per date, deduplicated against every earlier release.

``python -m pipelines.schedule --releases DIR --date YYYY-MM-DD --input GLOB [--input ...]
[any other ``newsetl run`` or Beam option]`` runs ``newsetl run --output DIR/<date>
--dedup-against DIR/<earlier date> ...`` for every earlier date under ``DIR``, oldest first:
its latest published revision (``<date>``, or the takedown releases ``<date>-r1``,
``<date>-r2`` ... of ``newsetl remove``: the highest ``rN`` with ``_SUCCESS`` replaces the
others, never both, as both would double-count). When a date before published ones is filled in,
their latest revisions are passed as ``--takedowns-from``, so their takedowns hold there too.
``{date}`` in an ``--input`` is replaced by the date.
A user's own ``--dedup-against`` is added after those when it is kept elsewhere, dropped when it
names one of them, and refused under ``DIR`` otherwise (:func:`own_dedup_against`).
Runs under cron as it is and under Airflow's ``BeamRunPythonPipelineOperator`` as ``py_file``
(README.md shows both). Exit codes as ``newsetl run``; 2 also for an ``--output`` (the
release goes to ``DIR/<date>``), for a ``--dedup-against`` under ``DIR`` the scheduler does
not add, and for re-running a published date that later dates were
deduplicated against, unless ``--replace-referenced`` says so.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from pathlib import Path

from pipelines.cli import EXIT_USAGE, exit_after, main as newsetl_main
from pipelines.paths import user_path
from transforms.write.takedown import is_revision, revision_of

log = logging.getLogger("newsetl.schedule")


def release_revision(name: str) -> tuple[str, int] | None:
    """``(date, revision)`` of a release directory name: ``2026-11-29`` -> ``("2026-11-29", 0)``,
    ``2026-11-29-r2`` -> ``("2026-11-29", 2)`` (a takedown release,
    :func:`transforms.write.takedown.revision_of`); None for any other name."""
    base, rev = revision_of(name)
    return (base, rev) if _is_date(base) else None


def earlier_releases(releases: str | Path, date: str) -> list[str]:
    """For every date before ``date`` with a published release under ``releases``, its latest
    revision (``DATE-rN`` with the highest N, else ``DATE``), oldest date first.

    A directory without ``_SUCCESS`` (a run or takedown that failed or is still running) is
    skipped with a warning, so an unfinished ``DATE-r2`` leaves ``DATE-r1`` in use. Other names
    are ignored.
    """
    return _latest_revisions(releases, lambda day: day < date)


def later_releases(releases: str | Path, date: str) -> list[str]:
    """:func:`earlier_releases` for the dates after ``date``: when an earlier date is filled in,
    their takedowns are applied too (``--takedowns-from``), else an article a later date's
    takedown removed would be published again in the filled-in date."""
    return _latest_revisions(releases, lambda day: day > date)


def _latest_revisions(releases: str | Path, wanted) -> list[str]:
    latest: dict[str, tuple[int, str]] = {}
    root = Path(releases)
    for d in sorted(root.iterdir()) if root.is_dir() else ():
        rev = release_revision(d.name)
        if not d.is_dir() or rev is None or not wanted(rev[0]):
            continue
        if not (d / "_SUCCESS").is_file():
            log.warning("skipping %s: no _SUCCESS (unfinished release)", d)
        elif rev[1] and not is_revision(d):  # only named like one: its report does not name the date as its base
            log.warning("skipping %s: not a takedown revision of %s (its report.json → removals does not name %s "
                        "as the release it was made from)", d, rev[0], rev[0])
        elif rev[1] >= latest.get(rev[0], (-1, ""))[0]:
            latest[rev[0]] = (rev[1], str(d))
    return [latest[day][1] for day in sorted(latest)]


def _is_date(name: str) -> bool:
    try:
        return dt.date.fromisoformat(name).isoformat() == name
    except ValueError:
        return False


def own_revisions(releases: str | Path, date: str) -> list[str]:
    """Names of the takedown revisions ``date-rN`` under ``releases``, by N: published ones made
    from ``date`` or an earlier revision of it (:func:`is_revision`; ``newsetl remove`` publishes
    in one swap, so there is no unfinished one), not a folder only named so."""
    root = Path(releases)
    found = [(rev[1], d.name) for d in (root.iterdir() if root.is_dir() else ())
             if (rev := release_revision(d.name)) and rev[0] == date and rev[1] > 0 and is_revision(d)]
    return [name for _, name in sorted(found)]


def referencing_releases(releases: str | Path, date: str) -> list[str]:
    """Names of the published releases of dates after ``date`` under ``releases`` that were
    deduplicated against ``date``'s release (their ``report.json`` → ``dedup_against`` names it;
    one whose report cannot be read counts too: the scheduler dedups every date against all
    earlier ones). Their ``duplicate_of`` / ``duplicate_of_release`` rows point into it."""
    root, found = Path(releases), []
    for d in sorted(root.iterdir()) if root.is_dir() else ():
        rev = release_revision(d.name)
        if rev is None or rev[0] <= date or not (d / "_SUCCESS").is_file():
            continue
        try:
            used = {r["release"] for r in json.loads((d / "report.json").read_text(encoding="utf-8"))
                    .get("dedup_against", {}).get("releases", [])}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            used = {date}
        if date in used:
            found.append(d.name)
    return found


def run_argv(releases: str, date: str, inputs: list[str], rest: list[str], own: list[str] = ()) -> list[str]:
    """The ``newsetl run`` argument list for one scheduled date: the earlier dates' releases
    (:func:`earlier_releases`), then the user's own ``--dedup-against`` releases (``own``, from
    :func:`own_dedup_against`), then the other options (``rest``)."""
    argv = ["run", *(a for i in inputs for a in ("--input", i.replace("{date}", date))),
            "--output", str(Path(releases) / date)]
    for earlier in (*earlier_releases(releases, date), *own):
        argv += ["--dedup-against", earlier]
    for later in later_releases(releases, date):  # filling in an earlier date: later takedowns still apply
        argv += ["--takedowns-from", later]
    return argv + rest


class ScheduleError(ValueError):
    """A scheduler option that cannot be used (one-line message, exit 2)."""


def own_dedup_against(releases: str, date: str, rest: list[str]) -> tuple[list[str], list[str]]:
    """Split the user's own ``--dedup-against`` values off the options for ``newsetl run``.

    The scheduler adds every earlier date's latest revision itself, so a value that names one of
    those (the same directory, however written) is dropped, not passed twice; a release kept
    elsewhere (an archive, say) is kept, after the scheduler's own, in the order given.

    Returns:
        ``(the user's releases to add, the other options)``.

    Raises:
        ScheduleError: a value under ``--releases`` that the scheduler would not add for
            ``date`` (another revision of an earlier date, which would count that date twice, or
            a date not before ``date``).
    """
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--dedup-against", action="append", default=[], type=user_path)
    given, rest = parser.parse_known_args(rest)
    ours = {Path(p).resolve(): p for p in earlier_releases(releases, date)}
    root, own = Path(releases).resolve(), []
    for release in given.dedup_against:
        path = Path(release).resolve()
        if path in ours:
            continue
        if path.parent == root:
            day = (release_revision(path.name) or (path.name,))[0]
            used = [p for p in ours.values() if release_revision(Path(p).name)[0] == day]
            raise ScheduleError(f"--dedup-against {release} is under --releases, whose earlier dates the scheduler adds "
                                "itself (each by its latest published revision): "
                                + (f"{day} is already in as {used[0]}" if used else f"it is not an earlier date's latest release")
                                + "; give only releases kept elsewhere")
        own.append(release)
    return own, rest


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the ``newsetl run`` exit code (2 for a bad ``--date``, or a date that
    already has takedown revisions: a re-run would be shadowed by them and republish what they removed; an
    ``--output``; a ``--dedup-against`` under ``--releases`` that the scheduler does not add itself; a published date that later dates were deduplicated against, without ``--replace-referenced``)."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.schedule", description=__doc__.splitlines()[0])
    parser.add_argument("--releases", required=True, type=user_path, help="directory holding one release per date")
    parser.add_argument("--date", required=True, help="the release date, YYYY-MM-DD")
    parser.add_argument("--input", action="append", required=True, type=user_path, help="input glob; {date} is replaced (repeatable)")
    parser.add_argument("--replace-referenced", action="store_true",
                        help="re-run a published date even though later dates were deduplicated against it "
                             "(their duplicate_of rows may then name paragraphs it no longer has: re-run them too)")
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if not _is_date(args.date):
        print(f"newsetl: error: --date {args.date!r} is not an ISO date (YYYY-MM-DD)", file=sys.stderr)
        return EXIT_USAGE
    given = [a for a in rest if a == "--output" or a.startswith("--output=")]
    if given:
        print(f"newsetl: error: {given[0]} cannot be given to the scheduler: the release is written to --releases/DATE "
              f"({Path(args.releases) / args.date}), where later dates find it", file=sys.stderr)
        return EXIT_USAGE
    published = (Path(args.releases) / args.date / "_SUCCESS").is_file()
    users = referencing_releases(args.releases, args.date) if published else []
    if users and not args.replace_referenced:
        print(f"newsetl: error: {args.date} is published and later release(s) {', '.join(users)} were deduplicated against "
              f"it: replacing it would leave their duplicate_of rows pointing at paragraphs it may no longer have; "
              "pass --replace-referenced to replace it anyway, then re-run those dates (oldest first)", file=sys.stderr)
        return EXIT_USAGE
    revisions = own_revisions(args.releases, args.date)
    if revisions:
        print(f"newsetl: error: {args.date} has takedown revision(s) {', '.join(revisions)} under {args.releases}: later dates "
              f"use the latest revision, so a re-run of {args.date} would be ignored by them and would publish the taken-down "
              "articles again; move the revisions away first, then repeat their takedowns (newsetl remove)", file=sys.stderr)
        return EXIT_USAGE
    try:
        own, rest = own_dedup_against(args.releases, args.date, rest)
    except ScheduleError as err:
        print(f"newsetl: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.replace_referenced:  # newsetl run refuses to replace a referenced release too
        rest = [*rest, "--replace-referenced"]
    return newsetl_main(run_argv(args.releases, args.date, args.input, rest, own))


if __name__ == "__main__":
    exit_after(main())
