"""Pure functions of the release index (no Beam)."""
from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.config import config_from_dict
from transforms.dedup import index, minhash
from transforms.records import Article, ParagraphDecision, replace_fields

CFG = config_from_dict({}).dedup
TEXT = ("The central bank raised its benchmark interest rate by a quarter point on Tuesday, "
        "citing persistent inflation in services and a tight labour market.")

LONGER = ("Officials said further increases would depend on the data, and markets expect rates to remain "
          "on hold for the rest of the year while wage growth slows and energy prices fall back.")


def _article(aid="a1", published_us=5):
    return Article(aid, None, "example.com", "A title", published_us, None, None, (TEXT, "Short one.", "***"), "utf-8", "f", 0)


def test_index_rows_match_the_candidates_dedup_used(tmp_path):
    from transforms.dedup import batch, core

    article, other = _article(), _article("a2", 7)
    decisions = [ParagraphDecision("a1", 0, "A title", "title"), ParagraphDecision("a1", 1, TEXT, "kept"),
                 ParagraphDecision("a1", 2, "Short one.", "duplicate_across", "exact", None, "b/1", 1.0),
                 ParagraphDecision("a1", 3, "***", "kept")]
    short = [ParagraphDecision("a2", 2, "Short one.", "kept"),  # shorter than a shingle: exact path, no band hashes
             ParagraphDecision("a2", 3, "AP --", "kept", "no_matching_text")]  # a bare dateline: never compared
    rb = index.index_batch([(article, decisions, None), (other, short, None)], CFG)  # one batch of two articles
    assert rb.schema == index.INDEX_SCHEMA
    rows = rb.to_pylist()
    assert [r["paragraph_id"] for r in rows] == ["a1/1", "a1/3", "a2/2"]  # title, duplicates, bare datelines: not indexed
    # a symbol line is indexed by the exact key of its symbol form, as the dedup stage keys it
    assert (rows[1]["form"], rows[1]["exact_key"], rows[1]["band_hashes"]) == ("", core.exact_key("***"), [])
    rows = [rows[0], rows[2]]
    _, pending = core.dedup_within(article, config_from_dict({}).clean, CFG)
    (cand,) = [c for c in core.with_band_keys(core.make_candidates(article, pending, core.order_rank(article, "earliest", ()), CFG), CFG) if c.index == 1]
    assert len(rows[0]["band_hashes"]) == 21 and json.loads(rows[0]["order_key"]) == [0, 5, "a1", 1]
    assert rows[1]["band_hashes"] == [] and rows[1]["form"] == "short one"
    assert rows[0]["exact_key"] == cand.exact_key and rows[1]["status"] == "kept"
    # The stored hashes are the batched LSH's band hashes of the paragraph's signature.
    sig = minhash.signatures([np.frombuffer(cand.shingles, dtype="<u4")], CFG.num_perm, CFG.seed)
    assert rows[0]["band_hashes"] == batch.band_hashes(sig, CFG.bands, CFG.rows)[0].tolist()
    path = tmp_path / "index.parquet"
    pq.write_table(pa.Table.from_batches([rb]), path)
    back, back_symbol, back_short = index.read_candidates(str(path), 3, CFG, batch_rows=1)  # through Parquet, as a later run reads it
    (symbol_key,) = [key for i, key, _, _ in pending if i == 3]  # the symbol line's key in the dedup stage
    assert (back_symbol.exact_key, back_symbol.shingles, back_symbol.band_keys, back_symbol.index) == (symbol_key, b"", b"", 3)
    assert (back.exact_key, back.shingles, back.band_keys) == (cand.exact_key, cand.shingles, cand.band_keys)
    assert back.order == (float("-inf"), 3, 0, 5, "a1", 1) and back.article_id == index.release_article_id(3, "a1")
    assert (back_short.shingles, back_short.band_keys, back_short.order[-3:]) == (b"", b"", (7, "a2", 2))


def test_earlier_release_nodes_are_banded_from_their_stored_hashes(monkeypatch):
    """A group node that carries stored band hashes gets no signature; the partitions (and so
    the candidate pairs) are the ones computed from its shingles."""
    from transforms.dedup import batch, core

    long = TEXT + " " + LONGER
    texts = [long, long.replace("Tuesday", "Wednesday"), long.replace("remain", "stay"), LONGER]
    sets = batch.shingle_sets([core.matching_form(t) for t in texts], CFG)
    keys = minhash.band_keys(minhash.signatures(sets, CFG.num_perm, CFG.seed), CFG.bands, CFG.rows)
    values, offsets = np.concatenate(sets), batch.offsets_of([len(s) for s in sets])
    stored = [k if i < 2 else b"" for i, k in enumerate(keys)]
    bands, band_offsets = np.frombuffer(b"".join(stored), dtype="<u8"), batch.offsets_of([len(k) // 8 for k in stored])
    rows = []
    real = minhash.signatures_flat
    monkeypatch.setattr(minhash, "signatures_flat", lambda v, off, *a: rows.append(len(off) - 1) or real(v, off, *a))
    expected = batch.node_band_hashes(values, offsets, np.zeros(0, np.uint64), np.zeros(5, np.int64), CFG)
    assert rows == [4]
    got = batch.node_band_hashes(values, offsets, bands, band_offsets, CFG)
    assert rows == [4, 2]  # only the two nodes without stored hashes
    assert (got == expected).all() and expected.tobytes() == b"".join(keys)
    locs = np.arange(4, dtype=np.int64)
    edges = [e for _, h, o in batch.lsh_entries(got, 3)
             for e in batch.verify_entries(np.frombuffer(h, "<u8"), locs[np.frombuffer(o, "<i4")],
                                           lambda ls: batch.take_ragged(values, offsets, ls), None, CFG)]
    assert sorted({(a, b) for a, b, _ in edges}) == [(0, 1), (0, 2)]


def test_exact_article_copies_stay_in_the_index():
    kept = ParagraphDecision("a1", 1, TEXT, "duplicate_across", "exact_article", None, "b/1", 0.9)
    near = ParagraphDecision("a1", 1, TEXT, "duplicate_across", "near", None, "b/1", 0.9)
    plain = ParagraphDecision("a1", 2, TEXT, "kept")
    title = ParagraphDecision("a1", 0, "A title", "kept")
    unmatchable = ParagraphDecision("a1", 3, "LONDON (Reuters) -", "kept", "no_matching_text")
    gone = ParagraphDecision("a1", 4, TEXT, "duplicate_article", "duplicate_article_id")
    symbol = ParagraphDecision("a1", 5, "* * *", "kept")
    ds = [kept, near, plain, title, unmatchable, gone, symbol]
    got = index.in_index(*(pa.array([getattr(d, f) for d in ds]) for f in ("index", "status", "reason")))
    assert got.to_pylist() == [True, False, True, False, False, True, True]


def test_release_ids_round_trip_and_decisions_are_routed():
    rid = index.release_article_id(1, "NEWID7")
    assert index.split_release_id(rid) == (1, "NEWID7") and index.split_release_id("NEWID7") == (None, "NEWID7")
    names = ("2026-01-01", "2026-01-02")
    new = ("x", (3, "duplicate_across", "near", f"{rid}/2", f"{rid}/2", 0.91))
    assert index.separate(new, names) == ("new", ("x", (3, "duplicate_across", "near", "NEWID7/2", "NEWID7/2", 0.91, "2026-01-02")))
    assert index.separate((rid, (2, "kept", None, f"{rid}/2", None, None)), names) is None
    assert index.separate((rid, (2, "boilerplate", "site_template", "y/1", None, None)), names) == (
        "boilerplate", ("2026-01-02", "NEWID7/2", "y/1"))
    own = ("x", (1, "kept", None, None, None, None))
    assert index.separate(own, names) == ("new", ("x", (1, "kept", None, None, None, None, None)))


def _release(tmp_path, params, success=True):
    rel = tmp_path / "rel"
    (rel / "index").mkdir(parents=True)
    (rel / "index" / "part-00000-of-00001.parquet").write_bytes(b"")
    (rel / "report.json").write_text(json.dumps({"index": {"release": "day-1", "params": params}}))
    if success:
        (rel / "_SUCCESS").write_text(json.dumps({"files": [], "documents": []}))  # lists nothing: nothing to verify
    return rel


def test_check_release_names_what_differs(tmp_path):
    params = index.index_params(CFG)
    assert index.check_release(str(_release(tmp_path, params)), CFG) == "day-1"
    other = config_from_dict({"dedup": {"num_perm": 64, "bands": 10}}).dedup
    with pytest.raises(index.IndexMismatch) as err:
        index.check_release(str(tmp_path / "rel"), other)
    assert str(err.value) == f"--dedup-against {tmp_path / 'rel'}: built with num_perm 128 (this run: 64), bands 21 (this run: 10)"


def test_check_release_refuses_unfinished_and_old_releases(tmp_path):
    rel = _release(tmp_path, index.index_params(CFG), success=False)
    with pytest.raises(index.IndexMismatch, match="no _SUCCESS"):
        index.check_release(str(rel), CFG)
    (rel / "_SUCCESS").write_text("{}")
    (rel / "report.json").write_text("{}")
    with pytest.raises(index.IndexMismatch, match="has no paragraph index"):
        index.check_release(str(rel), CFG)


def test_an_index_of_the_old_hash_scheme_is_refused(tmp_path):
    old = {**index.index_params(CFG), "hash_scheme": "sha1-32 shingle hashes; datasketch affine32 MinHash; band key = band index + xxh64 of rows"}
    with pytest.raises(index.IndexMismatch) as err:
        index.check_release(str(_release(tmp_path, old)), CFG)
    assert str(err.value) == (f"--dedup-against {tmp_path / 'rel'}: its index was built with hash scheme {old['hash_scheme']!r}, "
                              f"this newsetl uses {index.HASH_SCHEME!r}; rebuild that release with this newsetl")


def _bbc_articles(data, n=40):
    """n BBC business articles, then a later copy of the first three on another site (exact
    groups of two members, the copy not their representative) and an article whose only
    matchable paragraph is short (no band hashes)."""
    out = []
    for k, path in enumerate(sorted((data / "bbc-news-fulltext" / "bbc" / "business").glob("*.txt"))[:n]):
        title, *body = [p.strip() for p in path.read_text(encoding="latin-1").split("\n\n") if p.strip()]
        out.append(Article(f"bbc{k}", None, "bbc.example", title, k, None, None, tuple(body), "utf-8", path.name, 0))
    out += [replace_fields(a, article_id=f"copy{a.article_id}", domain="copy.example", published_us=1000 + k)
            for k, a in enumerate(out[:3])]
    out.append(Article("short", None, "x.example", None, 2000, None, None, ("Markets closed.", "***"), "utf-8", "f", 0))
    return out


def test_index_rows_from_the_dedup_stage_equal_the_recomputed_ones(data, tmp_path, monkeypatch):
    """The index takes forms from the forms file and band hashes from the band stores (no
    signature computed); the rows equal those recomputed from the text, byte for byte."""
    from transforms.dedup import batch, core, exact, spilled

    clean = config_from_dict({}).clean
    articles = _bbc_articles(data)
    results = batch.dedup_within_batch(articles, clean, CFG)
    pendings = [pending for _, pending in results]
    ranks = [core.order_rank(a, CFG.keep_order, CFG.source_priority) for a in articles]
    across, partitions = {}, 3
    for p, payload in exact.pending_rows("b1", articles, pendings, ranks, partitions):  # as GroupPartitionFn does
        part = exact.build_groups([payload])
        rows, shingles, s_off, bands, b_off = exact.bandable_store(part)
        spilled.write_band_store(str(tmp_path), p, b"".join(r[0] for r in rows),
                                 batch.node_band_hashes(shingles, s_off, bands, b_off, CFG))
        for aid, decision in exact.member_decisions(part, {}, {}, CFG, tail=(None,))["b1"]:
            across.setdefault(aid, []).append(decision)
    items = [(a, *core.assemble(a, within, sorted(across.get(a.article_id, ())), CFG)) for a, (within, _) in zip(articles, results)]
    # whole_article_action: drop turns a kept symbol line ("***": pending, form '', its symbol key) into duplicate_article
    short, decisions, dup = items[-1]
    items[-1] = (short, [d._replace(status="duplicate_article", reason="whole_article_duplicate") if d.index == 2 else d
                         for d in decisions], dup)
    # as DecideWithinBatchFn writes them: a row per article with pending paragraphs
    path = spilled.write_forms(str(tmp_path), "b1", [spilled.forms_row(a.article_id, p) for a, p in zip(articles, pendings) if p])
    refs, row = [], 0  # as AssembleBatchFn numbers them: the articles with across-article decisions, in order
    for a in articles:
        refs.append((path, row) if a.article_id in across else None)
        row += a.article_id in across
    forms = spilled.read_forms(refs, [a.article_id for a in articles])
    with pytest.raises(ValueError, match="holds the forms of 'bbc0', not of 'bbc1'"):  # rows numbered wrongly
        spilled.read_forms([refs[0], refs[0]], ["bbc0", "bbc1"])
    expected_forms = [(k, i, f) for k, p in enumerate(pendings) for i, _, _, f in p]
    assert list(zip(forms[0].tolist(), forms[1].tolist(), forms[2])) == expected_forms and expected_forms[-1] == (43, 2, "")
    assert [bytes(k) for k in forms[3]] == [core.exact_key(f or "***") for _, _, f in expected_forms]

    expected = index.index_batch(items, CFG)
    signed = []
    real = minhash.signatures
    monkeypatch.setattr(minhash, "signatures", lambda sets, *a: signed.append(len(sets)) or real(sets, *a))
    got = index.index_batch(items, CFG, forms, lambda keys: spilled.band_hashes_of(str(tmp_path), partitions, keys, CFG.bands))
    assert signed == []  # every banded paragraph's hashes came from a band store
    assert got.equals(expected) and got.num_rows > 100
    statuses = {(r["article_id"], r["status"]) for r in got.to_pylist()}
    assert ("copybbc0", "kept") not in statuses and ("short", "kept") in statuses
    assert got.to_pylist()[-1]["form"] == "" and got.to_pylist()[-1]["status"] == "duplicate_article"
    assert sum(len(h) == 0 for h in got.column("band_hashes").to_pylist()) >= 1


def test_band_store_finds_keys_by_exact_key(tmp_path):
    from transforms.dedup import spilled

    keys = sorted([bytes(16), b"\x01" * 8 + b"\x00" * 8, b"\x01" * 8 + b"\x05" * 8, b"\x01" * 8 + b"\x09" * 8, b"\xff" * 16])
    hashes = np.arange(5 * 3, dtype=np.uint64).reshape(5, 3) * np.uint64(2**40)
    path = spilled.write_band_store(str(tmp_path), 0, b"".join(keys), hashes)
    asked = [keys[3], b"\x01" * 8 + b"\x07" * 8, keys[0], keys[4], keys[1], keys[3], b"\x02" * 16]  # repeats and misses
    got, found = spilled.read_band_store(path, np.frombuffer(b"".join(asked), dtype=np.uint8).reshape(-1, 16), 3)
    assert found.tolist() == [True, False, True, True, True, True, False]
    assert (got == hashes[[3, 0, 0, 4, 1, 3, 0]] * found[:, None]).all()
    empty = spilled.write_band_store(str(tmp_path), 1, b"", np.zeros((0, 3), dtype=np.uint64))
    assert spilled.read_band_store(empty, np.frombuffer(keys[0], dtype=np.uint8).reshape(1, 16), 3)[1].tolist() == [False]
    with pytest.raises(ValueError, match="3 band hashes per key, expected 21"):
        spilled.read_band_store(path, np.zeros((1, 16), dtype=np.uint8), 21)
    with pytest.raises(OSError):  # a partition that has candidates always has a store
        spilled.band_hashes_of(str(tmp_path), 4, np.full((1, 16), 0x80, dtype=np.uint8), 3)


def test_short_paragraphs_are_indexed_without_band_hashes_and_read_with_any_bar(tmp_path):
    """Session 10: a paragraph under the near-matching bar (``min_words_near`` 10 by default) is
    matched across articles by exact key only, so its band hashes were stored and never read;
    they are no longer written. A later run with a lower bar computes them from the stored form."""
    from transforms.dedup import batch

    eight = "Qtly div six cts vs six cts prior"  # 8 words: two 5-word shingles, under the bar
    article = Article("a1", None, "example.com", "T", 5, None, None, (TEXT, eight), "utf-8", "f", 0)
    decisions = [ParagraphDecision("a1", 1, TEXT, "kept"), ParagraphDecision("a1", 2, eight, "kept")]
    rows = index.index_batch([(article, decisions, None)], CFG).to_pylist()
    assert [(r["form"], len(r["band_hashes"])) for r in rows] == [(rows[0]["form"], 21), ("qtly div six cts vs six cts prior", 0)]
    off = config_from_dict({"dedup": {"min_words_near": 0, "min_words_across": 0}}).dedup
    rb = index.index_batch([(article, decisions, None)], off)  # CCNet's behaviour: every paragraph banded
    assert [len(h) for h in rb.column("band_hashes").to_pylist()] == [21, 21]
    short_hashes = rb.column("band_hashes").to_pylist()[1]
    path = tmp_path / "index.parquet"
    pq.write_table(pa.Table.from_batches([index.index_batch([(article, decisions, None)], CFG)]), path)
    # read by a run with the default bar: exact only, as before; by a run without it: shingles, no stored hashes,
    # so the dedup stage computes them, equal to what the index would have stored
    default, without = (list(index.read_candidates(str(path), 0, cfg)) for cfg in (CFG, off))
    assert [(len(c.shingles) > 0, c.band_keys == b"") for c in default] == [(True, False), (False, True)]
    assert [(len(c.shingles) > 0, c.band_keys == b"") for c in without] == [(True, False), (True, True)]
    values = np.frombuffer(without[1].shingles, dtype="<u4")
    got = batch.node_band_hashes(values, np.array([0, len(values)]), np.zeros(0, np.uint64), np.zeros(2, np.int64), off)
    assert got[0].tolist() == short_hashes
