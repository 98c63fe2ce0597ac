"""A run whose every record was rejected: an unmatched field mapping fails before the publish
(trial 10: ``ingest: fields: {text: body}`` published an empty release with exit code 0)."""
from __future__ import annotations

import pytest

from pipelines import empty_run
from tests.conftest import run_newsetl, write_config


def test_a_text_field_that_matches_nothing_fails_and_publishes_nothing(data, tmp_path, capsys):
    config = write_config(tmp_path, "ingest:\n  fields: {text: body}\n")
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", data / "realnews-grover-samples" / "realnews_tiny.jsonl", "--config", config,
                       "--output", out, "--progress-every", "0") == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["newsetl: error: the text field names nothing in the input: every record (5) was rejected as "
                   "missing_text, e.g. record has no 'body' field (fields: title, text, summary, authors, publish_date, "
                   "status, url, domain, +2 more); map one with ingest.fields; nothing was published"]
    assert not out.exists() and list(tmp_path.iterdir()) == [config]  # no staging left behind


def test_check_tells_a_mapping_error_from_other_empty_runs(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    def staged(*details):
        (tmp_path / "rejects").mkdir(exist_ok=True)
        pq.write_table(pa.table({"detail": list(details)}), tmp_path / "rejects" / "part-00000-of-00001.parquet")
        return str(tmp_path)

    records = {"in": 2, "rejected": 2, "rejected_by_reason": {"ingest:missing_text": 2}}
    with pytest.raises(empty_run.UnmappedFields, match=r"every record \(2\) was rejected as missing_text, e\.g\. no column "
                                                       r"'text' \(columns: id, body\)"):
        empty_run.check_empty_run(staged("no column 'text' (columns: id, body); map one with ingest.fields"), records)
    # empty or null values are the data's, not the config's: published, with a warning
    assert empty_run.check_empty_run(staged("record has no 'text' field (null)", "the row's 'text' value is empty or not text"),
                           records) == "warning: every record (2) was rejected (ingest:missing_text 2): this release has no article"
    assert empty_run.check_empty_run(staged("x"), {"in": 3, "rejected": 3, "rejected_by_reason": {"language:language_filtered": 3}}) == (
        "warning: every record (3) was rejected (language:language_filtered 3): this release has no article")
    assert empty_run.check_empty_run(staged("x"), {"in": 3, "rejected": 2, "rejected_by_reason": {"ingest:missing_text": 2}}) is None
    assert empty_run.check_empty_run(staged(), {"in": 0, "rejected": 0, "rejected_by_reason": {}}) is None


def test_blank_text_is_missing_text_in_every_format_and_an_empty_day_warns(tmp_path, capsys):
    """Trial 11: ``"text": ""`` and ``"  "`` were not rejected (2 articles "empty", exit 0, no
    warning) while ``null`` was: now blank text is ``missing_text`` in JSON Lines, CSV, Parquet
    and text files, and a run that writes no article for any reason says so."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from tests.conftest import read

    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "a.jsonl").write_text('{"id":"a","title":"A","text":""}\n{"id":"b","title":"B","text":"  "}\n'
                                    '{"id":"c","title":"C","text":["", " "]}\n{"id":"d","title":"D","text":{"rendered":""}}\n'
                                    '{"id":"z","title":"Z","text":"\\u200b"}\n', encoding="utf-8")
    (inputs / "b.csv").write_text("id,title,text\ne,E,\nf,F,\"  \"\n", encoding="utf-8")
    pq.write_table(pa.table({"id": ["g"], "title": ["G"], "text": [""]}), inputs / "c.parquet")
    (inputs / "d.txt").write_text("A headline and nothing else\n\n  \n", encoding="utf-8")
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", inputs, "--output", out, "--progress-every", "0") == 0
    report = json.loads((out / "report.json").read_text())
    r = report["records"]
    assert (r["in"], r["rejected"], r["articles_deduplicated"], r["articles_written"]) == (9, 8, 1, 0)
    assert r["rejected_by_reason"] == {"ingest:missing_text": 8}
    assert report["paragraphs"]["dropped_by_reason"] == {"empty:empty": 1}  # z: only a zero-width space, removed by cleaning
    details = {(x["source_file"].rsplit("/", 1)[1], x["source_record"]): x["detail"] for x in read(out, "rejects")}
    assert details == {("a.jsonl", 0): "record's 'text' is blank", ("a.jsonl", 1): "record's 'text' is blank",
                       ("a.jsonl", 2): "record's 'text' is blank", ("a.jsonl", 3): "record's 'text' is blank",
                       ("b.csv", 0): "the row's 'text' value is empty or not text",
                       ("b.csv", 1): "the row's 'text' value is empty or not text",
                       ("c.parquet", 0): "the row's 'text' value is empty or not text",
                       ("d.txt", 0): "the file has a headline line and no body text after it"}
    assert capsys.readouterr().err.splitlines()[-1] == (
        "newsetl: warning: no article was written: of 9 record(s), 8 rejected (ingest:missing_text 8), 1 with no kept "
        "paragraph (paragraphs dropped: empty:empty 1): this release has no article")


def test_check_warns_when_no_article_was_written():
    records = {"in": 3, "rejected": 0, "rejected_by_reason": {}, "articles_written": 0, "articles_without_kept_paragraphs": 3}
    paragraphs = {"dropped_by_reason": {"duplicate_across:exact": 4, "empty:empty": 1}}
    assert empty_run.check_empty_run("unused", records, paragraphs) == (
        "warning: no article was written: of 3 record(s), 0 rejected, 3 with no kept paragraph (paragraphs dropped: "
        "duplicate_across:exact 4, empty:empty 1): this release has no article")
    assert empty_run.check_empty_run("unused", {**records, "articles_written": 1}, paragraphs) is None
