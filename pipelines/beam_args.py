"""Options that ``newsetl run`` leaves for Beam: refuse the ones Beam would discard.

Beam's ``PipelineOptions`` keeps only the options some ``PipelineOptions`` subclass declares
and drops the rest with a log line ("Discarding unparseable args"), so a mistyped newsetl option
(``--dedup-againts``, ``--stop_after``) would run without effect. The unknown options are found
with the very parser Beam builds in ``PipelineOptions.get_all_options`` (every registered
options class, ``allow_abbrev=False``) and its ``parse_known_args``: no hand-kept list.
"""
from __future__ import annotations

import argparse
import difflib
import logging


class _Parser(Exception):
    """Carries Beam's parser out of ``get_all_options`` before it parses (and logs)."""

    def __init__(self, parser):
        super().__init__()
        self.parser = parser


def beam_parser() -> argparse.ArgumentParser:
    """The argument parser of every Beam pipeline option registered in this process.

    Built by ``PipelineOptions.get_all_options`` itself (captured through its
    ``add_extra_args_fn`` hook), so it knows exactly the options Beam keeps.
    """
    import apache_beam  # noqa: F401  (registers the options classes of Beam's runners and IOs)
    from apache_beam.options.pipeline_options import PipelineOptions

    def capture(parser):
        raise _Parser(parser)

    try:
        PipelineOptions([]).get_all_options(add_extra_args_fn=capture)
    except _Parser as found:
        return found.parser
    raise RuntimeError("PipelineOptions.get_all_options did not call add_extra_args_fn")  # Beam changed


def unknown_options(beam_args: list[str]) -> list[str]:
    """The arguments of ``beam_args`` that Beam would discard, as Beam parses them.

    Returns:
        The unknown arguments in order (an option and, when given apart, its value).

    Raises:
        ValueError: a known Beam option with an invalid value (argparse's one-line message).
    """
    parser = beam_parser()

    def fail(message):  # argparse would print its usage (dozens of lines) and exit
        raise ValueError(message)

    parser.error = fail
    _, unknown = parser.parse_known_args(beam_args)
    return unknown


def runner_problem(beam_args: list[str]) -> str | None:
    """Why the ``--runner`` of ``beam_args`` cannot start, in one line (None: no ``--runner``,
    or it can): a name Beam does not know, or options the runner requires that are missing
    (Beam's own ``PipelineOptionsValidator``, which ``beam.Pipeline`` runs: e.g. DataflowRunner
    without ``--project``, ``--region``, ``--temp_location``)."""
    from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
    from apache_beam.options.pipeline_options_validator import PipelineOptionsValidator
    from apache_beam.runners.runner import create_runner

    options = PipelineOptions(beam_args)
    name = options.view_as(StandardOptions).runner
    if not name:
        return None
    try:
        runner = create_runner(name)
    except (ValueError, ImportError) as err:
        known = str(err).split("Valid values are ", 1)[-1].rstrip(".") if "Valid values are" in str(err) else str(err)
        return f"--runner {name} is not a Beam runner (valid: {known})"
    quiet = logging.getLogger("apache_beam.options.pipeline_options")  # "Unable to create default GCS bucket": the
    level, quiet.level = quiet.level, logging.ERROR                      # missing option is named below instead
    try:
        errors = [e.strip().rstrip(".") for e in PipelineOptionsValidator(options, runner).validate()]
    finally:
        quiet.setLevel(level)
    if errors:
        return f"--runner {name} needs more options: " + "; ".join(errors)
    return None


def unknown_options_message(unknown: list[str], own_options: list[str]) -> str:
    """One line naming the unknown options, each with the option it resembles (difflib): a
    newsetl option first, else a Beam option.

    Args:
        unknown: from :func:`unknown_options` (values given apart are left out when an option
            is named).
        own_options: the option strings of the newsetl command, e.g. ``--dedup-against``.
    """
    beam = [o for action in beam_parser()._actions for o in action.option_strings]
    names = [a.split("=", 1)[0] for a in unknown if a.startswith("-")] or unknown
    parts = []
    for name in names:
        close = (difflib.get_close_matches(name.replace("_", "-").lower(), own_options, n=1, cutoff=0.75)
                 or difflib.get_close_matches(name, beam, n=1, cutoff=0.85))
        parts.append(f"{name} (did you mean {close[0]}?)" if close else name)
    if len(parts) == 1:
        return f"unknown option {parts[0]}: neither a newsetl nor a Beam pipeline option (Beam would discard it)"
    return f"unknown options {', '.join(parts)}: neither newsetl nor Beam pipeline options (Beam would discard them)"
