"""JSON Lines in UTF-16 or UTF-32 with a byte-order mark: one reject that says to convert them."""
from __future__ import annotations

import codecs

import pytest

from pipelines.config import config_from_dict
from transforms.ingest import core


@pytest.mark.parametrize("codec, bom, named", [("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16-LE"),
                                               ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16-BE"),
                                               ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32-LE")])
def test_utf16_json_lines_are_one_reject_that_says_to_convert(data, tmp_path, codec, bom, named):
    """Trial 10: UTF-16 JSON Lines with a byte-order mark were "binary_content: 50% ... NUL"."""
    lines = (data / "realnews-grover-samples" / "realnews_tiny.jsonl").read_text(encoding="utf-8")
    path = tmp_path / "wide.jsonl"
    path.write_bytes(bom + lines.encode(codec))
    items = list(core.read_file(str(path), str(tmp_path), config_from_dict({}).ingest))
    assert [(r.reason, r.source_record, r.detail) for r in items] == [
        ("utf16_or_utf32", -1, f"{named} text (byte-order mark {bom.hex(' ').upper()}): JSON Lines are read as UTF-8 or an "
                               f"ASCII-compatible charset; convert the file to UTF-8 (iconv -f {named} -t UTF-8)")]
    assert items[0].excerpt == lines[:len(items[0].excerpt)] and len(items[0].excerpt) > 100
