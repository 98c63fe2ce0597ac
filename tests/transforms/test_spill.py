"""Spill files: round trip of plain payloads, atomic replacement by name."""
from __future__ import annotations

import os

from transforms import spill
from transforms.records import Article, from_wire, to_wire


def test_round_trip_and_same_name_replaces(tmp_path):
    article = Article("a1", "https://x.test/a", "x.test", "Title", 1_700_000_000_000_000, "en", None,
                      ("First paragraph.", "Second, with ü."), "utf-8", "in.jsonl", 3, rule_drops=((1, "ad_marker"),),
                      capture=(5, "ab"))
    directory = spill.spill_dir(str(tmp_path))
    path = spill.write(directory, "read-1", [to_wire(article)])
    assert path == os.path.join(str(tmp_path), "_spill", "read-1.pkl")
    assert [from_wire(Article, w) for w in spill.read(path)] == [article]
    assert spill.write(directory, "read-1", ("other",)) == path  # a retried bundle rewrites its file
    assert spill.read(path) == ("other",)
    assert sorted(os.listdir(directory)) == ["read-1.pkl"]  # no temporary file left behind


def test_content_named_bytes(tmp_path):
    directory = str(tmp_path)
    a = spill.write_content(directory, "rows-paragraphs", b"record batch A")
    b = spill.write_content(directory, "rows-paragraphs", b"record batch B")
    assert a != b and os.path.basename(a).startswith("rows-paragraphs-") and len(os.path.basename(a)) == len("rows-paragraphs-") + 32
    assert spill.write_content(directory, "rows-paragraphs", b"record batch A") == a  # same content, same file
    assert (spill.read_bytes(a), spill.read_bytes(b)) == (b"record batch A", b"record batch B")

