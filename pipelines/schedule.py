"""Daily scheduled runs: one release per date, deduplicated against every earlier release.

``python -m pipelines.schedule --releases DIR --date YYYY-MM-DD --input GLOB [--input ...]
[any other ``newsetl run`` or Beam option]`` runs ``newsetl run --output DIR/<date>
--dedup-against DIR/<earlier date> ...`` for every earlier release under ``DIR`` (named by an
ISO date, with ``_SUCCESS``), oldest first. ``{date}`` in an ``--input`` is replaced by the date.
Runs under cron as it is and under Airflow's ``BeamRunPythonPipelineOperator`` as ``py_file``
(README.md shows both). Exit codes as ``newsetl run``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

from pipelines.cli import EXIT_USAGE, exit_after, main as newsetl_main

log = logging.getLogger("newsetl.schedule")


def earlier_releases(releases: str | Path, date: str) -> list[str]:
    """Published releases under ``releases`` whose name is an ISO date before ``date``, oldest first.

    A date-named directory without ``_SUCCESS`` (a run that failed or is still running) is
    skipped with a warning. Other names are ignored.
    """
    out = []
    root = Path(releases)
    for d in sorted(root.iterdir()) if root.is_dir() else ():
        if not d.is_dir() or not _is_date(d.name) or d.name >= date:
            continue
        if (d / "_SUCCESS").is_file():
            out.append(str(d))
        else:
            log.warning("skipping %s: no _SUCCESS (unfinished release)", d)
    return out


def _is_date(name: str) -> bool:
    try:
        return dt.date.fromisoformat(name).isoformat() == name
    except ValueError:
        return False


def run_argv(releases: str, date: str, inputs: list[str], rest: list[str]) -> list[str]:
    """The ``newsetl run`` argument list for one scheduled date."""
    argv = ["run", *(a for i in inputs for a in ("--input", i.replace("{date}", date))),
            "--output", str(Path(releases) / date)]
    for earlier in earlier_releases(releases, date):
        argv += ["--dedup-against", earlier]
    return argv + rest


def main(argv: list[str] | None = None) -> int:
    """Entry point: returns the ``newsetl run`` exit code (2 for a bad ``--date``)."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.schedule", description=__doc__.splitlines()[0])
    parser.add_argument("--releases", required=True, help="directory holding one release per date")
    parser.add_argument("--date", required=True, help="the release date, YYYY-MM-DD")
    parser.add_argument("--input", action="append", required=True, help="input glob; {date} is replaced (repeatable)")
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if not _is_date(args.date):
        print(f"newsetl: error: --date {args.date!r} is not an ISO date (YYYY-MM-DD)", file=sys.stderr)
        return EXIT_USAGE
    return newsetl_main(run_argv(args.releases, args.date, args.input, rest))


if __name__ == "__main__":
    exit_after(main())
