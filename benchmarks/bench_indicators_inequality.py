"""Timings and memory of the inequality and convergence indicators (issue 4).

    .venv/bin/python benchmarks/bench_indicators_inequality.py [--quick]

1. Speed: every indicator on numpy-backed data of 3,000 counties x 20 years (8 regions, 31
   provinces, 3 income sources, 5 quintile groups for the grouped Gini); target < 0.5 s each
   (best of 3, result computed).
2. Memory: the same indicators on 300,000 counties x 20 years (48 MB per float64 array), once
   eagerly on numpy (inputs allocated beforehand, not counted) and once lazily on dask (inputs
   generated chunk by chunk inside the graph, one year per chunk = 2.3 MB, because the sort-based
   kernels need the whole county axis of a year; counted). Peak traced allocations (tracemalloc,
   which numpy reports to) are listed beside the chunk size. ``--quick`` uses 30,000 counties.
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from collections.abc import Callable

import dask
import dask.array as dsa
import numpy as np
import xarray as xr

from countyeconomy.indicators import convergence as cv
from countyeconomy.indicators import inequality as ineq

MB = 1024**2
YEARS = np.arange(2001, 2021)


def data(n: int, *, lazy: bool) -> dict[str, xr.DataArray]:
    """Income, population, urban/rural parts and three sources; numpy or chunked dask."""
    dims = ("county", "year")
    coords = {"county": np.arange(n), "year": YEARS}
    shape = (n, YEARS.size)
    if lazy:
        rng = dsa.random.default_rng(0)

        def draw(lo: float, hi: float) -> object:
            return rng.uniform(lo, hi, size=shape, chunks=(n, 1))
    else:
        nrng = np.random.default_rng(0)

        def draw(lo: float, hi: float) -> object:
            return nrng.uniform(lo, hi, size=shape)

    arrays = {
        name: xr.DataArray(draw(lo, hi), dims=dims, coords=coords)
        for name, lo, hi in [
            ("income", 5e3, 6e4),
            ("pop", 1e4, 1e6),
            ("urban", 2e4, 6e4),
            ("rural", 8e3, 2e4),
            ("upop", 1e4, 5e5),
            ("rpop", 1e4, 5e5),
        ]
    }
    sources = [xr.DataArray(draw(1e3, 2e4), dims=dims, coords=coords) for _ in range(3)]
    arrays["sources"] = xr.concat(sources, dim="source").assign_coords(
        source=["wage", "business", "transfer"]
    )
    return arrays


def indicators(d: dict[str, xr.DataArray], n: int) -> dict[str, Callable[[], object]]:
    county = {"county": d["income"].county}
    province = xr.DataArray(np.arange(n) % 32, dims="county", coords=county)
    region = province % 8
    y, w = d["income"], d["pop"]
    quint = y.isel(county=slice(0, 5)).rename(county="group").drop_vars("group")
    qpop = w.isel(county=slice(0, 5)).rename(county="group").drop_vars("group")
    grid = np.linspace(8.0, 11.5, 128)
    return {
        "urban_rural_ratio": lambda: ineq.urban_rural_ratio(d["urban"], d["rural"]),
        "urban_rural_theil (T)": lambda: ineq.urban_rural_theil(
            d["urban"], d["rural"], d["upop"], d["rpop"]
        ),
        "theil (T, weighted)": lambda: ineq.theil(y, weights=w),
        "theil_decomposition (L, 8 regions)": lambda: (
            ineq.theil_decomposition(y, region, weights=w, kind="L").within
        ),
        "nested_theil (8 regions, 32 prov.)": lambda: (
            ineq.nested_theil_decomposition(y, province % 8, province, weights=w).between_provinces
        ),
        "gini (weighted)": lambda: ineq.gini(y, weights=w),
        "gini (unweighted, corrected)": lambda: ineq.gini(y, correction=True),
        "grouped_gini (5 groups)": lambda: ineq.grouped_gini(quint, qpop),
        "gini_source_decomposition (3)": lambda: (
            ineq.gini_source_decomposition(d["sources"], weights=w).contribution
        ),
        "dagum_decomposition (8 regions)": lambda: (
            ineq.dagum_decomposition(y, region).transvariation
        ),
        "coefficient_of_variation": lambda: ineq.coefficient_of_variation(y),
        "williamson_index": lambda: ineq.williamson_index(y, w),
        "sigma_convergence": lambda: cv.sigma_convergence(y),
        "beta_convergence (absolute)": lambda: cv.beta_convergence(y).beta,
        "kernel_density (128 points)": lambda: cv.kernel_density(y, grid=grid, log=True).density,
        "markov_transition (quintiles)": lambda: cv.markov_transition(y).counts,
    }


def _compute(result: object) -> object:
    return result.compute() if isinstance(result, xr.DataArray) else result


def speed(n: int = 3_000) -> list[tuple[str, float]]:
    d = data(n, lazy=False)
    rows = []
    for name, fn in indicators(d, n).items():
        best = min(_timed(fn) for _ in range(3))
        rows.append((name, best))
    best = min(_timed(lambda: cv.conditional_beta_convergence(d["income"])) for _ in range(3))
    rows.append(("conditional_beta (TWFE, eager)", best))
    return rows


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    _compute(fn())
    return time.perf_counter() - start


def _peak(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    _compute(fn())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / MB


def memory(n: int) -> list[tuple[str, float, float, float]]:
    """Peak traced MB per indicator: eager (inputs already in memory) and lazy (nothing is)."""
    eager_data = data(n, lazy=False)
    eager_funcs = indicators(eager_data, n)
    lazy_funcs = indicators(data(n, lazy=True), n)
    rows = []
    with dask.config.set(scheduler="threads", num_workers=4):
        for name in eager_funcs:
            eager_peak = _peak(eager_funcs[name])
            start = time.perf_counter()
            lazy_peak = _peak(lazy_funcs[name])
            rows.append((name, eager_peak, lazy_peak, time.perf_counter() - start))
    return rows


def main() -> int:
    quick = "--quick" in sys.argv
    n_big = 30_000 if quick else 300_000
    print("Speed: 3,000 counties x 20 years, numpy-backed (best of 3); target < 0.5 s")
    print(f"{'indicator':40s} {'seconds':>8s}  ok")
    slow = 0
    for name, secs in speed():
        ok = secs < 0.5
        slow += not ok
        print(f"{name:40s} {secs:8.3f}  {'yes' if ok else 'NO'}", flush=True)
    chunk_mb = n_big * 8 / MB
    print(
        f"\nMemory: {n_big:,} counties x 20 years; one array = {n_big * 20 * 8 / MB:.0f} MB; "
        f"dask chunk = one year = {chunk_mb:.1f} MB; 4 threads"
    )
    print(f"{'indicator':40s} {'eager MB':>9s} {'lazy MB':>9s} {'lazy/chunk':>10s} {'lazy s':>7s}")
    for name, eager, lazy, secs in memory(n_big):
        print(
            f"{name:40s} {eager:9.1f} {lazy:9.1f} {lazy / chunk_mb:10.1f} {secs:7.2f}", flush=True
        )
    print(
        "\n(eager: peak of the computation, its numpy inputs already allocated and not counted; "
        "lazy: inputs generated chunk by chunk inside the graph and counted)"
    )
    return 1 if slow else 0


if __name__ == "__main__":
    sys.exit(main())
