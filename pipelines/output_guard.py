"""What ``--output`` (with or without ``--overwrite``) may replace: only newsetl's own output.

A run publishes by swapping a complete staging directory with the output directory and
deleting the old one (transforms/write/core.py ``publish``), so ``--overwrite`` deletes
whatever the output directory held. These checks keep that from deleting a user's files or
breaking a published release:

- a path inside a published release (any parent directory holds ``_SUCCESS``) is refused,
  with or without ``--overwrite``: replacing ``release/articles`` would leave the release's
  ``_SUCCESS`` listing files that no longer exist;
- a non-empty directory is replaced only when it is newsetl's: a release (``_SUCCESS``), a
  dataset whose ``_SUCCESS`` was lost (a ``report.json`` written by newsetl), a leftover
  staging or pre-publish copy (``.NAME.staging-TIME-PID``, ``.NAME.old-TIME-PID``), or the
  windowed output of ``--streaming`` (only ``window=...`` directories).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

LEFTOVER = re.compile(r"\..+\.(?:staging|old)-\d+-\d+")  # names given by cli.run and write.core.publish
REPORT_KEYS = ("newsetl_version", "config_digest", "records")  # every newsetl report.json has them


def enclosing_release(path: str | Path) -> Path | None:
    """The nearest parent directory of ``path`` (resolved) that holds ``_SUCCESS``, or None."""
    for parent in Path(path).resolve().parents:
        if (parent / "_SUCCESS").is_file():
            return parent
    return None


def is_newsetl_report(path: Path) -> bool:
    """True when ``path`` is a JSON object with the keys every newsetl ``report.json`` has."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(report, dict) and all(k in report for k in REPORT_KEYS)


def newsetl_kind(directory: str | Path) -> str | None:
    """What newsetl output ``directory`` (an existing, non-empty directory) is, or None when
    it holds something else: ``"release"``, ``"dataset without _SUCCESS"``, ``"leftover
    staging directory"`` or ``"streaming output"``."""
    d = Path(directory)
    if (d / "_SUCCESS").is_file():
        return "release"
    if is_newsetl_report(d / "report.json"):
        return "dataset without _SUCCESS"
    if LEFTOVER.fullmatch(d.resolve().name):
        return "leftover staging directory"
    entries = list(d.iterdir())
    if entries and all(e.is_dir() and e.name.startswith("window=") for e in entries):
        return "streaming output"
    return None


def referencing_releases(release: str | Path) -> list[str]:
    """Names of the published releases next to ``release`` (same parent directory) that were
    deduplicated against it: their ``report.json`` → ``dedup_against.releases`` names its path,
    or its name (a path written relative to another working directory). Their ``duplicate_of``
    and ``duplicate_of_release`` rows point at its paragraphs."""
    target = Path(release).resolve()
    found = []
    for d in sorted(target.parent.iterdir()) if target.parent.is_dir() else ():
        if d == target or not d.is_dir() or not (d / "_SUCCESS").is_file():
            continue
        try:
            used = json.loads((d / "report.json").read_text(encoding="utf-8"))["dedup_against"]["releases"]
            if any(Path(r["path"]).resolve() == target or r["release"] == target.name for r in used):
                found.append(d.name)
        except (OSError, ValueError, TypeError, KeyError):
            continue  # not a newsetl release, or one deduplicated against nothing
    return found


def refusal(output: str, overwrite: bool, replace_referenced: bool = False) -> str | None:
    """Why ``output`` must not be written (one line, for exit code 2), or None when it may.

    Args:
        output: the ``--output`` path as given (the message names it so).
        overwrite: ``--overwrite`` was given.
        replace_referenced: ``--replace-referenced`` was given: a release that releases next to
            it were deduplicated against (:func:`referencing_releases`) may be replaced.
    """
    release = enclosing_release(output)
    if release is not None:
        return (f"output {output} is inside the published release {release} (it has _SUCCESS); "
                "writing there would break that release: choose an output outside it")
    out = Path(output)
    if not out.is_dir() or not any(out.iterdir()):
        return None
    if not overwrite:
        return f"output {output} is not empty; pass --overwrite to replace it"
    if newsetl_kind(out) is None:
        sample = sorted(e.name for e in out.iterdir())
        shown = ", ".join(sample[:3]) + (f" +{len(sample) - 3} more" if len(sample) > 3 else "")
        return (f"output {output} holds files newsetl did not write ({shown}); --overwrite replaces only an empty "
                "directory or a newsetl release: choose another output or empty it yourself")
    users = referencing_releases(out) if newsetl_kind(out) == "release" and not replace_referenced else []
    if users:
        return (f"output {output} is a release that {', '.join(users)} were deduplicated against: replacing it would "
                "leave their duplicate_of rows pointing at paragraphs it may no longer have; pass --replace-referenced "
                "to replace it anyway, then re-run those releases (for a takedown, use newsetl remove instead)")
    return None
