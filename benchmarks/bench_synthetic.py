"""Synthetic DID: countyeconomy.synthetic_did vs diff-diff's SyntheticDiD, placebo SEs.

Panel: a factor-model county panel (``--counties`` x ``--years``, default 2,800 x 20) with
``--treated`` treated counties (default 20) adopting in the 15th year, and ``--draws`` placebo
draws (default 200). Each library runs once after a warm-up on a small panel; the clock covers
DataFrame -> fitted result with the placebo SE. The ATT of both is checked to agree (1e-8)
before the timings are reported.

Usage: ``python benchmarks/bench_synthetic.py [--counties N] [--years T] [--treated K]
[--draws B] [--no-write]``; appends a line to ``benchmarks/results/synthetic.md`` (with the
1-minute load average before and after the timed runs, and the process CPU time of each library:
on a shared machine the CPU-time ratio is the steadier one).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "synthetic.md"


def panel(n: int, t: int, treated: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(2001, 2001 + t)
    lam = rng.normal(size=(n, 2))
    lam[n - treated :] += 0.5
    f = np.cumsum(rng.normal(scale=0.5, size=(t, 2)), axis=0)
    y = rng.normal(size=(n, 1)) + lam @ f.T + rng.normal(0, 0.5, (n, t))
    start = years[min(14, t - 2)]
    g = np.where(np.arange(n) >= n - treated, start, 0)
    y = y + 1.0 * ((g[:, None] > 0) & (years[None, :] >= g[:, None]))
    return pd.DataFrame(
        {"county": np.repeat(np.arange(n), t), "year": np.tile(years, n), "y": y.ravel(),
         "g": np.repeat(g, t), "treated": np.repeat((g > 0).astype(int), t)}
    )  # fmt: skip


def run_ce(df: pd.DataFrame, draws: int) -> float:
    import countyeconomy as ce

    res = ce.synthetic_did(
        df, "y", cohort="g", draws=draws, seed=1, county="county", year="year", progress=False
    )
    return float(res.att)


def run_dd(df: pd.DataFrame, draws: int) -> float:
    from diff_diff import SyntheticDiD

    post = sorted(df.loc[(df["g"] > 0) & (df["year"] >= df["g"]), "year"].unique())
    res = SyntheticDiD(variance_method="placebo", n_bootstrap=draws, seed=1).fit(
        df, "y", "treated", "county", "year", post_periods=post
    )
    return float(res.att)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, default=2800)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--treated", type=int, default=20)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--no-write", action="store_true", help="print the row only")
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    small = panel(60, a.years, 5)
    run_ce(small, 19)
    run_dd(small, 19)
    df = panel(a.counties, a.years, a.treated)
    times, cpu, atts = {}, {}, {}
    load0 = os.getloadavg()[0]
    for name, fn in (("countyeconomy", run_ce), ("diff-diff", run_dd)):
        t0, c0 = time.perf_counter(), time.process_time()
        atts[name] = fn(df, a.draws)
        times[name] = time.perf_counter() - t0
        cpu[name] = time.process_time() - c0
    load1 = os.getloadavg()[0]
    assert abs(atts["countyeconomy"] - atts["diff-diff"]) < 1e-8, atts
    ratio = times["countyeconomy"] / times["diff-diff"]
    line = (
        f"| {a.counties} x {a.years}, {a.treated} treated, {a.draws} placebo draws | "
        f"{times['countyeconomy']:.2f} s | {times['diff-diff']:.2f} s | {ratio:.2f}x | "
        f"{platform.python_version()} | {load0:.1f} / {load1:.1f} | "
        f"{cpu['countyeconomy']:.2f} s / {cpu['diff-diff']:.2f} s = "
        f"{cpu['countyeconomy'] / cpu['diff-diff']:.2f}x |"
    )
    print(line)
    if a.no_write:
        return
    if not RESULTS.exists():
        RESULTS.write_text(
            "# Synthetic DID benchmark (countyeconomy vs diff-diff 3.13.0)\n\n"
            "| case | countyeconomy | diff-diff | ratio | python | load (1-min, before / after) "
            "| CPU time (ours / diff-diff) |\n|---|---|---|---|---|---|---|\n",
            encoding="utf-8",
        )
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")


if __name__ == "__main__":
    main()
