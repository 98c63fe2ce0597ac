"""End to end on web captures: the WARC sample files, benchmark pages written into a WARC file
(one synthetic site with injected promo boilerplate, plus older captures of two URLs), and
Chinese/Japanese pages deduplicated with character shingles."""
from __future__ import annotations

import gzip
import json
from collections import Counter

from benchmarks import web_cases
from benchmarks.eval_extraction import prf, trafilatura_alone
from tests.conftest import read, run_newsetl, write_config
from transforms.dedup.core import is_no_space_script, matching_form


def test_warc_sample_files_run_and_reconcile(data, tmp_path, capfd):
    samples = data / "warc-samples"
    config = write_config(tmp_path, "ingest: {format: warc}\noutput: {shards: 3}\n")  # also reads example-bad.warc.gz.bad
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", samples / "*" / "*.*arc*", "--output", out, "--config", config) == 0
    err = capfd.readouterr().err  # warcio's own warnings are rejects, not lines among newsetl's output
    assert "Replacing spaces" not in err and "not followed by newline" not in err and "Remainder" not in err
    report = json.loads((out / "report.json").read_text())
    r = report["records"]
    assert report["reconciled"] is True and len(report["inputs"]) == 21
    by_reason = r["rejected_by_reason"]
    # 93 articles read; captures of one canonical URL become one article (http://example.com/ x 8, allenai.org x 3)
    assert by_reason["ingest:superseded_capture"] == 9
    assert r["in"] == 233 and r["articles_deduplicated"] == 93 - 9
    assert by_reason["ingest:warc_target_uri_repaired"] == 2 and by_reason["ingest:warc_length_mismatch"] == 1
    assert by_reason["ingest:warc_request_record"] == 73 and by_reason["ingest:warc_revisit"] == 4
    assert by_reason["ingest:warc_non_200"] == 4 and by_reason["ingest:warc_non_html"] == 3
    assert by_reason["ingest:truncated_record"] == 2 and by_reason["ingest:truncated_or_corrupt_file"] == 1
    assert r["in"] == r["articles_deduplicated"] + r["rejected"]
    arts = {a["url"]: a for a in read(out, "articles")}
    example = arts["http://example.com/"]
    assert example["source_file"].endswith("example-wrong-chunks.warc.gz")  # latest WARC-Date, 2018-11-02
    assert arts["https://allenai.org/"]["source_record"] == 20  # the latest of its three captures
    rejects = read(out, "rejects")
    # output.shards: 3 files per table, rejects too (they used to share one file per input file)
    assert {t: sorted(p.name for p in (out / t).glob("*.parquet")) for t in ("articles", "paragraphs", "rejects")} == {
        t: [f"part-0000{i}-of-00003.parquet" for i in range(3)] for t in ("articles", "paragraphs", "rejects")}
    clipped = [x for x in rejects if x["reason"] == "truncated_record" and x["source_file"].endswith("clipped.warc.gz")]
    assert len(clipped) == 1 and "shorter than its Content-Length" in clipped[0]["detail"]


def test_benchmark_pages_in_a_warc_one_site_boilerplate_and_captures(data, tmp_path):
    """30 real benchmark pages as one site, each with the same promo paragraph and newsletter box
    inside the article body, written with warcio; two URLs also have an older, altered capture."""
    case = web_cases.one_site_case(data, 30)
    assert len(case) == 30
    pages = [(url, html, date) for url, html, date, _ in case]
    older = [(url, html.replace(b"<title>", b"<title>OLD "), "2023-01-01T00:00:00Z") for url, html, _ in pages[:2]]
    warc = tmp_path / "site.warc.gz"
    web_cases.write_warc(warc, older + pages)
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", warc, "--output", out) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["records"]["in"] == 32 and report["records"]["rejected_by_reason"] == {"ingest:superseded_capture": 2}
    arts = read(out, "articles")
    assert len(arts) == 30 and not any(a["title"].startswith("OLD ") for a in arts)
    assert {a["domain"] for a in arts} == {web_cases.SITE} and {a["charset"] for a in arts} == {"utf-8 (http)"}
    for snippet in web_cases.INJECTED:
        assert not any(snippet in a["text"] for a in arts), snippet
    alone = sum(web_cases.PROMO in trafilatura_alone(html) for _, html, _ in pages)
    assert alone >= 20  # the single-page extractor keeps the promo on most pages
    paras = read(out, "paragraphs")
    promo = [p for p in paras if p["text"] == web_cases.PROMO]
    assert len(promo) >= alone and {(p["status"], p["reason"]) for p in promo} == {("boilerplate", "site_template")}
    texts = {a["url"]: a["text"] for a in arts}
    truth = {k: t["articleBody"] for k, _, t in web_cases.scrapinghub_pages(data)}
    scores = [prf(texts[url], truth[key]) for url, _, _, key in case]  # against the benchmark's ground truth
    assert sum(f1 for _, _, f1 in scores) / len(scores) > 0.95
    assert truth[case[0][3]].split("\n")[0].strip() in texts[case[0][0]]


def _edit(paragraph: str, old: str, new: str) -> str:
    assert old in paragraph
    return paragraph.replace(old, new, 1)


def test_chinese_and_japanese_pages_dedup_with_character_shingles(data, tmp_path):
    """Real zh (qq.com) and ja (Yahoo! News) pages and lightly edited copies: each edited
    paragraph is a near duplicate (character 5-gram Jaccard), the rest exact duplicates."""
    root = data / "mozilla-readability-news-pages"
    edits = {"qq": ("很大关系", "密切联系"), "yahoo-4": ("莫大な", "膨大な")}
    folder = tmp_path / "pages"
    folder.mkdir()
    for name, (old, new) in edits.items():
        page = gzip.decompress((root / name / "source.html.gz").read_bytes()).decode("utf-8")
        (folder / f"{name}.html").write_text(page, encoding="utf-8")
        (folder / f"{name}-edited.html").write_text(_edit(page, old, new), encoding="utf-8")
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", folder, "--output", out) == 0
    paras = read(out, "paragraphs")
    for name, (old, new) in edits.items():
        changed = [p for p in paras if p["index"] > 0 and (old in p["text"] or new in p["text"])]
        assert len(changed) == 2, name
        assert is_no_space_script(matching_form(changed[0]["text"]))
        kept, dup = sorted(changed, key=lambda p: p["status"] != "kept")
        assert kept["status"] == "kept" and dup["status"] == "duplicate_across" and dup["reason"] == "near"
        assert dup["duplicate_of"] == f"{kept['article_id']}/{kept['index']}"
        assert 0.8 <= dup["similarity"] < 1.0
        statuses = Counter(p["status"] for p in paras if p["index"] > 0 and p["article_id"] == dup["article_id"])
        assert statuses["kept"] == 0 and statuses["duplicate_across"] >= 9, statuses


def test_web_capture_output_is_identical_for_record_order_and_workers(data, tmp_path, capfd):
    """Captures in reverse order, an older capture after the newer one, two worker processes:
    the same articles (ids from the canonical URL) and byte-identical paragraphs/. The worker
    processes print nothing (trial 10: about 20 lines of Beam start-up and shutdown logging each)."""
    import pyarrow.parquet as pq

    case = web_cases.one_site_case(data, 12)
    pages = [(url, html, date) for url, html, date, _ in case]
    older = [(pages[0][0], pages[0][1].replace(b"<title>", b"<title>OLD "), "2023-01-01T00:00:00Z")]
    runs = {"a": (older + pages, []), "b": (list(reversed(pages)) + older,
                                            ["--direct_num_workers=2", "--direct_running_mode=multi_processing"])}
    for name, (records, beam_args) in runs.items():
        web_cases.write_warc(tmp_path / f"{name}.warc.gz", records)
        assert run_newsetl("run", "--input", tmp_path / f"{name}.warc.gz", "--output", tmp_path / name, *beam_args) == 0
    assert [line for line in capfd.readouterr().err.splitlines() if not line.startswith("newsetl: ")] == []
    files = sorted(p.name for p in (tmp_path / "a" / "paragraphs").glob("*.parquet"))
    for f in files:
        assert (tmp_path / "a" / "paragraphs" / f).read_bytes() == (tmp_path / "b" / "paragraphs" / f).read_bytes()
    a, b = (pq.read_table(tmp_path / n / "articles").drop_columns(["source_file", "source_record"]) for n in "ab")
    assert a.num_rows == 12 and a.equals(b)


def test_tables_code_and_html_text_fields_end_to_end(data, tmp_path):
    """Trial 11, one run: the Browns snap counts page (four tables with the same header rows),
    Readability's ars-1 page (a 26-line JSON listing), and JSON Lines whose text field holds HTML
    (WordPress ``rendered``, a <pre> split by a blank line, <p> written as entities). Tables and
    the listing are one paragraph each, kept whole (dedup within the article dropped the later
    tables' headers and 16 listing lines before); no tag is left in the HTML text fields."""
    import shutil

    pages = tmp_path / "in"
    pages.mkdir()
    shutil.copy(data / "scrapinghub-article-extraction-benchmark" / "html" / "6a72de37e8f98f4eee6c0821e593b35ce536cef6c8b424c5e1dd747ebe6621ba.html.gz",
                pages / "browns.html.gz")
    shutil.copy(data / "mozilla-readability-news-pages" / "ars-1" / "source.html.gz", pages / "ars-1.html.gz")
    records = [
        {"id": "wp", "title": {"rendered": "WP post"}, "text": {"rendered": (
            '<p>WP first paragraph <time datetime="2019-01-01T10:00">Jan 1</time> text.</p>\n'
            '<p>WP second with <code>inline code</code> and <abbr title="x">ABBR</abbr>.</p>\n'
            "<pre>code line 1\n    indented line 2\n\ncode after blank lines</pre>\n<p>WP last.</p>")}},
        {"id": "esc", "title": "Escaped", "text": "&lt;p&gt;First escaped paragraph with words.&lt;/p&gt;"
                                                  "&lt;p&gt;Second escaped paragraph with words.&lt;/p&gt;"}]
    (pages / "wp.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", pages, "--output", out) == 0
    rows = sorted(read(out, "paragraphs"), key=lambda r: (r["article_id"], r["index"]))
    by_article = {}
    for r in rows:
        by_article.setdefault(r["article_id"], []).append(r)
    kept = {a: [r["text"] for r in rs if r["status"] == "kept"] for a, rs in by_article.items()}
    assert kept["wp"] == ["WP first paragraph Jan 1 text.", "WP second with inline code and ABBR.",
                          "code line 1\n    indented line 2\ncode after blank lines", "WP last."]
    assert kept["esc"] == ["First escaped paragraph with words.", "Second escaped paragraph with words."]
    browns = next(a for a, texts in kept.items() if any("Joe Schobert" in t for t in texts))
    tables = [t for t in kept[browns] if t.startswith("| Pos | Player | Plays | % | Stats |\n|---|---|---|---|---|\n")]
    assert len(tables) == 4 and not [r for r in by_article[browns] if r["status"] == "duplicate_within"]
    ars = next(a for a, texts in kept.items() if any(t.startswith("rekt: {") for t in texts))
    listing = next(t for t in kept[ars] if t.startswith("rekt: {"))
    assert listing.count("\n") == 25 and "\n                        list: [\n" in listing
    assert [r["text"] for r in by_article[ars] if r["status"] == "duplicate_within"] == []
