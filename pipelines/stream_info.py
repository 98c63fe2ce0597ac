"""``newsetl inspect`` / ``explain`` on the output of a ``--streaming`` run.

A streaming run writes no ``_SUCCESS`` or ``report.json``: its output is one directory per
event-time window and pane, ``<output>/window=<start>--<end>/pane=<n>/{articles,paragraphs,
rejects}/`` (README "Streaming"); panes accumulate, so a window's highest pane holds all of it
and supersedes the others. ``inspect`` lists each window's highest pane with its row counts
(from the Parquet footers); ``explain`` looks an article up in each window's highest pane, or in
the pane it is given. Before this, both said "has no _SUCCESS: not a finished newsetl dataset"
(trial 10).
"""
from __future__ import annotations

from pathlib import Path

TABLES = ("articles", "paragraphs", "rejects")


def is_pane(directory: str | Path) -> bool:
    """True for one pane directory of a streaming output (``.../window=.../pane=<n>``)."""
    d = Path(directory)
    return d.name.startswith("pane=") and d.parent.name.startswith("window=") and (d / "paragraphs").is_dir()


def is_streaming_output(directory: str | Path) -> bool:
    """True for the output directory of a ``--streaming`` run (only ``window=...`` directories)."""
    d = Path(directory)
    if not d.is_dir():
        return False
    entries = list(d.iterdir())
    return bool(entries) and all(e.is_dir() and e.name.startswith("window=") for e in entries)


def latest_panes(directory: str | Path) -> list[Path]:
    """Each window's highest complete pane (``pane=<n>``; hidden ``.pane=...writing-`` names
    are panes being written), windows in name (= time) order."""
    panes = []
    for window in sorted(Path(directory).glob("window=*")):
        numbered = [(int(p.name.split("=", 1)[1]), p) for p in window.glob("pane=*")
                    if p.is_dir() and p.name.split("=", 1)[1].isdigit()]
        if numbered:
            panes.append(max(numbered)[1])
    return panes


def _rows(pane: Path, table: str) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in sorted((pane / table).rglob("*.parquet")))


def summary_lines(directory: str) -> list[str]:
    """What ``newsetl inspect`` prints for a streaming output: one line a window (its highest
    pane's rows per table), the totals, and how to explain an article."""
    panes = latest_panes(directory)
    windows = len(list(Path(directory).glob("window=*")))
    lines = [f"{directory}: --streaming output (no _SUCCESS or report.json: one directory a window and pane), "
             f"{windows} window(s); each window's highest pane holds all of it"]
    totals = dict.fromkeys(TABLES, 0)
    for pane in panes:
        counts = {t: _rows(pane, t) for t in TABLES}
        for t in TABLES:
            totals[t] += counts[t]
        lines.append(f"  {pane.parent.name}/{pane.name}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    lines.append("  total over the highest panes: " + ", ".join(f"{t} {n:,}" for t, n in totals.items()))
    lines.append(f"  explain an article: newsetl explain {directory} ARTICLE_ID (looks in each window's highest pane)")
    return lines


def find_article(directory: str, article_id: str, has_article) -> Path | None:
    """The pane that holds ``article_id``'s paragraph rows: ``directory`` itself when it is a
    pane, else the latest window's highest pane that does (``has_article(pane) -> bool``)."""
    panes = [Path(directory)] if is_pane(directory) else latest_panes(directory)
    for pane in reversed(panes):
        if has_article(pane):
            return pane
    return None
