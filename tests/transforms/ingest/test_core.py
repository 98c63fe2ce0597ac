"""Readers: formats, compression, encodings and damaged input (pure, no Beam)."""
from __future__ import annotations

import bz2
import gzip
import json
import re

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard

from pipelines.config import config_from_dict
from transforms.ingest import core
from transforms.records import Article, Reject


def cfg(**ingest):
    return config_from_dict({"ingest": ingest}).ingest


def read_all(path, root=None, **ingest):
    items = list(core.read_file(str(path), str(root or path.parent), cfg(**ingest)))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Reject)]


RECORDS = [{"id": "a1", "title": "T1", "text": "P1\n\nP2", "url": "https://www.example.com/x"},
           {"id": "a2", "title": "T2", "text": "Q1"}]
JSONL = "".join(json.dumps(r) + "\n" for r in RECORDS).encode()


@pytest.mark.parametrize("name, writer", [
    ("d.jsonl", lambda p, b: p.write_bytes(b)),
    ("d.jsonl.gz", lambda p, b: p.write_bytes(gzip.compress(b))),
    ("d.jsonl.bz2", lambda p, b: p.write_bytes(bz2.compress(b))),
    ("d.jsonl.zst", lambda p, b: p.write_bytes(zstandard.ZstdCompressor().compress(b))),
])
def test_jsonl_all_compressions(tmp_path, name, writer):
    writer(tmp_path / name, JSONL)
    arts, rejects = read_all(tmp_path / name)
    assert rejects == []
    assert [(a.article_id, a.title, a.paragraphs) for a in arts] == [("a1", "T1", ("P1", "P2")), ("a2", "T2", ("Q1",))]
    assert arts[0].domain == "example.com" and arts[1].domain is None


def test_jsonl_bom_and_crlf_read_once_without_stray_cr(tmp_path):
    lines = [json.dumps({"id": f"i{n}", "text": f"para {n}\r\n\r\nsecond"}) for n in range(5000)]
    (tmp_path / "b.jsonl").write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    arts, rejects = read_all(tmp_path / "b.jsonl")
    assert rejects == []
    assert [a.article_id for a in arts] == [f"i{n}" for n in range(5000)]
    assert all("\r" not in p for a in arts for p in a.paragraphs)
    assert arts[7].paragraphs == ("para 7", "second")


def test_field_mapping_news_please(tmp_path):
    rec = {"maintext": "Body one.\n\nBody two.", "title": "H", "date_publish": "2019-04-10 12:00:00", "url": "http://bbc.co.uk/a"}
    (tmp_path / "n.jsonl").write_text(json.dumps(rec) + "\n")
    arts, _ = read_all(tmp_path / "n.jsonl", fields={"text": "maintext", "published": "date_publish"})
    assert arts[0].paragraphs == ("Body one.", "Body two.")
    assert arts[0].published_us == 1554897600 * 1_000_000  # naive time taken as UTC
    assert arts[0].domain == "bbc.co.uk"


def test_missing_text_null_fields_and_cut_last_line(tmp_path):
    body = (json.dumps({"id": "1", "text": "ok", "author": None}) + "\n"
            + json.dumps({"id": "2", "title": "no text"}) + "\n"
            + '{"id": "3", "text": "cut in the mid')
    (tmp_path / "m.jsonl").write_text(body)
    arts, rejects = read_all(tmp_path / "m.jsonl")
    assert [a.article_id for a in arts] == ["1"] and arts[0].author is None
    assert [(r.source_record, r.reason) for r in rejects] == [(1, "missing_text"), (2, "invalid_json")]
    assert rejects[1].byte_offset == len(body.split("\n")[0]) + 1 + len(body.split("\n")[1]) + 1


def test_truncated_gzip_keeps_complete_records(tmp_path):
    data = gzip.compress("".join(json.dumps({"id": str(i), "text": "x" * 50}) + "\n" for i in range(2000)).encode())
    (tmp_path / "t.jsonl.gz").write_bytes(data[: len(data) // 2])
    arts, rejects = read_all(tmp_path / "t.jsonl.gz")
    assert len(arts) > 100
    assert [a.article_id for a in arts] == [str(i) for i in range(len(arts))]
    assert rejects[-1].reason in ("truncated_or_corrupt_file", "invalid_json")
    assert any(r.reason == "truncated_or_corrupt_file" for r in rejects)


def test_gzip_bomb_is_rejected_not_crashed(tmp_path):
    (tmp_path / "bomb.jsonl.gz").write_bytes(gzip.compress(b" " * 5_000_000))
    arts, rejects = read_all(tmp_path / "bomb.jsonl.gz", max_decompressed_bytes=1_000_000)
    assert arts == [] and [r.reason for r in rejects] == ["decompressed_too_large"]


def test_windows_1252_csv(tmp_path):
    raw = "title,text\nCaf\xe9 \x80 news,\x93Gro\xdfe\x94 M\xfcnchen\n".encode("latin-1")
    (tmp_path / "w.csv").write_bytes(raw)
    arts, _ = read_all(tmp_path / "w.csv", encoding="windows-1252")
    assert (arts[0].title, arts[0].paragraphs, arts[0].charset) == ("Café € news", ("“Große” München",), "windows-1252")
    arts, _ = read_all(tmp_path / "w.csv")  # undeclared: the documented fallback, recorded
    assert (arts[0].title, arts[0].charset) == ("Café € news", "windows-1252 (fallback)")
    arts, rejects = read_all(tmp_path / "w.csv", fallback_encoding=None)
    assert arts == [] and [(r.reason, r.byte_offset) for r in rejects] == [("undecodable", 14)]


def test_ag_news_style_csv_without_header(tmp_path):
    (tmp_path / "ag.csv").write_text('"3","Fears for T N","Unions at Turner   Newall say\\they are  #39;disappointed #39;"\n')
    arts, _ = read_all(tmp_path / "ag.csv", csv={"header": False, "columns": ["class", "title", "text"], "newline_escape": "\\"},
                       paragraph_separator=r"\n")
    assert arts[0].title == "Fears for T N"
    assert arts[0].paragraphs == ("Unions at Turner   Newall say", "they are  #39;disappointed #39;")


def test_text_file_title_and_paragraphs(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Headline\n\nFirst para\nsame para.\n\nSecond.\n")
    arts, _ = read_all(tmp_path / "sub" / "a.txt", root=tmp_path)
    assert (arts[0].title, arts[0].paragraphs) == ("Headline", ("First para\nsame para.", "Second."))
    assert arts[0].article_id == core.derived_article_id("sub/a.txt", 0)


def test_parquet_input(tmp_path):
    pq.write_table(pa.Table.from_pylist(RECORDS), tmp_path / "p.parquet")
    arts, rejects = read_all(tmp_path / "p.parquet")
    assert rejects == [] and [a.article_id for a in arts] == ["a1", "a2"]


def test_expand_inputs_roots_and_missing(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "1.txt").write_text("t")
    assert core.expand_inputs([str(tmp_path / "*" / "*.txt")]) == [(str(tmp_path / "x" / "1.txt"), str(tmp_path))]
    with pytest.raises(FileNotFoundError, match="matches no file"):
        core.expand_inputs([str(tmp_path / "*.jsonl")])


def test_directory_input_takes_known_formats_only(tmp_path):
    (tmp_path / "a.jsonl").write_text("{}")
    (tmp_path / "NOTICE.md").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.csv.gz").write_bytes(b"")
    assert core.expand_inputs([str(tmp_path)]) == [(str(tmp_path / "a.jsonl"), str(tmp_path)),
                                                   (str(tmp_path / "sub" / "b.csv.gz"), str(tmp_path))]


def test_deep_nesting_and_huge_ints_are_rejected_per_line(tmp_path):
    lines = ['{"id": "d", "text": "ok", "x": ' + "[" * 3000 + "]" * 3000 + "}",
             '{"id": ' + "9" * 5000 + ', "text": "big"}',
             '{"id": "g", "text": "good"}']
    (tmp_path / "n.jsonl").write_text("\n".join(lines) + "\n")
    arts, rejects = read_all(tmp_path / "n.jsonl")
    assert [a.article_id for a in arts] == ["g"]
    assert [(r.source_record, r.reason) for r in rejects] == [(0, "invalid_json"), (1, "invalid_json")]


def test_csv_field_over_128k(tmp_path):
    (tmp_path / "big.csv").write_text("id,text\nc1," + "x" * 300_000 + "\nc2,small\n")
    arts, rejects = read_all(tmp_path / "big.csv")
    assert rejects == [] and [a.article_id for a in arts] == ["c1", "c2"] and len(arts[0].paragraphs[0]) == 300_000


def test_gzip_member_then_garbage_keeps_the_member(tmp_path):
    (tmp_path / "g.jsonl.gz").write_bytes(gzip.compress(b'{"id": "1", "text": "kept"}\n') + b"garbage" * 10)
    arts, rejects = read_all(tmp_path / "g.jsonl.gz")
    assert [a.article_id for a in arts] == ["1"]
    assert [r.reason for r in rejects] == ["truncated_or_corrupt_file"]


def test_directory_symlink_loop_not_followed(tmp_path):
    (tmp_path / "a.jsonl").write_text("{}")
    (tmp_path / "loop").symlink_to(tmp_path)
    assert core.expand_inputs([str(tmp_path)]) == [(str(tmp_path / "a.jsonl"), str(tmp_path))]


def test_per_input_encoding_for_one_old_csv(tmp_path):
    """The header and the rows carry é, ß, ü and 0x80/0x93/0x94; only old/*.csv is windows-1252."""
    raw = "r\xe9sum\xe9,text\nCaf\xe9 \x80 news,\x93Gro\xdfe\x94 M\xfcnchen\n".encode("latin-1")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "w.csv").write_bytes(raw)
    (tmp_path / "new.csv").write_bytes(raw)
    per_input = [{"match": "old/*.csv", "encoding": "windows-1252"}]
    kwargs = dict(fields={"title": "résumé"}, fallback_encoding=None, per_input=per_input)
    arts, rejects = read_all(tmp_path / "old" / "w.csv", root=tmp_path, **kwargs)
    assert rejects == []
    assert (arts[0].title, arts[0].paragraphs, arts[0].charset) == ("Café € news", ("“Große” München",), "windows-1252")
    arts, rejects = read_all(tmp_path / "new.csv", root=tmp_path, **kwargs)  # no override, no fallback
    assert arts == []
    assert [(r.source_file, r.reason, r.byte_offset) for r in rejects] == [(str(tmp_path / "new.csv"), "undecodable", 1)]


@pytest.mark.parametrize("name", ["e.jsonl", "e.jsonl.gz", "e.jsonl.zst", "e.jsonl.bz2"])
def test_empty_file_is_a_dead_letter(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    arts, rejects = read_all(tmp_path / name)
    assert arts == [] and [(r.reason, r.source_file) for r in rejects] == [("empty_file", str(tmp_path / name))]


def test_csv_quote_left_open_does_not_swallow_the_rows_after_it(tmp_path):
    (tmp_path / "u.csv").write_text('title,text\nA,"first ok"\nB,"broken start\nC,third row\nD,"multi\nline ok"\nE,"x"y\nF,last\n')
    items = list(core.read_file(str(tmp_path / "u.csv"), str(tmp_path), cfg()))
    got = [(i.title, i.paragraphs) if isinstance(i, Article) else (i.reason, i.source_record, i.detail.split(":")[0]) for i in items]
    assert got == [("A", ("first ok",)), ("invalid_csv", 1, "line 3"), ("C", ("third row",)), ("D", ("multi\nline ok",)),
                   ("invalid_csv", 4, "line 7"), ("F", ("last",))]


def test_text_as_a_list_of_paragraphs(tmp_path):
    rows = [{"id": "l", "text": ["First para.", "Second\n\nand third."]}, {"id": "n", "text": [1, 2]}, {"id": "e", "text": []}]
    (tmp_path / "l.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    arts, rejects = read_all(tmp_path / "l.jsonl")
    assert [(a.article_id, a.paragraphs) for a in arts] == [("l", ("First para.", "Second", "and third."))]
    assert [(r.source_record, r.reason) for r in rejects] == [(1, "missing_text"), (2, "missing_text")]


def test_published_numbers_in_any_epoch_unit_and_out_of_range_values(tmp_path):
    """A breaker run found epoch milliseconds, Infinity and NaN crashing the run or ending the file."""
    expected = 1_700_000_000_000_000
    assert [core.parse_published(v) for v in (1_700_000_000, 1_700_000_000_000, expected, expected * 1000)] == [expected] * 4
    assert [core.parse_published(v) for v in (float("nan"), float("inf"), 1e30, "not a date", "0000-01-01")] == [None] * 5
    lines = ['{"id":"g1","text":"one"}', '{"id":"nan","text":"two","published":NaN}', '{"id":"ms","text":"three","published":1700000000000}',
             '{"id":"inf","text":"four","published":Infinity}', '{"id":"g3","text":"five"}']
    (tmp_path / "p.jsonl").write_text("\n".join(lines) + "\n")
    arts, rejects = read_all(tmp_path / "p.jsonl")
    assert [(a.article_id, a.published_us) for a in arts] == [("g1", None), ("nan", None), ("ms", expected), ("inf", None), ("g3", None)]
    assert rejects == []


def test_csv_recovery_counts_lines_as_csv_does(tmp_path):
    """U+2028 and form feeds inside a field are not line ends for csv (a breaker run found a misplaced resume)."""
    text = 'id,title,text\nr1,T1,"has\u2028line\x0csep"\nr2,T2,text two\nr3,T3,"broken "quote" here\nr4,T4,four\nr5,T5,five\n'
    (tmp_path / "s.csv").write_text(text, encoding="utf-8")
    arts, rejects = read_all(tmp_path / "s.csv")
    assert [a.article_id for a in arts] == ["r1", "r2", "r4", "r5"]
    assert [(r.reason, r.source_record, r.detail.split(":")[0]) for r in rejects] == [("invalid_csv", 2, "line 4")]


def test_published_rfc_2822_and_configured_formats():
    """A new-user trial found RSS dates and RealNews' month-day-year dates silently null."""
    us = core.parse_published
    assert us("Tue, 05 Mar 2024 10:00:00 GMT") == 1_709_632_800_000_000  # 2024-03-05T10:00:00Z
    assert us("05 Mar 2024 11:00:00 +0100") == us("Tue, 05 Mar 2024 10:00:00 -0000") == 1_709_632_800_000_000
    assert us("2024-03-05T10:00:00Z") == 1_709_632_800_000_000
    assert us("04-19-2019") is None
    assert us("04-19-2019", ("%d/%m/%Y", "%m-%d-%Y")) == 1_555_632_000_000_000  # 2019-04-19T00:00:00Z
    assert us("19/04/2019 10:00 +0200", ("%d/%m/%Y %H:%M %z",)) == 1_555_632_000_000_000 + 8 * 3_600_000_000
    assert [core.published_unparsed(v, us(v)) for v in (None, "", "  ", "04-19-2019", "2019-04-19", float("nan"))] == \
        [False, False, False, True, False, True]


@pytest.mark.parametrize("formats, message", [
    (["%H:%M"], "'%H:%M' does not give year, month and day"),
    (["%Y-%m-%Q"], "'%Y-%m-%Q' is not a strptime format"),
    ("%m-%d-%Y", "ingest.published_formats: Input should be a valid tuple"),
])
def test_published_formats_are_validated(formats, message):
    from pipelines.config import ConfigError

    with pytest.raises(ConfigError, match=re.escape(message)):
        cfg(published_formats=formats)


def test_realnews_dates_parse_with_the_shipped_config(data):
    """configs/realnews.yaml reads every RealNews publish_date (month-day-year); without its
    published_formats each of the 13 is flagged unparsed (and counted in the report)."""
    from datetime import datetime, timezone

    from pipelines.config import load_config
    from tests.conftest import ROOT

    shipped = load_config(ROOT / "configs" / "realnews.yaml").ingest
    folder = data / "realnews-grover-samples"

    def dates(name, ingest):
        items = list(core.read_file(str(folder / name), str(folder), ingest))
        assert all(isinstance(a, Article) for a in items)
        return [(a.published_us and datetime.fromtimestamp(a.published_us / 1e6, timezone.utc).isoformat(), a.published_unparsed)
                for a in items]

    assert dates("april2019_set_mini.jsonl", shipped) == [(f"{d}T00:00:00+00:00", False) for d in (
        "2019-04-19", "2019-04-06", "2019-04-21", "2019-04-05", "2019-04-12", "2019-04-13", "2019-04-14",
        "2019-04-12")]
    assert dates("realnews_tiny.jsonl", shipped) == [(f"{d}T00:00:00+00:00", False) for d in (
        "2014-06-13", "2014-07-31", "2013-04-05", "2013-08-16", "2016-02-15")]
    bare = shipped.model_copy(update={"published_formats": ()})
    assert dates("april2019_set_mini.jsonl", bare) == [(None, True)] * 8
    assert dates("realnews_tiny.jsonl", bare) == [(None, True)] * 5


def _urlsplit_domain(url):
    """domain_of as it was before its regex fast path: urllib's hostname, without "www."."""
    from urllib.parse import urlsplit

    if not url:
        return None
    try:
        host = urlsplit(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    return None if not host else host[4:] if host.startswith("www.") else host


ODD_URLS = [
    "https://WWW.Example.COM/x", "HTTP://www.example.com", "http://example.com:8080/a?b#c", "http://example.com:/x",
    "http://example.com:80abc/x", "https://user:pw@www.example.com/x", "https://www.example.com@evil.org/", "http:///x",
    "http://[::1]:80/x", "http://[::1/x", "http://ex ample.com/", "http://ex\tample.com/x", "https://example.com\n",
    " https://example.com/x", "\x00https://example.com/x", "www.example.com/a:b", "example.com/path?u=http://other.com/",
    "//www.example.com/x", "https://exämple.com/x", "https://xn--exmple-cua.com/x", "https://example.com%2Fevil/x",
    "https://example.com?q", "https://example.com#f", "ftp://files.example.com/x", "a+b.c-d://host_1.example/x",
    "1http://example.com/", "https:/example.com/x", "https://www./x", "https://./x", "mailto:someone@example.com", "",
    "https://example.com:99999999999999999999/x", "HTTPS://EXAMPLE.COM:443", "http://example.com:8080",
]


def test_domain_of_equals_urlsplit_on_real_and_odd_urls(data):
    """The regex fast path of domain_of gives urllib's host on the URLs of the real pages (news
    sites, some with upper case, ports, "www.") and on odd ones (user info, IPv6, spaces, control
    characters, no scheme, non-ASCII hosts), most of which take the slow path."""
    truth = json.loads((data / "scrapinghub-article-extraction-benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    urls = [v["url"] for v in truth.values()]
    urls += list(json.loads((data / "trafilatura-eval-news-subset" / "evaldata-news-subset.json").read_text(encoding="utf-8")))
    for name in ("april2019_set_mini.jsonl", "realnews_tiny.jsonl"):
        with open(data / "realnews-grover-samples" / name, encoding="utf-8") as f:
            urls += [json.loads(line)["url"] for line in f]
    assert len(urls) == 290 and sum(bool(core._PLAIN_URL.match(u)) for u in urls) == 278  # 12 are "hard::name" keys
    urls += [u.upper() for u in urls[:50]] + ODD_URLS
    no_host = [u for u in urls if "//" not in u and core._SCHEME_NO_HOST.match(u)]
    # 12 trafilatura eval keys, not URLs ("hard::name" x11, "recall::name"; urllib says "hard",
    # "recall"), "https:/example.com/x" (urllib: "https") and "mailto:someone@example.com"
    # (urllib: "example.com", from the user info "mailto:someone")
    assert sum(u.startswith(("hard::", "recall::")) for u in no_host) == 12
    assert [u for u in no_host if not u.startswith(("hard::", "recall::"))] == ["https:/example.com/x", "mailto:someone@example.com"]
    assert [core.domain_of(u) for u in no_host] == [None] * 14
    urls = [u for u in urls if u not in no_host]
    assert [core.domain_of(u) for u in urls] == [_urlsplit_domain(u) for u in urls]
    assert sum(bool(core._PLAIN_URL.match(u)) for u in ODD_URLS) == 14
    assert core.domain_of("https://WWW.Example.COM:8080/x") == "example.com"


def test_domain_of_a_url_with_a_scheme_and_no_host_is_none():
    """javascript:, mailto: and urn: URLs name no host (the trial found domain "javascript");
    a host with a port and no scheme still gives its host."""
    assert [core.domain_of(u) for u in ("javascript:alert(1)", "mailto:desk@example.com", "urn:isbn:0451450523",
                                        "example.com:8080/x", "www.bbc.co.uk/news", "https://www.X.com/a")] == [
        None, None, None, "example.com", "bbc.co.uk", "x.com"]


def test_list_fields_join_their_items_and_an_empty_list_is_null():
    """news-please's authors: a list is joined with ", " (blank and null items left out); an
    empty list or one of blanks is null, not '' (the trial found author '' for TechCrunch)."""
    from pipelines.config import load_config

    mapper = core.RecordMapper(load_config().ingest)
    def author(value):
        return mapper.to_article({"id": "a", "text": "Body text.", "author": value}, "f", "f", 0, "utf-8").author
    assert [author(v) for v in ([], [None, " "], ["Ann Lee", None, "", "Bo Chan"], "Ann Lee", None)] == [
        None, None, "Ann Lee, Bo Chan", "Ann Lee", None]


def test_split_paragraphs_equals_the_reference_on_real_text(data):
    """split_paragraphs (no replace without "\\r", a compiled separator) equals the old
    replace/re.split/strip on real BBC and web-page bodies, with LF, CRLF and CR line ends."""
    truth = json.loads((data / "scrapinghub-article-extraction-benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    texts = [v["articleBody"] for v in truth.values()]
    texts += [p.read_bytes().decode("latin-1") for p in sorted((data / "bbc-news-fulltext" / "bbc").glob("*/*.txt"))[::10]]
    texts += [t.replace("\n", "\r\n") for t in texts[::3]] + [t.replace("\n", "\r") for t in texts[1::3]] + [" \n \n a \r\n\t\r\n b \n"]
    separator = r"\n\s*\n"

    def reference(text):
        return tuple(p.strip() for p in re.split(separator, text.replace("\r\n", "\n").replace("\r", "\n").strip()))

    assert len(texts) == 675
    assert [core.split_paragraphs(t, re.compile(separator)) for t in texts] == [reference(t) for t in texts]
    assert [core.split_paragraphs(t, separator) for t in texts] == [reference(t) for t in texts]
    assert core.split_paragraphs(texts[-1], separator) == ("a", "b")


def _realnews(data) -> list[dict]:
    """The 13 RealNews articles (title, text, url ...) without ids of their own."""
    folder = data / "realnews-grover-samples"
    return [json.loads(line) for name in ("realnews_tiny.jsonl", "april2019_set_mini.jsonl")
            for line in (folder / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_ids_strings_as_given_integers_as_decimal_other_types_are_bad_id(data, tmp_path):
    """Real RealNews articles given every JSON id type: "1" and 1 name the same article, 1.0,
    true, [1] and {"n": 1} are dead letters ``bad_id`` naming the type; null and "" derive one."""
    ids = ["1", 1, 1.0, True, [1], {"n": 1}, None, "", " x ", -7, 10**20]
    (tmp_path / "ids.jsonl").write_text("".join(json.dumps({**r, "id": i}) + "\n" for r, i in zip(_realnews(data), ids)),
                                        encoding="utf-8")
    arts, rejects = read_all(tmp_path / "ids.jsonl")
    assert [(a.source_record, a.article_id) for a in arts] == [
        (0, "1"), (1, "1"), (6, core.derived_article_id("ids.jsonl", 6)), (7, core.derived_article_id("ids.jsonl", 7)),
        (8, " x "), (9, "-7"), (10, "100000000000000000000")]
    assert [(r.source_record, r.reason, r.detail) for r in rejects] == [
        (2, "bad_id", "id 1.0 is a float; an id must be a string or an integer"),
        (3, "bad_id", "id true is a boolean; an id must be a string or an integer"),
        (4, "bad_id", "id [1] is a list; an id must be a string or an integer"),
        (5, "bad_id", 'id {"n": 1} is an object; an id must be a string or an integer')]
    assert {type(r.reason) for r in rejects} == {str}  # a plain str through Beam's coders
    lines = (tmp_path / "ids.jsonl").read_bytes().splitlines(keepends=True)
    assert rejects[0].excerpt.startswith('{"title": "\'American Idol\' Recap') and rejects[0].byte_offset == len(lines[0] + lines[1])


def test_unusable_reason_pickles_with_its_detail():
    import pickle

    reason = pickle.loads(pickle.dumps(core.Unusable("bad_id", "id true is a boolean")))
    assert (reason, core.reject_detail(reason, "x"), core.reject_detail("missing_text", "x")) == ("bad_id", "id true is a boolean", "x")


def test_parquet_integer_id_column_gives_decimal_ids_a_float_column_bad_id(data, tmp_path):
    records = _realnews(data)[:3]
    pq.write_table(pa.Table.from_pylist([{**r, "id": n} for n, r in zip((7, 8, 900), records)],
                                        schema=None), tmp_path / "int.parquet")
    assert pa.types.is_int64(pq.read_schema(tmp_path / "int.parquet").field("id").type)
    arts, rejects = read_all(tmp_path / "int.parquet")
    assert rejects == [] and [a.article_id for a in arts] == ["7", "8", "900"]
    pq.write_table(pa.Table.from_pylist([{**r, "id": n} for n, r in zip((7.0, None, 2.5), records)]), tmp_path / "float.parquet")
    arts, rejects = read_all(tmp_path / "float.parquet")
    assert [a.article_id for a in arts] == [core.derived_article_id("float.parquet", 1)]
    assert [(r.source_record, r.reason, r.detail) for r in rejects] == [
        (0, "bad_id", "id 7.0 is a float; an id must be a string or an integer"),
        (2, "bad_id", "id 2.5 is a float; an id must be a string or an integer")]


def test_csv_ids_are_the_strings_as_written(data, tmp_path):
    """AG News rows with an id column: "1" and "01" stay two articles (CSV has no types)."""
    rows = (data / "ag-news-test" / "test.csv").read_text(encoding="utf-8").splitlines()[:3]
    (tmp_path / "ag.csv").write_text("id,label,title,text\n" + "".join(f"{i},{row}\n" for i, row in zip(("1", "01", ""), rows)),
                                     encoding="utf-8")
    arts, rejects = read_all(tmp_path / "ag.csv")
    assert rejects == [] and [a.article_id for a in arts] == ["1", "01", core.derived_article_id("ag.csv", 2)]


def test_directory_input_skips_newsetl_output_below_it(data, tmp_path):
    """Trial 10: ``run --input 'samples/*.txt' --output samples/sub`` then ``run --input samples``
    read sub/'s tables, report.html and index/ as articles (418 records in instead of 321)."""
    src = data / "realnews-grover-samples" / "realnews_tiny.jsonl"
    (tmp_path / "news.jsonl").write_bytes(src.read_bytes())
    outputs = {"release": "_SUCCESS", "lost": "report.json", ".old.staging-1764-42": "report.html",
               "stream/window=20261130T070000Z--20261130T080000Z/pane=0/articles": "part-00000-of-00001.parquet"}
    for folder, marker in outputs.items():
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / marker).write_text(json.dumps({"newsetl_version": "0.1.0", "config_digest": "x", "records": {}}))
        (tmp_path / folder / "report.html").write_text("<html><p>a report</p></html>")
        (tmp_path / folder / "news.jsonl").write_bytes(src.read_bytes())
    (tmp_path / "mine").mkdir()  # a user's folder with a report.json of its own is read
    (tmp_path / "mine" / "report.json").write_text('{"records": 3}')
    (tmp_path / "mine" / "more.jsonl").write_bytes(src.read_bytes())
    files, skipped = core.list_inputs([str(tmp_path)])
    assert [f for f, _ in files] == [str(tmp_path / "mine" / n) for n in ("more.jsonl", "report.json")] + [
        str(tmp_path / "news.jsonl")]
    assert skipped == [{"path": str(tmp_path / d), "reason": "newsetl_output"}
                       for d in (".old.staging-1764-42", "lost", "release", "stream")]
    with pytest.raises(FileNotFoundError, match=r"input .*release is newsetl output \(release\), not news to read: "
                                                r"to read its articles back, give its articles directory"):
        core.list_inputs([str(tmp_path / "release")])
    assert core.list_inputs([str(tmp_path / "release" / "*.jsonl")])[0] == [  # a glob reads what it names
        (str(tmp_path / "release" / "news.jsonl"), str(tmp_path / "release"))]


def test_a_glob_through_a_bracketed_directory_hints_at_the_escape(data, tmp_path):
    """Trial 10: a glob through a directory named ``ünï [x]`` said only "matches no file"."""
    folder = tmp_path / "ünï [x]"
    folder.mkdir()
    (folder / "a b.jsonl").write_bytes((data / "realnews-grover-samples" / "realnews_tiny.jsonl").read_bytes())
    with pytest.raises(FileNotFoundError) as err:
        core.list_inputs([f"{folder}/*.jsonl"])
    assert str(err.value) == (f"input '{folder}/*.jsonl' matches no file; in a glob, [...] matches one of the characters "
                              f"inside: write a literal [ as [[] ('{tmp_path}/ünï [[]x]/*.jsonl' matches 1 file(s))")
    assert core.list_inputs([f"{tmp_path}/ünï [[]x]/*.jsonl"])[0] == [(str(folder / "a b.jsonl"), str(tmp_path))]
    with pytest.raises(FileNotFoundError, match=r"matches no file; in a glob, \[\.\.\.\] matches one of the characters inside: "
                                                r"write a literal \[ as \[\[\]$"):
        core.list_inputs([f"{tmp_path}/[yz]*.jsonl"])


def test_directory_input_skips_notice_files_and_lists_them(data, tmp_path):
    """Real dataset folders: their LICENSE / README texts are not read as articles when the folder
    is the input, and are returned as skipped; a glob or a path still reads what it names."""
    realnews = data / "realnews-grover-samples"
    files, skipped = core.list_inputs([str(realnews)])
    assert [f for f, _ in files] == [str(realnews / "april2019_set_mini.jsonl"), str(realnews / "realnews_tiny.jsonl")]
    assert skipped == [{"path": str(realnews / "LICENSE.upstream.txt"), "reason": "notice_file"},
                       {"path": str(realnews / "SOURCE.md"), "reason": "notice_file"}]  # listed, not passed over silently
    bbc = data / "bbc-news-fulltext" / "bbc"
    files, skipped = core.list_inputs([str(bbc)])
    assert len(files) == 2225 and skipped == [{"path": str(bbc / "README.TXT"), "reason": "notice_file"}]
    ag = data / "ag-news-test"
    assert [(p["path"], p["reason"]) for p in core.list_inputs([str(ag)])[1]] == [
        (str(ag / "DERIVED_duplicate_pairs.tsv"), "unknown_format"), (str(ag / "SOURCE.md"), "notice_file"),
        (str(ag / "readme.txt"), "notice_file")]
    pages = data / "mozilla-readability-news-pages"  # source.html.gz: the pages themselves
    files, skipped = core.list_inputs([str(pages)])
    assert str(pages / "bbc-1" / "source.html.gz") in dict(files)
    assert skipped == [{"path": str(pages / "LICENSE.upstream.txt"), "reason": "notice_file"},
                       {"path": str(pages / "SOURCE.md"), "reason": "notice_file"}]
    # named by a glob or a path: read
    assert core.list_inputs([str(realnews / "*")]) == (
        [(str(realnews / n), str(realnews)) for n in ("LICENSE.upstream.txt", "SOURCE.md", "april2019_set_mini.jsonl",
                                                      "realnews_tiny.jsonl")], [])
    assert core.list_inputs([str(realnews), str(realnews / "LICENSE.upstream.txt")])[1] == [
        {"path": str(realnews / "SOURCE.md"), "reason": "notice_file"}]  # the named notice is read, SOURCE.md is not
    (tmp_path / "LICENSE.upstream.txt").write_bytes((realnews / "LICENSE.upstream.txt").read_bytes())
    with pytest.raises(FileNotFoundError, match="matches no file but notice files"):
        core.list_inputs([str(tmp_path)])


@pytest.mark.parametrize("name, notice", [
    ("LICENSE", True), ("LICENSE.upstream.txt", True), ("README.TXT", True), ("readme.txt.gz", True),
    ("NOTICE", True), ("COPYING.txt", True), ("SOURCE.md", True), ("INDEX.md", True), ("licence-cc-by.txt", True),
    ("source.html.gz", False), ("index.jsonl", False), ("readme.csv", False), ("000_56aaff5fb1689b7e.txt", False),
    ("sources.txt", False), ("licensed-news.txt", False), ("classes.txt", False),
])
def test_notice_names(name, notice):
    assert core.is_notice(f"some/dir/{name}") is notice


def test_a_table_without_a_text_column_says_which_columns_it_has(data, tmp_path):
    """Trial, session 9: a CSV with ``ID,Title,Text`` (or ``id,headline,body``) and a Parquet
    file whose ``text`` is a number rejected every row as "row has no text column"."""
    import csv

    import pyarrow as pa
    import pyarrow.parquet as pq

    real = next(r for r in csv.reader((data / "ag-news-test" / "test.csv").open(encoding="utf-8")))  # class, title, description
    capital = tmp_path / "capital.csv"
    capital.write_text(f'ID,Title,Text\n1,"{real[1]}","{real[2]}"\n', encoding="utf-8")
    other = tmp_path / "other.csv"
    other.write_text(f'id,headline,body\n1,"{real[1]}","{real[2]}"\n', encoding="utf-8")
    table = tmp_path / "t.parquet"
    pq.write_table(pa.table({"id": ["1"], "title": [real[1]], "text": [42]}), table)
    details = {p.name: [(r.reason, r.detail) for r in core.read_file(str(p), str(tmp_path), cfg())]
               for p in (capital, other, table)}
    assert details == {
        "capital.csv": [("missing_text", "no column 'text' (columns: ID, Title, Text); map one with ingest.fields, e.g. {text: Text}")],
        "other.csv": [("missing_text", "no column 'text' (columns: id, headline, body); map one with ingest.fields")],
        "t.parquet": [("missing_text", "column 'text' holds int64, not text")]}


def test_a_json_record_without_text_says_what_its_text_field_holds():
    """Trial, session 9: ``"text": 42`` was "record has no usable 'text' field"."""
    assert core.missing_field_detail({"text": 42}, "text") == "'text' is a number, not text"
    assert core.missing_field_detail({"text": ["a"]}, "text") == "'text' is a list, not text"
    assert core.missing_field_detail({"text": None}, "text") == "record has no 'text' field (null)"
    assert core.missing_field_detail({"body": "x"}, "text") == "record has no 'text' field (fields: body); map one with ingest.fields"
    assert core.missing_field_detail({"text": "  "}, "text") == "record's 'text' is blank"


def test_html_in_a_text_field_keeps_its_paragraphs(data, tmp_path):
    """Trial, session 9: a JSONL ``text`` written as ``<p>...</p><p>...</p>`` (or with
    ``<br><br>``) became one paragraph. Real RealNews paragraphs wrapped in HTML come back as
    they were; prose that names a tag is not cut."""
    record = json.loads((data / "realnews-grover-samples" / "realnews_tiny.jsonl").read_text(encoding="utf-8").splitlines()[0])
    paragraphs = core.split_paragraphs(record["text"], "\n")
    assert len(paragraphs) > 3
    html = {"id": "p", "text": "".join(f"<p>{p}</p>" for p in paragraphs)}
    brs = {"id": "br", "text": "<br/><br/>".join(paragraphs) + "<br>"}
    div = {"id": "div", "text": '<div class="body">\n' + "\n".join(f'  <p class="x">{p}</p>' for p in paragraphs) + "\n</div>"}
    prose = {"id": "prose", "text": "The <p> tag starts a paragraph in HTML, and <p> ends none."}
    (tmp_path / "h.jsonl").write_text("".join(json.dumps(r) + "\n" for r in (html, brs, div, prose)), encoding="utf-8")
    arts, rejects = read_all(tmp_path / "h.jsonl")
    assert rejects == [] and [a.paragraphs for a in arts[:3]] == [paragraphs] * 3
    assert arts[3].paragraphs == ("The <p> tag starts a paragraph in HTML, and <p> ends none.",)  # no closing tag, no <br>
    # a lone <br> is a line break: a newline inside the paragraph (joined by cleaning)
    assert core.split_paragraphs("Line one.<br>Line two.<br/><br/>New para.", "\n\\s*\n") == ("Line one.\nLine two.", "New para.")
