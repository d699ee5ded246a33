"""ADH placebo in space: countyeconomy.synthetic_control vs a pysyncon ``Synth`` loop.

Every county (the treated one and each donor in turn, the treated county left out of a
placebo's pool) is fitted on its pre-period outcome path with a fixed ``V`` over the
pre-period years (the variances, so both minimise the raw pre-period MSPE). Panel: a factor
model, ``J`` donors x 30 years, treated from year 21. Median of ``--repeat`` runs after a
warm-up; the treated county's pre-period MSPE of ours is checked to be no worse than
pysyncon's first (W itself need not be unique).

Usage: ``python benchmarks/bench_synthetic_placebo.py [--repeat R] [--donors J ...]
[--peer-sample K]``; appends lines to ``benchmarks/results/synthetic.md``. With
``--peer-sample K`` (for pools where the whole pysyncon loop would take hours) pysyncon runs only
the first ``K`` fits of its loop (the treated county, then ``K - 1`` donors, each on the full
pool) once, and its loop time is extrapolated to all ``J + 1`` fits; the row says so. With
``--peer-limit S`` those fits are stopped after ``S`` seconds (SIGALRM), and the row gives the
lower bound ``S / (fits finished + 1) x (J + 1)`` for the loop.
"""

from __future__ import annotations

import argparse
import platform
import signal
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


def run_ps(df: pd.DataFrame, limit: int | None = None) -> np.ndarray:
    from pysyncon import Synth

    wide = df.pivot(index="t", columns="c", values="y")
    pre = wide.loc[wide.index < TREAT]
    first = np.empty(0)
    # the treated county, then each donor with the treated one left out
    for i in wide.columns[:limit]:
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


def sampled_peer(df: pd.DataFrame, k: int, limit: float | None) -> tuple[float, np.ndarray | None]:
    """Seconds per pysyncon fit over its first ``k`` fits and the treated county's weights;
    stopped after ``limit`` seconds, the lower bound ``limit / k`` and ``None``."""

    def stop(*_: object) -> None:
        raise TimeoutError

    if limit is not None:
        signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, limit)
    t0 = time.perf_counter()
    try:
        w = run_ps(df, k)
    except TimeoutError:
        return limit / k, None  # type: ignore[operator]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return (time.perf_counter() - t0) / k, w


def check_fit(pre: np.ndarray, w_ce: np.ndarray, w_ps: np.ndarray) -> None:
    """The treated county's pre-period MSPE of ours is no worse than pysyncon's (W may not be
    unique; the fit is)."""
    loss = [float(np.mean((pre[:, 0] - pre[:, 1:] @ w) ** 2)) for w in (w_ce, w_ps)]
    assert loss[0] <= loss[1] * (1 + 1e-3) + 1e-9, loss


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
    parser.add_argument("--peer-sample", type=int, default=None)
    parser.add_argument("--peer-limit", type=float, default=None)
    args = parser.parse_args()
    run_ce(panel(8))
    run_ps(panel(8))
    lines = []
    for donors in args.donors:
        df = panel(donors)
        wide = df.pivot(index="t", columns="c", values="y")
        pre = wide.loc[wide.index < TREAT].to_numpy()
        k = args.peer_sample
        t_ce = timed(run_ce, df, args.repeat)
        w_ce = run_ce(df)
        if k is None:
            check_fit(pre, w_ce, run_ps(df))
            t_ps = timed(run_ps, df, args.repeat)
            peer = f"{t_ps:.3f} s (pysyncon 1.7.0 loop)"
            bound = ""
        else:
            t_ps, w_ps = sampled_peer(df, k, args.peer_limit)
            t_ps = t_ps * (donors + 1)
            if w_ps is not None:
                check_fit(pre, w_ce, w_ps)
                peer = f"{t_ps:.0f} s (pysyncon 1.7.0 loop, extrapolated from its first {k} fits)"
                bound = ""
            else:
                peer = (
                    f"> {t_ps:.0f} s (pysyncon 1.7.0 loop: its first {k} fit(s) did not "
                    f"finish in {args.peer_limit:.0f} s)"
                )
                bound = "< "
        lines.append(
            f"| ADH placebo in space, {donors} donors x {T} years | {t_ce:.3f} s | "
            f"{peer} | {bound}{t_ce / t_ps:.4f}x | {platform.python_version()} |"
        )
    with RESULTS.open("a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
