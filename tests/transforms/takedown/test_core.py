"""Takedowns that stick: the URL rule, the lookup and the dead letters (pure functions)."""
from __future__ import annotations

import pytest

from transforms.records import Article
from transforms.takedown import core

ZDNET = "http://www.zdnet.com/article/researchers-eye-vision-correcting-displays-for-devices/"  # RealNews sample


@pytest.mark.parametrize("listed, rule", [
    ("HTTP://www.zdnet.com/article/researchers-eye-vision-correcting-displays-for-devices/", "scheme case"),
    ("http://WWW.ZDNet.com/article/researchers-eye-vision-correcting-displays-for-devices/", "host case"),
    ("http://www.zdnet.com/article/researchers-eye-vision-correcting-displays-for-devices", "trailing slash"),
    ("http://www.zdnet.com:80/article/researchers-eye-vision-correcting-displays-for-devices/", "default port"),
    ("http://www.zdnet.com/article/researchers-eye-vision-correcting-displays-for-devices/#comments", "fragment"),
    ("http://www.zdnet.com/article/researchers-eye-vision-correcting-displays-for-devices/?utm_source=twitter&utm_medium=social",
     "utm parameters"),
    (" HTTP://WWW.ZDNET.COM:80/article/researchers-eye-vision-correcting-displays-for-devices?utm_campaign=x#top ", "all"),
])
def test_url_key_matches_each_listed_variant(listed, rule):
    assert core.url_key(listed) == core.url_key(ZDNET) == \
        "http://www.zdnet.com/article/researchers-eye-vision-correcting-displays-for-devices", rule


def test_url_key_keeps_what_names_another_page():
    base = core.url_key("http://www.thelocal.de/20130816/51443")
    assert base == "http://www.thelocal.de/20130816/51443"
    assert core.url_key("https://www.thelocal.de/20130816/51443") != base  # scheme: not in the rule set
    assert core.url_key("http://thelocal.de/20130816/51443") != base  # www.
    assert core.url_key("http://www.thelocal.de:8080/20130816/51443") != base  # another port
    assert core.url_key("http://www.thelocal.de/20130816/51443?page=2") == "http://www.thelocal.de/20130816/51443?page=2"
    assert core.url_key("http://www.thelocal.de/20130816/51443?b=2&a=1") == "http://www.thelocal.de/20130816/51443?a=1&b=2"
    assert core.url_key("http://www.thelocal.de") == core.url_key("http://www.thelocal.de/") == "http://www.thelocal.de/"
    assert [core.url_key(v) for v in ("NEWID7", "", None, "www.thelocal.de/x")] == [None, None, None, None]


def _article(article_id, url, title="A title"):
    return Article(article_id, url, "zdnet.com", title, None, None, None, ("body",), "utf-8", "in/day2.jsonl", 3)


def test_drop_taken_down_rejects_by_id_or_url_and_keeps_the_rest():
    taken = core.TakenDown(ids={"aaa": ("2026-11-28-r1", "court order 42")},
                           urls={core.url_key(ZDNET): ("2026-11-28-r1", None)})
    batch = [_article("aaa", "http://other.example/x"), _article("bbb", "HTTP://WWW.ZDNET.COM/article/"
             "researchers-eye-vision-correcting-displays-for-devices?utm_source=x"), _article("ccc", ZDNET + "2")]
    kept, rejects = core.drop_taken_down(batch, taken)
    assert [a.article_id for a in kept] == ["ccc"]
    assert [(r.source_file, r.source_record, r.byte_offset, r.stage, r.reason) for r in rejects] == [
        ("in/day2.jsonl", 3, -1, "dedup", "taken_down")] * 2
    assert rejects[0].detail == "article id aaa was taken down in release 2026-11-28-r1 (reason: court order 42)"
    assert rejects[1].detail.endswith("was taken down in release 2026-11-28-r1 (reason: none given)")
    assert rejects[1].detail.startswith("url HTTP://WWW.ZDNET.COM/") and rejects[1].excerpt == "A title"
    assert not core.TakenDown() and taken
    assert core.drop_taken_down(batch, core.TakenDown()) == (batch, [])


def test_only_urls_on_a_taken_down_host_are_normalised(monkeypatch):
    taken = core.TakenDown(urls={core.url_key(ZDNET): ("r1", None)})
    assert taken.hosts == frozenset({"www.zdnet.com"})
    calls = []
    real = core.url_key
    monkeypatch.setattr(core, "url_key", lambda u: calls.append(u) or real(u))
    assert taken.match("x", "http://www.thelocal.de/20130816/51443") is None
    assert taken.match("x", "HTTP://WWW.ZDNET.COM:80/article/researchers-eye-vision-correcting-displays-for-devices") == ("url", "r1", None)
    assert taken.match("x", "http://[broken/x") is None  # urlsplit refuses it: normalised, no match
    assert calls == ["HTTP://WWW.ZDNET.COM:80/article/researchers-eye-vision-correcting-displays-for-devices", "http://[broken/x"]
    assert [core._host(u) for u in ("HTTP://user:pw@WWW.ZDNet.com:80/a", " http://x.org#f", "https://x.org?a=1",
                                     "http://[::1]/a", "www.x.org/a")] == ["www.zdnet.com", "x.org", "x.org", None, None]


def _release(root, name, holds, made_from=None, rows=(), removed=0, own=0, name_field=True):
    """A release as newsetl leaves it (only what the history reads): ``_SUCCESS``, ``paragraphs/``
    with rows of the articles ``holds``; for a takedown release (``made_from``), ``report.json`` →
    ``records.removed`` and ``removals`` (``from_release`` and its report's sha256, ``articles``:
    its own takedown), ``removals/`` with ``rows`` (``(article_id, reason, removed_in)``;
    removed_in None: written by a newsetl before session 10)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from transforms.write.core import sha256_file
    from transforms.write.takedown import removals_table

    d = root / name
    (d / "paragraphs").mkdir(parents=True)
    pq.write_table(pa.table({"article_id": pa.array(holds, pa.string())}), d / "paragraphs" / "part-00000-of-00001.parquet")
    report = {"records": {"removed": removed}}
    if made_from is not None:
        report["removals"] = {"from_release": str(made_from), "from_report_sha256": sha256_file(str(made_from / "report.json")),
                              "articles": own}
        if name_field:
            report["removals"]["from_release_name"] = made_from.name
        (d / "removals").mkdir()
        pq.write_table(removals_table([], [{"article_id": a, "url": None, "requested": a, "reason": why, "matched_by": "article_id",
                                             "paragraphs_removed": 3, "index_rows_removed": 2, "removed_in": where}
                                            for a, why, where in rows]), d / "removals" / "part-00000-of-00001.parquet")
    (d / "report.json").write_text(json.dumps(report))
    (d / "_SUCCESS").write_text("{}")
    return d


def test_removals_of_names_the_release_that_took_an_article_down(tmp_path):
    """Session 10: ``explain`` follows the history of a takedown release an older newsetl made
    (its removals/ lists only its own takedown) back through ``removals.from_release``."""
    from pipelines.dataset_info import taken_down_row

    day = _release(tmp_path, "2026-11-28", ["A", "B", "C", "D"])
    r1 = _release(tmp_path, "2026-11-28-r1", ["B", "C", "D"], day, [("A", "court order 42", None)], 1, 1, name_field=False)
    r2 = _release(tmp_path, "2026-11-28-r2", ["C", "D"], r1, [("B", None, None)], 2, 1, name_field=False)  # lists B only
    found = core.removals_of(str(r2), ["A", "B", "C"])
    assert {a: (r.release, r.path, r.certain, r.row["reason"]) for a, r in found.items()} == {
        "A": ("2026-11-28-r1", str(r1), True, "court order 42"), "B": ("2026-11-28-r2", str(r2), True, None)}
    line = taken_down_row(str(r2), "A")
    assert line.startswith("article A was taken down in release 2026-11-28-r1 (published ") and line.endswith(
        f" UTC), requested as 'A', reason: court order 42, 3 paragraph(s) removed (removals/ of {r2} does not list it, "
        f"an older newsetl's takedown release: read from its history, {r1})")
    # r3 by this newsetl: the whole history listed, its own row naming its release
    r3 = _release(tmp_path, "2026-11-28-r3", ["D"], r2, [("A", "court order 42", None), ("B", None, None), ("C", "x", "2026-11-28-r3")], 3, 1)
    assert {a: (r.release, r.certain) for a, r in core.removals_of(str(r3), ["A", "B", "C"]).items()} == {
        "A": ("2026-11-28-r1", True), "B": ("2026-11-28-r2", True), "C": ("2026-11-28-r3", True)}
    # r1 gone: r2's history no longer lists A; r3 lists it, and r2 (which it was made from) shows
    # it was removed before r2, by a release that is gone
    r1.rename(tmp_path / "moved")
    assert set(core.removals_of(str(r2), ["A", "B"])) == {"B"}
    from pipelines.dataset_info import _unlisted_hint
    assert _unlisted_hint(str(r2)) == ("; 1 article(s) taken down in its history are listed nowhere (the release an older "
                                       "newsetl made this takedown from is gone): it may be one of them")
    assert _unlisted_hint(str(r3)) == ""
    a = core.removals_of(str(r3), ["A"])["A"]
    assert (a.release, a.certain) == ("2026-11-28-r3", False)
    assert taken_down_row(str(r3), "A") == (
        "article A was taken down in release 2026-11-28-r3 or an earlier one of its history (gone), requested as 'A', "
        f"reason: court order 42, 3 paragraph(s) removed (removals/ of {r3} lists it)")
    # a folder only named like a revision is none (item 4): no _SUCCESS, no removals, or made from another date
    from transforms.write.takedown import is_revision, later_revisions
    assert [is_revision(d) for d in (r2, r3)] == [True, True]
    stray = [tmp_path / "2026-11-28-r4", _release(tmp_path, "2026-11-28-r5", ["D"]),
             _release(tmp_path, "2026-11-28-r6", [], _release(tmp_path, "2026-11-27", []), [("D", None, "2026-11-28-r6")], 1, 1)]
    stray[0].mkdir()
    assert [is_revision(d) for d in stray] == [False, False, False]
    assert later_revisions(str(r2)) == [str(r3)]


def test_a_copy_row_matches_its_own_article_not_the_one_it_copied(tmp_path):
    """``remove --include-copies`` rows (``copy_of_removed``) carry the request of the article
    they copied; a later run keys only their own URL, so the copied article re-sent keeps its
    own reason."""
    import pyarrow.parquet as pq

    from transforms.write.takedown import removals_table

    rel = tmp_path / "rel"
    (rel / "removals").mkdir(parents=True)
    common = {"reason": "court order", "paragraphs_removed": 1, "index_rows_removed": 0, "removed_in": "rel"}
    pq.write_table(removals_table([], [
        {"article_id": "A", "url": "https://ex.com/a", "requested": "https://ex.com/a", "matched_by": "url", **common},
        {"article_id": "0copy", "url": "https://other.org/b", "requested": "https://ex.com/a", "matched_by": core.COPY,
         "paragraph_ids": ["0copy/3"], "copy_of": ["A/2"], **common}]), rel / "removals" / "part-00000-of-00001.parquet")
    (rel / "_SUCCESS").write_text('{"files": []}')
    taken = core.taken_down_in([(str(rel), "rel")])
    assert taken.match("x", "https://ex.com/a") == ("url", "rel", "court order")
    assert taken.match("y", "https://other.org/b") == ("url", "rel", "court order; it copied the text of taken-down A/2")
    assert taken.match("0copy", None) == ("article_id", "rel", "court order; it copied the text of taken-down A/2")
