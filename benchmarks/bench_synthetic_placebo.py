"""ADH placebo in space: countyeconomy.synthetic_control vs a pysyncon ``Synth`` loop.

Every county (the treated one and each donor in turn, the treated county left out of a
placebo's pool) is fitted on its pre-period outcome path with a fixed ``V`` over the
pre-period years (the variances, so both minimise the raw pre-period MSPE). Panel: a factor
model, ``J`` donors x 30 years, treated from year 21. Median of ``--repeat`` runs after a
warm-up; the treated county's pre-period MSPE of ours is checked to be no worse than
pysyncon's first (W itself need not be unique).

Usage: ``python benchmarks/bench_synthetic_placebo.py [--repeat R]``; appends lines to
``benchmarks/results/synthetic.md``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "synthetic.md"
T, TREAT = 30, 2021


def panel(donors: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = donors + 1
    years = np.arange(2001, 2001 + T)
    lam = rng.normal(size=(n, 2))
    f = np.cumsum(rng.normal(size=(T, 2)), axis=0)
    y = 10 + lam @ f.T + 0.3 * rng.normal(size=(n, T))
    y[0, years >= TREAT] += 2.0
    return pd.DataFrame({"c": np.repeat(np.arange(n), T), "t": np.tile(years, n), "y": y.ravel()})


def run_ce(df: pd.DataFrame) -> np.ndarray:
    import countyeconomy as ce

    res = ce.synthetic_control(df, "y", 0, treat_year=TREAT, county="c", year="t")
    return np.asarray(res.weights["weight"])


def run_ps(df: pd.DataFrame) -> np.ndarray:
    from pysyncon import Synth

    wide = df.pivot(index="t", columns="c", values="y")
    pre = wide.loc[wide.index < TREAT]
    first = np.empty(0)
    for i in wide.columns:  # the treated county, then each donor with the treated one left out
        pool = [c for c in wide.columns if c not in (i, 0)]
        x0, x1 = pre[pool], pre[i]
        v = np.var(pre[[i, *pool]].to_numpy(), axis=1, ddof=1)
        s = Synth()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s.fit(X0=x0, X1=x1, Z0=x0, Z1=x1, custom_V=v / v.sum())
        if i == 0:
            first = np.asarray(s.W)
    return first


def timed(fn, df: pd.DataFrame, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(df)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--donors", type=int, nargs="+", default=[40])
    args = parser.parse_args()
    run_ce(panel(8))
    run_ps(panel(8))
    lines = []
    for donors in args.donors:
        df = panel(donors)
        wide = df.pivot(index="t", columns="c", values="y")
        pre = wide.loc[wide.index < TREAT].to_numpy()
        loss = [float(np.mean((pre[:, 0] - pre[:, 1:] @ w) ** 2)) for w in (run_ce(df), run_ps(df))]
        assert loss[0] <= loss[1] * (1 + 1e-3) + 1e-9, loss  # W may not be unique; the fit is
        t_ce = timed(run_ce, df, args.repeat)
        t_ps = timed(run_ps, df, args.repeat)
        lines.append(
            f"| ADH placebo in space, {donors} donors x {T} years | {t_ce:.3f} s | "
            f"{t_ps:.3f} s (pysyncon 1.7.0 loop) | {t_ce / t_ps:.2f}x | "
            f"{platform.python_version()} |"
        )
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
