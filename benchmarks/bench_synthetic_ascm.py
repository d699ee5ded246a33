"""Augmented synthetic control: countyeconomy.augmented_synthetic_control vs pysyncon's AugSynth.

Both fit the ridge ASCM with the penalty chosen by leave-one-pre-period-out cross-validation
(no inference: pysyncon has none for AugSynth). Panels: a factor-model panel with one treated
county and ``J`` donors over 30 years (treated from year 21). Each case runs ``--repeat`` times
after a warm-up; the median is reported. The augmented weights of both are checked to agree at
the penalty pysyncon chose (2e-5) before the timings are reported.

Usage: ``python benchmarks/bench_synthetic_ascm.py [--repeat R]``; appends lines to
``benchmarks/results/synthetic.md``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
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
    lam[0] = lam[1:4].mean(0) + 0.5
    f = np.cumsum(rng.normal(size=(T, 2)), axis=0)
    y = 10 + lam @ f.T + 0.3 * rng.normal(size=(n, T))
    y[0, years >= TREAT] += 2.0
    return pd.DataFrame(
        {"c": np.repeat(np.arange(n), T), "t": np.tile(years, n), "y": y.ravel(),
         "x": np.repeat(lam[:, 0], T)}
    )  # fmt: skip


def run_ce(df: pd.DataFrame, penalty: float | None = None) -> np.ndarray:
    import countyeconomy as ce

    res = ce.augmented_synthetic_control(
        df, "y", 0, treat_year=TREAT, penalty=penalty, inference="none", county="c", year="t"
    )
    return np.asarray(res.weights["weight"])


def run_ps(df: pd.DataFrame, penalty: float | None = None) -> tuple[np.ndarray, float]:
    from pysyncon import AugSynth, Dataprep

    pre = list(range(2001, TREAT))
    dp = Dataprep(
        foo=df, predictors=["x"], predictors_op="mean", time_predictors_prior=pre,
        dependent="y", unit_variable="c", time_variable="t", treatment_identifier=0,
        controls_identifier=sorted(set(df["c"]) - {0}), time_optimize_ssr=pre,
    )  # fmt: skip
    a = AugSynth()
    a.fit(dp, lambda_=penalty, use_covariates=False)
    return np.asarray(a.W), float(a.lambda_ or 0.0)


def timed(fn, *args, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    run_ce(panel(10))
    run_ps(panel(10))
    lines = []
    for donors in (38, 200):
        df = panel(donors)
        w_ps, lam = run_ps(df)
        np.testing.assert_allclose(run_ce(df, lam), w_ps, atol=2e-5)
        t_ce = timed(run_ce, df, repeat=args.repeat)
        t_ps = timed(run_ps, df, repeat=args.repeat)
        lines.append(
            f"| ASCM fit with CV, 1 treated, {donors} donors x {T} years | {t_ce:.3f} s | "
            f"{t_ps:.3f} s (pysyncon 1.7.0) | {t_ce / t_ps:.2f}x | {platform.python_version()} |"
        )
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
