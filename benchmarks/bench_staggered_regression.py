"""Sun-Abraham and BJS imputation: countyeconomy vs diff-diff (Rust backend) and pyfixest did2s.

Panel: ``countyeconomy.datasets.simulate_staggered_panel`` with 3,000 counties x 15 years
(2008-2022), 7 cohorts (2014-2020, 8% each) and 44% never treated; heterogeneous dynamic effects.
Every estimator starts from the same pandas DataFrame and clusters by county. One warm-up call,
then the median of 5 timed calls. Before timing, the overall ATT of each peer is checked against
ours (rtol 1e-8 for diff-diff; 1e-5 for pyfixest did2s, whose first stage demeans iteratively).

Usage: ``python benchmarks/bench_staggered_regression.py``; writes
``benchmarks/results/staggered_regression.md``.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "staggered_regression.md"
Y, G = "log_rural_income", "first_treated"
REPEATS = 5


def _data() -> pd.DataFrame:
    import countyeconomy as ce

    sim = ce.datasets.simulate_staggered_panel(
        seed=20261129, n_counties=3000, dynamic=0.5, heterogeneity=-1.0
    )
    return sim.panel.to_frame()


def _ours_sa(df: pd.DataFrame) -> float:
    from countyeconomy.estimators.staggered.sun_abraham import sun_abraham

    return float(sun_abraham(df, Y, G, county="county", year="year").params["ATT"])


def _ours_bjs(df: pd.DataFrame) -> float:
    from countyeconomy.estimators.staggered.imputation import imputation_did

    return float(imputation_did(df, Y, G, county="county", year="year").params["ATT"])


def _dd_sa(df: pd.DataFrame) -> float:
    import diff_diff as dd

    r = dd.SunAbraham(cluster="county").fit(
        df, outcome=Y, unit="county", time="year", first_treat=G
    )
    return float(r.att)


def _dd_bjs(df: pd.DataFrame) -> float:
    import diff_diff as dd

    r = dd.ImputationDiD(cluster="county").fit(
        df, outcome=Y, unit="county", time="year", first_treat=G
    )
    return float(r.att)


def _pf_did2s(df: pd.DataFrame) -> float:
    import pyfixest as pf

    tr = (df[G] > 0) & (df["year"] >= df[G])
    data = df.assign(treat=tr)
    r = pf.did2s(
        data,
        yname=Y,
        first_stage="~ 0 | county + year",
        second_stage="~ 0 + treat",
        treatment="treat",
        cluster="county",
    )
    return float(r.coef().iloc[0])


CASES: list[tuple[str, str, Callable[[pd.DataFrame], float], float]] = [
    ("Sun-Abraham", "countyeconomy", _ours_sa, 0.0),
    ("Sun-Abraham", "diff-diff SunAbraham", _dd_sa, 1e-8),
    ("BJS imputation", "countyeconomy", _ours_bjs, 0.0),
    ("BJS imputation", "diff-diff ImputationDiD", _dd_bjs, 1e-8),
    ("BJS imputation", "pyfixest did2s (GMM SEs)", _pf_did2s, 1e-5),
]


def _time(fn: Callable[[pd.DataFrame], Any], df: pd.DataFrame) -> tuple[float, float]:
    value = fn(df.copy())
    times = []
    for _ in range(REPEATS):
        data = df.copy()
        start = time.perf_counter()
        fn(data)
        times.append(time.perf_counter() - start)
    return statistics.median(times), value


def main() -> int:
    warnings.simplefilter("ignore")
    df = _data()
    rows, ours, failed = [], {}, False
    for method, lib, fn, rtol in CASES:
        try:
            t, value = _time(fn, df)
        except ImportError as exc:
            rows.append((method, lib, float("nan"), float("nan"), f"not installed ({exc})"))
            continue
        if lib == "countyeconomy":
            ours[method] = (t, value)
            check = "reference"
        else:
            ok = bool(np.isclose(value, ours[method][1], rtol=rtol, atol=0))
            failed |= not ok
            check = f"ATT agrees (rtol {rtol:g})" if ok else f"FAILED: {value} vs {ours[method][1]}"
        rows.append((method, lib, t, t / ours[method][0], check))
    lines = [
        "# Sun-Abraham and BJS imputation: 3,000 counties x 15 years",
        "",
        f"Python {platform.python_version()} on {platform.machine()}; median of {REPEATS} calls "
        "after one warm-up; clustered by county. Ratio = time / countyeconomy's time.",
        "",
        "| method | library | median s | ratio | check |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {m} | {lib} | {t:.3f} | {r:.2f} | {c} |" for m, lib, t, r, c in rows]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
