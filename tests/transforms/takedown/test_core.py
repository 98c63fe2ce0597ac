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
