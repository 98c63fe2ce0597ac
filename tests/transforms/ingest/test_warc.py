"""WARC/ARC reading (pure, no Beam): every sample file, gzip layouts, chunked bodies, clipped
records, capture selection."""
from __future__ import annotations

import gzip
from collections import Counter

import pytest

from benchmarks.web_cases import write_warc
from pipelines.config import config_from_dict
from transforms.ingest import warc
from transforms.ingest.core import read_file
from transforms.records import Article, Reject

CFG = config_from_dict({}).ingest
WARC_CFG = config_from_dict({"ingest": {"format": "warc"}}).ingest

A, REQ, INFO, META, RES, REV = "article", "warc_request_record", "warc_warcinfo_record", "warc_metadata_record", "warc_resource_record", "warc_revisit"
# Outcome of every record of every file in ../shared/data/warc-samples (see its SOURCE.md).
EXPECTED = {
    "dolma/sample-0000.warc.gz": {INFO: 1, REQ: 22, A: 22, META: 1, RES: 2},
    "dolma/sample-0001.warc.gz": {INFO: 1, REQ: 15, A: 15, META: 1, RES: 2},
    "resiliparse/clipped.warc.gz": {A: 1, "truncated_record": 1, "truncated_or_corrupt_file": 1},
    "resiliparse/clueweb-quirk.warc.gz": {INFO: 1, A: 29},
    "resiliparse/warcfile.warc.gz": {INFO: 1, REQ: 17, A: 15, "no_main_text": 1, META: 16},
    "warcio/bad.arc": {INFO: 1, "warc_non_200": 3},
    # gzip members that do not match record boundaries (warcio alone refuses these three)
    "warcio/example-bad-non-chunked.warc.gz": {INFO: 2, A: 1, REQ: 2, REV: 1},
    "warcio/example-bad.warc.gz.bad": {INFO: 1, A: 1, REQ: 2, REV: 1, "warc_non_200": 1},
    "warcio/example-wrong-chunks.warc.gz": {A: 1, REQ: 1},
    "warcio/example-digest.warc": {REQ: 4},
    "warcio/example-iana.org-chunked.warc": {INFO: 1, A: 1, REQ: 1},
    "warcio/example-resource.warc.gz": {INFO: 2, RES: 1},
    "warcio/example-space-in-target-uri.warc.gz": {INFO: 1, RES: 1, "warc_target_uri_repaired": 1},
    "warcio/example-space-in-url.arc": {INFO: 1, A: 1, "truncated_record": 1, "warc_target_uri_repaired": 1},
    "warcio/example-trunc.warc": {INFO: 2, A: 1, REQ: 1, "warc_length_mismatch": 1},
    "warcio/example-wget-bad-target-uri.warc.gz": {INFO: 1, REQ: 1, A: 1, META: 1, RES: 2},
    "warcio/example.arc": {INFO: 1, A: 1},
    "warcio/example.arc.gz": {INFO: 1, A: 1},
    "warcio/example.warc": {INFO: 2, A: 1, REQ: 2, REV: 1},
    "warcio/example.warc.gz": {INFO: 2, A: 1, REQ: 2, REV: 1},
    "warcio/post-test.warc.gz": {"warc_non_html": 3, REQ: 3},
}


def outcomes(items) -> dict:
    return dict(Counter(A if isinstance(i, Article) else i.reason for i in items))


def test_every_sample_file_is_listed(data):
    on_disk = {str(p.relative_to(data / "warc-samples")) for p in (data / "warc-samples").glob("*/*") if "LICENSE" not in p.name}
    assert on_disk == set(EXPECTED) and len(on_disk) == 21


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_file_yields_its_records(data, name, capfd):
    path = data / "warc-samples" / name
    items = list(read_file(str(path), str(path.parent), WARC_CFG))
    assert outcomes(items) == EXPECTED[name]
    assert capfd.readouterr().err == ""  # warcio's own warnings become rejects (below), not stderr lines
    rejects = [i for i in items if isinstance(i, Reject)]
    assert all(r.source_file == str(path) and r.stage == "ingest" for r in rejects)


def test_warcio_warnings_are_rejects_of_their_record(data, capfd):
    """warcio's "Record not followed by newline" (sys.stderr.write) and "Replacing spaces in
    invalid WARC-Target-URI" (logging, which the CLI sends to stderr) are rejects with the
    record's number and offset, even with a root logging handler; the records are still read."""
    import logging

    logging.basicConfig(level=logging.WARNING)  # as the CLI does
    got = {}
    for name in ("warcio/example-trunc.warc", "warcio/example-space-in-url.arc"):
        path = data / "warc-samples" / name
        got[name] = [(i.reason, i.source_record, i.byte_offset, i.excerpt[:40]) if isinstance(i, Reject) else (A, i.source_record, i.url)
                     for i in read_file(str(path), str(path.parent), WARC_CFG)]
    assert got["warcio/example-trunc.warc"][2:4] == [(A, 2, "http://example.com/"), ("warc_length_mismatch", 2, 2560, "\x00\x00\r\n")]
    assert got["warcio/example-space-in-url.arc"][1:3] == [
        ("warc_target_uri_repaired", 1, 151, "http://example.com/index.cfm?FuseAction="),
        (A, 1, "http://example.com/index.cfm?FuseAction=Email&EmailTitle=Examples%20From%20The%20Live%20Web&IsPopUp=False")]
    assert capfd.readouterr().err == ""


def test_misaligned_gzip_gives_the_example_page(data):
    for name in ("example-bad-non-chunked.warc.gz", "example-bad.warc.gz.bad", "example-wrong-chunks.warc.gz"):
        path = data / "warc-samples" / "warcio" / name
        arts = [i for i in read_file(str(path), str(path.parent), WARC_CFG) if isinstance(i, Article)]
        assert [a.title for a in arts] == ["Example Domain"], name
        assert arts[0].paragraphs[0].startswith("This domain is established to be used for illustrative examples")
        assert arts[0].domain == "example.com"


def test_clipped_record_gives_what_it_has_and_a_reject(data):
    path = data / "warc-samples" / "resiliparse" / "clipped.warc.gz"
    items = list(read_file(str(path), str(path.parent), CFG))
    art = [i for i in items if isinstance(i, Article)][0]
    assert art.title == "A Humble Chance The Rapper Leads a Spiritual Awakening at Revention"
    assert art.url == "http://www.houstonpress.com/music/a-humble-chance-the-rapper-leads-a-spiritual-awakening-at-revention-8866723"
    assert len(art.paragraphs) > 20
    clipped = [i for i in items if isinstance(i, Reject) and i.reason == "truncated_record"][0]
    assert clipped.source_file == str(path) and clipped.source_record == 0
    assert "13068 bytes shorter than its Content-Length" in clipped.detail


def test_charsets_from_http_header_and_meta(data):
    path = data / "warc-samples" / "resiliparse" / "warcfile.warc.gz"
    arts = {a.url: a for a in read_file(str(path), str(path.parent), CFG) if isinstance(a, Article)}
    ru = arts["http://01spb.ru/company/"]
    assert ru.charset == "windows-1251 (http)" and ru.title == "О компании - Стратегия пожарной безопасности"
    assert arts["http://06.live-radsport.ch/tippspiel/stats_140_petzi.html"].charset == "windows-1252 (meta)"  # iso-8859-1 label
    assert arts["http://0760.jxtdw.com/area/sanxiang/"].charset == "gb18030 (http)"  # gb2312 label
    jp = next(iter(a for a in read_file(str(data / "warc-samples/resiliparse/clueweb-quirk.warc.gz"), str(data), CFG) if isinstance(a, Article)))
    assert jp.charset == "euc-jp (http)" and "吉田カバン" in jp.title


PAGE = ("<html><head><title>Dairy news</title></head><body><article><h1>Dairy news</h1>"
        "<p>Große Nachfrage nach Käse aus Südtirol: the cooperative sold more cheese than ever before this year.</p>"
        "<p>Its director expects the new cellar to double the production of mountain cheese within five years.</p>"
        "</article></body></html>").encode("utf-8")


def _http_record(body: bytes, headers: str) -> bytes:
    http = f"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n{headers}\r\n".encode() + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: http://dairy.example/news\r\n"
            f"WARC-Date: 2024-01-02T03:04:05Z\r\nWARC-Record-ID: <urn:uuid:1>\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def _read(tmp_path, raw: bytes, name="x.warc"):
    (tmp_path / name).write_bytes(raw)
    return list(read_file(str(tmp_path / name), str(tmp_path), CFG))


def test_chunked_body_split_inside_a_word_is_joined(tmp_path):
    cut = PAGE.index("Südtirol".encode()) + 4  # inside "Südtirol" (after "Süd")
    parts = [PAGE[:cut], PAGE[cut:]]
    chunked = b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n"
    items = _read(tmp_path, _http_record(chunked, "Transfer-Encoding: chunked\r\n"))
    (art,) = items
    assert art.paragraphs[1].startswith("Große Nachfrage nach Käse aus Südtirol: the cooperative")
    assert art.charset == "utf-8 (http)" and art.capture[0] == 1704164645 * 1_000_000


def test_body_that_only_claims_chunked_is_left_intact(tmp_path):
    items = _read(tmp_path, _http_record(PAGE, "Transfer-Encoding: chunked\r\n"))
    (art,) = items
    assert art.paragraphs[1].startswith("Große Nachfrage nach Käse aus Südtirol")


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_content_encoded_body_is_decoded(tmp_path, encoding):
    import brotli

    body = gzip.compress(PAGE) if encoding == "gzip" else brotli.compress(PAGE)
    (art,) = _read(tmp_path, _http_record(body, f"Content-Encoding: {encoding}\r\n"))
    assert art.paragraphs[1].startswith("Große Nachfrage nach Käse aus Südtirol")


def test_three_gzip_layouts_read_alike(tmp_path):
    raw = _http_record(PAGE, "") + _http_record(PAGE.replace(b"Dairy news", b"Cheese news"), "")
    per_record = gzip.compress(_http_record(PAGE, "")) + gzip.compress(_http_record(PAGE.replace(b"Dairy news", b"Cheese news"), ""))
    split = len(raw) // 3  # members that end inside a record
    layouts = {"per_record.warc.gz": per_record, "whole.warc.gz": gzip.compress(raw),
               "misaligned.warc.gz": gzip.compress(raw[:split]) + gzip.compress(raw[split:])}
    for name, blob in layouts.items():
        arts = _read(tmp_path, blob, name)
        assert [a.title for a in arts] == ["Dairy news", "Cheese news"], name
        assert all(isinstance(a, Article) for a in arts)


def test_truncated_gzip_keeps_records_before_the_damage(tmp_path):
    blob = gzip.compress(_http_record(PAGE, "")) + gzip.compress(_http_record(PAGE, ""))[:-30]
    items = _read(tmp_path, blob, "t.warc.gz")
    assert isinstance(items[0], Article)
    assert items[-1].reason == "truncated_or_corrupt_file"


def test_html_folder_pages(tmp_path):
    (tmp_path / "a.html.gz").write_bytes(gzip.compress(PAGE))
    (tmp_path / "empty.html").write_bytes(b"<html><body></body></html>")
    (art,) = _read(tmp_path, gzip.compress(PAGE), "a.html.gz")
    assert art.title == "Dairy news" and art.url is None and art.charset == "utf-8 (default)"
    (rej,) = list(read_file(str(tmp_path / "empty.html"), str(tmp_path), CFG))
    assert rej.reason == "no_main_text"


def test_canonical_url_and_capture_selection():
    assert warc.canonical_url("HTTP://WWW.Example.com:80/a?utm_source=x&b=2&a=1#top") == "http://www.example.com/a?a=1&b=2"
    assert warc.canonical_url("http://example.com/a#x") == warc.canonical_url("http://example.com/a")

    def art(date, digest, f="f", r=0):
        return Article("id", "u", None, None, None, None, None, ("p",), "utf-8", f, r, capture=(date, digest))

    old, new, new_b, undated = art(1, "aa"), art(2, "bb"), art(2, "ab", "g"), art(-1, "00")
    for order in ([old, new, new_b, undated], [undated, new_b, new, old]):
        chosen, superseded = warc.select_capture(order)
        assert chosen is new_b and superseded == [new, old, undated]


def test_written_warc_round_trips(tmp_path):
    write_warc(tmp_path / "w.warc.gz", [("https://dairy.example/a", PAGE, "2024-05-01T12:00:00Z")])
    (art,) = list(read_file(str(tmp_path / "w.warc.gz"), str(tmp_path), CFG))
    assert art.url == "https://dairy.example/a" and art.domain == "dairy.example"
    assert art.article_id == warc.url_article_id("https://dairy.example/a")


def test_garbage_between_records_and_broken_headers_resume_at_the_next_record(tmp_path):
    """A breaker run lost every record after garbage, and crashed on a cut header or a huge Content-Length."""
    pages = [PAGE.replace(b"Dairy news", f"Dairy news {n}".encode()) for n in range(4)]
    recs = [_http_record(p, "") for p in pages]
    garbage = b"GARBAGE\r\nNOT A WARC RECORD\r\n\r\n"
    items = _read(tmp_path, recs[0] + garbage + recs[1] + recs[2], "g.warc")
    assert [i.title if isinstance(i, Article) else i.reason for i in items] == \
        ["Dairy news 0", "invalid_warc_record", "Dairy news 1", "Dairy news 2"]
    huge = recs[1].replace(b"Content-Length: ", b"Content-Length: 99999999999999999999999", 1)
    items = _read(tmp_path, recs[0] + huge + recs[2], "h.warc")
    assert [i.title if isinstance(i, Article) else i.reason for i in items][0] == "Dairy news 0"
    assert "Dairy news 2" in [i.title for i in items if isinstance(i, Article)]
    assert all(isinstance(i, Article) or i.reason == "invalid_warc_record" for i in items)
    cut = recs[0] + recs[1] + recs[2][:100]  # ends inside the third record's WARC header
    items = _read(tmp_path, cut, "c.warc")
    assert [i.title for i in items if isinstance(i, Article)] == ["Dairy news 0", "Dairy news 1"]
    assert [(i.reason, i.byte_offset) for i in items if isinstance(i, Reject)] == [("truncated_record", 2 * len(recs[0]))]
