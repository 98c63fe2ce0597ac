"""Every command in README.md's ```bash/```sh blocks works when pasted (see the convention at the
top of the README's "Command line" section).

Unmarked commands run, in README order, from the repository root: `/tmp/` is redirected to a
scratch directory, `.venv/bin/` to this interpreter's bin directory and `../shared/data` to the
data directory (skip without it, fail under CI=true). Commands marked `# long` or
`# cluster-only` are only syntax-checked: `bash -n`, `newsetl` arguments through the CLI's own
parsers (and the config file validated), `make` targets present in the Makefile.
"""
from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.cli import run_parser
from pipelines.config import load_config
from pipelines.dataset_info import explain_parser, inspect_parser
from pipelines.remove import remove_parser
from tests.conftest import ROOT, data_dir

BLOCK = re.compile(r"^```(?:bash|sh)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
MARK = re.compile(r"#\s*(long|cluster-only)\b")
SHARED_DATA = "../shared/data"


def readme_commands(text: str) -> list[str]:
    """Commands of the bash/sh blocks, with backslash-continued lines joined; comment lines dropped."""
    commands = []
    for block in BLOCK.findall(text):
        pending = ""
        for line in block.splitlines():
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            command, pending = (pending + line).strip(), ""
            if command and not command.startswith("#"):
                commands.append(command)
    return commands


COMMANDS = readme_commands((ROOT / "README.md").read_text(encoding="utf-8"))


def check_syntax(command: str) -> None:
    """bash syntax, newsetl arguments (and config), make targets; raises AssertionError."""
    proc = subprocess.run(["bash", "-n", "-c", command], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    argv = shlex.split(command, comments=True)
    if Path(argv[0]).name == "newsetl" or argv[1:3] == ["-m", "pipelines"]:
        sub, rest = (argv[1], argv[2:]) if Path(argv[0]).name == "newsetl" else (argv[3], argv[4:])
        parsers = {"run": run_parser, "inspect": inspect_parser, "explain": explain_parser, "remove": remove_parser}
        assert sub in parsers, f"unknown newsetl command {sub!r}"
        if sub == "run":
            args, _ = parsers[sub]().parse_known_args(rest)
            load_config(ROOT / args.config if args.config else None)
        else:
            parsers[sub]().parse_args(rest)
    elif argv[0] == "make":
        makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
        for target in (a for a in argv[1:] if not a.startswith("-") and "=" not in a):
            assert re.search(rf"^{re.escape(target)}:", makefile, re.MULTILINE), f"no make target {target}"


def test_readme_commands_are_found_and_marked():
    assert len(COMMANDS) >= 8
    marked = [c for c in COMMANDS if MARK.search(c)]
    assert any(c.startswith("make test") for c in marked)  # the suite must not run itself
    assert any("DataflowRunner" in c for c in marked)
    for command in marked:
        check_syntax(command)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("readme")


@pytest.mark.parametrize("command", [c for c in COMMANDS if not MARK.search(c)],
                         ids=lambda c: re.sub(r"\W+", "_", c)[:60])
def test_readme_command_runs(command, scratch):
    check_syntax(command)
    if SHARED_DATA in command:
        command = command.replace(SHARED_DATA, str(data_dir()))
    command = command.replace("/tmp/", f"{scratch}/").replace(".venv/bin/", f"{Path(sys.executable).parent}/")
    proc = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{command}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
