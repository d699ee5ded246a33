"""1,000 simulated LeSage-Pace effect draws at all county seats: power-series traces vs eigenvalues.

Data: every county seat of cpca's table (``benchmarks/bench_spatial.py``'s ``seats``, 2,845),
k-nearest-neighbour weights (``--k``, default 5 and 10), a simulated SAR panel (``rho = 0.4``) over
``--years`` years; ``sdm_panel`` with county effects.

Timed (fastest of ``--repeats``): the fit with delta-method effects only (``draws=0``), then the
fit with 1,000 simulated draws for each ``traces=`` option; "draws, end to end" is the difference,
so it holds the trace precomputation (or the eigenvalues) and the draws. Agreement: the largest
difference of the effects' simulated standard errors and interval ends from the eigenvalue path
(same seed, hence the same parameter draws).

Usage: ``nice -n 10 python benchmarks/bench_spatial_effects.py [--k 5 10] [--out FILE.md]``.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from bench_spatial import seats, simulate  # type: ignore[import-not-found]

from countyeconomy.inference import map_chunks
from countyeconomy.spatial import knn_weights, sdm_panel
from countyeconomy.spatial._effects import EffectsSpec, _Simulate
from countyeconomy.spatial._traces import power_traces, series_order

COLS = ["std_error", "ci_low", "ci_high"]


def timed(repeats: int, fn, *args, **kw):  # type: ignore[no-untyped-def]
    best, out = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - start)
    return out, best


def alone(res, w, traces: str) -> float:  # type: ignore[no-untyped-def]
    """Seconds for the traces and the 1,000 draws by themselves (no fit)."""
    start = time.perf_counter()
    params = res.params.to_numpy()
    se = float(np.sqrt(res.vcov.to_numpy()[-1, -1]))
    series = power_traces(w.matrix, series_order(abs(params[-1]) + 8 * se), traces, seed=1)
    spec = EffectsSpec(("x1", "x2"), (0, 1), (2, 3), 4, None, w.matrix, True, series)
    chol = np.linalg.cholesky(res.vcov.to_numpy())
    sim = _Simulate(spec, params, chol, (-1 + 1e-7, 1 - 1e-7))
    np.concatenate(map_chunks(sim, 1000, 1, progress=False))
    return time.perf_counter() - start


def run(k: int, years: int, repeats: int) -> list[str]:
    xy = seats()
    w = knn_weights(xy, k=k)
    df = simulate(w, years)
    fe = "y ~ x1 + x2 | county"
    base, t0 = timed(repeats, sdm_panel, df, fe, w, draws=0, progress=False)
    rows = []
    fits = {}
    for traces, reps in (("mc", repeats), ("powers", repeats), ("eigenvalues", 1)):
        res, t = timed(
            reps, sdm_panel, df, fe, w, draws=1000, seed=1, traces=traces, progress=False
        )
        fits[traces] = (res, t)
    ref = fits["eigenvalues"][0].effects[COLS].to_numpy()
    for traces, (res, t) in fits.items():
        x = res.info.extra
        diff = float(np.abs(res.effects[COLS].to_numpy() - ref).max())
        order = x.get("effects_trace_order", "-")
        exact = x.get("effects_trace_exact_upto", "-")
        bound = x.get("effects_trace_bound")
        mcse = x.get("effects_trace_std_error")
        t_alone = (
            "-"
            if traces == "eigenvalues"
            else f"{min(alone(res, w, traces) for _ in range(repeats)):.2f}"
        )
        rows.append(
            f"| {traces} | {t:.2f} | {t - t0:.2f} | {t_alone} | {order} | {exact} | "
            f"{'-' if bound is None else f'{bound:.1e}'} | "
            f"{'-' if mcse is None else f'{mcse:.1e}'} | {diff:.1e} |"
        )
    rho = base.params["rho"]
    return [
        f"{w.n} counties x {years} years, {k}-nearest-neighbour W, SDM with county effects "
        f"(rho-hat {rho:.3f}); fit with delta-method effects only: {t0:.2f} s",
        "",
        "| traces | fit + 1,000 draws (s) | draws, end to end (s) | traces + draws alone (s) | K | "
        "exact up to | truncation bound | MC s.e. of tr | max diff vs eigenvalues |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, nargs="+", default=[5, 10])
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    lines = [
        f"### Simulated effects ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, shared 2-core machine, "
        f"load average {load} at start)",
        "",
    ]
    for k in args.k:
        lines += run(k, args.years, args.repeats)
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    lines += [f"load average at the end: {load}", ""]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
