"""``newsetl explain`` of an article that was rejected: found in ``rejects/`` by derived id, own
id, url or FILE:RECORD, with the reason (the trial's explain said "not in paragraphs")."""
from __future__ import annotations

import json

from pipelines import explain_rejects
from pipelines.config import config_from_dict
from tests.conftest import read, run_newsetl
from transforms.ingest import core
from transforms.records import Reject
from transforms.write.core import reject_row


def test_reuters_title_only_stories_are_found_by_their_newid(data):
    """The 75 title-only stories of reut2-000 (missing_text): each is found by its NEWID and
    by FILE:RECORD, and by no other story's id."""
    path = data / "reuters-21578" / "reut2-000.sgm.gz"
    rows = [reject_row(r) for r in core.read_file(str(path), str(path.parent), config_from_dict({}).ingest) if isinstance(r, Reject)]
    assert len(rows) == 75 and {r["reason"] for r in rows} == {"missing_text"}
    assert rows[0]["source_record"] == 29 and rows[0]["excerpt"].startswith("NEWID=30 ASSETS OF MONEY MARKET")
    fields = dict(core.DEFAULT_FIELDS)
    assert [explain_rejects.matches(r, "NEWID30", fields) for r in rows[:2]] == ["id", None]
    assert explain_rejects.matches(rows[0], "reut2-000.sgm.gz:29", fields) == "file and record"
    assert explain_rejects.matches(rows[0], "reut2-000.sgm.gz:30", fields) is None
    assert all(explain_rejects.matches(r, "NEWID" + r["excerpt"].split()[0].removeprefix("NEWID="), fields) == "id" for r in rows)
    assert explain_rejects.matches(rows[0], "NEWID3", fields) is None  # not a prefix match


def test_explain_a_rejected_article_and_count_unusable_urls(data, tmp_path, capsys):
    """One small run: a JSON line that does not parse (found by its derived id and by
    FILE:RECORD), a record without text (by its own id and by its url), an empty text file (by
    its derived id); ``"url": 12345`` is written as null and counted in report.json."""
    news = [json.loads(line) for line in (data / "realnews-grover-samples" / "realnews_tiny.jsonl").read_text(encoding="utf-8").splitlines()]
    inputs = tmp_path / "in" / "2026"
    inputs.mkdir(parents=True)
    lines = [json.dumps({"id": "rn-0", "title": news[0]["title"], "text": news[0]["text"], "url": 12345}),
             '{"id": "rn-1", "title": "cut here',
             json.dumps({"id": "rn-2", "title": news[2]["title"], "url": news[2]["url"]}),
             json.dumps({"id": "rn-3", "title": news[3]["title"], "text": news[3]["text"], "url": news[3]["url"]})]
    (inputs / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (inputs / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", tmp_path / "in", "--output", out) == 0
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["url_unusable"] == {"total": 1, "by_file": {str(inputs / "news.jsonl"): 1}}
    assert report["records"]["rejected_by_reason"] == {"ingest:empty_file": 1, "ingest:invalid_json": 1, "ingest:missing_text": 1}
    assert sorted((a["article_id"], a["url"], a["domain"]) for a in read(out, "articles")) == [
        ("rn-0", None, None), ("rn-3", news[3]["url"], core.domain_of(news[3]["url"]))]
    assert "input urls naming no web address (kept as null): 1 (news.jsonl 1)" in capsys.readouterr().out

    def explain(key):
        code = run_newsetl("explain", out, key)
        captured = capsys.readouterr()
        return code, captured.out.splitlines(), captured.err

    bad_line = core.derived_article_id("2026/news.jsonl", 1)
    code, lines_out, _ = explain(bad_line)
    assert code == 0 and lines_out[0].startswith(f"article {bad_line}: not written, rejected at stage ingest (reason invalid_json): ")
    assert lines_out[1] == f"    source {inputs / 'news.jsonl'} record 1 byte {len(lines[0]) + 1} (found by derived id in rejects/)"
    assert lines_out[2] == '    | {"id": "rn-1", "title": "cut here'
    assert explain("news.jsonl:1")[1][1].endswith("(found by file and record in rejects/)")
    code, lines_out, _ = explain("rn-2")
    assert code == 0 and lines_out[0] == ("article rn-2: not written, rejected at stage ingest (reason missing_text): "
                                          "record has no 'text' field (fields: id, title, url); map one with ingest.fields")
    assert lines_out[1].endswith("(found by id in rejects/)")
    assert explain(news[2]["url"])[1][1].endswith("(found by url in rejects/)")
    empty = core.derived_article_id("2026/empty.txt", 0)
    assert explain(empty)[1][0] == f"article {empty}: not written, rejected at stage ingest (reason empty_file): the file holds no records"
    assert explain("rn-0")[0] == 0  # written: the usual explanation
    code, lines_out, err = explain("rn-9")
    assert code == 2 and "article rn-9 is not in" in err and "nor in its rejects/" in err


def test_rejects_made_after_ingest_are_found_by_the_article_id_in_their_detail():
    """``language_filtered`` (its detail ends with the article id, session 10), ``taken_down``
    and ``duplicate_article_id`` name the article; a longer id that starts alike is not it."""
    from transforms.language.core import filter_reject
    from transforms.records import Article

    article = Article("rn-7", None, None, "Titel", None, "de", None, ("Text.",), "utf-8", "news.jsonl", 7,
                      language_source="fasttext")
    row = reject_row(filter_reject(article, config_from_dict({"language": {"keep": ["en"]}}).language))
    assert row["detail"] == "language de (fasttext) not in keep ['en'] (article rn-7)"
    fields = dict(core.DEFAULT_FIELDS)
    assert [explain_rejects.matches(row, k, fields) for k in ("rn-7", "rn-70", "news.jsonl:7")] == ["id", None, "file and record"]
    taken = {**row, "detail": "article id rn-7 was taken down in release r1 (reason: none given)"}
    again = {**row, "detail": "article_id 'rn-7' already read from news.jsonl record 2"}
    assert [explain_rejects.matches(r, "rn-7", fields) for r in (taken, again)] == ["id", "id"]
