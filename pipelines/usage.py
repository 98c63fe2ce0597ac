"""The usage lines of ``newsetl``: made from the commands' own argument parsers, so that an
option added to a command cannot be missing from ``newsetl --help`` (trial 11: ``remove`` lacked
``--include-copies`` and ``run`` four options), and one-line argument errors.
"""
from __future__ import annotations

import argparse
import sys

# what follows the options of a command, which no parser declares
TRAILERS = {"run": "[Beam options]"}


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (exit code 2), as newsetl's other
    usage errors are, instead of argparse's usage block followed by the error."""

    def error(self, message: str):
        """Print ``PROG: error: MESSAGE ('PROG --help' lists its options)`` and exit with 2."""
        self.exit(2, f"{self.prog}: error: {message} ('{self.prog} --help' lists its options)\n")


def _item(action: argparse.Action) -> str:
    """One option or positional of a synopsis: ``--output DIR``, ``[--overwrite]``,
    ``--input GLOB [--input GLOB ...]``, ``[--dedup-against RELEASE ...]``, ``DIR``."""
    if not action.option_strings:
        return action.metavar or action.dest.upper()
    option = action.option_strings[-1]
    if action.nargs == 0:  # store_true and the like
        word = option
    else:
        word = f"{option} {action.metavar or action.dest.upper()}"
    repeated = isinstance(action, (argparse._AppendAction, argparse._ExtendAction))
    if action.required:
        return f"{word} [{word} ...]" if repeated else word
    return f"[{word} ...]" if repeated else f"[{word}]"


def synopsis(command: str, parser: argparse.ArgumentParser) -> list[str]:
    """``newsetl COMMAND`` and every option and positional of ``parser`` (not ``--help``), in
    the parser's order, plus :data:`TRAILERS`: the items of one usage line."""
    items = [_item(a) for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    return [f"newsetl {command}", *items, *([TRAILERS[command]] if command in TRAILERS else [])]


def _wrap(items: list[str], first: str, indent: str, width: int) -> list[str]:
    """``items`` joined by spaces into lines of at most ``width`` characters (an item is never
    cut), the first line after ``first``, the others after ``indent``."""
    lines = [first + items[0]]
    for item in items[1:]:
        if len(lines[-1]) + 1 + len(item) > width:
            lines.append(indent + item)
        else:
            lines[-1] += " " + item
    return lines


def usage_text(width: int = 100) -> str:
    """The usage of every command (:func:`synopsis`, wrapped at ``width`` between items), then a pointer to
    ``newsetl COMMAND --help``."""
    from pipelines.cli import run_parser
    from pipelines.dataset_info import explain_parser, inspect_parser
    from pipelines.remove import remove_parser

    lines = []
    for k, (command, parser) in enumerate((("run", run_parser), ("remove", remove_parser),
                                           ("inspect", inspect_parser), ("explain", explain_parser))):
        lines += _wrap(synopsis(command, parser()), "usage: " if k == 0 else " " * 7, " " * 15, width)
    return "\n".join(lines + ["'newsetl COMMAND --help' describes a command's options."])


def print_usage(asked: bool, unknown: str | None = None) -> int:
    """Print :func:`usage_text`: on stdout with exit code 0 when asked for (``help``, ``-h``,
    ``--help``), else on stderr, after a line naming the ``unknown`` command if one was given,
    with exit code 2."""
    stream = sys.stdout if asked else sys.stderr
    if unknown is not None:
        print(f"newsetl: error: unknown command {unknown!r}", file=stream)
    print(usage_text(), file=stream)
    sys.stdout.flush()  # a closed pipe raises here, inside main's BrokenPipeError handler
    return 0 if asked else 2
