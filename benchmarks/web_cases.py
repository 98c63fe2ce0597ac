"""Web-capture test cases built from real pages: WARC files written with warcio, and the
one-site boilerplate case (a shared promo paragraph and newsletter box injected into the
article body of many real pages of one synthetic site). Used by ``make eval`` and the tests.
"""
from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path

SCRAPINGHUB = "scrapinghub-article-extraction-benchmark"
SITE = "news.example.org"  # the synthetic one-site domain of the boilerplate case
PROMO = ("Get unlimited access to our award-winning journalism for just $1 a week. "
         "Join more than 250,000 readers who already support independent local reporting today.")
NEWSLETTER_HEAD = "The Morning Brief newsletter"
NEWSLETTER = ("Every weekday at 6am, our editors pick the five stories you need to start your day, "
              "delivered free to your inbox. No spam, unsubscribe at any time.")
INJECTED = (PROMO, NEWSLETTER_HEAD, NEWSLETTER)


def scrapinghub_pages(data: Path, limit: int | None = None) -> list[tuple[str, bytes, dict]]:
    """``[(sha256 key, html bytes, {"articleBody", "url"})]`` sorted by key (first ``limit``)."""
    root = data / SCRAPINGHUB
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[:limit]
    return [(k, gzip.decompress((root / "html" / f"{k}.html.gz").read_bytes()), truth[k]) for k in keys]


def write_warc(path: Path, pages: list[tuple[str, bytes, str]]) -> None:
    """Write ``[(url, html bytes, WARC-Date ISO)]`` as gzipped HTTP 200 response records (warcio)."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as f:
        writer = WARCWriter(f, gzip=True)
        for url, body, date in pages:
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                               ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http,
                                               warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)


_P_CLOSE = re.compile(r"</p\s*>", re.IGNORECASE)


def inject_promo(html: str, anchor: str) -> str | None:
    """Insert the promo paragraph and newsletter box after the ``<p>`` that holds ``anchor``
    (text of an article paragraph); None if the anchor is not found verbatim in the HTML."""
    at = html.find(anchor)
    if at < 0:
        return None
    close = _P_CLOSE.search(html, at)
    if close is None:
        return None
    box = (f"<p>{PROMO}</p><div><h4>{NEWSLETTER_HEAD}</h4><p>{NEWSLETTER}</p></div>")
    return html[: close.end()] + box + html[close.end():]


def one_site_case(data: Path, n: int) -> list[tuple[str, bytes, str, str]]:
    """``n`` real benchmark pages made into one site: the injected box sits after the first
    ground-truth paragraph found verbatim in the page (pages without such an anchor are skipped).

    Returns:
        ``[(url on SITE, html bytes, WARC-Date, sha256 key)]``, in key order.
    """
    out = []
    for key, raw, truth in scrapinghub_pages(data):
        html = raw.decode("utf-8")
        anchors = [p.strip() for p in truth["articleBody"].split("\n") if len(p.strip()) > 80]
        injected = None
        for p in anchors[:3]:
            injected = inject_promo(html, p[:60])
            if injected:
                break
        if injected is None:
            continue
        out.append((f"https://{SITE}/story/{key[:16]}", injected.encode("utf-8"), "2024-05-01T12:00:00Z", key))
        if len(out) == n:
            break
    return out
