"""JSONL chunks: the cut into whole lines and the parse of each chunk (pure, no Beam)."""
from __future__ import annotations

import codecs
import gzip
import io
import json
import random
import re

import pytest
import zstandard

from pipelines.config import config_from_dict
from tests.conftest import ROOT
from transforms.ingest import core, jsonl, textfile
from transforms.records import Article, Reject

SAMPLE = ROOT / "samples" / "reuters-sample.jsonl.gz"
CFG = config_from_dict({}).ingest


def _reference_count(data: bytes, number: int) -> int:
    """Records after ``data``, counted line by line with the rules of :func:`jsonl.parse`."""
    for raw in io.BytesIO(data):
        if number == -1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        if raw.rstrip(b"\r\n").strip():
            number += 1
    return number


def _damaged_lines() -> list[bytes]:
    """The sample's 320 real records with a BOM, CRLF endings, blank and bad lines mixed in."""
    lines = gzip.decompress(SAMPLE.read_bytes()).split(b"\n")[:-1]
    out = [b"", b" \t", codecs.BOM_UTF8 + lines[0]]  # blank lines, then the BOM on the first record
    bad = [b"{not json", b"[1, 2]", b'{"id": "t", "title": "no text"}', b"\x0c", b"\r", b""]
    for i, line in enumerate(lines[1:]):
        if i % 40 == 5:
            out.append(bad[(i // 40) % len(bad)])
        out.append(line + b"\r" if i % 3 == 0 else line)
    return out


def test_count_records_equals_the_line_by_line_count_on_real_lines():
    data = b"\n".join(_damaged_lines()) + b"\n  \n" + b'{"cut'
    rng = random.Random(6)
    cuts = sorted(rng.sample(range(1, len(data)), 60))
    for a, b in zip([0] + cuts, cuts + [len(data)]):
        number = _reference_count(data[:a], -1)
        assert jsonl.count_records(data[a:b], number) == _reference_count(data[a:b], number), (a, b)
    # numbered from 0: the 320 records, the 5 bad lines that are not blank and the cut last line
    assert jsonl.count_records(data, -1) == _reference_count(data, -1) == 320 + 5 + 1 - 1
    assert jsonl.count_records(b" \n\xef\xbb\xbf\n\r\n", -1) == -1  # nothing but blank lines and a BOM
    assert jsonl.count_records(b"\n\n", 4) == 4 and jsonl.count_records(b"x", 4) == 5


def _items(path, chunk_bytes=None, **ingest):
    cfg = config_from_dict({"ingest": ingest}).ingest
    out = []
    for chunk in jsonl.chunks(str(path), path.name, core.detect_format(str(path))[1], cfg, chunk_bytes):
        out.extend(jsonl.parse(chunk, chunk.data, cfg))
    return out


@pytest.mark.parametrize("name", ["d.jsonl", "d.jsonl.gz", "d.jsonl.zst"])
def test_chunks_parse_like_one_pass_and_account_for_every_byte(tmp_path, name):
    data = b"\n".join(_damaged_lines())
    path = tmp_path / name
    path.write_bytes({"d.jsonl": data, "d.jsonl.gz": gzip.compress(data),
                      "d.jsonl.zst": zstandard.ZstdCompressor().compress(data)}[name])
    whole = _items(path, chunk_bytes=1 << 30)  # one chunk: a reading from the start
    arts, rejects = [i for i in whole if isinstance(i, Article)], [i for i in whole if isinstance(i, Reject)]
    assert len(arts) == 320 and [a.source_record for a in arts][:7] == [0, 1, 2, 3, 4, 5, 7]  # record 6: a bad line
    assert [(r.source_record, r.reason) for r in rejects] == [
        (6, "invalid_json"), (47, "not_an_object"), (88, "missing_text"), (249, "invalid_json"), (290, "not_an_object")]
    lines = data.split(b"\n")
    assert rejects[0].byte_offset == sum(len(x) + 1 for x in lines[: lines.index(b"{not json")])
    for chunk_bytes in (1, 5000, 65536, 100_003):
        pieces = list(jsonl.chunks(str(path), name, core.detect_format(str(path))[1], CFG, chunk_bytes))
        assert [c.last for c in pieces] == [False] * (len(pieces) - 1) + [True]
        assert sum(c.source_bytes for c in pieces) == path.stat().st_size
        assert all(len(c.data) >= chunk_bytes for c in pieces[:-1]) and all(c.data.endswith(b"\n") for c in pieces[:-1])
        assert [c.offset for c in pieces] == [sum(len(p.data) for p in pieces[:i]) for i in range(len(pieces))]
        shuffled = list(reversed(pieces))  # each chunk parses alone, in any order
        parsed = [item for c in shuffled for item in jsonl.parse(c, c.data, CFG)]
        assert sorted(parsed, key=lambda i: i.source_record) == whole, chunk_bytes


@pytest.mark.parametrize("limit", [None, 150_000])
def test_damage_and_size_limit_reject_the_cut_line_whatever_the_chunk_size(tmp_path, limit):
    data = gzip.decompress(SAMPLE.read_bytes())
    packed = gzip.compress(data, mtime=0)
    path = tmp_path / "t.jsonl.gz"
    path.write_bytes(packed[: len(packed) * 2 // 3] if limit is None else packed)
    ingest = {} if limit is None else {"max_decompressed_bytes": limit}
    seen = {chunk_bytes: _items(path, chunk_bytes, **ingest) for chunk_bytes in (1, 20_000, 1 << 30)}
    items = seen[1 << 30]
    assert all(v == items for v in seen.values())
    *arts, last = items
    assert all(isinstance(a, Article) for a in arts) and [a.source_record for a in arts] == list(range(len(arts)))
    complete = sum(len(line) + 1 for line in data.split(b"\n")[: len(arts)])  # the lines read before the damage
    reason = "truncated_or_corrupt_file" if limit is None else "decompressed_too_large"
    assert (last.source_record, last.byte_offset, last.reason) == (len(arts), complete, reason)
    assert (len(arts), complete) == ((230, 233161) if limit is None else (133, 130323))  # as read line by line before chunks


def _cp1251_file(data, path, english: list[bytes]) -> tuple[str, str]:
    """A JSONL file of real Russian articles (Scrapinghub benchmark) in cp1251 without a
    declared encoding: one long record, the English lines, then one short record whose line
    alone charset-normalizer calls mac-cyrillic."""
    truth = json.loads((data / "scrapinghub-article-extraction-benchmark" / "ground-truth.json").read_text(encoding="utf-8"))
    long = next(v["articleBody"] for v in truth.values() if "vse-diety" in v["url"])
    short = next(v["articleBody"] for v in truth.values() if "gto-normativy" in v["url"])[:50]
    lines = [json.dumps({"title": "Диета", "text": long}, ensure_ascii=False).encode("cp1251"), *english,
             json.dumps({"title": "Новости", "text": short}, ensure_ascii=False).encode("cp1251")]
    path.write_bytes(b"\n".join(lines) + b"\n")
    return long, short


def test_charset_is_detected_once_a_file_not_once_a_chunk(data, tmp_path):
    """Chunks of 20 kB: the last one holds only the short Russian record; asked alone it was
    mac-cyrillic (mojibake), now every chunk takes the file's codec, cp1251, as one chunk does."""
    english = gzip.decompress(SAMPLE.read_bytes()).split(b"\n")[:60]
    long, short = _cp1251_file(data, tmp_path / "ru.jsonl", english)
    assert textfile.lines_codec([(tmp_path / "ru.jsonl").read_bytes().splitlines()[-1]], "windows-1252") == "mac-cyrillic"
    for chunk_bytes in (20_000, 1 << 30):
        pieces = list(jsonl.chunks(str(tmp_path / "ru.jsonl"), "ru.jsonl", None, CFG, chunk_bytes))
        assert len(pieces) == (3 if chunk_bytes == 20_000 else 1)
        assert [c.codec for c in pieces] == ["cp1251"] * len(pieces)
        items = [i for c in pieces for i in jsonl.parse(c, c.data, CFG)]
        assert len(items) == 62 and all(isinstance(i, Article) for i in items)
        assert ("\n\n".join(items[0].paragraphs), items[0].charset) == (long.strip(), "cp1251 (detected)")
        assert (items[-1].title, items[-1].paragraphs, items[-1].charset) == ("Новости", (short.strip(),), "cp1251 (detected)")
        assert {i.charset for i in items[1:-1]} == {"utf-8"}
    last = list(jsonl.chunks(str(tmp_path / "ru.jsonl"), "ru.jsonl", None, CFG, 20_000))[-1]
    alone = list(jsonl.parse(last._replace(codec=None), last.data, CFG))  # the last chunk asked alone (before)
    assert alone[-1].charset == "mac-cyrillic (detected)" and alone[-1].paragraphs != (short,)
    utf8 = list(jsonl.chunks(str(SAMPLE), SAMPLE.name, "gzip", CFG, 20_000))
    assert len(utf8) > 3 and {c.codec for c in utf8} == {None}  # nothing to decide


@pytest.mark.parametrize("name", ["b.jsonl", "b.jsonl.gz"])
def test_a_file_binary_after_its_first_64_kib_keeps_the_records_before(tmp_path, name):
    """200 kB of the real sample, then a line cut by 300 kB of random bytes (a dump concatenated
    with an image, say): the 201 records before are read and one ``binary_content`` Reject stands
    for the rest (it was a Reject for each "line" of the random bytes, invalid_json or
    undecodable), whatever the chunk size; the first 64 KiB alone decide a binary file."""
    lines = gzip.decompress(SAMPLE.read_bytes())[:200_000]
    good = lines[: lines.rfind(b"\n") + 1]
    data = good + b'{"id": "half", "te' + random.Random(1).randbytes(300_000)
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    for chunk_bytes in (20_000, 65_536, 1 << 30):
        items = _items(tmp_path / name, chunk_bytes)
        *arts, last = items
        assert len(arts) == 201 and all(isinstance(a, Article) for a in arts), chunk_bytes
        assert (last.source_record, last.byte_offset, last.reason) == (201, len(good), "binary_content")
        assert re.match(r"not text from here on: [89]% of a [0-9,]+-byte read are NUL or control characters; the records before", last.detail)
        assert last.excerpt.startswith('{"id": "half", "te\\x')
    assert jsonl.binary_share(b"\x00" + b"x" * 99) == 1 / 4096 and jsonl.binary_share(b"\x00\x01" * 4096) == 1.0
    assert jsonl.binary_share("tab\t, line\r\n, form feed\x0c, escape\x1b".encode()) == 0
