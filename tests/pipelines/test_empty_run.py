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
