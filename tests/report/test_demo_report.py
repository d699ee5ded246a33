"""`countyeconomy demo` end to end, and the report rendered by real headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    done = subprocess.run(
        [sys.executable, "-m", "countyeconomy.cli", "demo", "--out", str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    path = Path(done.stdout.strip().splitlines()[-1])
    assert path == (out / "report.html").resolve()
    return path


def test_report_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") >= 2 and "<table class='ce-table'>" in page
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian chromium (.ci/run installs it)")
def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    profile = tmp_path / "profile"
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", report.as_uri()],  # type: ignore[list-item]
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert dom.count("<svg") >= 2 and "Two-way fixed-effects estimates" in dom
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",  # type: ignore[list-item]
            "--window-size=1000,2400",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    colours = img.getcolors(maxcolors=1_000_000) or []
    # the palette's first colour (#1f4e79) is drawn by the charts and headings
    assert any(rgb == (0x1F, 0x4E, 0x79) for _, rgb in colours)
