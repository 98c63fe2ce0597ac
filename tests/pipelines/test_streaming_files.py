"""``newsetl run --streaming`` end to end on the local DirectRunner: real Reuters files dropped
into a watched directory while the pipeline runs; windowed Parquet output, dedup across files,
a late copy and a too-late article."""
from __future__ import annotations

import gzip
import json
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq

from tests.conftest import ROOT, run_newsetl, write_config


def _stories(n: int) -> list[dict]:
    """The first ``n`` distinct stories of the shipped Reuters sample with at least 3 paragraphs
    (each ends with the sign-off paragraph "Reuter")."""
    out = []
    with gzip.open(ROOT / "samples" / "reuters-sample.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            first = record["text"].split("\n\n")[0]
            if record["text"].count("\n\n") >= 2 and all(first != r["text"].split("\n\n")[0] for r in out):
                out.append(record)
            if len(out) == n:
                return out
    raise AssertionError("sample too small")


def _drop(directory: Path, name: str, records: list[dict]) -> None:
    """Write a JSONL file under a hidden name, then rename it into place (as a producer should)."""
    tmp = directory / f".{name}.tmp"
    tmp.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    tmp.rename(directory / name)


def _written(out: Path) -> set[str]:
    """Article ids in the paragraph files written so far (a file being written is skipped)."""
    ids = set()
    for f in out.glob("window=*/pane=*/paragraphs/*.parquet"):
        try:
            ids.update(pq.read_table(f, columns=["article_id"]).column("article_id").to_pylist())
        except (OSError, ValueError):
            pass
    return ids


def _feed(inbox: Path, out: Path, drops: list, failures: list) -> None:
    """Drop each ``(name, records, after)`` file once the paragraphs of article ``after`` are
    written (so it arrives after they were decided, however slow the machine); 20 s at most."""
    for name, records, after in drops:
        deadline = time.monotonic() + 20
        while after not in _written(out):
            if time.monotonic() > deadline:
                failures.append(f"{after} was not written within 20 s")
                return
            time.sleep(0.1)
        _drop(inbox, name, records)


def _iso(t: float) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _last_panes(out: Path, table: str) -> list[dict]:
    """Rows of the highest pane of every window (panes accumulate)."""
    rows = []
    for w in sorted(out.glob("window=*")):
        last = max(w.glob("pane=*"), key=lambda d: int(d.name.split("=")[1]))
        if (last / table).exists():
            rows += pq.read_table(last / table).to_pylist()
    return rows


def test_streaming_run_watches_a_directory(tmp_path, capsys):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    s1, s2, s3 = _stories(3)
    now = time.time()
    a = [dict(r, id=f"a{i}", published=_iso(now - 600)) for i, r in enumerate((s1, s2))]
    b = [dict(s1, id="b0", published=_iso(now - 300)), dict(s3, id="b1", published=_iso(now - 300))]
    c = [dict(s2, id="c0", published=_iso(now - 900)),  # older than a1 by event time, but arrives last
         dict(s3, id="c1", published=_iso(now - 3 * 86_400))]  # its window closed two days ago
    _drop(inbox, "a.jsonl", a)
    cfg = write_config(tmp_path, "streaming:\n  poll_interval_seconds: 1\n  window_seconds: 60\n"
                                 "  allowed_lateness_seconds: 3600\n")
    failures: list[str] = []
    feeder = threading.Thread(target=_feed, args=(inbox, out, [("b.jsonl", b, "a1"), ("c.jsonl", c, "b0")], failures))
    feeder.start()
    assert run_newsetl("run", "--streaming", "--input", inbox / "*.jsonl", "--output", out, "--config", cfg,
                       "--stop-after", "12") == 0
    feeder.join()
    assert not failures

    paragraphs = _last_panes(out, "paragraphs")
    assert {r["article_id"] for r in paragraphs} == {"a0", "a1", "b0", "b1", "c0"}
    got = {(r["article_id"], r["index"]): (r["status"], r["duplicate_of"]) for r in paragraphs if r["index"] > 0}
    n = {k: s["text"].count("\n\n") + 1 for k, s in (("s1", s1), ("s2", s2), ("s3", s3))}
    # "Reuter" (one word, dedup.min_words_across) is no cross-article duplicate (streaming has no
    # site-template rule), but in b0 and c0, whole copies, it is a copy like the rest
    sign_off = ("kept", None)
    expected = {("a0", i): ("kept", None) for i in range(1, n["s1"] + 1)}
    expected |= {("a1", i): ("kept", None) for i in range(1, n["s2"])} | {("a1", n["s2"]): sign_off}
    # b0 repeats a0, earlier by event time and found in an earlier file
    expected |= {("b0", i): ("duplicate_across", f"a0/{i}") for i in range(1, n["s1"] + 1)}  # "Reuter" too
    expected |= {("b1", i): ("kept", None) for i in range(1, n["s3"])} | {("b1", n["s3"]): sign_off}
    # c0 repeats a1 and is older by event time, but arrived after a1 was decided: decisions are never revised
    expected |= {("c0", i): ("duplicate_across", f"a1/{i}") for i in range(1, n["s2"])} | {("c0", n["s2"]): ("duplicate_across", f"a0/{n['s1']}")}
    assert got == expected
    rejects = _last_panes(out, "rejects")
    assert [(r["source_file"].rsplit("/", 1)[1], r["source_record"], r["stage"], r["reason"]) for r in rejects] == [
        ("c.jsonl", 1, "ingest", "late")]
    # as in batch, an article without a kept paragraph has no row in articles/
    assert sorted(r["article_id"] for r in _last_panes(out, "articles")) == ["a0", "a1", "b1"]
    # every pane holds the three tables (an empty rejects/ as in batch), and the run ends with one line
    panes = list(out.glob("window=*/pane=*"))
    assert panes and all(sorted(p.name for p in pane.iterdir()) == ["articles", "paragraphs", "rejects"] for pane in panes)
    assert not list(out.glob("window=*/.pane=*"))
    windows = len(list(out.glob("window=*")))
    assert any(pq.read_metadata(p / "rejects" / "part-00000-of-00001.parquet").num_rows == 0 for p in panes)
    line = capsys.readouterr().out
    assert line.startswith(f"newsetl: wrote {out}: {windows} window(s), their last panes hold 3 articles, "
                           f"{len(paragraphs)} paragraphs, 1 rejects (by reason: ingest:late 1); ") and line.count("\n") == 1, line


def test_streaming_run_rejects_an_article_id_seen_again(tmp_path):
    """A file delivered again under another name, and an id twice in one file: the first arrival
    is processed, every later one is a ``duplicate_article_id`` reject (nothing is lost)."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    s1, s2, s3, s4 = _stories(4)
    published = _iso(time.time() - 600)
    g = [dict(s, id=f"g{i}", published=published) for i, s in enumerate((s1, s2, s3))]
    g.append(dict(s4, id="g0", published=published))  # the id of record 0 again, with another story
    _drop(inbox, "g1.jsonl", g)
    cfg = write_config(tmp_path, "streaming:\n  poll_interval_seconds: 1\n  window_seconds: 60\n"
                                 "  allowed_lateness_seconds: 3600\n")
    # an earlier stream's windows in the output (session 10: --overwrite left them, and an old
    # higher pane of a window would have superseded the new run's)
    stale = out / "window=20261130T000000Z--20261130T000100Z" / "pane=7" / "articles"
    stale.mkdir(parents=True)
    (stale / "part-00000-of-00001.parquet").write_bytes(b"old")
    failures: list[str] = []
    feeder = threading.Thread(target=_feed, args=(inbox, out, [("g2.jsonl", g, "g2")], failures))
    feeder.start()
    assert run_newsetl("run", "--streaming", "--input", inbox, "--output", out, "--config", cfg, "--stop-after", "10",
                       "--overwrite") == 0
    feeder.join()
    assert not failures
    assert not stale.parent.exists() and not list(tmp_path.glob(".out.*"))

    paragraphs = _last_panes(out, "paragraphs")
    n = {aid: s["text"].count("\n\n") + 1 for aid, s in (("g0", s1), ("g1", s2), ("g2", s3))}
    assert sorted((r["article_id"], r["index"]) for r in paragraphs if r["index"] > 0) == sorted(
        (aid, i) for aid, k in n.items() for i in range(1, k + 1))  # g0 is record 0's story (s1), not s4's
    first = {r["index"]: r["text"] for r in paragraphs if r["article_id"] == "g0"}[1]
    assert first == s1["text"].split("\n\n")[0]
    rejects = _last_panes(out, "rejects")
    assert sorted((r["source_file"].rsplit("/", 1)[1], r["source_record"], r["stage"], r["reason"], r["detail"].rsplit("/", 1)[1])
                  for r in rejects) == [
        ("g1.jsonl", 3, "ingest", "duplicate_article_id", "g1.jsonl record 0"),
        ("g2.jsonl", 0, "ingest", "duplicate_article_id", "g1.jsonl record 0"),
        ("g2.jsonl", 1, "ingest", "duplicate_article_id", "g1.jsonl record 1"),
        ("g2.jsonl", 2, "ingest", "duplicate_article_id", "g1.jsonl record 2"),
        ("g2.jsonl", 3, "ingest", "duplicate_article_id", "g1.jsonl record 0")]


def test_streaming_cli_refuses_a_missing_watched_directory_and_an_output_it_would_read_back(tmp_path, capsys):
    from pipelines.streaming import watched_dirs

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cases = [  # (--input, --output, the one-line error)
        (f"{tmp_path}/nodir/", tmp_path / "out", f"input {tmp_path}/nodir/ does not exist; --streaming watches an existing directory"),
        (tmp_path / "nodir" / "*.jsonl", tmp_path / "out", f"input directory {tmp_path}/nodir (of --input {tmp_path}/nodir/*.jsonl) does not exist"),
        (inbox, inbox / "out", f"output {inbox}/out is inside input directory {inbox}"),
        (inbox / "**", inbox / "out", f"output {inbox}/out is inside input directory {inbox}"),
    ]
    for pattern, output, message in cases:
        assert run_newsetl("run", "--streaming", "--input", pattern, "--output", output, "--stop-after", "0") == 2
        err = capsys.readouterr().err
        assert err.startswith(f"newsetl: error: {message}") and err.count("\n") == 1, err
    assert not (inbox / "out").exists()
    # watching an existing directory where nothing matches yet is the point; a glob that cannot
    # match the output's window files does not read them back
    assert watched_dirs([str(inbox / "*.jsonl")], str(inbox / "out")) == []
    assert watched_dirs([str(inbox)], str(tmp_path / "out")) == [str(inbox)]


def test_panes_are_written_whole_and_the_summary_reads_the_last_ones(tmp_path, monkeypatch):
    from pipelines.config import config_from_dict
    from pipelines.streaming import final_panes, summary_line, write_pane
    from transforms.records import Reject
    from transforms.write.core import reject_row

    cfg, out = config_from_dict({}).output, tmp_path / "out"
    late = reject_row(Reject("c.jsonl", 1, -1, "ingest", "late", "window closed", "x"))
    again = reject_row(Reject("g2.jsonl", 0, -1, "ingest", "duplicate_article_id", "g1.jsonl record 0", "y"))
    w1, w2 = out / "window=20261130T000000Z--20261130T000100Z", out / "window=20261130T000100Z--20261130T000200Z"
    write_pane(str(w1 / "pane=0"), {"rejects": [late]}, cfg)
    write_pane(str(w1 / "pane=1"), {"rejects": [late, again]}, cfg)  # accumulating: pane 1 holds pane 0's rows
    write_pane(str(w1 / "pane=10"), {"rejects": [late, again]}, cfg)  # 10 > 1, not by name
    assert write_pane(str(w2 / "pane=0"), {}, cfg) == [(str(w2 / "pane=0" / t / "part-00000-of-00001.parquet"), 0)
                                                       for t in ("articles", "paragraphs", "rejects")]
    assert final_panes(str(out)) == [str(w1 / "pane=10"), str(w2 / "pane=0")]
    assert sorted(p.name for p in w1.iterdir()) == ["pane=0", "pane=1", "pane=10"]  # no hidden leftovers
    # a pane written again (a retried bundle) is swapped in whole: the directory is never missing
    # (session 10: it was deleted, then the new copy renamed in), on either publish path
    from transforms.write import core as write_core

    swaps, real = [], write_core.exchange
    monkeypatch.setattr(write_core, "exchange", lambda a, b: swaps.append((Path(a).name, Path(b).exists())) or real(a, b))
    write_pane(str(w1 / "pane=1"), {"rejects": [again]}, cfg)
    assert [(name.split("-")[0], present) for name, present in swaps] == [(".pane=1.writing", True)]
    assert [r["reason"] for r in pq.read_table(w1 / "pane=1" / "rejects").to_pylist()] == ["duplicate_article_id"]
    monkeypatch.setenv(write_core.NO_EXCHANGE_ENV, "1")  # the two-rename fallback (no renameat2)
    write_pane(str(w1 / "pane=1"), {"rejects": [late]}, cfg)
    assert [r["reason"] for r in pq.read_table(w1 / "pane=1" / "rejects").to_pylist()] == ["late"]
    assert sorted(p.name for p in w1.iterdir()) == ["pane=0", "pane=1", "pane=10"]
    assert summary_line(str(out), 2.5) == (f"newsetl: wrote {out}: 2 window(s), their last panes hold 0 articles, 0 paragraphs, "
                                           "2 rejects (by reason: ingest:duplicate_article_id 1, ingest:late 1); 2.5 s")
    assert summary_line(str(tmp_path / "none"), 1) == f"newsetl: nothing was written to {tmp_path / 'none'}: no article arrived (1.0 s)"
    assert summary_line(str(tmp_path / "none"), 1, local=False) == (
        f"newsetl: the streaming job finished after 1.0 s; its windows are under {tmp_path / 'none'}")
