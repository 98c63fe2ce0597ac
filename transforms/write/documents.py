"""The human-facing files of a finished dataset: ``report.json``, ``report.html``, the dataset
card ``README.md`` and the ``_SUCCESS`` manifest, written in that order (no Beam import)."""
from __future__ import annotations

import re
from pathlib import Path

from transforms.ingest.core import is_notice
from transforms.write import core
from transforms.write.card import render_card
from transforms.write.figures import compute_figures
from transforms.write.report_html import render_html

LICENSE_LINE = re.compile(r"licen[cs]|copyright|terms|research|rights", re.IGNORECASE)
DOCUMENTS = ("report.json", "report.html", "README.md")  # listed in _SUCCESS under "documents"


def input_notices(inputs: list[str], levels: int = 3, max_notices: int = 10, max_lines: int = 3) -> list[dict]:
    """Licence notices beside the inputs: LICENSE*, NOTICE*, COPYING*, README*, SOURCE*, INDEX* files
    (:func:`transforms.ingest.core.is_notice`, the files a directory input does not read) in
    each input's directory or, when it has none, the nearest of its ``levels`` - 1 parents that
    has some (the nearest notices are the inputs'; a farther README is about something else).

    Returns:
        ``[{"path", "lines"}]`` sorted by path; ``lines`` are up to ``max_lines`` lines (≤ 300
        characters) that mention a licence, copyright, terms or rights.
    """
    dirs = sorted({str(Path(p).parent) for p in inputs if "://" not in p})
    seen: dict[str, list[str]] = {}
    for d in dirs:
        here = Path(d)
        for _ in range(levels):
            found = [f for f in sorted(here.iterdir()) if f.is_file() and is_notice(f.name)] if here.is_dir() else []
            for f in found:
                if str(f) not in seen and f.stat().st_size < 1_000_000:
                    text = f.read_text(encoding="utf-8", errors="replace").splitlines()
                    seen[str(f)] = [ln.strip()[:300] for ln in text if LICENSE_LINE.search(ln)][:max_lines]
            if found or here.parent == here:
                break
            here = here.parent
    return [{"path": k, "lines": v} for k, v in sorted(seen.items())][:max_notices]


def add_figures(directory: str, report: dict, inputs: list[str]) -> dict:
    """Return ``report`` with ``figures`` (from the written tables) and ``input_notices``."""
    return {**report, "figures": compute_figures(directory), "input_notices": input_notices(inputs)}


def write_documents(directory: str, report: dict, name: str) -> dict:
    """Write report.json, report.html, README.md, then ``_SUCCESS`` into ``directory``.

    ``_SUCCESS`` = ``{"files": [table files], "documents": [report.json, report.html, README.md]}``,
    each with bytes and sha256 (``_SUCCESS`` itself is not listed).

    Returns:
        The ``_SUCCESS`` dict.
    """
    manifest = core.manifest(directory)
    base = Path(directory)
    (base / "report.json").write_text(core.dumps(report), encoding="utf-8")
    (base / "report.html").write_text(render_html(report), encoding="utf-8")
    (base / "README.md").write_text(render_card(report, manifest, name), encoding="utf-8")
    manifest["documents"] = [{"path": n, "bytes": (base / n).stat().st_size, "sha256": core.sha256_file(str(base / n))}
                             for n in DOCUMENTS]
    (base / "_SUCCESS").write_text(core.dumps(manifest), encoding="utf-8")
    return manifest
