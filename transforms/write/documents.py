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
# What a terms paragraph names; a paragraph scores one for each of these it holds (notice_quotes)
_TERMS_WORDS = re.compile(r"licen[cs]|copyright|\bterms\b|\brights\b|permi(?:ssion|tted)|distribut|reserved|"
                          r"non-?commercial|for research|research (?:purposes|use|only)", re.IGNORECASE)
DOCUMENTS = ("report.json", "report.html", "README.md")  # listed in _SUCCESS under "documents"
MAX_QUOTE_CHARS = 1200  # a longer paragraph is quoted by its sentences that name the terms
_BLOCK_START = re.compile(r"(?:[-*+]|\d+[.)])\s")  # a Markdown list item starts a paragraph of its own
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=\S)")


def notice_paragraphs(text: str) -> list[str]:
    """The paragraphs of a notice file, each on one line: blocks of lines separated by blank
    lines; a Markdown list item, a heading or a change into or out of a ``>`` block quote also
    starts one. Hard-wrapped lines are joined by one space and quote markers removed
    (``> a\\n> b`` -> ``a b``); headings (``# ...``) are left out."""
    out: list[list[str]] = []
    quoted = None
    for raw in text.splitlines():
        line = raw.strip()
        is_quote = line.startswith(">")
        if is_quote:
            line = line.lstrip("> ").strip()
        if not line:
            out.append([])
            continue
        if line.startswith("#") and not is_quote:
            out.append([])
            quoted = None
            continue
        if not out or not out[-1] or is_quote != quoted or _BLOCK_START.match(line):
            out.append([])
        out[-1].append(line)
        quoted = is_quote
    return [" ".join(" ".join(block).split()) for block in out if block]


def _quote(paragraph: str) -> str:
    """A paragraph whole, or, when longer than :data:`MAX_QUOTE_CHARS`, its sentences that name the
    terms (whole sentences, joined by ``" … "``, as many as fit in :data:`MAX_QUOTE_CHARS`
    characters; at least the first)."""
    if len(paragraph) <= MAX_QUOTE_CHARS:
        return paragraph
    quoted: list[str] = []
    for sentence in (s for s in _SENTENCE_END.split(paragraph) if LICENSE_LINE.search(s)):
        if quoted and sum(len(q) + 3 for q in quoted) + len(sentence) > MAX_QUOTE_CHARS:  # 3: " … "
            break
        quoted.append(sentence)
    return " … ".join(quoted)


def notice_quotes(text: str, max_quotes: int = 3) -> list[str]:
    """What the card quotes of a notice file: of its paragraphs (:func:`notice_paragraphs`) that
    mention a licence, copyright, terms, research or rights, the first (a licence file's title,
    "MIT License"; a README's first word on its terms) and the ``max_quotes`` - 1 others that
    name the most of :data:`_TERMS_WORDS` (the terms paragraph: "copyright ... free distribution
    ... for research purposes only"; ties: the earlier), in file order, each by :func:`_quote`."""
    found = [(i, p) for i, p in enumerate(notice_paragraphs(text)) if LICENSE_LINE.search(p)]
    if not found:
        return []
    score = {i: len({m.group(0).lower() for m in _TERMS_WORDS.finditer(p)}) for i, p in found}
    rest = sorted(found[1:], key=lambda ip: (-score[ip[0]], ip[0]))[:max_quotes - 1]
    return [_quote(p) for _, p in sorted(found[:1] + rest)]


def input_notices(inputs: list[str], levels: int = 3, max_notices: int = 10, max_quotes: int = 3) -> list[dict]:
    """Licence notices beside the inputs: LICENSE*, NOTICE*, COPYING*, README*, SOURCE*, INDEX* files
    (:func:`transforms.ingest.core.is_notice`, the files a directory input does not read) in
    each input's directory or, when it has none, the nearest of its ``levels`` - 1 parents that
    has some (the nearest notices are the inputs'; a farther README is about something else).

    Returns:
        ``[{"path", "lines"}]`` sorted by path; ``lines`` are up to ``max_quotes`` paragraphs
        (:func:`notice_quotes`), each quoted whole (a terms paragraph keeps its conditions), or by
        its sentences that name the terms when over :data:`MAX_QUOTE_CHARS` characters.
    """
    dirs = sorted({str(Path(p).parent) for p in inputs if "://" not in p})
    seen: dict[str, list[str]] = {}
    for d in dirs:
        here = Path(d)
        for _ in range(levels):
            found = [f for f in sorted(here.iterdir()) if f.is_file() and is_notice(f.name)] if here.is_dir() else []
            for f in found:
                if str(f) not in seen and f.stat().st_size < 1_000_000:
                    text = f.read_text(encoding="utf-8", errors="replace")
                    seen[str(f)] = notice_quotes(text, max_quotes)
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
