"""HTML pages: charset order, extraction into paragraphs, and cleaning/dedup of what the
extractor keeps (pure functions, no Beam)."""
from __future__ import annotations

import gzip
import json

from pipelines.config import load_config
from tests.conftest import ROOT
from transforms.clean.core import clean_article, compile_rules
from transforms.dedup.core import dedup_within
from transforms.ingest import html
from transforms.records import KEPT

CONFIG = load_config()
RULES = compile_rules(CONFIG.clean.rules)
SENTENCE = "Große Nachfrage nach Käse aus Südtirol"


def kept_body(page: bytes, content_type: str | None = None) -> tuple[list[str], tuple[str, ...]]:
    """(kept body paragraphs after newsetl's cleaning and within-article dedup, extracted paragraphs)."""
    art = html.page_to_article(page, content_type=content_type, url=None, source_file="p.html", rel_path="p.html",
                               record=0, favor=CONFIG.ingest.html_favor)
    cleaned = clean_article(art, CONFIG.clean, RULES)
    decisions, pending = dedup_within(cleaned, CONFIG.clean, CONFIG.dedup)
    decided = {d.index for d in decisions}
    return [p for i, p in enumerate(cleaned.paragraphs, start=1) if i not in decided], art.paragraphs


def _page(body: str, head: str = "", title: str = "Käse") -> str:
    return f"<!DOCTYPE html><html><head>{head}<title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


def test_latin1_declared_only_in_meta_http_equiv():
    body = (f"<p>{SENTENCE}. Die Genossenschaft verkaufte so viel Bergkäse wie nie zuvor, sagte ihr Direktor am Dienstag.</p>"
            "<p>Der neue Reifekeller soll im Frühjahr eröffnen und die Produktion innerhalb von fünf Jahren verdoppeln.</p>")
    page = _page(body, '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">').encode("latin-1")
    text, charset = html.decode_html(page)
    assert charset == "windows-1252 (meta)"
    assert SENTENCE in text
    kept, _ = kept_body(page)
    assert kept[0].startswith(SENTENCE + ". Die Genossenschaft")


def test_charset_order_bom_http_meta_detector():
    meta = '<meta charset="windows-1251">'
    page = _page("<p>Привет</p>", meta, "Новости").encode("cp1251")
    assert html.decode_html(page)[1] == "windows-1251 (meta)"
    assert html.decode_html(page, "text/html; charset=KOI8-R")[1] == "koi8-r (http)"  # the header beats <meta>
    assert html.decode_html(b"\xef\xbb\xbf" + page, "text/html; charset=KOI8-R")[1] == "utf-8 (bom)"  # the BOM beats both
    undeclared = _page("<p>" + "Съешь же ещё этих мягких французских булок, да выпей чаю. " * 20 + "</p>", title="Новости").encode("cp1251")
    text, charset = html.decode_html(undeclared)
    assert charset == "windows-1251 (detected)" and "французских булок" in text
    # iso-8859-1 means windows-1252: 0x80 is the euro sign, 0x93/0x94 curly quotes
    text, _ = html.decode_html(b'<meta charset="ISO-8859-1"><p>\x93100 \x80\x94 \xfcber</p>')
    assert "“100 €” über" in text


def test_real_iso_8859_1_page_decodes_windows_1252_quotes(data):
    page = gzip.decompress((data / "trafilatura-eval-news-subset/html/die-tagespost.de.Demut.html.gz").read_bytes())
    kept, _ = kept_body(page)
    text = "\n".join(kept)
    assert "Nietzsche befand, Demut gehöre „zu den gefährlichen, verleumderischen Idealen (…)" in text
    assert "\x84" not in text and "\x93" not in text and "\ufffd" not in text


def test_body_returned_twice_ends_with_each_paragraph_once():
    """The seed article (../shared/data/seed) was captured with its body twice; as an HTML page
    the extractor returns both copies, newsetl keeps each paragraph once."""
    seed = (ROOT / "samples" / "000_56aaff5fb1689b7e.txt").read_text(encoding="utf-8").split("\n\n")
    title, body = seed[0], [p for p in seed[1:] if p.strip()]
    page = _page("".join(f"<p>{p}</p>" for p in body), title=title).encode("utf-8")
    kept, extracted = kept_body(page, "text/html; charset=utf-8")
    first_copy = body[: body.index(title)]
    assert sum(p == first_copy[0] for p in extracted) == 2  # the extractor returned the body twice
    assert len(kept) == len(set(kept)) == 27
    assert kept[0] == first_copy[0] and kept[-1].startswith(first_copy[-1].replace("< /p>", "").strip()[:40])


def test_ad_labels_share_and_reaction_blocks_go_adapt_div_stays():
    para = ["The regional council approved the new dairy subsidy on Tuesday after a debate that lasted into the evening.",
            "Farmers in the valley said the decision would secure hundreds of jobs in the cheese cooperatives.",
            "Exports of mountain cheese rose by twelve percent last year, driven by demand from Germany and Austria.",
            "The cooperative plans to open a second maturing cellar next spring, its director told reporters."]
    body = (f"<p>{para[0]}</p><div class=\"ad-slot\"><p>Advertisement</p></div><p>{para[1]}</p><p>PUBLICIDAD</p>"
            f"<div class=\"adapt-layout\"><p>{para[2]}</p></div>"
            "<div class=\"share-buttons\"><p>Share this article</p><a href=\"#\">Facebook</a> <a href=\"#\">Twitter</a></div>"
            f"<p>Advertisement</p><p>{para[3]}</p>"
            "<div class=\"reactions\"><p>What's your reaction?</p><p>Like</p><p>Love</p><p>Funny</p><p>Angry</p></div>")
    kept, extracted = kept_body(_page(body).encode("utf-8"))
    assert {"Advertisement", "PUBLICIDAD", "What's your reaction?"} <= set(extracted)  # trafilatura alone keeps them
    assert kept == para


def test_extraction_metadata_from_a_real_page(data):
    root = data / "scrapinghub-article-extraction-benchmark"
    key = "042bb7b5fedab6eac7db576522b89b93904c237d344bcbe14a6a5ab7f7335856"
    truth = json.loads((root / "ground-truth.json").read_text())[key]
    art = html.page_to_article(gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()), content_type=None, url=None,
                               source_file="x", rel_path="x", record=0)
    assert art.title == "Google Stadia, Microsoft xCloud, Apple Arcade: So Many Ways to Play…and Pay"
    assert art.url == truth["url"] and art.domain == "wsj.com"
    assert art.author == "Sarah E Needleman" and art.language == "en-US"
    assert art.published_us == 1574121600 * 1_000_000  # 2019-11-19
    assert art.paragraphs[2] == truth["articleBody"].split("\n")[0]


def test_extraction_never_touches_the_network(data, monkeypatch):
    import socket

    def refuse(*args, **kwargs):
        raise AssertionError("network access during extraction")

    for name in ("connect", "connect_ex"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    page = gzip.decompress((data / "mozilla-readability-news-pages/bbc-1/source.html.gz").read_bytes())
    art = html.page_to_article(page, content_type=None, url="https://www.bbc.co.uk/news/technology-32590574",
                               source_file="x", rel_path="x", record=0, favor="precision")
    assert art.domain == "bbc.co.uk" and len(art.paragraphs) > 5


def test_publication_date_is_bounded_by_the_capture_time():
    body = "".join(f"<p>Paragraph {i} of a story about the regional council and its dairy subsidy vote.</p>" for i in range(6))
    page = _page(body, '<meta property="article:published_time" content="2021-03-04T10:00:00Z">').encode("utf-8")
    text, _ = html.decode_html(page)
    assert html.extract(text, None, "precision", captured_us=1640995200 * 1_000_000).published == "2021-03-04"  # captured 2022-01-01
    assert html.extract(text, None, "precision", captured_us=1577836800 * 1_000_000).published != "2021-03-04"  # captured 2020-01-01
