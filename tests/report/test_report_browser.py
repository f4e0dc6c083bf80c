"""The audit report in a real browser: headless Chromium renders every chart (non-empty SVG from
plotly.js) without console errors. Debian's chromium is installed when missing (as root)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from streams.scrub import Scrubber
from tests.debian import debian_binary
from tests.report.fixture import write_export

CHARTS = ("rates", "pareto", "payers", "tasks", "money")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]  # fmt: skip


@pytest.fixture(scope="module")
def chromium() -> str:
    return debian_binary("chromium")


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory, scrubber: Scrubber) -> Path:
    work = tmp_path_factory.mktemp("report")
    export = write_export(work / "export.jsonl", scrubber)
    done = subprocess.run(
        [sys.executable, "-m", "streams.cli", "report", "--from", "2026-11-01", "--to", "2026-11-30",
         "--input", str(export), "--out", str(work / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "reading events" in done.stderr  # progress on the read
    return work / "out" / "report.html"


def run_chromium(chromium: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_every_chart_renders_in_chromium_without_console_errors(
    chromium: str, report_page: Path, tmp_path: Path
) -> None:
    url = report_page.as_uri()
    dom = run_chromium(chromium, tmp_path / "p1", "--virtual-time-budget=10000", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    for name in CHARTS:
        start = html.index(f'id="chart-{name}"')
        chunk = html[start : start + 200_000]
        assert 'class="main-svg"' in chunk, f"chart {name} has no SVG"
        assert re.search(r'<path[^>]+d="M[^"]{8,}', chunk), f"chart {name} drew nothing"
    console = [
        line
        for line in dom.stderr.splitlines()
        if "CONSOLE" in line and ("ERROR" in line or "Uncaught" in line)
    ]
    assert not console, console


def test_the_report_screenshot_is_not_blank(chromium: str, report_page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = run_chromium(
        chromium,
        tmp_path / "p2",
        "--virtual-time-budget=10000",
        "--window-size=1280,2400",
        f"--screenshot={shot}",
        report_page.as_uri(),
    )
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    from PIL import Image

    image = Image.open(shot).convert("L")
    colours = image.getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 50, "the screenshot is (nearly) one colour"


def test_the_report_json_has_the_figures(report_page: Path) -> None:
    import json

    data = json.loads((report_page.parent / "report.json").read_text())
    totals = data["totals"]
    assert totals["claims_scrubbed"] >= 40 and totals["denials"] > 0 and totals["tasks"] > 0
    assert 0 < totals["first_pass_acceptance"] < 1 and totals["money_recovered"] > 0
    assert data["trends"][0]["payer_id"] == "ACME"
