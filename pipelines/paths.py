"""Path arguments of every newsetl command: a leading ``~`` means what it means to a shell.

A shell expands ``~`` only at the start of a word, so ``--output='~/y'`` and ``--output=~/y``
reach newsetl with a literal ``~``. pyarrow expands a leading ``~`` in every path it is given
(``pyarrow.util._stringify_path``: ``os.path.expanduser``) while Python's ``pathlib`` and
``os`` do not: before session 11 such a run created a directory named ``./~`` and wrote its
tables below ``$HOME`` (trial 11: exit 1 and a 129-line traceback). Every path option is
therefore parsed by :func:`user_path`, so newsetl, Beam and pyarrow all use one path.
"""
from __future__ import annotations

import os


def user_path(text: str) -> str:
    """argparse ``type`` of a path (or glob) option: ``text`` with a leading ``~`` or ``~user``
    expanded as a shell would (``os.path.expanduser``: ``$HOME``, else the password database).

    A path that would still start with ``~`` once normalised (``~nosuchuser/x``, or
    ``./~/y``, which ``pathlib`` shortens to ``~/y``) is a directory literally named ``~...`` here:
    it is made absolute (``/cwd/~/y``), so that pyarrow does not expand it to another place.

    Args:
        text: the path as given on the command line.

    Returns:
        The path to use; unchanged when it does not start with ``~`` or ``./~``.
    """
    expanded = os.path.expanduser(text) if text.startswith("~") else text
    if os.path.normpath(expanded).startswith("~"):
        return os.path.abspath(expanded)
    return expanded
