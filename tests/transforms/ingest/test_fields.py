"""Record fields the mapper must not take as they come: url values that name no web address,
schema.org author objects (pure, no Beam)."""
from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.config import config_from_dict
from transforms.ingest import core
from transforms.records import Article, Reject


def read_all(path):
    items = list(core.read_file(str(path), str(path.parent), config_from_dict({}).ingest))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Reject)]


def _realnews(data) -> list[dict]:
    folder = data / "realnews-grover-samples"
    return [json.loads(line) for name in ("realnews_tiny.jsonl", "april2019_set_mini.jsonl")
            for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_article_url_keeps_web_addresses_and_nulls_the_rest():
    assert [core.article_url(u) for u in (
        "12345", "1.5", "n/a", "not a url", "/news/1.html", "True", "", None,
        "https://www.bbc.co.uk/news/1", "example.com/x", "127.0.0.1/x", "http://[::1]/x", "localhost:8080/x",
        "https://xn--80ak6aa92e.xn--p1ai/", "mailto:desk@example.com", "http://12345/")] == [
        (None, None, True), (None, None, True), (None, None, True), (None, None, True), (None, None, True),
        (None, None, True), (None, None, False), (None, None, False),
        ("https://www.bbc.co.uk/news/1", "bbc.co.uk", False), ("example.com/x", "example.com", False),
        ("127.0.0.1/x", "127.0.0.1", False), ("http://[::1]/x", "::1", False), ("localhost:8080/x", "localhost", False),
        ("https://xn--80ak6aa92e.xn--p1ai/", "xn--80ak6aa92e.xn--p1ai", False),
        ("mailto:desk@example.com", None, False), ("http://12345/", None, False)]


def test_real_urls_keep_their_domains(data):
    """Every url of the real RealNews, Scrapinghub and trafilatura samples that has a host keeps
    it as the domain (the rule only removes what names no host)."""
    urls = [r["url"] for r in _realnews(data)]
    truth = json.loads((data / "scrapinghub-article-extraction-benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    urls += [v["url"] for v in truth.values()]
    assert len(urls) == 194
    assert [core.article_url(u) for u in urls] == [(u, core.domain_of(u), False) for u in urls]
    assert all(core.domain_of(u) for u in urls)


def test_a_number_url_is_null_and_counted_in_json_csv_and_parquet(data, tmp_path):
    """``"url": 12345`` gave url and domain '12345' (trial). Now JSON (number or string), CSV
    (always a string) and an integer Parquet column all give url and domain null and
    ``url_unusable``; the article is kept; an explicit domain field is still taken."""
    records = _realnews(data)[:4]
    values = [12345, "12345", "n/a", records[3]["url"]]
    rows = [{"title": r["title"], "text": r["text"], "url": v, "domain": None} for r, v in zip(records, values)]
    rows[2]["domain"] = "Example.ORG"
    (tmp_path / "u.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    import csv

    with open(tmp_path / "u.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, ["title", "text", "url", "domain"])
        writer.writeheader()
        writer.writerows(rows)
    pq.write_table(pa.Table.from_pylist([{**r, "url": n} for n, r in enumerate(rows, 12345)]), tmp_path / "u.parquet")
    expected = [(None, None, True), (None, None, True), (None, "example.org", True),
                (records[3]["url"], core.domain_of(records[3]["url"]), False)]
    for name in ("u.jsonl", "u.csv"):
        arts, rejects = read_all(tmp_path / name)
        assert rejects == [] and [(a.url, a.domain, a.url_unusable) for a in arts] == expected, name
    arts, rejects = read_all(tmp_path / "u.parquet")
    assert rejects == [] and [(a.url, a.domain, a.url_unusable) for a in arts] == [
        (None, None, True), (None, None, True), (None, "example.org", True), (None, None, True)]
    assert arts[0].title == records[0]["title"] and arts[0].paragraphs[0].startswith("by In the news\nby Dan Lucas")


def _jsonld_authors(data) -> dict[str, object]:
    """The JSON-LD ``author`` values that are objects or lists in the Scrapinghub benchmark's
    pages (schema.org ``Person``/``Organization``), by page file name: the first of a page."""
    import gzip
    import re

    out = {}
    for page in sorted((data / "scrapinghub-article-extraction-benchmark" / "html").glob("*.html.gz")):
        html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
        for block in re.findall(r"<script[^>]*application/ld\+json[^>]*>(.*?)</script>", html, re.S):
            try:
                value = json.loads(block)
            except ValueError:
                continue
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict) and isinstance(item.get("author"), (dict, list)):
                    out.setdefault(page.name[:12], item["author"])
    return out


def test_schema_org_author_objects_give_their_names(data, tmp_path):
    """JSON-LD authors of real pages (``{"@type": "Person", "name": ...}`` and lists of them)
    were ``bad_field``; now their names, joined with ", ". An object without a name, or such an
    object as a title, stays ``bad_field``."""
    authors = _jsonld_authors(data)
    rows = [{"id": key, "text": "Body.", "author": value} for key, value in authors.items()]
    rows += [{"id": "no-name", "text": "Body.", "author": {"@type": "Person", "url": "https://example.com/a"}},
             {"id": "title", "text": "Body.", "title": {"@type": "Thing", "name": "x"}}]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    arts, rejects = read_all(tmp_path / "a.jsonl")
    got = {a.article_id: a.author for a in arts}
    assert len(got) == len(authors) == 89
    assert (got["042bb7b5feda"], got["06ee193de4bd"], got["05844573ca7e"], got["076f4f33bf75"]) == (
        "Sarah E. Needleman", "Chris Davies", "By TOM KRISHER, AP Auto Writer", "News Nation Fact Check")
    assert sorted(k for k, v in got.items() if v is None) == ["65ce3a4577a0", "776a1c046798", "7de5241947a5", "c58aa507c4de",
                                                              "c81e134ed499"]  # "author": {}
    several = {k: v for k, v in got.items() if isinstance(authors[k], list) and len(authors[k]) > 1}
    assert several and all(", " in v for v in several.values())
    assert [(r.source_record, r.reason) for r in rejects] == [(len(authors), "bad_field"), (len(authors) + 1, "bad_field")]
