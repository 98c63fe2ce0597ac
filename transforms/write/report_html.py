"""``report.html``: the run report as one self-contained page (no Beam import).

Rendered only from the ``report.json`` dict (with its ``figures``), so the page and the JSON
always agree. Plots are inline SVG drawn here; there is no script, no external stylesheet, font
or image, so the page opens offline in any browser and the same report gives the same bytes.
"""
from __future__ import annotations

import json
import math
from html import escape

from transforms.records import STATUSES
from transforms.write.wording import counted

STATUS_COLORS = {
    "title": "#9e9e9e", "kept": "#2e7d32", "duplicate_within": "#ef6c00", "duplicate_across": "#c62828",
    "boilerplate": "#6a1b9a", "dropped_rule": "#795548", "empty": "#bdbdbd", "duplicate_article": "#880e4f",
}
ACCENT = "#1565c0"

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}
header{background:#1d2330;color:#fff;padding:22px 32px}header h1{margin:0 0 4px;font-size:24px}
header p{margin:0;color:#c7cbd6}main{max-width:1180px;margin:0 auto;padding:20px 24px 48px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-bottom:20px}
.card{background:#fff;border-radius:10px;padding:12px 16px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.card .v{font-size:26px;font-weight:650}.card .k{color:#5b6272;font-size:13px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:16px}
section{background:#fff;border-radius:10px;padding:14px 18px;box-shadow:0 1px 3px rgba(0,0,0,.08);margin-bottom:16px}
h2{font-size:17px;margin:0 0 4px}.note{color:#5b6272;font-size:13px;margin:0 0 10px}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}table{border-collapse:collapse;width:100%;font-size:13px}
td,th{border-bottom:1px solid #e3e5ea;padding:5px 6px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}blockquote{margin:4px 0;padding:4px 10px;
border-left:3px solid #c5cae9;background:#f7f8fc;white-space:pre-wrap}code{font-size:12px}
.ok{color:#2e7d32;font-weight:600}.legend span{display:inline-block;margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
details{margin-top:6px}summary{cursor:pointer;color:#1565c0}pre{white-space:pre-wrap;font-size:12px}
"""


def _n(v) -> str:
    return f"{v:,}"


def hbars(items: list[tuple], width: int = 520, label_width: int = 215) -> str:
    """Horizontal bar chart as an SVG string.

    Args:
        items: ``(label, value, colour)`` rows drawn top to bottom, or stacked rows
            ``(label, [(part name, value, colour), ...])``.
        width: SVG width in pixels; label_width: pixels reserved for the labels.
    """
    if not items:
        return '<p class="note">nothing to plot</p>'
    rows = [(it[0], [("", it[1], it[2])]) if len(it) == 3 else it for it in items]
    row, top = 24, 4
    height = top + row * len(rows) + 4
    peak = max(sum(v for _, v, _ in parts) for _, parts in rows) or 1
    span = width - label_width - 70
    out = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">']
    for i, (label, parts) in enumerate(rows):
        y, x = top + i * row, label_width
        short = label if len(label) <= 32 else label[:31] + "…"
        out.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{escape(short)}</text>')
        for name, value, color in parts:
            w = max(1, round(span * value / peak)) if value else 0
            if w:
                out.append(f'<rect class="bar" x="{x}" y="{y + 3}" width="{w}" height="{row - 8}" fill="{color}" rx="2">'
                           f'<title>{escape(label)}{" " + escape(name) if name else ""}: {_n(value)}</title></rect>')
            x += w
        out.append(f'<text x="{x + 6}" y="{y + 15}">{_n(sum(v for _, v, _ in parts))}</text>')
    out.append("</svg>")
    return "".join(out)


def vbars(labels: list[str], series: list[tuple[str, list[int], str]], width: int = 520, height: int = 230,
          log: bool = False) -> str:
    """Stacked vertical bar chart (histogram) as an SVG string, each bin's total written above it.

    Args:
        labels: one x label per bin.
        series: ``(name, counts per bin, colour)``, stacked bottom to top.
        log: bar heights on a log10(1 + n) scale (for long-tailed counts; one series only).
    """
    bins = len(labels)
    if not bins:
        return '<p class="note">nothing to plot</p>'
    left, bottom, top = 20, 30, 22
    plot_w, plot_h = width - left - 10, height - bottom - top
    totals = [sum(s[1][i] for s in series) for i in range(bins)]
    peak = max(totals) or 1
    scale = (lambda v: math.log10(1 + v) / math.log10(1 + peak)) if log else (lambda v: v / peak)
    slot = plot_w / bins
    out = [f'<svg role="img" width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
           f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#8a90a0"/>',
           f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>']
    for i, label in enumerate(labels):
        x = left + i * slot + 3
        base = top + plot_h
        for name, counts, color in series:
            h = plot_h * scale(counts[i])
            if counts[i]:
                out.append(f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{slot - 6:.1f}" height="{h:.1f}" '
                           f'fill="{color}"><title>{escape(label)} {escape(name)}: {_n(counts[i])}</title></rect>')
            base -= h
        if totals[i]:
            out.append(f'<text x="{x + (slot - 6) / 2:.1f}" y="{base - 4:.1f}" text-anchor="middle">{_n(totals[i])}</text>')
        out.append(f'<text x="{x + (slot - 6) / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def _legend(series: list[tuple[str, str]]) -> str:
    return '<p class="legend">' + "".join(f'<span><i style="background:{c}"></i>{escape(n)}</span>' for n, c in series) + "</p>"


def _section(title: str, note: str, body: str) -> str:
    return f'<section><h2>{escape(title)}</h2><p class="note">{note}</p>{body}</section>'


def _short(n: int) -> str:
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


def _length_labels(edges: list[int]) -> list[str]:
    return ["0"] + [_short(e) for e in edges]


def render_html(report: dict) -> str:
    """Render the run report (``report.json`` with ``figures``) as one HTML page.

    Returns:
        The page as text; the same report gives the same text.
    """
    r, p, fig = report["records"], report["paragraphs"], report.get("figures", {})
    by_status = p["by_status"]
    removed = sum(v for k, v in by_status.items() if k not in ("title", "kept"))
    cards = [("records in", r["in"], "input records (articles read + rejected)"),
             ("articles written", r["articles_written"], "articles with at least one kept body paragraph"),
             ("rejected", r["rejected"], "dead letters in rejects/"),
             ("paragraphs in", p["in"], "paragraph rows (title = index 0)"),
             ("paragraphs kept", by_status.get("kept", 0), "kept paragraphs"),
             ("paragraphs removed", removed, "duplicates, boilerplate, rule drops"),
             ("clusters", report["clusters"]["count"], "near-duplicate clusters")]
    unparsed = (report.get("published_unparsed") or {}).get("total", 0)
    if unparsed:
        cards.append(("dates unparsed", unparsed, "articles whose published value did not parse (published = null)"))
    if "removed" in r:  # a takedown release (newsetl remove)
        cards.append(("taken down", r["removed"], f"articles removed by newsetl remove ({_n(p['removed'])} paragraphs)"))
    head = "".join(f'<div class="card" title="{escape(t)}"><div class="v" id="card-{escape(k.replace(" ", "-"))}">{_n(v)}</div>'
                   f'<div class="k">{escape(k)}</div></div>' for k, v, t in cards)
    sections = []
    sections.append(_section(
        "Paragraph decisions", f"every one of the {_n(p['in'] - p.get('removed', 0))} paragraph rows has exactly one status (reconciled"
        + (f"; {_n(p['removed'])} more were taken down" if "removed" in p else "") + ")",
        hbars([(s, by_status.get(s, 0), STATUS_COLORS[s]) for s in STATUSES if by_status.get(s, 0)])))
    reasons = sorted(p["dropped_by_reason"].items(), key=lambda kv: (-kv[1], kv[0]))
    sections.append(_section(
        "Removed paragraphs by stage and reason", "status:reason — exact/near copies, site templates, cleaning rules",
        hbars([(k, v, STATUS_COLORS.get(k.split(":")[0], ACCENT)) for k, v in reasons])))
    hist = dict(sorted(report["clusters"]["size_histogram"].items(), key=lambda kv: int(kv[0])))  # JSON keys are text
    sections.append(_section(
        "Cluster sizes", f"{_n(report['clusters']['count'])} clusters of paragraphs with an exact or near copy; "
        f"largest {_n(report['clusters']['largest'])} members; x: members in a cluster, bar height: clusters (log scale)",
        vbars(list(hist), [("clusters", list(hist.values()), ACCENT)], log=True)))
    chars = fig.get("paragraph_chars")
    if chars:
        series = [("kept", chars["kept"], STATUS_COLORS["kept"]), ("removed", chars["removed"], STATUS_COLORS["duplicate_across"])]
        sections.append(_section("Body paragraph length (characters)", "kept and removed body paragraphs per length bin (a bin starts at its label)",
                                 _legend([(n, c) for n, _, c in series]) + vbars(_length_labels(chars["edges"]), series)))
    domains = fig.get("duplicates_by_domain") or []
    dom_series = [("duplicate_within", STATUS_COLORS["duplicate_within"]), ("duplicate_across", STATUS_COLORS["duplicate_across"]),
                  ("boilerplate", STATUS_COLORS["boilerplate"])]
    sections.append(_section(
        "Duplicates by domain", "removed duplicate and boilerplate paragraphs per article domain (top 15)",
        _legend(dom_series) + hbars([(d["domain"], [(s, d[s], c) for s, c in dom_series]) for d in domains])))
    langs = fig.get("languages") or {}
    if langs:
        srcs = ", ".join(f"{escape(k)} {_n(v)}" for k, v in (fig.get("language_sources") or {}).items())
        sections.append(_section("Languages of written articles", f"where the language came from: {srcs}",
                                 hbars(sorted(((k, v, ACCENT) for k, v in langs.items()), key=lambda t: (-t[1], t[0])))))
    grid = '<div class="grid">' + "".join(sections) + "</div>"
    clusters = []
    for c in fig.get("largest_clusters") or []:
        statuses = ", ".join(f"{escape(k)} {_n(v)}" for k, v in c["by_status"].items())
        example = (f'<div class="note">example member <code>{escape(c["example_id"])}</code>:</div>'
                   f'<blockquote>{escape(c["example"])}</blockquote>') if c.get("example") is not None else ""
        clusters.append(f'<tr><td class="n">{_n(c["size"])}</td><td class="n">{_n(c["articles"])}</td><td>{statuses}</td>'
                        f'<td><div class="note">representative <code>{escape(c["cluster_id"])}</code>:</div>'
                        f'<blockquote>{escape(c["text"])}</blockquote>{example}</td></tr>')
    cluster_table = ('<table><tr><th class="n">paragraphs</th><th class="n">articles</th><th>statuses</th><th>text</th></tr>'
                     + "".join(clusters) + "</table>") if clusters else '<p class="note">no clusters</p>'
    rejects = "".join(f'<tr><td>{escape(k)}</td><td class="n">{_n(v)}</td></tr>' for k, v in r["rejected_by_reason"].items())
    reject_table = (f'<table><tr><th>stage:reason</th><th class="n">records</th></tr>{rejects}</table>'
                    if rejects else '<p class="note">no rejected records</p>')
    versions = "".join(f'<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>' for k, v in sorted(report["library_versions"].items()))

    config = escape(json.dumps(report["config"], indent=2, sort_keys=True))
    reconciled = ('<span class="ok">✔ counts reconcile</span>' if report.get("reconciled") else "counts do NOT reconcile")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>newsetl run report</title><style>{CSS}</style></head><body>"
        f'<header><h1>newsetl run report</h1><p>{counted(r["in"], "record")} from {counted(len(report["inputs"]), "input file")} → '
        f'{counted(r["articles_written"], "article")}, {counted(by_status.get("kept", 0), "kept paragraph")} · {reconciled} · '
        f'config <code>{escape(report["config_digest"][:12])}</code> · newsetl {escape(str(report.get("newsetl_version")))}</p></header>'
        f'<main><div class="cards">{head}</div>{grid}'
        + _section("Largest clusters", "the biggest groups of repeated paragraphs, with the text they share", cluster_table)
        + _section("Rejected records", "dead letters by stage and reason (rejects/ has file, record, offset and an excerpt)", reject_table)
        + _section("Provenance", f'config digest <code>{escape(report["config_digest"])}</code>',
                   f'<table>{versions}</table><details><summary>configuration</summary><pre>{config}</pre></details>')
        + "</main></body></html>\n"
    )
