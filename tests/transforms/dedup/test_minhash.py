"""Signatures equal datasketch's, bit for bit; banding maths."""
from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash

from transforms.dedup import core, minhash
from tests.conftest import ROOT


def _real_paragraphs():
    text = (ROOT / "samples" / "000_56aaff5fb1689b7e.txt").read_text(encoding="utf-8")
    return [p for p in text.split("\n\n") if len(p.split()) >= 5]


@pytest.mark.parametrize("num_perm, seed", [(128, 1), (64, 7), (256, 42)])
def test_signatures_equal_datasketch(num_perm, seed):
    sets, shingle_lists = [], []
    for p in _real_paragraphs():
        sh = core.shingles(core.matching_form(p), 5, 5)
        shingle_lists.append(sh)
        sets.append(minhash.hash_shingles(sh))
    ours = minhash.signatures(sets, num_perm, seed)
    assert ours.shape == (len(sets), num_perm)
    for sh, row in zip(shingle_lists, ours):
        m = MinHash(num_perm=num_perm, seed=seed, hashfunc=minhash.shingle_hash32)
        for s in sh:
            m.update(s.encode("utf-8"))
        np.testing.assert_array_equal(row, m.hashvalues)


def test_batch_hashing_equals_reference():
    """hash_forms (Arrow + numpy over a batch) == hash_shingles (one shingle at a time)."""
    forms = [core.matching_form(p) for p in _real_paragraphs()] + ["one two three four", "", "a b c d e", "a b c d e f a b c d e"]
    values, offsets = minhash.hash_forms(forms, 5)
    assert offsets.shape == (len(forms) + 1,) and offsets[-1] == len(values)
    for i, f in enumerate(forms):
        np.testing.assert_array_equal(values[offsets[i]: offsets[i + 1]], minhash.hash_shingles(core.shingles(f, 5, 5)))
    assert offsets[-3] - offsets[-4] == 0 and offsets[-1] - offsets[-2] == 6  # 4 tokens: none; 7 shingles, 6 distinct
    assert minhash.shingle_hash32(b"a b") != minhash.shingle_hash32(b"b a")


@pytest.mark.parametrize("num_perm, seed", [(128, 1), (64, 7), (256, 42)])
def test_permutations_equal_datasketch(num_perm, seed):
    a, b = minhash.permutations(num_perm, seed)
    np.testing.assert_array_equal(np.array([a, b]), MinHash(num_perm=num_perm, seed=seed).permutations)


def test_empty_set_refused():
    with pytest.raises(ValueError, match="empty shingle set"):
        minhash.signatures([np.zeros(0, dtype=np.uint32)], 128, 1)


def test_s_curve_of_default_bands():
    assert minhash.candidate_probability(0.8, 21, 6) == pytest.approx(0.99831, abs=1e-5)
    assert minhash.candidate_probability(0.5, 21, 6) == pytest.approx(0.28159, abs=1e-5)


def test_band_hashes_values_layout_and_band_mixing():
    sig = np.arange(128, dtype=np.uint32)[None]
    h = minhash.band_hashes(sig, 21, 6)
    assert h.shape == (1, 21) and h.dtype == np.uint64
    assert (int(h[0, 0]), int(h[0, 20])) == (0x896725C1507C4F03, 0x22767D71B258C537)  # pinned: the release index stores them
    same_rows = sig.copy()
    same_rows[0, 6:12] = sig[0, 0:6]  # band 1 holds band 0's rows: the band index keeps the buckets apart
    assert minhash.band_hashes(same_rows, 21, 6)[0, 1] != h[0, 0]
    keys = minhash.band_keys(np.vstack([sig, sig[:, ::-1]]), 21, 6)  # Candidate.band_keys: 21 x 8 bytes, little-endian
    assert [len(k) for k in keys] == [168, 168] and keys[0][:8] == bytes.fromhex("034f7c50c1256789")
    assert minhash.split_band_keys(keys[0])[20] == int(h[0, 20]).to_bytes(8, "little")


def test_exact_jaccard():
    a = np.array([1, 2, 3, 4], dtype=np.uint32)
    b = np.array([3, 4, 5, 6], dtype=np.uint32)
    assert minhash.exact_jaccard(a, b) == pytest.approx(2 / 6)
    assert minhash.exact_jaccard(a[:0], b[:0]) == 0.0


def test_ascii_matching_form_fast_path_equals_unicode_path():
    import re
    import unicodedata

    def reference(text):
        text = unicodedata.normalize("NFKC", text).casefold()
        return " ".join(re.sub(r"[\W_]+", " ", text).split())

    texts = _real_paragraphs() + ["".join(chr(c) for c in range(128)), "Shr 1.22 dlrs vs_1.10 DLRS", "  \t x__y\x0b\x1fZ  "]
    texts = [t for t in texts if t.isascii()]
    assert len(texts) > 20
    assert [core.matching_form(t, strip_datelines=False) for t in texts] == [reference(t) for t in texts]


def test_flat_signatures_equal_list_signatures():
    forms = [core.matching_form(p) for p in _real_paragraphs()]
    values, offsets = minhash.hash_forms(forms, 5)
    sets = [values[offsets[i]: offsets[i + 1]] for i in range(len(forms))]
    np.testing.assert_array_equal(minhash.signatures_flat(values, offsets, 128, 1), minhash.signatures(sets, 128, 1))
    assert minhash.signatures([], 128, 1).shape == (0, 128)


def test_hash_forms_without_sort_holds_the_same_shingles_in_token_order():
    forms = ["a b c d e a b c d e f", "one two", "x y z w v u"]
    values, offsets = minhash.hash_forms(forms, 5)
    raw, raw_offsets = minhash.hash_forms(forms, 5, unique=False)
    assert raw_offsets.tolist() == [0, 7, 7, 9] and offsets.tolist() == [0, 6, 6, 8]  # "a b c d e" twice in form 0
    for i in range(3):
        assert np.unique(raw[raw_offsets[i]: raw_offsets[i + 1]]).tolist() == values[offsets[i]: offsets[i + 1]].tolist()
    assert raw[0] == minhash.shingle_hash32(b"a b c d e") == raw[5]
