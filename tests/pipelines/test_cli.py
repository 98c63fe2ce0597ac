"""Fail-fast checks of the launcher: exit code 2 and a one-line message naming the problem."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT, read, run_newsetl, write_config

SEED = ROOT / "samples" / "000_56aaff5fb1689b7e.txt"


@pytest.mark.parametrize("config, expected", [
    ("dedup:\n  thresold: 0.8\n", "dedup.thresold: unknown key"),
    ("dedup:\n  num_perm: many\n", "dedup.num_perm: Input should be a valid integer"),
    ("dedup:\n  threshold: 1.5\n", "dedup.threshold: Input should be less than or equal to 1"),
    ("dedup:\n  bands: 40\n  rows: 4\n", "bands*rows = 40*4 = 160 exceeds num_perm 128"),
    ("ingest:\n  encoding: klingon\n", "unknown encoding 'klingon'"),
    ("ingest: [1, 2\n", "invalid YAML in config CONFIG at line 2, column 1: expected ',' or ']', but got '<stream end>'"),
    ("dedup:\n  thresold: 0.8\n  bandz: 3\n  num_perm: x\n", "dedup.num_perm: Input should be a valid integer (also: dedup.thresold, dedup.bandz)"),
    ("language:\n  min_confidence: 1\n", "language.min_confidence: Value error, must be below 1"),
])
def test_bad_config_exits_2_with_one_line(tmp_path, capsys, config, expected):
    path = write_config(tmp_path, config)
    code = run_newsetl("run", "--input", SEED, "--output", tmp_path / "out", "--config", path)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert expected.replace("CONFIG", str(path)) in err
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_missing_input_exits_2(tmp_path, capsys):
    assert run_newsetl("run", "--input", tmp_path / "nothing*.jsonl", "--output", tmp_path / "out") == 2
    assert "matches no file" in capsys.readouterr().err


def test_missing_config_file_exits_2(tmp_path, capsys):
    assert run_newsetl("run", "--input", SEED, "--output", tmp_path / "o", "--config", tmp_path / "nope.yaml") == 2
    assert "cannot read config" in capsys.readouterr().err


def test_non_empty_output_without_overwrite_exits_2(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    assert run_newsetl("run", "--input", SEED, "--output", out) == 2
    assert "not empty" in capsys.readouterr().err
    assert (out / "keep.txt").read_text() == "x"


def test_unwritable_output_exits_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert run_newsetl("run", "--input", SEED, "--output", blocker / "out") == 2
    assert "cannot be created" in capsys.readouterr().err


def test_default_config_is_valid():
    from pipelines.config import load_config

    cfg = load_config()
    assert (cfg.dedup.num_perm, cfg.dedup.threshold, cfg.dedup.bands, cfg.dedup.rows) == (128, 0.8, 21, 6)
    assert len(cfg.digest()) == 64


def test_output_containing_an_input_is_refused(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.jsonl").write_text('{"id": "1", "text": "x"}\n')
    for output in (data, tmp_path):
        assert run_newsetl("run", "--input", data, "--output", output, "--overwrite") == 2
        assert "contains input" in capsys.readouterr().err
    assert (data / "a.jsonl").exists()


def test_current_directory_as_output_is_refused(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for output in ("", "."):
        assert run_newsetl("run", "--input", SEED, "--output", output, "--overwrite") == 2
        assert "must name a dataset directory" in capsys.readouterr().err


def test_repeated_rule_name_is_refused(tmp_path, capsys):
    config = write_config(tmp_path, "clean:\n  rules:\n    - {name: ad, pattern: 'Ad'}\n    - {name: ad, pattern: 'Advert'}\n")
    assert run_newsetl("run", "--input", ROOT / "samples" / "*.txt", "--output", tmp_path / "o", "--config", config) == 2
    err = capsys.readouterr().err.strip()
    assert "clean.rules" in err and "['ad'] used more than once" in err and "\n" not in err


def test_shell_expanded_glob_takes_every_file(tmp_path):
    for n in range(3):
        (tmp_path / f"d{n}.jsonl").write_text(json.dumps({"id": f"a{n}", "text": f"Story number {n} is here."}) + "\n")
    files = sorted(str(p) for p in tmp_path.glob("*.jsonl"))
    assert run_newsetl("run", "--input", *files, "--output", tmp_path / "out") == 0
    assert json.loads((tmp_path / "out" / "report.json").read_text())["records"]["in"] == 3


def test_stray_argument_and_repeated_config_exit_2(tmp_path, capsys):
    seed = ROOT / "samples" / "000_56aaff5fb1689b7e.txt"
    assert run_newsetl("run", "--output", tmp_path / "o", "stray.jsonl", "--input", seed) == 2
    assert "unexpected argument 'stray.jsonl'" in capsys.readouterr().err
    cfg = ROOT / "configs" / "default.yaml"
    assert run_newsetl("run", "--input", seed, "--output", tmp_path / "o", "--config", cfg, f"--config={cfg}") == 2
    assert "--config is given more than once" in capsys.readouterr().err
    assert run_newsetl("run", "--input", seed, "--output", tmp_path / "o2", "--runner", "FnApiRunner") == 0  # option values pass


def test_output_inside_an_input_directory_or_release_and_unwritable_places_exit_2(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text(json.dumps({"id": "a", "text": "Some words here."}) + "\n")
    assert run_newsetl("run", "--input", src, "--output", src / "out") == 2
    assert "is inside input directory" in capsys.readouterr().err
    assert run_newsetl("run", "--input", src, "--output", tmp_path / "rel") == 0
    assert run_newsetl("run", "--input", src, "--output", tmp_path / "rel" / "sub", "--dedup-against", tmp_path / "rel") == 2
    assert "inside input directory" in capsys.readouterr().err
    ids = tmp_path / "ids.txt"
    ids.write_text("a\n")
    assert run_newsetl("remove", "--ids", ids, tmp_path / "rel", "--output", tmp_path / "rel" / "sub") == 2
    assert run_newsetl("run", "--input", src, "--output", "/proc/newsetl-test-out") == 2
    assert "cannot be created" in capsys.readouterr().err


def test_dangling_link_below_an_input_directory_exits_2(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.jsonl").write_text(json.dumps({"id": "a", "text": "Some words here."}) + "\n")
    (src / "gone.jsonl").symlink_to(tmp_path / "missing.jsonl")
    assert run_newsetl("run", "--input", src, "--output", tmp_path / "o") == 2
    assert "is a link to a missing file" in capsys.readouterr().err


def test_damaged_report_gives_one_line_not_a_traceback(tmp_path, capsys):
    out = tmp_path / "rel"
    assert run_newsetl("run", "--input", ROOT / "samples" / "000_56aaff5fb1689b7e.txt", "--output", out) == 0
    (out / "report.json").write_text("{not json")
    capsys.readouterr()
    for args in (("inspect", out), ("explain", out, "x"), ("remove", "--ids", out / "report.json", out, "--output", tmp_path / "r2")):
        assert run_newsetl(*args) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("newsetl: error:") and "damaged" in err and "\n" not in err


@pytest.mark.parametrize("yaml_text, words", [
    ('ingest:\n  paragraph_separator: "x*"\n', "matches the empty string"),
    ("ingest:\n  fallback_encoding: utf-16\n", "not ASCII-compatible"),
])
def test_config_values_that_would_garble_text_are_refused(tmp_path, capsys, yaml_text, words):
    config = write_config(tmp_path, yaml_text)
    assert run_newsetl("run", "--input", ROOT / "samples" / "*.txt", "--output", tmp_path / "o", "--config", config) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "\n" not in err


@pytest.mark.parametrize("extra, expected", [
    (["--dedup-againts", "REL"], "unknown option --dedup-againts (did you mean --dedup-against?): neither a newsetl"),
    (["--stop_after", "5"], "unknown option --stop_after (did you mean --stop-after?): neither a newsetl"),
    (["--direct_num_worker=2"], "unknown option --direct_num_worker (did you mean --direct_num_workers?)"),
    (["--runner=DirectRunner", "--frobnicate", "--bar=1"], "unknown options --frobnicate, --bar: neither newsetl nor Beam"),
    # no abbreviations: a truncated option is a typo, not a silent match
    (["--stop-afte", "5"], "unknown option --stop-afte (did you mean --stop-after?): neither a newsetl"),
])
def test_unknown_option_exits_2_instead_of_being_discarded_by_beam(tmp_path, capsys, extra, expected):
    """A new-user trial ran --dedup-againts with exit 0 and no dedup (Beam logged "Discarding")."""
    code = run_newsetl("run", "--input", SEED, "--output", tmp_path / "out", *extra)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith(f"newsetl: error: {expected}")
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_beam_pipeline_options_are_known_to_the_check():
    """Runner, portability, worker and setup options pass (as Beam parses them), typos do not."""
    from pipelines.beam_args import unknown_options

    assert unknown_options([
        "--direct_num_workers=2", "--direct_running_mode=multi_processing", "--runner=PortableRunner",
        "--job_endpoint=embed", "--environment_type=EXTERNAL", "--environment_config=localhost:50000",
        "--setup_file", "./setup.py", "--temp_location=/tmp/x", "--flink_master=flink:8081", "--parallelism=16",
        "--spark_master_url=spark://m:7077", "--project=p", "--region=europe-west1", "--max_num_workers=50",
        "--sdk_container_image=img", "--streaming"]) == []
    assert unknown_options(["--runner", "DirectRunner", "--dedup-againts", "REL", "--stop_after=5"]) == \
        ["--dedup-againts", "REL", "--stop_after=5"]


@pytest.mark.parametrize("detector", ["fasttext", "lingua"])
def test_language_codes_are_lower_cased_for_both_detectors(detector):
    """keep: [EN] was accepted but compared case-sensitively, so every article was rejected."""
    from pipelines.config import config_from_dict
    from transforms.language.core import filter_reject
    from transforms.records import Article

    language = config_from_dict({"language": {"detector": detector, "languages": ["EN", "De"], "keep": [" EN"]}}).language
    assert (language.languages, language.keep) == (("en", "de"), ("en",))
    article = Article("a", None, None, "t", None, "en", None, ("x",), "utf-8", "f", 0)
    assert filter_reject(article, language) is None
    assert filter_reject(article._replace(language="de"), language).reason == "language_filtered"


def test_unparsed_published_values_are_counted_in_the_report(data, tmp_path, capsys):
    """RealNews dates (04-19-2019) without ingest.published_formats: the 13 articles are still
    written (published null), and report.json, the run summary and inspect count them per file."""
    folder = data / "realnews-grover-samples"
    config = write_config(tmp_path, "ingest:\n  fields: {published: publish_date}\n  paragraph_separator: '\\n'\n")
    out = tmp_path / "out"
    assert run_newsetl("run", "--input", folder / "*.jsonl", "--output", out, "--config", config, "--progress-every", "0") == 0
    report = json.loads((out / "report.json").read_text())
    assert report["published_unparsed"] == {"total": 13, "by_file": {
        str(folder / "april2019_set_mini.jsonl"): 8, str(folder / "realnews_tiny.jsonl"): 5}}
    assert report["records"]["in"] == report["records"]["articles_written"] == 13  # still written, still reconciled
    line = ("  published dates not parsed (kept as null, see ingest.published_formats): 13 "
            "(april2019_set_mini.jsonl 8, realnews_tiny.jsonl 5)")
    assert line in capsys.readouterr().out.splitlines()
    assert run_newsetl("inspect", out) == 0
    assert line in capsys.readouterr().out.splitlines()
    assert "| articles whose published date did not parse (written with published = null) | 13 |" in \
        (out / "README.md").read_text().splitlines()
    assert '<div class="v" id="card-dates-unparsed">13</div>' in (out / "report.html").read_text()


def test_help_goes_to_stdout_and_exits_0_unknown_command_exits_2(capsys):
    assert run_newsetl("--help") == 0
    out = capsys.readouterr()
    assert out.out.startswith("usage: newsetl run --input GLOB") and out.err == ""
    assert run_newsetl("frobnicate") == 2
    out = capsys.readouterr()  # trial 11: the unknown command was not named
    assert out.out == "" and out.err.startswith("newsetl: error: unknown command 'frobnicate'\nusage: newsetl run")


def test_usage_is_made_from_the_parsers_so_no_option_is_missing(capsys):
    """Trial 11: the usage lacked remove's --include-copies and four run options."""
    from pipelines.cli import run_parser
    from pipelines.dataset_info import explain_parser, inspect_parser
    from pipelines.remove import remove_parser
    from pipelines.usage import usage_text

    text = usage_text()
    assert text.splitlines()[0] == "usage: newsetl run --input GLOB [--input GLOB ...] --output DIR [--config FILE] [--overwrite]"
    assert "       newsetl remove --ids FILE RELEASE --output NEW_RELEASE [--overwrite] [--include-copies]" in text.splitlines()
    assert "       newsetl explain DIR ARTICLE_ID [--full]" in text.splitlines()
    assert all(len(line) <= 100 for line in text.splitlines())
    commands = {"run": run_parser(), "remove": remove_parser(), "inspect": inspect_parser(), "explain": explain_parser()}
    for command, parser in commands.items():
        block = text.split(f"newsetl {command} ", 1)[1].split("newsetl ", 1)[0]
        options = {o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"}
        assert options and all(re.search(rf"\[?{o}\b", block) for o in options), (command, options)
    for flag in ("--replace-referenced", "--takedowns-from RELEASE ...", "--progress-every SECONDS", "--stop-after SECONDS"):
        assert flag in text


def test_argument_errors_are_one_line(tmp_path, capsys):
    """Trial 11: ``--progress-every -1`` printed the 6-line usage before the error."""
    with pytest.raises(SystemExit) as exit_info:
        run_newsetl("run", "--input", SEED, "--output", tmp_path / "out", "--progress-every", "-1")
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == ("newsetl run: error: argument --progress-every: must be a number >= 0, not -1 "
                                       "('newsetl run --help' lists its options)\n")
    with pytest.raises(SystemExit):
        run_newsetl("explain", tmp_path)
    assert capsys.readouterr().err == ("newsetl explain: error: the following arguments are required: ARTICLE_ID "
                                       "('newsetl explain --help' lists its options)\n")
    # trial 11: --replace-referenced without --overwrite was accepted without a word
    assert run_newsetl("run", "--input", SEED, "--output", tmp_path / "out", "--replace-referenced") == 2
    assert capsys.readouterr().err == ("newsetl: error: --replace-referenced only applies with --overwrite (it lets "
                                       "--overwrite replace a release that releases next to it were deduplicated against)\n")
    assert not (tmp_path / "out").exists()


def test_seconds_options_name_the_problem(tmp_path, capsys):
    for value in ("abc", "-1", "nan"):
        with pytest.raises(SystemExit) as exit_info:
            run_newsetl("run", "--input", ROOT / "samples", "--output", tmp_path / "out", "--stop-after", value)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()[-1]
        assert err.startswith("newsetl run: error: argument --stop-after: must be a number") and "_non_negative" not in err


@pytest.mark.parametrize("option, expected", [
    ("--runner=BogusRunner", "--runner BogusRunner is not a Beam runner (valid: DataflowRunner, BundleBasedDirectRunner, "
     "DirectRunner, SwitchingDirectRunner, InteractiveRunner, FlinkRunner, FnApiRunner, KafkaStreamsRunner, PortableRunner, "
     "PrismRunner, SparkRunner, TestDirectRunner, TestDataflowRunner or the fully qualified name of a PipelineRunner subclass)"),
    ("--runner=DataflowRunner", "--runner DataflowRunner needs more options: Missing GCS path option: temp_location; "
     "Missing GCS path option: staging_location; Missing required option: project; Missing required option: region"),
    ("--direct_num_workers=abc", "invalid Beam option: argument --direct_num_workers: invalid int value: 'abc'"),
])
def test_bad_runner_or_beam_option_value_exits_2_with_one_line(tmp_path, capsys, option, expected):
    assert run_newsetl("run", "--input", SEED, "--output", tmp_path / "out", option) == 2
    assert capsys.readouterr().err == f"newsetl: error: {expected}\n"
    assert not (tmp_path / "out").exists()


def test_directory_input_skips_notices_and_own_output_keeps_language_source(data, tmp_path, capsys):
    """RealNews folder as the input: its LICENSE.upstream.txt is not read but listed (report.json, the
    summary); the card still quotes it. Then that run's articles/ read back as the input: the
    languages fastText found stay ``fasttext``, not ``input``."""
    folder = data / "realnews-grover-samples"
    first = tmp_path / "first"
    assert run_newsetl("run", "--input", folder, "--output", first, "--config", ROOT / "configs" / "realnews.yaml",
                       "--progress-every", "0") == 0
    report = json.loads((first / "report.json").read_text())
    assert report["inputs_skipped"] == [{"path": str(folder / "LICENSE.upstream.txt"), "reason": "notice_file"},
                                        {"path": str(folder / "SOURCE.md"), "reason": "notice_file"}]
    assert [Path(i["path"]).name for i in report["inputs"]] == ["april2019_set_mini.jsonl", "realnews_tiny.jsonl"]
    assert report["records"]["in"] == 13 and report["records"]["rejected"] == 0
    assert (f"  inputs skipped (files of directory inputs not read: notice_file 2; name one by path to "
            f"read it, with ingest.format for an unknown format): 2 ({folder / 'LICENSE.upstream.txt'}, {folder / 'SOURCE.md'})"
            ) in capsys.readouterr().out.splitlines()
    assert [Path(n["path"]).name for n in report["input_notices"]] == ["LICENSE.upstream.txt", "SOURCE.md"]
    written = {a["article_id"]: (a["language"], a["language_source"]) for a in read(first, "articles")}
    assert set(written.values()) == {("en", "fasttext")} and len(written) == 13
    again = tmp_path / "again"
    config = write_config(tmp_path, "ingest:\n  fields: {id: article_id}\n")  # the ids of the first run
    assert run_newsetl("run", "--input", first / "articles", "--output", again, "--config", config, "--progress-every", "0") == 0
    reread = {a["article_id"]: (a["language"], a["language_source"]) for a in read(again, "articles")}
    assert reread == written
    assert json.loads((again / "report.json").read_text())["inputs_skipped"] == []


def test_json_ids_of_every_type_reconcile(data, tmp_path):
    """RealNews articles with the ids "1", 1, 1.0, true, [1], {"n": 1}: one article, the integer 1 a
    duplicate of "1", four dead letters bad_id; the counts reconcile (a run once failed here)."""
    folder = data / "realnews-grover-samples"
    records = [json.loads(line) for line in (folder / "april2019_set_mini.jsonl").read_text(encoding="utf-8").splitlines()]
    src = tmp_path / "ids.jsonl"
    src.write_text("".join(json.dumps({**r, "id": i}) + "\n" for r, i in zip(records, ["1", 1, 1.0, True, [1], {"n": 1}])),
                   encoding="utf-8")
    assert run_newsetl("run", "--input", src, "--output", tmp_path / "out", "--config", ROOT / "configs" / "realnews.yaml",
                       "--progress-every", "0") == 0
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["records"]["in"] == 6 and report["records"]["articles_written"] == 1
    assert report["records"]["rejected_by_reason"] == {"ingest:bad_id": 4, "ingest:duplicate_article_id": 1}
    assert [a["article_id"] for a in read(tmp_path / "out", "articles")] == ["1"]
    assert sorted((r["source_record"], r["reason"]) for r in read(tmp_path / "out", "rejects")) == [
        (1, "duplicate_article_id"), (2, "bad_id"), (3, "bad_id"), (4, "bad_id"), (5, "bad_id")]
