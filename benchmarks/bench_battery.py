"""The full robustness battery on the simulated county panel: seconds per check and in total.

Data: ``ce.datasets.simulate_county_panel(seed=2024)``, the real county list (about 2,800
counties) x 15 years (2008-2022), seven adoption batches. Design: ``log_rural_income`` on
``policy`` with ``log_gdp_pc`` as covariate, county and year effects, clustered by county.
The battery runs all eight checks with 1,000 placebo draws (``permute_counties``), 9,999 wild
bootstrap draws for any alternative clustering level with fewer than 42 clusters, one sample
filter (drop municipal districts, names ending in 区) and the HonestDiD ``Mbar`` grid
(0, 0.5, 1, 1.5, 2). Serial (``executor=None``).

The first ("cold") run includes one-off costs in the process (lazy imports, numba/JIT
compilation where a dependency uses it); then the median of ``--repeats`` warm runs, per check.
The HTML export (eight sections, every chart rendered to inline SVG by vl-convert) is timed
separately. Target: the battery under 60 s on the 2-core machine.

Usage: ``python benchmarks/bench_battery.py [--draws 1000] [--repeats 3] [--out FILE.md]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

import countyeconomy as ce
from countyeconomy import Design, RobustnessReport, robustness_battery
from countyeconomy.robustness import CHECKS


def battery(design: Design, draws: int, seed: int) -> tuple[RobustnessReport, float]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = robustness_battery(
            design,
            seed=seed,
            draws=draws,
            sample_filters={"no districts": "not name.str.endswith('区')"},
            progress=False,
        )
    return rep, time.perf_counter() - start


def _cell(text: str) -> str:
    """A markdown table cell: pipes escaped."""
    return text.replace("|", "\\|")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()

    sim = ce.datasets.simulate_county_panel(seed=2024)
    panel = sim.panel
    design = Design(
        panel,
        outcome="log_rural_income",
        treatment="policy",
        cohort="first_treated",
        covariates=("log_gdp_pc",),
    )
    cold, cold_total = battery(design, args.draws, seed=1)
    warm = [battery(design, args.draws, seed=1) for _ in range(args.repeats)]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        cold.to_html(Path(tmp) / "robustness.html")
        html_s = time.perf_counter() - start

    rows = []
    for name in CHECKS:
        runs = [r.timings()[name] for r, _ in warm]
        rows.append((name, cold.timings()[name], statistics.median(runs), cold[name].verdict))
    totals = [t for _, t in warm]
    lines = [
        "# Robustness battery: seconds per check",
        "",
        f"`python benchmarks/bench_battery.py --draws {args.draws}` on {platform.node()}, "
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "",
        f"Panel: {panel.frame['county'].nunique():,} counties x {len(panel.years)} years "
        f"({panel.nobs:,} rows); {args.draws:,} placebo draws; serial.",
        "",
        f"| check | cold s | warm median s ({args.repeats} runs) | verdict |",
        "|---|---:|---:|---|",
    ]
    lines += [f"| {n} | {c:.3f} | {w:.3f} | {_cell(v)} |" for n, c, w, v in rows]
    lines += [
        f"| **total** | {cold_total:.3f} | {statistics.median(totals):.3f} | target < 60 s |",
        f"| HTML export (to_html, inline SVG) | {html_s:.3f} | | |",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
