"""Spill files: round trip of plain payloads, atomic replacement by name, random-access rows and ragged arrays."""
from __future__ import annotations

import os

import numpy as np
import pytest

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



def test_rows_are_read_by_position_across_chunks(tmp_path):
    """read_rows gives the rows asked for, in the order asked (repeats too), from any chunk;
    a position past the end raises IndexError."""
    rows = [(i, f"article {i}", ("d.example", i % 3)) for i in range(150)]
    path = spill.write_rows(str(tmp_path), "r", rows, chunk=64)
    assert path == spill.rows_path(str(tmp_path), "r") and path.endswith("r.rows")
    assert spill.read_rows(path, [149, 0, 64, 63, 5, 5]) == [rows[149], rows[0], rows[64], rows[63], rows[5], rows[5]]
    assert spill.read_rows(path, []) == []
    assert spill.read_rows(spill.write_rows(str(tmp_path), "one", rows, chunk=1), [7, 3]) == [rows[7], rows[3]]
    with pytest.raises(IndexError):
        spill.read_rows(path, [150])
    with pytest.raises(IndexError):
        spill.read_rows(path, [192])  # past the last chunk


def test_ragged_rows_are_read_by_position(tmp_path):
    """read_ragged concatenates the rows asked for, in that order, with their offsets; empty rows
    and an empty selection give empty arrays."""
    values = np.arange(30, dtype="<u4")
    path = spill.write_ragged(str(tmp_path), "s", values, np.array([0, 3, 3, 10, 30]))
    got, offsets = spill.read_ragged(path, np.array([3, 0, 1, 2]), "<u4")
    assert got.tolist() == list(range(10, 30)) + [0, 1, 2] + list(range(3, 10)) and offsets.tolist() == [0, 20, 23, 23, 30]
    got, offsets = spill.read_ragged(path, np.array([], dtype=np.int64), "<u4")
    assert got.tolist() == [] and offsets.tolist() == [0]
    empty = spill.write_ragged(str(tmp_path), "e", np.zeros(0, "<u4"), np.zeros(3, np.int64))
    got, offsets = spill.read_ragged(empty, np.array([1, 0]), "<u4")
    assert got.tolist() == [] and offsets.tolist() == [0, 0, 0]
    with pytest.raises(IndexError):
        spill.read_ragged(empty, np.array([2]), "<u4")
