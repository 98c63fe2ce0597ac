"""``newsetl remove``: takedowns on a real release (RealNews sample, which has URLs)."""
from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter

import pytest

from tests.conftest import ROOT, read, run_newsetl
from transforms.write import takedown


def _digest(path):
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(path.rglob("*")) if p.is_file()}


def test_read_requests_takes_ids_urls_reasons_and_skips_comments(tmp_path):
    f = tmp_path / "ids.tsv"
    f.write_text("# takedowns 2026-11-29\nNEWID7\tDMCA notice 123\n\nhttps://example.com/a?x=1,2\nNEWID7\tagain\n", encoding="utf-8")
    assert takedown.read_requests(str(f)) == [("NEWID7", "DMCA notice 123"), ("https://example.com/a?x=1,2", None)]
    f.write_bytes("\ufeffNEWID7\r\nNEWID8\r\n".encode("utf-8"))  # Notepad's UTF-8: a BOM and CRLF
    assert takedown.read_requests(str(f)) == [("NEWID7", None), ("NEWID8", None)]
    f.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(takedown.TakedownError, match="lists no article id or URL"):
        takedown.read_requests(str(f))


def _variant(url: str) -> str:
    """The same page as a takedown notice may list it: scheme and host in capitals, the default
    port, the trailing slash toggled, tracking parameters and a fragment."""
    scheme, rest = url.split("://", 1)
    host, path = rest.split("/", 1)
    path = path[:-1] if path.endswith("/") else path + "/"
    return f"{scheme.upper()}://{host.upper()}:{80 if scheme == 'http' else 443}/{path}?utm_source=tw&utm_medium=social#comments"


def test_remove_publishes_a_new_release_without_the_articles(data, tmp_path, capsys):
    rel = tmp_path / "rel"
    src = data / "realnews-grover-samples" / "realnews_tiny.jsonl"
    assert run_newsetl("run", "--input", src, "--config", ROOT / "configs" / "realnews.yaml", "--output", rel) == 0
    before = _digest(rel)
    arts = sorted(read(rel, "articles"), key=lambda a: a["article_id"])
    assert len(arts) == 5 and all(a["url"] for a in arts)
    by_url, by_id = arts[0], arts[1]
    ids = tmp_path / "ids.tsv"
    listed = _variant(by_url["url"])
    assert listed != by_url["url"]
    ids.write_text(f"{listed}\tcourt order 42\n{by_id['article_id']}\n https://nowhere.example/x \n", encoding="utf-8")
    new = tmp_path / "rel-takedown"
    assert run_newsetl("remove", "--ids", ids, rel, "--output", new) == 0
    out = capsys.readouterr()
    assert "removed 2 article(s)" in out.out
    assert ("newsetl: warning: 1 request(s) matched no article: 'https://nowhere.example/x' (ids are "
            "case-sensitive; report.json: removals.not_found)") in out.err
    assert _digest(rel) == before  # the release itself is never modified
    gone = {by_url["article_id"], by_id["article_id"]}
    assert {a["article_id"] for a in read(new, "articles")} == {a["article_id"] for a in arts} - gone
    assert not gone & {p["article_id"] for p in read(new, "paragraphs")}
    assert not gone & {r["article_id"] for r in read(new, "index")}
    old_paras = [p for p in read(rel, "paragraphs") if p["article_id"] in gone]
    removals = read(new, "removals")
    assert [(r["article_id"], r["requested"], r["reason"], r["matched_by"]) for r in removals] == sorted(
        [(by_url["article_id"], listed, "court order 42", "url_normalised"), (by_id["article_id"], by_id["article_id"], None, "article_id")])
    assert sum(r["paragraphs_removed"] for r in removals) == len(old_paras)
    report = json.loads((new / "report.json").read_text())
    r, p = report["records"], report["paragraphs"]
    assert r["removed"] == 2 and r["in"] == r["articles_deduplicated"] + r["rejected"] + r["removed"]
    assert p["in"] == sum(p["by_status"].values()) + p["removed"] == len(read(new, "paragraphs")) + len(old_paras)
    assert report["removals"]["not_found"] == ["https://nowhere.example/x"] and report["removals"]["already_removed"] == []
    assert report["removals"]["by_reason"] == {"(none)": 1, "court order 42": 1}
    assert report["removals"]["matched_by"] == {"article_id": 1, "url_normalised": 1}
    assert report["index"]["release"] == "rel-takedown" and report["index"]["paragraphs"] == len(read(new, "index"))
    success = json.loads((new / "_SUCCESS").read_text())
    for f in success["files"]:
        assert hashlib.sha256((new / f["path"]).read_bytes()).hexdigest() == f["sha256"]
    assert {f["path"].split("/")[0] for f in success["files"]} == {"articles", "paragraphs", "rejects", "index", "removals"}
    # A takedown sticks: re-sent copies of the removed articles (another file: other article
    # ids, so they are matched by URL) are dead letters of a run against the new release.
    resent = tmp_path / "day2" / "resent.jsonl"
    resent.parent.mkdir()
    resent.write_bytes(src.read_bytes())
    again = tmp_path / "again"
    assert run_newsetl("run", "--input", resent, "--config", ROOT / "configs" / "realnews.yaml", "--output", again,
                       "--dedup-against", new) == 0
    assert "rejected by reason: dedup:taken_down 2" in capsys.readouterr().out
    assert read(again, "articles") == []  # the other three are copies of the release's paragraphs
    rejects = sorted(read(again, "rejects"), key=lambda x: x["source_record"])
    urls = {a["url"]: a for a in arts}
    line = {json.loads(x)["url"]: i for i, x in enumerate(src.read_text(encoding="utf-8").splitlines())}
    assert [(x["source_file"], x["source_record"], x["stage"], x["reason"]) for x in rejects] == sorted(
        [(str(resent), line[a["url"]], "dedup", "taken_down") for a in (by_url, by_id)], key=lambda t: t[1])
    details = {x["source_record"]: x["detail"] for x in rejects}
    assert details[line[by_url["url"]]] == f"url {by_url['url']} was taken down in release rel-takedown (reason: court order 42)"
    assert details[line[by_id["url"]]] == f"url {by_id['url']} was taken down in release rel-takedown (reason: none given)"
    assert {x["excerpt"] for x in rejects} == {urls[a["url"]]["title"] for a in (by_url, by_id)}
    assert json.loads((again / "report.json").read_text())["dedup_against"]["taken_down"] == {
        "listed": {"rel-takedown": 2}, "rejected": 2}
    r = json.loads((again / "report.json").read_text())["records"]
    assert (r["in"], r["articles_deduplicated"], r["rejected"], r["rejected_by_reason"]) == (5, 3, 2, {"dedup:taken_down": 2})
    # A takedown of the takedown release: a request for a removed article says so; removals/
    # carries the whole history, which a later run against it reads.
    ids.write_text(f"{by_id['article_id']}\n{by_url['url']}\n{arts[2]['article_id']}\tsecond notice\n", encoding="utf-8")
    r2 = tmp_path / "rel-takedown-r2"
    assert run_newsetl("remove", "--ids", ids, new, "--output", r2) == 0
    assert "removed 1 article(s)" in capsys.readouterr().out
    report = json.loads((r2 / "report.json").read_text())["removals"]
    assert (report["articles"], report["not_found"], report["already_removed"]) == (1, [], [by_id["article_id"], by_url["url"]])
    assert [r["article_id"] for r in read(r2, "removals")] == sorted(gone | {arts[2]["article_id"]})
    third = tmp_path / "third"  # the original file again: the same article ids
    assert run_newsetl("run", "--input", src, "--config", ROOT / "configs" / "realnews.yaml", "--output", third,
                       "--dedup-against", r2) == 0
    rejects = read(third, "rejects")
    assert sorted(x["detail"] for x in rejects) == sorted(
        f"article id {a['article_id']} was taken down in release rel-takedown-r2 (reason: {why})"
        for a, why in ((by_url, "court order 42"), (by_id, "none given"), (arts[2], "second notice")))
    assert [x["excerpt"] for x in sorted(rejects, key=lambda x: x["detail"])] == [
        a["title"] for a in sorted((by_url, by_id, arts[2]), key=lambda a: a["article_id"])]
    from transforms.takedown.core import url_key
    taken = json.loads((third / "report.json").read_text())["dedup_against"]["taken_down"]
    assert taken == {"listed": {"rel-takedown-r2": 3}, "rejected": 3}
    assert {url_key(r["url"]) for r in read(r2, "removals")} == {url_key(a["url"]) for a in (by_url, by_id, arts[2])}
    # A removals/ damaged or deleted since it was published stops the run (a silent miss would republish).
    broken = tmp_path / "broken"
    shutil.copytree(r2, broken)
    shutil.rmtree(broken / "removals")
    capsys.readouterr()
    assert run_newsetl("run", "--input", src, "--config", ROOT / "configs" / "realnews.yaml", "--output", tmp_path / "x",
                       "--dedup-against", broken) == 2
    assert capsys.readouterr().err == (f"newsetl: error: --dedup-against {broken}: damaged since it was published "
                                       "(removals/part-00000-of-00001.parquet: missing)\n")


def test_remove_refuses_an_unfinished_release(tmp_path, capsys):
    (tmp_path / "rel").mkdir()
    ids = tmp_path / "ids.tsv"
    ids.write_text("x\n")
    assert run_newsetl("remove", "--ids", ids, tmp_path / "rel", "--output", tmp_path / "new") == 2
    assert "no _SUCCESS" in capsys.readouterr().err and not (tmp_path / "new").exists()


def test_takedown_release_reports_what_it_holds(bbc_dataset, tmp_path, capsys):
    """inspect, report.json, report.html and the card of a takedown release count the remaining
    rows, not the old release's: a flagged copy, the article holding the largest cluster's
    representative, an article without kept paragraphs and the only windows-1252 article go."""
    ids = tmp_path / "ids.tsv"
    ids.write_text("8007cfe19cba80fd\tcopy\n2af336e9acbb594d\tcourt order\n0f2e0d6a7096406c\na30d483474b786b2\n", encoding="utf-8")
    new = tmp_path / "bbc-takedown"
    assert run_newsetl("remove", "--ids", ids, bbc_dataset, "--output", new) == 0
    gone = {"8007cfe19cba80fd", "2af336e9acbb594d", "0f2e0d6a7096406c", "a30d483474b786b2"}
    copies = sorted({p["article_id"] for p in read(new, "paragraphs") if p["duplicate_of"] and p["duplicate_of"].split("/")[0] in gone})
    # trial, session 9: the removed text lives on in its copies' dropped rows, and a later run
    # would publish it under their ids: said, and listed in report.json
    assert json.loads((new / "report.json").read_text())["removals"]["copies_of_removed"] == copies and len(copies) == 7
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"newsetl: warning: 7 paragraph(s) of 7 other article(s) copy the removed text ({', '.join(copies[:5])}, +2 more; "
        "report.json: removals.copies_of_removed): they stay in paragraphs/ as dropped duplicates, and a later run would "
        "publish that text under their ids; pass --include-copies to remove those paragraphs too")
    # explain of a copy left in place names the paragraph it duplicates as taken down, and where
    assert run_newsetl("explain", new, "2f8ed29717f9cef5") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-4] == "[7] duplicate_across (exact), duplicate of 2af336e9acbb594d/7, similarity 1.000, cluster 2af336e9acbb594d/7"
    assert lines[-1].startswith("    duplicates 2af336e9acbb594d/7, taken down in release bbc-takedown (published ")
    assert lines[-1].endswith(" UTC), requested as '2af336e9acbb594d', reason: court order: this row still holds its text "
                              "(newsetl remove --include-copies removes it)")
    assert run_newsetl("inspect", new) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2:10] == [
        "  records in 2,225: articles written 2,073, without kept paragraphs 148, flagged copies 1, rejected 0, taken down 4",
        "  paragraphs in 12,772: title 2,221, kept 9,751, duplicate_within 2, duplicate_across 774, dropped_rule 1, taken down 23",
        "  removed by reason: dropped_rule:lone_punctuation 1, duplicate_across:exact 750, duplicate_across:exact_article 4, duplicate_across:near 20, duplicate_within:exact 2",
        "  rejected by reason: none",
        "  clusters 746, largest 7 paragraphs",
        "  languages: en 2,073 (source: fasttext 2,073)",
        "  charsets (articles written): utf-8 2,073",
        # the 9,751 kept body paragraphs + 4 exact_article (a "." line was among them before session 11: lone_punctuation;
        # 7 exact_article before session 11: 3 short lines of exact article copies were exact_article, now the copies they were)
        "  release index: 9,755 paragraphs, 4.0 MB, 406.9 bytes per paragraph",  # 409.0 before session 10 (short paragraphs: no band hashes)
    ]
    report = json.loads((new / "report.json").read_text())
    r, p = report["records"], report["paragraphs"]
    assert r["in"] == r["articles_written"] + r["articles_without_kept_paragraphs"] + r["rejected"] + r["removed"]
    assert p["in"] == sum(p["by_status"].values()) + p["removed"] and p["kept_body"] == p["by_status"]["kept"] == 9751
    assert report["removals"]["dangling_duplicate_of"] == 7 and report["index"]["paragraphs"] == len(read(new, "index")) == 9755
    # clusters: the release's 766 less the largest (8 paragraphs), whose representative
    # 2af336e9acbb594d/7 went (7 rows keep its cluster_id), and 19 representatives all of whose
    # copies went or were kept as short lines (dedup.min_words_across; a paragraph without
    # copies is no cluster); counted here from the old rows. (22 before session 11: 3 short
    # lines of exact article copies were exact_article without a cluster_id.)
    gone = {"8007cfe19cba80fd", "2af336e9acbb594d", "0f2e0d6a7096406c", "a30d483474b786b2"}
    old = [(p["paragraph_id"], p["cluster_id"]) for p in read(bbc_dataset, "paragraphs") if p["article_id"] not in gone]
    sizes = Counter(c for _, c in old if c)
    headless = {c for c in sizes if c.split("/")[0] in gone}
    alone = {c for c, n in sizes.items() if n == 1 and c in {pid for pid, _ in old}}
    assert (len(sizes), sorted((c, sizes[c]) for c in headless), len(alone)) == (766, [("2af336e9acbb594d/7", 7)], 19)
    assert report["clusters"]["count"] == 766 - 1 - 19 and report["clusters"]["largest"] == 7
    # the run counts alike: of its 766 cluster ids, 10 are representatives alone (their equal short
    # lines kept by the short-line rule), which no run counts since session 9 (a takedown that
    # removed nothing had lowered the count from 766 to 756)
    rows = read(bbc_dataset, "paragraphs")
    all_sizes = Counter(p["cluster_id"] for p in rows if p["cluster_id"])
    lone = {c for c, n in all_sizes.items() if n == 1 and c in {p["paragraph_id"] for p in rows}}
    assert (len(all_sizes), len(lone)) == (766, 10)
    assert json.loads((bbc_dataset / "report.json").read_text())["clusters"]["count"] == 756
    assert report["clusters"]["size_histogram"] == {str(k): v for k, v in sorted(
        Counter(n for c, n in sizes.items() if c not in headless | alone).items())}
    from transforms.write.figures import compute_figures
    assert report["figures"] == compute_figures(str(new), frozenset(headless | alone))
    assert "2af336e9acbb594d/7" not in {c["cluster_id"] for c in report["figures"]["largest_clusters"]}
    assert "2af336e9acbb594d/7" in {c["cluster_id"] for c in compute_figures(str(new))["largest_clusters"]}  # not skipped
    assert 'id="card-taken-down">4<' in (new / "report.html").read_text()
    card = (new / "README.md").read_text()
    assert "| articles written | 2,073 |" in card and "| articles taken down | 4 |" in card and "| paragraphs taken down | 23 |" in card
    assert "except the articles taken down with `newsetl remove`, which are counted in `report.json` only" in card
    # the copies left by a takedown made without --include-copies, removed later: the request is
    # already removed, its copies are not (session 10)
    ids.write_text("2af336e9acbb594d\n", encoding="utf-8")
    later = tmp_path / "bbc-takedown-copies"
    assert run_newsetl("remove", "--ids", ids, new, "--output", later, "--include-copies") == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"newsetl: wrote {later}: removed 0 article(s), 0 paragraph(s); copies of the removed text: 7 paragraph(s) of "
        "7 other article(s); already removed by an earlier takedown: 1")
    report = json.loads((later / "report.json").read_text())
    assert (report["records"]["removed"], report["paragraphs"]["removed"], report["removals"]["copies"]["paragraphs"],
            report["removals"]["dangling_duplicate_of"], len(read(later, "removals"))) == (4, 30, 7, 0, 4 + 7)
    # A takedown of the takedown release: "taken down" counts both, "removals" the second one.
    ids.write_text("00317dc8d5c96f5c\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", ids, new, "--output", tmp_path / "again") == 0
    again = json.loads((tmp_path / "again" / "report.json").read_text())
    assert (again["records"]["removed"], again["removals"]["articles"], again["records"]["articles_deduplicated"]) == (5, 1, 2220)
    assert [r["article_id"] for r in read(tmp_path / "again", "removals")] == sorted(gone | {"00317dc8d5c96f5c"})


def test_takedowns_of_a_date_chain_through_its_latest_revision(bbc_dataset, tmp_path, capsys, monkeypatch, caplog):
    """A takedown of DATE when DATE-r1 exists is refused (it would publish r1's removal again);
    a takedown release an older newsetl made (removals/ listing its own takedown only) gets its
    history back from the release it was made from, for ``remove`` and ``--dedup-against``."""
    from pipelines import remove as remove_cmd
    from transforms.takedown import core

    day = tmp_path / "2026-11-28"
    day.symlink_to(bbc_dataset)
    ids = tmp_path / "ids.tsv"
    ids.write_text("8007cfe19cba80fd\tfirst notice\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", ids, day, "--output", tmp_path / "2026-11-28-r1") == 0
    ids.write_text("2af336e9acbb594d\tsecond notice\n", encoding="utf-8")
    capsys.readouterr()
    assert run_newsetl("remove", "--ids", ids, day, "--output", tmp_path / "2026-11-28-r2") == 2
    assert capsys.readouterr().err == (
        f"newsetl: error: release {day} has a later takedown revision, 2026-11-28-r1: a takedown of 2026-11-28 would "
        f"publish again what 2026-11-28-r1 removed; remove from the latest revision, {tmp_path / '2026-11-28-r1'}, instead\n")
    assert not (tmp_path / "2026-11-28-r2").exists()
    # r2 made from r1 as a newsetl before 2026-11-30 made it: removals/ lists the second takedown only
    monkeypatch.setattr(remove_cmd, "removal_history", lambda release: ([], 0, []))
    assert run_newsetl("remove", "--ids", ids, tmp_path / "2026-11-28-r1", "--output", tmp_path / "2026-11-28-r2") == 0
    monkeypatch.undo()
    r2 = tmp_path / "2026-11-28-r2"
    assert [r["article_id"] for r in read(r2, "removals")] == ["2af336e9acbb594d"]
    assert json.loads((r2 / "report.json").read_text())["records"]["removed"] == 2
    assert core.removal_history(str(r2)) == (
        read(r2, "removals") + read(tmp_path / "2026-11-28-r1", "removals"), 0, [str(tmp_path / "2026-11-28-r1")])
    taken = core.taken_down_in([(str(r2), "2026-11-28-r2")])
    assert taken.ids == {"2af336e9acbb594d": ("2026-11-28-r2", "second notice"),
                                                    "8007cfe19cba80fd": ("2026-11-28-r2", "first notice")}
    # a takedown of it carries the whole history; the first article is already removed
    ids.write_text("0f2e0d6a7096406c\n8007cfe19cba80fd\n", encoding="utf-8")
    capsys.readouterr()
    assert run_newsetl("remove", "--ids", ids, r2, "--output", tmp_path / "2026-11-28-r3") == 0
    err = capsys.readouterr().err.splitlines()  # only the copies of the removed text (the history's too) are reported
    assert len(err) == 1 and err[0].startswith("newsetl: warning: 7 paragraph(s) of 7 other article(s) copy the removed text")
    r3 = tmp_path / "2026-11-28-r3"
    assert [(r["article_id"], r["reason"]) for r in read(r3, "removals")] == [
        ("0f2e0d6a7096406c", None), ("2af336e9acbb594d", "second notice"), ("8007cfe19cba80fd", "first notice")]
    report = json.loads((r3 / "report.json").read_text())
    assert (report["records"]["removed"], report["removals"]["articles"], report["removals"]["already_removed"],
            report["removals"]["history_read_from"], report["removals"]["history_unlisted"]) == (
        3, 1, ["8007cfe19cba80fd"], [str(tmp_path / "2026-11-28-r1")], 0)
    assert core.removal_history(str(r3))[1:] == (0, [])
    # r1's removals/ damaged since it was published: refused, as a damaged removals/ of r2 itself
    r1_removals = next((tmp_path / "2026-11-28-r1" / "removals").glob("*.parquet"))
    saved = r1_removals.read_bytes()
    r1_removals.write_bytes(saved[:-1] + b"\0")
    with pytest.raises(core.TakedownHistoryError, match=f"^--dedup-against {r2}: the release it was made from, "
                       f"{tmp_path / '2026-11-28-r1'}, is damaged since it was published"):
        core.taken_down_in([(str(r2), "2026-11-28-r2")])
    r1_removals.write_bytes(saved)
    # once r1 is gone, r2's history cannot be completed: both commands say so and go on
    (tmp_path / "2026-11-28-r1").rename(tmp_path / "moved")
    with caplog.at_level("WARNING"):
        taken = core.taken_down_in([(str(r2), "2026-11-28-r2")])
    assert (set(taken.ids), taken.unlisted) == ({"2af336e9acbb594d"}, {"2026-11-28-r2": 1})
    assert core.report_section(taken, {"rejected_by_reason": {}}) == {
        "listed": {"2026-11-28-r2": 1}, "rejected": 0, "unlisted": {"2026-11-28-r2": 1}}
    assert f"--dedup-against {r2}: 1 article(s) taken down in its history are listed nowhere" in caplog.text
    ids.write_text("0f2e0d6a7096406c\n", encoding="utf-8")
    capsys.readouterr()
    assert run_newsetl("remove", "--ids", ids, r2, "--output", tmp_path / "other") == 2  # r3 is the latest
    assert "has a later takedown revision, 2026-11-28-r3" in capsys.readouterr().err
    r3.rename(tmp_path / "moved-r3")
    assert run_newsetl("remove", "--ids", ids, r2, "--output", tmp_path / "other") == 0
    err = capsys.readouterr().err
    assert err.startswith(f"newsetl: warning: release {r2}: 1 article(s) taken down in its history are listed nowhere")
    assert err.count("\n") == 2 and "other article(s) copy the removed text" in err.splitlines()[1]
    assert json.loads((tmp_path / "other" / "report.json").read_text())["removals"]["history_unlisted"] == 1


def test_a_takedown_that_matches_nothing_publishes_nothing(bbc_dataset, tmp_path, capsys):
    """Trial, session 9: a list none of whose articles is in the release (a wrong list, a wrong
    release) published a copy of it with exit 0."""
    ids = tmp_path / "ids.tsv"
    ids.write_text("no-such-article\thttps://example.com/none\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", ids, bbc_dataset, "--output", tmp_path / "new") == 2
    assert capsys.readouterr().err == (f"newsetl: error: no article of {ids} is in release {bbc_dataset} (not found: 1); "
                                       "1 request(s) matched no article: 'no-such-article' (ids are case-sensitive); "
                                       "nothing was published\n")
    assert not (tmp_path / "new").exists() and not list(tmp_path.glob(".new.staging-*"))
    # trial 11: when every request failed, the fatal message gave no hint at the list's format
    ids.write_text("005ea04b570e54ca,gdpr\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", ids, bbc_dataset, "--output", tmp_path / "new") == 2
    assert capsys.readouterr().err == (f"newsetl: error: no article of {ids} is in release {bbc_dataset} (not found: 1); "
                                       "1 request(s) matched no article: '005ea04b570e54ca,gdpr' (ids are case-sensitive; "
                                       "a reason follows a tab, not a comma); nothing was published\n")


def test_include_copies_removes_the_copied_text_and_a_re_sent_copy_is_rejected(bbc_dataset, data, tmp_path, capsys):
    """``remove --include-copies`` (session 10): the rows of other articles that copy the
    removed text go from paragraphs/ (and index/), each such article is a removals/ row
    ``copy_of_removed`` and stays otherwise; a later run given one of them again rejects it."""
    ids = tmp_path / "ids.tsv"
    ids.write_text("2af336e9acbb594d\tcourt order\n", encoding="utf-8")
    new = tmp_path / "bbc-copies"
    assert run_newsetl("remove", "--ids", ids, bbc_dataset, "--output", new, "--include-copies") == 0
    out, err = capsys.readouterr()
    assert "removed 1 article(s), 8 paragraph(s); copies of the removed text: 7 paragraph(s) of 7 other article(s)" in out
    assert "warning" not in err  # nothing is left to warn about
    # the BBC technology byline "Clark Boyd is technology correspondent for The World, ..."
    old = {p["paragraph_id"]: p for p in read(bbc_dataset, "paragraphs")}
    copies = sorted(p for p, r in old.items() if r["duplicate_of"] == "2af336e9acbb594d/7")
    assert len(copies) == 7 and {old[p]["text"].rstrip(".") for p in [*copies, "2af336e9acbb594d/7"]} == {
        "Clark Boyd is technology correspondent for The World, a BBC World Service and WGBH-Boston co-production"}
    left = {p["paragraph_id"] for p in read(new, "paragraphs")}
    assert not left & set(copies) and len(left) == len(old) - 8 - 7
    # the copying articles stay, without the copied row (6 written; 9f42d44a0e2b4a57 keeps no body paragraph)
    assert {p.split("/")[0] for p in copies} <= {p.split("/")[0] for p in left}
    assert len({p.split("/")[0] for p in copies} & {a["article_id"] for a in read(new, "articles")}) == 6
    removals = read(new, "removals")
    assert [(r["article_id"], r["matched_by"], r["requested"], r["reason"], r["paragraphs_removed"], r["index_rows_removed"],
             r["paragraph_ids"], r["copy_of"], r["removed_in"]) for r in removals] == sorted(
        [("2af336e9acbb594d", "article_id", "2af336e9acbb594d", "court order", 8, 7, None, None, "bbc-copies")]
        + [(p.split("/")[0], "copy_of_removed", "2af336e9acbb594d", "court order", 1, 0, [p], ["2af336e9acbb594d/7"], "bbc-copies")
           for p in copies])
    report = json.loads((new / "report.json").read_text())
    r, p = report["records"], report["paragraphs"]
    assert (r["removed"], p["removed"], p["in"]) == (1, 15, len(left) + 15)
    assert r["in"] == r["articles_deduplicated"] + r["rejected"] + r["removed"]
    assert {k: report["removals"][k] for k in ("articles", "paragraphs", "include_copies", "copies", "dangling_duplicate_of",
                                               "copies_of_removed")} == {
        "articles": 1, "paragraphs": 8, "include_copies": True,
        "copies": {"articles": 7, "paragraphs": 7, "index_rows": 0, "reject_excerpts": {}},
        "dangling_duplicate_of": 0, "copies_of_removed": []}
    # explain names the paragraph taken down and where
    assert run_newsetl("explain", new, "2f8ed29717f9cef5") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("paragraph(s) 7 taken down in release bbc-copies (published ")
    assert lines[1].endswith(" UTC) as copies of removed text (2af336e9acbb594d/7; requested as '2af336e9acbb594d', "
                             "reason: court order)")
    assert not [x for x in lines if x.startswith("[7]")]
    # a later run given a copying article again (the same relative path: the same id) rejects it
    resent = tmp_path / "day2" / "tech" / "256.txt"
    resent.parent.mkdir(parents=True)
    resent.write_bytes((data / "bbc-news-fulltext" / "bbc" / "tech" / "256.txt").read_bytes())
    again = tmp_path / "again"
    assert run_newsetl("run", "--input", tmp_path / "day2" / "*" / "*.txt", "--output", again, "--dedup-against", new) == 0
    assert [(x["reason"], x["detail"]) for x in read(again, "rejects")] == [(
        "taken_down", "article id 2f8ed29717f9cef5 was taken down in release bbc-copies (reason: court order; it copied the "
        "text of taken-down 2af336e9acbb594d/7)")]
    # a takedown of one of them later: one removals/ row for it, counting the copy removed before
    ids.write_text("2f8ed29717f9cef5\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", ids, new, "--output", tmp_path / "bbc-copies-2") == 0
    row = [x for x in read(tmp_path / "bbc-copies-2", "removals") if x["article_id"] == "2f8ed29717f9cef5"]
    assert [(x["matched_by"], x["paragraphs_removed"], x["removed_in"]) for x in row] == [("article_id", 8, "bbc-copies-2")]
    assert json.loads((tmp_path / "bbc-copies-2" / "report.json").read_text())["records"]["removed"] == 2


def test_include_copies_replaces_the_excerpt_of_another_record_with_the_removed_id(tmp_path, capsys):
    """The audit trail's rejects: a second record with a removed article's id is a
    ``duplicate_article_id`` reject whose excerpt holds its title; ``--include-copies`` replaces
    that excerpt (the row stays, so the counts still reconcile), a plain takedown keeps it."""
    import gzip

    with gzip.open(ROOT / "samples" / "reuters-sample.jsonl.gz", "rt", encoding="utf-8") as f:
        first, second, third = (json.loads(next(f)) for _ in range(3))
    dump = tmp_path / "in" / "wire.jsonl"
    dump.parent.mkdir()
    dump.write_text("".join(json.dumps(r) + "\n" for r in (first, dict(second, id=first["id"]), third)), encoding="utf-8")
    rel = tmp_path / "rel"
    assert run_newsetl("run", "--input", dump, "--output", rel) == 0
    (before,) = read(rel, "rejects")
    assert (before["reason"], before["excerpt"]) == ("duplicate_article_id", second["title"][:200])
    assert before["detail"] == f"article_id {first['id']!r} already read from {dump} record 0"
    ids = tmp_path / "ids.tsv"
    ids.write_text(f"{first['id']}\tcourt order\n", encoding="utf-8")
    assert run_newsetl("remove", "--ids", ids, rel, "--output", tmp_path / "plain") == 0
    assert read(tmp_path / "plain", "rejects") == [before]  # the default: as before session 10
    assert run_newsetl("remove", "--ids", ids, rel, "--output", tmp_path / "copies", "--include-copies") == 0
    assert read(tmp_path / "copies", "rejects") == [dict(before, excerpt="[taken down]")]
    report = json.loads((tmp_path / "copies" / "report.json").read_text())
    assert report["removals"]["copies"] == {"articles": 0, "paragraphs": 0, "index_rows": 0,
                                            "reject_excerpts": {"duplicate_article_id": 1}}
    r = report["records"]
    assert (r["in"], r["rejected"], r["removed"]) == (3, 1, 1) and r["in"] == r["articles_deduplicated"] + r["rejected"] + r["removed"]


def test_not_found_message_names_requests_and_hints_at_the_list_format():
    """Trial 10: `NEWID6,reason` and `"NEWID5"` matched nothing, and only report.json said so."""
    from pipelines.remove import not_found_message
    assert not_found_message(["NEWID6,reason", '"NEWID5"', "newid16"]) == (
        "3 request(s) matched no article: 'NEWID6,reason', '\"NEWID5\"', 'newid16' (ids are case-sensitive; "
        "a reason follows a tab, not a comma; ids are written without quotes; report.json: removals.not_found)")
    assert not_found_message([f"id{k}" for k in range(7)]).startswith(
        "7 request(s) matched no article: 'id0', 'id1', 'id2', 'id3', 'id4', +2 more (")
    assert "comma" not in not_found_message(["https://example.com/a?x=1,2"])
    # trial 11: a URL followed by a comma and a reason got no hint (every line with :// was passed over)
    for listed in ("https://www.albawaba.com/news/story-1322369, gdpr", "https://www.albawaba.com/news/story-1322369,gdpr"):
        assert "a reason follows a tab, not a comma" in not_found_message([listed])
    for url in ("https://example.com/a,b/c", "https://example.com/a?tags=x,y", "https://example.com/a,1"):
        assert "comma" not in not_found_message([url]), url


def test_a_takedown_reaches_a_rejected_record_and_sticks(tmp_path, capsys):
    """Trial 11, finding 13: ``remove --ids`` of ``c4``, a ``missing_text`` reject whose excerpt
    holds the raw record, said it matched no article and left the text in rejects/. Now its
    excerpt is taken down, the request is found (a removals/ row ``rejected_record``), the counts
    reconcile, and a later run given the record again (now with text) rejects it."""
    import gzip

    with gzip.open(ROOT / "samples" / "reuters-sample.jsonl.gz", "rt", encoding="utf-8") as f:
        first, second = (json.loads(next(f)) for _ in range(2))
    no_text = {"id": "c4", "title": second["title"], "url": "https://example.com/c4"}
    dump = tmp_path / "in" / "wire.jsonl"
    dump.parent.mkdir()
    dump.write_text("".join(json.dumps(r) + "\n" for r in (first, no_text)), encoding="utf-8")
    rel = tmp_path / "rel"
    assert run_newsetl("run", "--input", dump, "--output", rel) == 0
    (before,) = read(rel, "rejects")
    assert (before["reason"], before["excerpt"]) == ("missing_text", json.dumps(no_text))
    ids = tmp_path / "ids.tsv"
    ids.write_text("c4\tcourt order\nno-such-id\n", encoding="utf-8")
    capsys.readouterr()
    assert run_newsetl("remove", "--ids", ids, rel, "--output", tmp_path / "r1") == 0
    out, err = capsys.readouterr()
    assert "removed 0 article(s), 0 paragraph(s); rejected records: 1 (their excerpts taken down); not found: 1" in out
    assert "'no-such-id'" in err and "'c4'" not in err
    assert read(tmp_path / "r1", "rejects") == [dict(before, excerpt="[taken down]")]
    assert [(r["article_id"], r["url"], r["requested"], r["reason"], r["matched_by"], r["paragraphs_removed"], r["removed_in"])
            for r in read(tmp_path / "r1", "removals")] == [("c4", None, "c4", "court order", "rejected_record", 0, "r1")]
    report = json.loads((tmp_path / "r1" / "report.json").read_text())
    assert report["removals"]["rejected_records"] == {"requests": 1, "excerpts": {"missing_text": 1}}
    assert (report["removals"]["articles"], report["removals"]["not_found"]) == (0, ["no-such-id"])
    r = report["records"]
    assert (r["in"], r["rejected"], r["removed"]) == (2, 1, 0) and r["in"] == r["articles_deduplicated"] + r["rejected"]
    # explain says where its text went (as for a removed article: exit 2, one line)
    assert run_newsetl("explain", tmp_path / "r1", "c4") == 2
    err = capsys.readouterr().err
    assert err.startswith("newsetl: error: article c4 was taken down in release r1 (published ")
    assert "requested as 'c4', reason: court order, its excerpt in rejects/ replaced (a rejected record, never written)" in err
    # the takedown sticks: the record re-sent with its text is rejected as taken down
    day2 = tmp_path / "day2" / "wire.jsonl"
    day2.parent.mkdir()
    day2.write_text(json.dumps(dict(no_text, text=second["text"])) + "\n", encoding="utf-8")
    assert run_newsetl("run", "--input", day2, "--output", tmp_path / "day2-out", "--dedup-against", tmp_path / "r1") == 0
    assert [(x["reason"], x["detail"]) for x in read(tmp_path / "day2-out", "rejects")] == [
        ("taken_down", "article id c4 was taken down in release r1 (reason: court order)")]
