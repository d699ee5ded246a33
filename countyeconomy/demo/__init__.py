"""The flagship analysis on the embedded simulated county panel (``countyeconomy demo``).

Offline, in well under a minute: raw trends by adoption batch; TWFE beside Callaway-Sant'Anna,
Sun-Abraham and BJS imputation with the truth marked; the event study with its pre-trend test;
the Goodman-Bacon decomposition showing why TWFE is off; the robustness battery's verdicts; and
the urban-rural gap (Theil, Gini). :func:`run_demo` writes ``report.html``.
"""

from __future__ import annotations

from pathlib import Path

from countyeconomy.demo._analysis import DemoAnalysis, Overall, analyse
from countyeconomy.demo._report import SECTION_TITLES, summary_text, write_report

__all__ = [
    "SECTION_TITLES",
    "DemoAnalysis",
    "Overall",
    "analyse",
    "run_demo",
    "summary_text",
    "write_report",
]


def run_demo(out_dir: str | Path = "build/demo", *, seed: int = 2024, draws: int = 99) -> Path:
    """Simulate a county panel with a staggered policy, estimate it, and write an HTML report.

    Returns the path of ``report.html``. Needs no download and no internet. ``draws`` is the
    number of placebo and wild-bootstrap draws of the robustness battery.
    """
    return write_report(analyse(seed, draws=draws), out_dir)
