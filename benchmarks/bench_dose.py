"""triple_did and dose_did against moderndid 0.2.0 and diff-diff 3.13.0, in the same run.

* triple_did on the Cai (2016) panel (3,659 households, 9 years, unbalanced; needs
  COUNTYECONOMY_DATA_DIR) against moderndid ``ddd`` (``allow_unbalanced_panel=True``), and on a
  simulated balanced panel of 30,000 units x 5 years (staggered, never-treated comparison, one
  covariate) against moderndid ``ddd`` and diff-diff ``TripleDifference``.
* dose_did with 999 multiplier-bootstrap draws on 5,000 units x 5 years (two cohorts) against
  diff-diff ``ContinuousDiD(n_bootstrap=999)`` (moderndid's ``cont_did`` fails under polars 2).

Median of 3 calls after one warm-up, DataFrame in, result out.

Usage: ``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python benchmarks/bench_dose.py
[--output benchmarks/results/dose.md]``. On a shared, loaded machine multithreaded BLAS inflates
wall times erratically (threads wait for cores); the recorded run uses one BLAS thread for every
library, and the output states the setting.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import countyeconomy as ce

HERE = Path(__file__).resolve().parent


def timed(fn: Callable[[], Any], reps: int = 3) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn()
        out = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return statistics.median(out)


def ddd_panel(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(1, 6)
    g = rng.choice([0, 3, 4], size=n)
    q = rng.integers(0, 2, size=n)
    x = rng.normal(size=n)
    unit, t = np.repeat(np.arange(n), len(years)), np.tile(years, n)
    on = (g[unit] > 0) & (t >= g[unit]) & (q[unit] == 1)
    y = rng.normal(size=n)[unit] + 0.1 * t * (1 + q[unit]) + x[unit] * t * 0.05 + on
    y = y + rng.normal(size=len(t))
    return pd.DataFrame({"id": unit, "year": t, "g": g[unit], "q": q[unit], "x": x[unit], "y": y})


def dose_panel(n: int, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(1, 6)
    g = rng.choice([0, 3, 4], size=n)
    d = np.where(g > 0, rng.uniform(0.5, 2.0, n), 0.0)
    unit, t = np.repeat(np.arange(n), len(years)), np.tile(years, n)
    on = (g[unit] > 0) & (t >= g[unit])
    y = rng.normal(size=n)[unit] + 0.2 * t + on * d[unit] ** 2 + rng.normal(size=len(t))
    return pd.DataFrame({"id": unit, "year": t, "g": g[unit], "d": d[unit], "y": y})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--output", type=Path, default=HERE / "results" / "dose.md")
    args = ap.parse_args()
    import diff_diff as dd
    import polars as pl
    from moderndid import ddd

    rows: list[tuple[str, str, float, float]] = []
    cai = ce.datasets.load_cai2016()
    cai = cai.assign(g=np.where(cai["treatment"] == 1, 2003, 0))
    cai_pl = pl.from_pandas(cai)
    ours = timed(
        lambda: ce.triple_did(
            cai, "checksaving_ratio", cohort="g", eligible="sector", county="hhno", year="year"
        )
    )
    peer = timed(
        lambda: ddd(
            cai_pl,
            yname="checksaving_ratio",
            tname="year",
            idname="hhno",
            gname="g",
            pname="sector",
            base_period="varying",
            allow_unbalanced_panel=True,
        )
    )
    rows.append(("triple_did, Cai (2016) panel", "moderndid ddd", ours, peer))
    sim = ddd_panel(30_000)
    sim_pl = pl.from_pandas(sim)
    ours = timed(
        lambda: ce.triple_did(
            sim, "y", cohort="g", eligible="q", covariates=["x"], county="id", year="year"
        )
    )
    peer_md = timed(
        lambda: ddd(
            sim_pl,
            yname="y",
            tname="year",
            idname="id",
            gname="g",
            pname="q",
            xformla="~x",
            base_period="varying",
        )
    )
    peer_dd = timed(
        lambda: dd.TripleDifference(control_group="never_treated").fit(
            sim, "y", partition="q", time="year", unit="id", first_treat="g", covariates=["x"]
        )
    )
    rows.append(("triple_did, 30,000 units x 5 years", "moderndid ddd", ours, peer_md))
    rows.append(("triple_did, 30,000 units x 5 years", "diff-diff TripleDifference", ours, peer_dd))
    dp = dose_panel(5_000)
    ours = timed(
        lambda: ce.dose_did(dp, "y", "d", cohort="g", draws=999, seed=1, county="id", year="year")
    )
    peer = timed(
        lambda: dd.ContinuousDiD(n_bootstrap=999, seed=1).fit(dp, "y", "id", "year", "g", "d")
    )
    rows.append(
        ("dose_did, 999 draws, 5,000 units x 5 years", "diff-diff ContinuousDiD", ours, peer)
    )
    lines = [
        "# Triple differences and continuous DID benchmark",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, numpy {np.__version__}. "
        "Median of 3 calls after a warm-up; ratio = countyeconomy / peer (below 1: faster). "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
        f"load average {os.getloadavg()[0]:.1f}.",
        "",
        "| task | peer | countyeconomy (s) | peer (s) | ratio |",
        "|---|---|---|---|---|",
    ]
    for task, name, a, b in rows:
        lines.append(f"| {task} | {name} | {a:.3f} | {b:.3f} | {a / b:.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
