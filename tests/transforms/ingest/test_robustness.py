"""Reader robustness: BOMs and mixed encodings, epoch strings, binary files, .json documents,
empty files and awkward paths (pure, no Beam)."""
from __future__ import annotations

import codecs
import gzip
import json
import os
import random

import pytest

from pipelines.config import config_from_dict
from transforms.ingest import core, jsonl, textfile
from transforms.records import Article, Reject


def cfg(**ingest):
    return config_from_dict({"ingest": ingest}).ingest


def read_all(path, **ingest):
    items = list(core.read_file(str(path), str(path.parent), cfg(**ingest)))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, Reject)]


def test_csv_with_bom_and_one_latin1_row_keeps_ids_and_utf8_rows(tmp_path):
    rows = [b"id,title,text\r\n", "bom1,Caf\u00e9,Premi\u00e8re ligne\r\n".encode(), "bom2,Caf\u00e9,Zweite \u00fcber\r\n".encode("latin-1"),
            "bom3,\u201cQuoted\u201d,\u00c9t\u00e9 \u20ac\r\n".encode()]
    (tmp_path / "b.csv").write_bytes(codecs.BOM_UTF8 + b"".join(rows))
    arts, rejects = read_all(tmp_path / "b.csv")
    assert rejects == []
    assert [(a.article_id, a.title, a.paragraphs, a.charset) for a in arts] == [
        ("bom1", "Caf\u00e9", ("Premi\u00e8re ligne",), "utf-8"),
        ("bom2", "Caf\u00e9", ("Zweite \u00fcber",), "windows-1252 (fallback)"),
        ("bom3", "\u201cQuoted\u201d", ("\u00c9t\u00e9 \u20ac",), "utf-8")]


def test_csv_multiline_field_with_a_latin1_line_gets_the_fallback_charset(tmp_path):
    data = b'id,title,text\nm1,A,"one\n' + "two \u00e9".encode("latin-1") + b'"\nm2,B,plain\n'
    (tmp_path / "m.csv").write_bytes(data)
    arts, rejects = read_all(tmp_path / "m.csv")
    assert rejects == [] and [(a.article_id, a.paragraphs, a.charset) for a in arts] == [
        ("m1", ("one\ntwo \u00e9",), "windows-1252 (fallback)"), ("m2", ("plain",), "utf-8")]


def test_utf8_bom_is_removed_before_the_fallback_decoding():
    assert core.decode(codecs.BOM_UTF8 + b"id \xe9", None, "windows-1252") == ("id \u00e9", "windows-1252 (fallback)")
    assert core.decode(codecs.BOM_UTF8 + b"id", "utf-8", None) == ("id", "utf-8")


@pytest.mark.parametrize("value, expected_us", [
    ("1709632800", 1_709_632_800_000_000), ("1709632800000", 1_709_632_800_000_000), (" 999999999 ", 999_999_999_000_000),
    (1709632800, 1_709_632_800_000_000), ("20240305", 1_709_596_800_000_000), ("12345678901", None), ("2024-03-05T10:00:00Z", 1_709_632_800_000_000),
    (0, None), ("0", None), (-5, None), (-1.5, None), (0.0, None),
])
def test_epoch_strings_and_unknown_epochs(value, expected_us):
    assert core.parse_published(value) == expected_us
    assert core.published_unparsed(value, expected_us) is (expected_us is None)


def test_csv_and_json_epoch_strings_and_zero_dates(tmp_path):
    (tmp_path / "d.csv").write_text("id,published,text\nc1,1709632800,x\nc2,0,y\n")
    arts, _ = read_all(tmp_path / "d.csv")
    assert [(a.article_id, a.published_us, a.published_unparsed) for a in arts] == [
        ("c1", 1_709_632_800_000_000, False), ("c2", None, True)]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps({"id": i, "published": p, "text": "t"}) + "\n" for i, p in
                                              [("j1", "1709632800"), ("j2", "1709632800000"), ("j3", 0), ("j4", -5)]))
    arts, _ = read_all(tmp_path / "d.jsonl")
    assert [(a.article_id, a.published_us) for a in arts] == [
        ("j1", 1_709_632_800_000_000), ("j2", 1_709_632_800_000_000), ("j3", None), ("j4", None)]


def test_random_bytes_txt_is_binary_content(tmp_path):
    (tmp_path / "junk.txt").write_bytes(random.Random(7).randbytes(4000))
    arts, rejects = read_all(tmp_path / "junk.txt")
    assert arts == [] and [(r.reason, r.source_record) for r in rejects] == [("binary_content", 0)]
    assert rejects[0].detail.startswith("not text: ")


def test_utf16_and_utf32_txt_with_bom(tmp_path):
    for name, codec in (("le.txt", "utf-16"), ("be.txt", "utf-16-be"), ("u32.txt", "utf-32")):
        data = "UTF16 headline\n\nBody \u00e9t\u00e9.\n".encode(codec)
        if codec == "utf-16-be":
            data = codecs.BOM_UTF16_BE + data
        (tmp_path / name).write_bytes(data)
        arts, rejects = read_all(tmp_path / name)
        assert rejects == [] and [(a.title, a.paragraphs) for a in arts] == [("UTF16 headline", ("Body \u00e9t\u00e9.",))]
        assert arts[0].charset in ("utf-16-le", "utf-16-be", "utf-32-le")


def test_cp1251_txt_is_detected_and_western_text_keeps_the_fallback(tmp_path):
    russian = ("\u041c\u043e\u0441\u043a\u0432\u0430 \u2014 \u0441\u0442\u043e\u043b\u0438\u0446\u0430 \u0420\u043e\u0441\u0441\u0438\u0438\n\n"
               "\u042d\u0442\u043e \u043a\u0440\u0443\u043f\u043d\u0435\u0439\u0448\u0438\u0439 \u0433\u043e\u0440\u043e\u0434 "
               "\u0441\u0442\u0440\u0430\u043d\u044b, \u0432 \u043d\u0451\u043c \u0436\u0438\u0432\u0451\u0442 \u0431\u043e\u043b\u0435\u0435 "
               "\u0434\u0432\u0435\u043d\u0430\u0434\u0446\u0430\u0442\u0438 \u043c\u0438\u043b\u043b\u0438\u043e\u043d\u043e\u0432 "
               "\u0447\u0435\u043b\u043e\u0432\u0435\u043a.\n")
    (tmp_path / "ru.txt").write_bytes(russian.encode("cp1251"))
    arts, rejects = read_all(tmp_path / "ru.txt")
    assert rejects == [] and (arts[0].title, arts[0].charset) == (russian.split("\n")[0], "cp1251 (detected)")
    western = "Caf\u00e9 cr\u00e8me, na\u00efve fa\u00e7ade \u2013 \u201cquoted\u201d text.\n\nD\u00e9j\u00e0 vu. \u00dcber Stra\u00dfe.\n"
    (tmp_path / "w.txt").write_bytes(western.encode("cp1252"))
    arts, _ = read_all(tmp_path / "w.txt")
    assert (arts[0].title, arts[0].charset) == (western.split("\n")[0], "windows-1252 (fallback)")


def test_binary_share_of_real_text_is_zero(data):
    texts = [p.read_bytes() for p in sorted((data / "bbc-news-fulltext" / "bbc").glob("*/*.txt"))[::50]]
    texts += [gzip.open(p).read() for p in sorted((data / "reuters-21578").glob("*.sgm.gz"))[:2]]
    assert len(texts) > 40 and max(textfile.binary_share(t.decode("latin-1")) for t in texts) < textfile.MAX_CONTROL_SHARE


@pytest.fixture
def realnews(data):
    lines = (data / "realnews-grover-samples" / "realnews_tiny.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:3]]


def test_json_array_and_pretty_printed_object(tmp_path, realnews):
    (tmp_path / "array.json").write_text(json.dumps(realnews, indent=2))
    arts, rejects = read_all(tmp_path / "array.json")
    assert rejects == [] and [a.title for a in arts] == [r["title"] for r in realnews]
    assert [a.source_record for a in arts] == [0, 1, 2]
    (tmp_path / "one.json").write_bytes(codecs.BOM_UTF8 + json.dumps(realnews[1], indent=4).encode())
    arts, rejects = read_all(tmp_path / "one.json")
    assert rejects == [] and [(a.title, a.paragraphs) for a in arts] == [
        (realnews[1]["title"], core.split_paragraphs(realnews[1]["text"], cfg().paragraph_separator))]
    (tmp_path / "lines.json").write_text("".join(json.dumps(r) + "\n" for r in realnews))  # JSON Lines named .json: as before
    arts, rejects = read_all(tmp_path / "lines.json")
    assert rejects == [] and len(arts) == 3
    assert core.json_document_bytes(str(tmp_path / "lines.json"), None, cfg(), head_only=True) is None
    assert core.json_document_bytes(str(tmp_path / "array.json"), None, cfg(), head_only=True) == b""
    assert jsonl.file_chunks(str(tmp_path / "one.json"), str(tmp_path), cfg()) is None  # never cut: read whole
    pieces = list(jsonl.file_chunks(str(tmp_path / "lines.json"), str(tmp_path), cfg(), chunk_bytes=10))
    assert len(pieces) > 1 and sum(isinstance(a, Article) for c in pieces for a in jsonl.parse(c, c.data, cfg())) == 3


def test_json_array_items_that_are_not_objects_and_a_broken_array(tmp_path):
    (tmp_path / "mixed.json").write_text('[{"id": "x", "text": "ok"}, 5, {"title": "no text"}]')
    arts, rejects = read_all(tmp_path / "mixed.json")
    assert [a.article_id for a in arts] == ["x"]
    assert [(r.source_record, r.reason) for r in rejects] == [(1, "not_an_object"), (2, "missing_text")]
    (tmp_path / "broken.json").write_text('[{"id": "x",\n "text": "ok"}\n')  # no closing bracket: read as JSON Lines
    arts, rejects = read_all(tmp_path / "broken.json")
    assert arts == [] and [r.reason for r in rejects] == ["invalid_json", "invalid_json"]


def test_json_document_over_the_limit_is_rejected(tmp_path, monkeypatch):
    monkeypatch.setattr(textfile, "JSON_DOCUMENT_MAX_BYTES", 100)
    (tmp_path / "big.json").write_text(json.dumps([{"text": "x" * 50}, {"text": "y" * 50}]))
    arts, rejects = read_all(tmp_path / "big.json")
    assert arts == [] and [(r.reason, r.source_record) for r in rejects] == [("json_document_too_large", -1)]


@pytest.mark.parametrize("name, content", [
    ("e.txt", b""), ("w.txt", b"  \n\n \t\n"), ("e.html", b""), ("w.html", b"\n \n"), ("e.parquet", b""),
    ("e.csv", b""), ("w.csv", b"\r\n\r\n"), ("b.csv", codecs.BOM_UTF8 + b"\n"), ("e.json", b""), ("e.sgm", b" "),
    ("e.warc", b""), ("e.txt.gz", gzip.compress(b" \n ")), ("e.csv.gz", gzip.compress(b"")),
    ("w.html.gz", gzip.compress(b" \n\t")), ("w.jsonl.gz", gzip.compress(b"\n\n")), ("w.warc", b"\r\n\r\n"),
])
def test_every_empty_file_is_empty_file(tmp_path, name, content):
    (tmp_path / name).write_bytes(content)
    arts, rejects = read_all(tmp_path / name)
    assert arts == [] and [r.reason for r in rejects] == ["empty_file"]


def test_literal_path_with_glob_characters_and_symlink_loop(tmp_path):
    odd = tmp_path / "\u00fcn\u00ef [x]"
    odd.mkdir()
    (odd / "a b.jsonl").write_text('{"text": "x"}\n')
    files = core.expand_inputs([str(odd / "a b.jsonl")])
    assert files == [(str(odd / "a b.jsonl"), str(odd))]
    tree = tmp_path / "tree"
    (tree / "sub").mkdir(parents=True)
    (tree / "one.jsonl").write_text('{"text": "1"}\n')
    (tree / "sub" / "two.jsonl").write_text('{"text": "2"}\n')
    os.symlink(tree, tree / "sub" / "loop")
    files = core.expand_inputs([str(tree) + "/**/*.jsonl"])
    assert files == [(str(tree / "one.jsonl"), str(tree)), (str(tree / "sub" / "two.jsonl"), str(tree))]


@pytest.mark.parametrize("value, ok", [
    ("en", True), ("EN-us", True), ("en_GB", True), ("yue", True), ("und", True), ("English", True), ("  ", True),
    ("Deutsch", True), ("Español", True), ("中文", True),
    (12, False), (True, False), ("klingon-ish language", False), ("12", False), ("e", False), ("english!", False),
])
def test_recognisable_language(value, ok):
    assert core.recognisable_language(value) is ok


def test_unrecognised_input_language_is_unknown_and_flagged(tmp_path):
    (tmp_path / "l.jsonl").write_text("".join(json.dumps({"id": i, "language": lang, "text": "t"}) + "\n" for i, lang in
                                              [("a", 12), ("b", "klingon-ish language"), ("c", "en-GB"), ("d", None)]))
    arts, _ = read_all(tmp_path / "l.jsonl")
    assert [(a.article_id, a.language, a.language_unrecognised) for a in arts] == [
        ("a", None, True), ("b", None, True), ("c", "en-GB", False), ("d", None, False)]


def test_run_counts_unrecognised_languages_and_reads_json_documents(data, tmp_path, realnews, capsys):
    """One small run: a .json array of real RealNews articles with a bad language each, a CSV
    with a BOM, and an empty .txt: ids kept, languages detected and counted in report.json."""
    from tests.conftest import read, run_newsetl

    inputs = tmp_path / "in"
    inputs.mkdir()
    for record, lang in zip(realnews, (12, "klingon-ish language", "en")):
        record["language"] = lang
    (inputs / "a.json").write_text(json.dumps(realnews, indent=2))
    (inputs / "b.csv").write_bytes(codecs.BOM_UTF8 + b"id,title,text\nbom1,Caf\xe9,Zweite \xfcber alles\n")
    (inputs / "c.txt").write_bytes(b"")
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", inputs, "--output", out, "--progress-every", "0") == 0
    report = json.loads((out / "report.json").read_text())
    assert report["language_unrecognised"] == {"total": 2, "by_file": {str(inputs / "a.json"): 2}}
    assert report["records"]["in"] == 5 and report["records"]["rejected_by_reason"] == {"ingest:empty_file": 1}
    written = {a["article_id"] for a in read(out, "articles")}
    assert "bom1" in written and len(written) == 4
    languages = {(a["title"], a["language"], a["language_source"]) for a in read(out, "articles") if a["title"] in {r["title"] for r in realnews}}
    assert languages == {(realnews[0]["title"], "en", "fasttext"), (realnews[1]["title"], "en", "fasttext"), (realnews[2]["title"], "en", "input")}
    assert "  input languages not recognised (detected instead): 2 (a.json 2)" in capsys.readouterr().out.splitlines()


def test_inputs_of_unknown_format_only_fail_fast_mixed_inputs_do_not(data, tmp_path, capsys):
    """A glob, path or directory naming only files newsetl reads no format from is a usage error
    naming their extensions and the readable ones; mixed with known files they are read as
    before (a glob: an ``unknown_format`` Reject; a directory: passed over)."""
    from tests.conftest import run_newsetl

    realnews = data / "realnews-grover-samples"
    with pytest.raises(FileNotFoundError) as err:
        core.list_inputs([str(realnews / "*.md")])
    assert str(err.value).startswith(f"input {str(realnews / '*.md')!r} matches no file newsetl reads: 1 file(s) of unknown format (extension .md); newsetl reads .jsonl, .json, .ndjson, .csv")
    assert core.list_inputs([str(realnews / "*.md")], "text") == ([(str(realnews / "SOURCE.md"), str(realnews))], [])
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "a.xyz").write_bytes((realnews / "realnews_tiny.jsonl").read_bytes())
    (odd / "b.jsonl.xz").write_bytes(b"x")
    for pattern in (odd, odd / "*", odd / "a.xyz"):
        with pytest.raises(FileNotFoundError, match=r"matches no file newsetl reads: \d file\(s\) of unknown format \(extension \.xyz(, \.xz)?\); newsetl reads \.jsonl"):
            core.list_inputs([str(pattern)])
    (odd / "c.jsonl").write_bytes(b'{"text": "x"}\n')
    assert core.list_inputs([str(odd)]) == ([(str(odd / "c.jsonl"), str(odd))], [  # listed as skipped, not read
        {"path": str(odd / "a.xyz"), "reason": "unknown_format"}, {"path": str(odd / "b.jsonl.xz"), "reason": "unknown_format"}])
    assert [f for f, _ in core.list_inputs([str(odd / "*")])[0]] == [str(odd / n) for n in ("a.xyz", "b.jsonl.xz", "c.jsonl")]
    assert [r.reason for r in core.read_file(str(odd / "a.xyz"), str(odd), cfg())] == ["unknown_format"]
    assert run_newsetl("run", "--input", realnews / "*.jsonl", "--input", realnews / "*.md", "--output", tmp_path / "out") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("newsetl: error: input ") and "(extension .md)" in err[0]
    assert not (tmp_path / "out").exists()


def test_binary_jsonl_and_json_are_binary_content(data, tmp_path):
    """A gzip file named .jsonl or .json (real RealNews and a real gzipped page) is one
    ``binary_content`` Reject, as a binary .txt is, on both the whole-file and the chunked path;
    the real JSONL files are not binary."""
    realnews = (data / "realnews-grover-samples" / "realnews_tiny.jsonl").read_bytes()
    (tmp_path / "renamed.jsonl").write_bytes(gzip.compress(realnews, mtime=0))
    page = data / "scrapinghub-article-extraction-benchmark" / "html"
    (tmp_path / "page.json").write_bytes(sorted(page.glob("*.html.gz"))[0].read_bytes())
    for name in ("renamed.jsonl", "page.json"):
        arts, rejects = read_all(tmp_path / name)
        assert arts == [] and [(r.reason, r.source_record, r.byte_offset) for r in rejects] == [("binary_content", -1, 0)]
        assert rejects[0].detail.startswith("not text: ") and rejects[0].detail.endswith("of the first characters are NUL or control characters (bytes)")
        chunked = [i for chunk in jsonl.file_chunks(str(tmp_path / name), str(tmp_path), cfg(), chunk_bytes=4096)
                   for i in jsonl.parse(chunk, chunk.data, cfg())]
        assert chunked == rejects
    arts, rejects = read_all(data / "realnews-grover-samples" / "realnews_tiny.jsonl")
    assert len(arts) == 5 and rejects == []


@pytest.mark.parametrize("lead", [b"\n", b"\n\n  \t\r\n", codecs.BOM_UTF8 + b"\r\n", b"   ", codecs.BOM_UTF8 + b" \n \n"])
def test_json_document_after_blank_lines_white_space_or_bom(tmp_path, realnews, lead):
    """A pretty-printed object (or array) after blank lines, white space or a BOM is one document,
    not JSON Lines; JSON Lines after a blank line stay JSON Lines."""
    (tmp_path / "one.json").write_bytes(lead + json.dumps(realnews[1], indent=2).encode() + b"\n")
    arts, rejects = read_all(tmp_path / "one.json")
    assert rejects == [] and [(a.title, a.url, a.paragraphs, a.source_record) for a in arts] == [
        (realnews[1]["title"], realnews[1]["url"], core.split_paragraphs(realnews[1]["text"], cfg().paragraph_separator), 0)]
    assert jsonl.file_chunks(str(tmp_path / "one.json"), str(tmp_path), cfg()) is None  # read whole on the chunked path too
    (tmp_path / "array.json").write_bytes(lead + json.dumps(realnews, indent=2).encode())
    assert [a.title for a in read_all(tmp_path / "array.json")[0]] == [r["title"] for r in realnews]
    (tmp_path / "lines.json").write_bytes(lead + b"".join(json.dumps(r).encode() + b"\n" for r in realnews))
    arts, rejects = read_all(tmp_path / "lines.json")
    assert rejects == [] and [(a.title, a.source_record) for a in arts] == [(r["title"], n) for n, r in enumerate(realnews)]


def test_object_and_list_text_fields_give_a_string_or_bad_field(tmp_path, realnews):
    """Real RealNews records with WordPress-style ``{"rendered": ...}`` fields, scraper lists and
    objects where a string belongs: a well-defined string, or a ``bad_field`` dead letter that
    names the field; never a Python repr."""
    r = realnews[0]
    variants = [
        {**r, "id": "wp", "title": {"rendered": r["title"]}, "url": {"rendered": r["url"]},
         "text": {"rendered": r["text"], "protected": False}},
        {**r, "id": "one", "title": [r["title"]], "url": [None, r["url"]], "author": [" Ann Lee ", None, "", "Bo Wu"]},
        {**r, "id": "obj", "title": {"en": r["title"]}},
        {**r, "id": "two", "title": [r["title"], "Other headline"]},
        {**r, "id": "nested", "author": [{"name": "Ann Lee"}]},
        {**r, "id": "none", "title": [], "author": []},
        {**r, "id": "textobj", "text": {"body": r["text"]}},
    ]
    (tmp_path / "f.jsonl").write_text("".join(json.dumps(v) + "\n" for v in variants))
    arts, rejects = read_all(tmp_path / "f.jsonl")
    paragraphs = core.split_paragraphs(r["text"], cfg().paragraph_separator)
    assert [(a.article_id, a.title, a.url, a.domain, a.author, a.paragraphs == paragraphs) for a in arts] == [
        ("wp", r["title"], r["url"], core.domain_of(r["url"]), None, True),
        ("one", r["title"], r["url"], core.domain_of(r["url"]), "Ann Lee, Bo Wu", True),
        ("nested", r["title"], r["url"], core.domain_of(r["url"]), "Ann Lee", True),  # a schema.org-style author (session 10)
        ("none", None, r["url"], core.domain_of(r["url"]), None, True)]
    assert [(x.source_record, x.reason, x.detail) for x in rejects] == [
        (2, "bad_field", "title " + json.dumps({"en": r["title"]})[:80] + ' is an object without a "rendered" string; title must be a string'),
        (3, "bad_field", 'title ' + json.dumps([r["title"], "Other headline"])[:80] + ' is a list of 2 values; title must be one string'),
        (6, "missing_text", "'text' is an object, not text")]
    assert {type(x.reason) for x in rejects} == {str}


@pytest.fixture
def russian(data):
    """Real Russian paragraphs (the Wday.ru article of the Scrapinghub benchmark's ground truth)
    that cp1251 can encode."""
    truth = json.loads((data / "scrapinghub-article-extraction-benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    body = truth["3c6d3381ef52ca26be2fbde19c1b0fe17d85682b726dfecf5e300c1ca34546b1"]["articleBody"]
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    assert len(paragraphs) > 20
    return [p.encode("cp1251", errors="replace").decode("cp1251") for p in paragraphs]


def test_undeclared_cp1251_csv_and_jsonl_are_detected(tmp_path, russian, realnews):
    """CSV and JSON Lines in cp1251 (no encoding declared) decode as cp1251, not as windows-1252
    mojibake, with charset ``cp1251 (detected)``; their UTF-8 rows stay ``utf-8``; Western
    latin-1 rows keep the fallback; the chunked path gives the same articles."""
    rows = [("ru%d" % n, russian[n], russian[n + 1]) for n in range(0, 20, 2)]
    csv_bytes = b"id,title,text\n" + b"".join(f'{i},"{t}","{x}"\n'.encode("cp1251") for i, t, x in rows)
    csv_bytes += f'en,"{realnews[0]["title"]}",plain \u00e9t\u00e9\n'.encode()  # one UTF-8 row
    (tmp_path / "ru.csv").write_bytes(csv_bytes)
    arts, rejects = read_all(tmp_path / "ru.csv")
    assert rejects == [] and [(a.article_id, a.title, a.paragraphs, a.charset) for a in arts] == [
        (i, t, (x,), "cp1251 (detected)") for i, t, x in rows] + [("en", realnews[0]["title"], ("plain \u00e9t\u00e9",), "utf-8")]
    lines = [json.dumps({"id": i, "title": t, "text": x}, ensure_ascii=False).encode("cp1251") + b"\n" for i, t, x in rows]
    lines.insert(3, json.dumps({"id": "en", "title": "Caf\u00e9", "text": "x"}, ensure_ascii=False).encode() + b"\n")
    (tmp_path / "ru.jsonl").write_bytes(b"".join(lines))
    arts, rejects = read_all(tmp_path / "ru.jsonl")
    expected = [(i, t, (x,), "cp1251 (detected)") for i, t, x in rows]
    expected.insert(3, ("en", "Caf\u00e9", ("x",), "utf-8"))
    assert rejects == [] and [(a.article_id, a.title, a.paragraphs, a.charset) for a in arts] == expected
    chunked = [a for c in jsonl.file_chunks(str(tmp_path / "ru.jsonl"), str(tmp_path), cfg(), chunk_bytes=2048) for a in jsonl.parse(c, c.data, cfg())]
    assert chunked == arts
    western = [json.dumps({"id": "w", "text": "Caf\u00e9 cr\u00e8me, na\u00efve fa\u00e7ade \u2013 D\u00e9j\u00e0 vu. \u00dcber Stra\u00dfe."}, ensure_ascii=False).encode("cp1252")]
    (tmp_path / "w.jsonl").write_bytes(western[0] + b"\n")
    assert [a.charset for a in read_all(tmp_path / "w.jsonl")[0]] == ["windows-1252 (fallback)"]
    assert [a.charset for a in read_all(tmp_path / "ru.jsonl", encoding="cp1251")[0]][:3] == ["cp1251"] * 3  # declared: no detection


def test_run_with_binary_json_documents_bad_fields_and_cp1251_reconciles(data, tmp_path, realnews, russian):
    """One small run over a renamed .gz (.jsonl), a .json object after a blank line, WordPress
    and bad fields, and a cp1251 CSV: exit 0, the right rejects, and counts that reconcile."""
    from tests.conftest import read, run_newsetl

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "gz.jsonl").write_bytes(gzip.compress((data / "realnews-grover-samples" / "realnews_tiny.jsonl").read_bytes(), mtime=0))
    (inputs / "doc.json").write_bytes(b"\n" + json.dumps(realnews[0], indent=2).encode())
    (inputs / "wp.jsonl").write_text(json.dumps({**realnews[1], "title": {"rendered": realnews[1]["title"]}}) + "\n"
                                     + json.dumps({**realnews[2], "title": {"en": "x"}}) + "\n")
    (inputs / "ru.csv").write_bytes(f'id,title,text\nru,"{russian[0]}","{russian[1]}"\n'.encode("cp1251"))
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", inputs, "--output", out, "--progress-every", "0") == 0
    report = json.loads((out / "report.json").read_text())
    records = report["records"]
    assert records["in"] == 5 and records["rejected"] == 2
    assert records["rejected_by_reason"] == {"ingest:binary_content": 1, "ingest:bad_field": 1}
    assert records["in"] == records["articles_deduplicated"] + records["rejected"]
    articles = {a["article_id"]: a for a in read(out, "articles")}
    assert articles["ru"]["title"] == russian[0] and articles["ru"]["charset"] == "cp1251 (detected)"
    assert {a["title"] for a in articles.values()} == {realnews[0]["title"], realnews[1]["title"], russian[0]}
