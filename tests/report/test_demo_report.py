"""`countyeconomy demo` end to end, and the report rendered by real headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from countyeconomy.demo import SECTION_TITLES
from countyeconomy.report import ESTIMATOR_COLORS

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
def run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    out = tmp_path_factory.mktemp("demo")
    return subprocess.run(
        [
            sys.executable,
            "-W",
            "error::UserWarning",
            "-m",
            "countyeconomy.cli",
            "demo",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def report(run: subprocess.CompletedProcess[str]) -> Path:
    path = Path(run.stdout.strip().splitlines()[-1])
    assert path.name == "report.html" and path.is_file()
    return path


def test_summary_names_every_estimator_and_the_truth(run: subprocess.CompletedProcess[str]) -> None:
    text = run.stdout
    for label in ("TWFE", "Callaway-Sant'Anna", "Sun-Abraham", "BJS imputation"):
        assert f"  {label} " in text
    assert "true ATT 0.0678" in text
    assert "Pre-trends (TWFE event study): F(" in text and "Bacon: TWFE" in text
    assert "Robustness battery:" in text and "Urban-rural gap:" in text
    assert "TqdmWarning" not in run.stderr and "it/s" not in run.stderr  # no progress bars


def test_report_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    for title in SECTION_TITLES:
        assert f"<h2>{title}</h2>" in page.replace("&#x27;", "'")
    assert page.count("<svg") >= 6 and page.count('class="dataframe ce-table"') >= 5
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")
    # the truth is marked and every estimator keeps its colour
    for key in ("att_gt", "sun_abraham", "imputation_did", "event_study"):
        assert ESTIMATOR_COLORS[key] in page
    assert "vs all untreated periods" in page and "0.0678" in page


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
    assert dom.count("<svg") >= 6
    for title in SECTION_TITLES:
        assert title in dom.replace("&#x27;", "'")
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            CHROMIUM,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--screenshot={shot}",  # type: ignore[list-item]
            "--window-size=1000,7000",
            report.as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    colours = img.getcolors(maxcolors=1_000_000) or []
    # the palette's first colour (#1f4e79) is drawn by the charts and headings; the estimators'
    # colours by the comparison charts
    drawn = {rgb for _, rgb in colours}
    assert (0x1F, 0x4E, 0x79) in drawn
    for key in ("att_gt", "sun_abraham", "imputation_did"):
        hexa = ESTIMATOR_COLORS[key].lstrip("#")
        assert tuple(int(hexa[i : i + 2], 16) for i in (0, 2, 4)) in drawn, key
