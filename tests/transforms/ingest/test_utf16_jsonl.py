"""JSON Lines in UTF-16 or UTF-32 with a byte-order mark are read (converted to UTF-8 as read)."""
from __future__ import annotations

import codecs
import gzip

import pytest

from pipelines.config import config_from_dict
from transforms.ingest import core, jsonl
from transforms.records import Article, Reject

REALNEWS = ("realnews-grover-samples", "realnews_tiny.jsonl")


def _read(path, tmp_path):
    return list(core.read_file(str(path), str(tmp_path), config_from_dict({}).ingest))


@pytest.mark.parametrize("codec, bom", [("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
                                        ("utf-32-le", codecs.BOM_UTF32_LE)])
def test_utf16_and_utf32_json_lines_read_as_their_utf8_copy(data, tmp_path, codec, bom):
    """Trial 10 found them "binary_content: 50% ... NUL"; session 10 made them one reject saying to
    convert them; now they are read: the same articles as the UTF-8 file, charset the BOM's."""
    lines = (data / REALNEWS[0] / REALNEWS[1]).read_text(encoding="utf-8")
    (tmp_path / "u8").mkdir()
    plain = _read((tmp_path / "u8" / "a.jsonl").write_text(lines, encoding="utf-8") and tmp_path / "u8" / "a.jsonl", tmp_path / "u8")
    (tmp_path / "wide").mkdir()
    path = tmp_path / "wide" / "a.jsonl"
    path.write_bytes(bom + lines.encode(codec))
    wide = _read(path, tmp_path / "wide")
    assert all(isinstance(a, Article) for a in wide) and len(wide) == len(plain) == lines.count("\n")
    assert [a._replace(charset="utf-8", source_file="") for a in wide] == [a._replace(source_file="") for a in plain]
    assert {a.charset for a in wide} == {codec}
    assert "\ufeff" not in wide[0].article_id + (wide[0].title or "")


def test_utf16_gzip_chunked_equals_whole_and_offsets_count_utf8_bytes(data, tmp_path):
    """A .jsonl.gz in UTF-16-LE cut into small chunks (as on many workers) gives the same items
    as one reading; a bad line's reject has its record number and the offset of its UTF-8 copy."""
    lines = (data / REALNEWS[0] / REALNEWS[1]).read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "{not json}\n")
    text = "".join(lines)
    path = tmp_path / "a.jsonl.gz"
    path.write_bytes(gzip.compress(codecs.BOM_UTF16_LE + text.encode("utf-16-le")))
    cfg = config_from_dict({}).ingest
    whole = _read(path, tmp_path)
    parts = [item for chunk in jsonl.chunks(str(path), "a.jsonl.gz", "gzip", cfg, chunk_bytes=2000)
             for item in jsonl.parse(chunk, chunk.data, cfg)]
    assert parts == whole
    rejects = [r for r in whole if isinstance(r, Reject)]
    assert [(r.reason, r.source_record, r.byte_offset) for r in rejects] == [
        ("invalid_json", 3, 3 + len("".join(lines[:3]).encode("utf-8")))]  # 3: the UTF-8 BOM the mark became


def test_undecodable_utf16_ends_the_file_like_damage(tmp_path):
    """A lone surrogate half-way: the records before it are read, one reject stands for the rest."""
    good = "".join(f'{{"id": "a{i}", "text": "Paragraph number {i} of a UTF-16 file with enough words."}}\n' for i in range(3))
    path = tmp_path / "a.jsonl"
    path.write_bytes(codecs.BOM_UTF16_LE + good.encode("utf-16-le") + b"\x00\xd8" + '{"id": "z", "text": "after"}\n'.encode("utf-16-le"))
    items = _read(path, tmp_path)
    assert [a.article_id for a in items if isinstance(a, Article)] == ["a0", "a1", "a2"]
    assert [(r.reason, r.source_record) for r in items if isinstance(r, Reject)] == [("truncated_or_corrupt_file", 3)]
    assert "UnicodeDecodeError" in items[-1].detail


def test_byte_order_mark_wins_over_a_declared_encoding(tmp_path):
    """Review of session 11: with ``ingest.encoding: latin-1`` declared, the converted UTF-8 lines
    of a UTF-16 file were decoded as latin-1 ("cafÃ©")."""
    path = tmp_path / "a.jsonl"
    path.write_bytes(codecs.BOM_UTF16_LE + '{"id": "a", "text": "Un café à Zürich, avec assez de mots ici."}\n'.encode("utf-16-le"))
    items = list(core.read_file(str(path), str(tmp_path), config_from_dict({"ingest": {"encoding": "latin-1"}}).ingest))
    assert [(a.paragraphs, a.charset) for a in items] == [(("Un café à Zürich, avec assez de mots ici.",), "utf-16-le")]
