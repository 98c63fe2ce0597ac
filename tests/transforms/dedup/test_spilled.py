"""Dedup payloads kept in spill files (transforms/dedup/spilled.py): what crosses the shuffle
is a small reference, and reading it back gives the payload the shuffle used to carry."""
from __future__ import annotations

import os
import pickle

import pytest

from pipelines.config import load_config
from tests.conftest import ROOT
from transforms import spill
from transforms.dedup import core, spilled
from transforms.records import Article

CFG = load_config(None)


def _article(aid: str, paragraphs: tuple[str, ...], n: int) -> Article:
    return Article(aid, None, "site.example", None, n, None, None, paragraphs, "utf-8", "f", n)


def _fingerprint(article: Article):
    _, pending = core.dedup_within(article, CFG.clean, CFG.dedup)
    return core.article_fingerprint(pending), core.order_rank(article, "earliest", ())


def test_copy_maps_read_the_forms_of_exact_copies_only(tmp_path):
    body = [p for p in (ROOT / "samples" / "000_56aaff5fb1689b7e.txt").read_text(encoding="utf-8").split("\n\n")[1:6]]
    original = _article("orig", tuple(body), 1)
    # the same words with other paragraph breaks: paragraphs 1+2 joined, 4 split in two
    words = body[3].split()
    copy = _article("copy", (body[0] + " " + body[1], body[2], " ".join(words[:10]), " ".join(words[10:]), body[4]), 2)
    other = _article("other", ("A different story about the weather in the mountains this weekend.",), 3)
    (key_o, forms_o), rank_o = _fingerprint(original)
    (key_c, forms_c), rank_c = _fingerprint(copy)
    (key_x, forms_x), rank_x = _fingerprint(other)
    assert key_o == key_c != key_x and forms_o != forms_c
    # two batches: the copy comes first in its batch, the original second in another
    rows = {name: spilled.forms_row(a.article_id, core.dedup_within(a, CFG.clean, CFG.dedup)[1]) for name, a in
            (("c", copy), ("x", other), ("o", original))}
    assert spilled.row_forms(rows["c"]) == forms_c and spilled.row_forms(rows["o"]) == forms_o
    assert spilled.write_forms(str(tmp_path), "b1", [rows["c"], rows["x"]]) == str(tmp_path / "forms-b1.rows")
    spilled.write_forms(str(tmp_path), "b2", [rows["x"], rows["o"]])
    maps = spilled.copy_maps([(rank_c, "copy", "b1", 0), (rank_o, "orig", "b2", 1)], str(tmp_path), CFG.dedup)
    expected = {i: (f"orig/{j}", sim) for i, j, sim in core.align_exact_article(forms_o, forms_c, CFG.dedup)}
    assert maps == [("b2", ("b1", "copy", "orig", expected))]  # keyed by the original's batch
    # joined paragraphs 1+2 map to the original's 2 (171 characters: the longer overlap); the split ones to 4
    assert expected == {1: ("orig/2", 0.479167), 2: ("orig/3", 1.0), 3: ("orig/4", 0.24), 4: ("orig/4", 0.6), 5: ("orig/5", 1.0)}
    # a single member reads nothing (the forms file of a missing directory would raise)
    assert spilled.copy_maps([(rank_x, "other", "b9", 0)], str(tmp_path / "absent"), CFG.dedup) == []
    # one exact partition's batches, each a list of (text key, member): only keys met twice are aligned,
    # whatever the order of the batches
    b1 = [(key_c, (rank_c, "copy", "b1", 0)), (key_x, (rank_x, "other", "b1", 1))]
    b2 = [(key_o, (rank_o, "orig", "b2", 1))]
    for lists in ([b1, b2], [b2, b1]):
        assert spilled.partition_copy_maps(lists, str(tmp_path), CFG.dedup) == [("b2", ("b1", "copy", "orig", expected))]
    assert spilled.partition_copy_maps([b1[1:], [(key_x, (rank_x, "x2", "b9", 0))][:0]], str(tmp_path / "absent"), CFG.dedup) == []


def test_a_copy_follows_its_originals_exact_duplicates(tmp_path):
    """Trial 11, finding 5: the copy's paragraphs mapped to an original paragraph that is itself
    an exact duplicate (of an earlier release here) name what that paragraph names; a kept or
    near-duplicate original paragraph stays the pointer. The original's decisions are read from
    its batch's spilled across-article decisions only when the batch has copies."""
    d = str(tmp_path)
    refs = spilled.spill_decisions(d, 3, [("b2", [
        ("orig", (1, "duplicate_across", "exact", "NEWID9/1", "NEWID9/1", 1.0, "2026-11-29")),
        ("orig", (2, "kept", None, None, None, None, None)),
        ("orig", (4, "duplicate_across", "near", "x/3", "x/3", 0.91, None)),
        ("other", (1, "duplicate_across", "exact", "y/1", "y/1", 1.0, None))])])
    copy_map = {1: ("orig/1", 0.479167), 2: ("orig/2", 1.0), 3: ("orig/4", 0.24), 4: ("orig/5", 1.0)}
    assert spilled.follow_copies([("b1", "copy", "orig", copy_map)], [r for _, r in refs]) == [("b1", ("copy", {
        1: ("NEWID9/1", 0.479167, "2026-11-29"), 2: ("orig/2", 1.0, None), 3: ("orig/4", 0.24, None),
        4: ("orig/5", 1.0, None)}))]  # 5: no across decision (a symbol line, a title ...): as it was
    assert spilled.follow_copies([], [(str(tmp_path / "absent.rows"), 0)]) == []  # nothing to follow: nothing read


def test_spill_decisions_round_trip_one_file_per_partition(tmp_path):
    d = str(tmp_path)
    lists = [("b1", [("a1", (1, "kept", None, None, None, None, None))]),
             ("b2", [("a7", (2, "duplicate_across", "exact", "c9", "a1/1", 1.0, None)), ("a8", (0, "title", None, None, None, None, None))]),
             ("b1", [("a2", (3, "boilerplate", "domains", None, None, None, None))])]
    refs = spilled.spill_decisions(d, 5, lists)
    path = os.path.join(d, "decisions-5.rows")
    assert refs == [("b1", (path, 0)), ("b2", (path, 1)), ("b1", (path, 2))]
    other = spilled.spill_decisions(d, 6, [("b2", [("a9", (1, "kept", None, None, None, None, None))])])
    # any order, several files: each reference gives its batch's list back
    mixed = [other[0][1], refs[2][1], refs[0][1], refs[1][1]]
    assert spilled.read_refs(mixed) == [[("a9", (1, "kept", None, None, None, None, None))], lists[2][1], lists[0][1], lists[1][1]]
    assert spilled.spill_decisions(d, 7, []) == [] and not os.path.exists(os.path.join(d, "decisions-7.rows"))
    # one row a chunk: reading row 1 unpickles that row only
    with open(path, "rb") as f:
        assert int.from_bytes(f.read(8), "little") == 1
    assert len(pickle.dumps(refs[1], protocol=5)) < 120  # what crosses the shuffle: a path and a row
    with pytest.raises(IndexError):
        spilled.read_refs([(path, 3)])
