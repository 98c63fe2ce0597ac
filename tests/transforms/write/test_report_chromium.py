"""report.html of the BBC run rendered by headless Chromium (Debian's chromium, installed by
`make chromium`, which .ci/run calls): a screenshot, no console errors, the counts and plots."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def render(page: Path, tmp_path: Path) -> tuple[str, str, Path]:
    """Open ``page`` in headless Chromium: returns ``(rendered DOM, console lines, screenshot)``."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing: `make chromium` installs Debian's package")
        pytest.skip("chromium is missing: run `make chromium`")
    shot = tmp_path / f"{page.stem}.png"
    proc = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0", "--window-size=1280,1600",
         f"--screenshot={shot}", "--dump-dom", page.resolve().as_uri()],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = "\n".join(line for line in proc.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line)
    return proc.stdout, console, shot


def test_console_errors_are_seen(tmp_path):
    """Control: the check below would catch a page that logs an error."""
    page = tmp_path / "bad.html"
    page.write_text("<html><body><p>x</p><script>console.error('boom'); missingFunction();</script></body></html>")
    _, console, _ = render(page, tmp_path)
    assert "boom" in console and "Uncaught ReferenceError" in console


def test_bbc_report_renders_in_headless_chromium(bbc_dataset, tmp_path):
    report = json.loads((bbc_dataset / "report.json").read_text())
    dom, console, shot = render(bbc_dataset / "report.html", tmp_path)
    assert console == ""
    image = Image.open(shot)
    assert image.size == (1280, 1600)
    stat = ImageStat.Stat(image.convert("L"))
    assert stat.stddev[0] > 20  # not blank: dark header, white cards, coloured bars
    assert len(image.convert("RGB").getcolors(1 << 20)) > 50
    assert f'id="card-records-in">{report["records"]["in"]:,}</div>' in dom  # 2,225
    assert f'id="card-paragraphs-in">{report["paragraphs"]["in"]:,}</div>' in dom  # 12,772
    assert f'id="card-articles-written">{report["records"]["articles_written"]:,}</div>' in dom
    plots = re.findall(r"<svg.*?</svg>", dom, re.DOTALL)
    assert len(plots) >= 5
    assert any(len(re.findall(r'<rect class="bar"[^>]*width="[1-9]', svg)) >= 3 for svg in plots)
