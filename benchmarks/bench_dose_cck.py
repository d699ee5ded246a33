"""dose_did(method="cck") against moderndid 0.2.0's port of R npiv, in the same run.

The data-driven sieve of Chen, Christensen and Kankanala (2025) on R contdid's CCK setting (two
periods, one cohort): 1,000 units, 700 treated with doses U(0.5, 2.5), 999 bootstrap draws. The
peer is moderndid's ``npiv`` (the engine of its ``cont_did(dose_est_method="cck")``, which does
not run under polars 2) on the treated units' outcome changes centred at the comparison mean,
called as contdid calls R npiv (quantile knots, degree 3, 999 draws); it returns the ATT(d) and
ACRT(d) curves and bands only, while dose_did also gives the overall ATT and ACRT and the cells.

Median of 3 calls after one warm-up. Usage: ``OPENBLAS_NUM_THREADS=1 python
benchmarks/bench_dose_cck.py [--output benchmarks/results/dose_cck.md]``.
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


def two_periods(n: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.5, 2.5, n))
    df = pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), 2),
            "year": np.tile([1, 2], n),
            "d": np.repeat(d, 2),
            "g": np.repeat(np.where(d > 0, 2, 0), 2),
        }
    )
    on = (df["year"] == 2) & (df["d"] > 0)
    df["y"] = np.repeat(rng.normal(size=n), 2) + on * (df["d"] + np.sin(3 * df["d"]))
    df["y"] += rng.normal(size=2 * n)
    return df


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--output", type=Path, default=HERE / "results" / "dose_cck.md")
    args = ap.parse_args()
    from moderndid.didcont.npiv import npiv

    df = two_periods(1_000)
    wide = df.pivot(index="id", columns="year", values="y")
    dose = df.groupby("id")["d"].first().to_numpy()
    dy = (wide[2] - wide[1]).to_numpy()
    x = dose[dose > 0]
    y = dy[dose > 0] - dy[dose == 0].mean()
    grid = np.linspace(x.min(), x.max(), 50)[:, None]
    ours = timed(
        lambda: ce.dose_did(
            df, "y", "d", cohort="g", method="cck", seed=1, county="id", year="year"
        )
    )
    peer = timed(
        lambda: npiv(
            y=y,
            x=x[:, None],
            w=x[:, None],
            x_grid=grid,
            knots="quantiles",
            boot_num=999,
            j_x_degree=3,
            k_w_degree=3,
            seed=1,
        )
    )
    task = "dose_did(method='cck'), 999 draws, 1,000 units (700 treated) x 2 years"
    lines = [
        "# Continuous DID with the CCK data-driven sieve: benchmark",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, numpy {np.__version__}. "
        "Median of 3 calls after a warm-up; ratio = countyeconomy / peer (below 1: faster). "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
        f"load average {os.getloadavg()[0]:.1f}.",
        "",
        "| task | peer | countyeconomy (s) | peer (s) | ratio |",
        "|---|---|---|---|---|",
        f"| {task} | moderndid 0.2.0 npiv (R npiv port) | {ours:.3f} | {peer:.3f} | "
        f"{ours / peer:.3f} |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
