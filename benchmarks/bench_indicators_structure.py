"""Timings and memory of the structure and composite indicators (issue 4).

    .venv/bin/python benchmarks/bench_indicators_structure.py [--quick]

1. Speed: every indicator on a numpy-backed cube of 3,000 counties x 20 years x 20 sectors (the
   sector dim doubles as 20 indicators for the composite indices); target < 0.5 s each (best of 3).
   The bilateral Krugman matrix grows with counties squared, so it runs on 300 counties.
2. Memory: a few indicators on a 300,000 x 20 x 20 cube (120 M cells, 960 MB as float64), once
   eagerly on numpy and once lazily on dask (chunks of 10,000 counties = 32 MB, the data generated
   chunk by chunk), reduced to a small result. Peak traced allocations (tracemalloc, which numpy
   reports to) are compared with the chunk size. ``--quick`` uses a 30,000-county cube instead.
   Indicators whose default reference is a panel-wide total (location quotient, Krugman, entropy
   min/max) read every chunk twice, so dask keeps the input chunks between the two passes; computing
   the small reference first (``reference=x.sum("county").compute()``) makes them one streaming
   pass, shown in the "(reference first)" rows.
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

import countyeconomy.indicators as ci

SECTORS = [f"s{k:02d}" for k in range(20)]
THREE = {"s00": "primary", "s01": "secondary", "s02": "tertiary"}
MB = 1024**2


def cube(
    n: int, t: int = 20, k: int = 20, *, lazy: bool = False, chunk: int = 10_000
) -> xr.DataArray:
    coords = {"county": np.arange(n), "year": np.arange(2000, 2000 + t), "sector": SECTORS}
    if lazy:
        data = dsa.random.default_rng(0).uniform(1.0, 100.0, size=(n, t, k), chunks=(chunk, t, k))
    else:
        data = np.random.default_rng(0).uniform(1.0, 100.0, size=(n, t, k))
    return xr.DataArray(data, dims=("county", "year", "sector"), coords=coords)


def indicators(x: xr.DataArray) -> dict[str, Callable[[], object]]:
    ind = x.rename(sector="indicator")
    dirs = {s: "+" if i % 3 else "-" for i, s in enumerate(SECTORS)}
    weights = dict.fromkeys(SECTORS, 1 / 20)
    three = x.sel(sector=list(THREE)).assign_coords(sector=list(THREE.values()))
    u = x.isel(sector=slice(0, 3)) / 100.0
    small = x.isel(county=slice(0, 300))
    return {
        "location_quotient": lambda: ci.location_quotient(x),
        "hhi (normalized)": lambda: ci.hhi(x, kind="normalized"),
        "krugman (nation)": lambda: ci.krugman(x),
        "krugman (rest of country)": lambda: ci.krugman(x, exclude_self=True),
        "krugman_bilateral (300 counties)": lambda: ci.krugman_bilateral(small),
        "ellison_glaeser": lambda: ci.ellison_glaeser(x, herfindahl=0.05).gamma,
        "structure_upgrading (level)": lambda: ci.structure_upgrading(three, kind="level"),
        "rationalization (theil)": lambda: ci.rationalization(x, x * 1.3 + 1.0),
        "industry_transfer": lambda: ci.industry_transfer(x),
        "shift_share": lambda: ci.shift_share(x, start=2008, end=2010).competitive,
        "resilience (resistance)": lambda: ci.resilience(
            x, start=2008, end=2010, kind="resistance", sector_dim="sector"
        ),
        "entropy_weights (panel)": lambda: ci.entropy_weights(ind, directions=dirs).scores,
        "entropy_weights (year)": lambda: ci.entropy_weights(ind, directions=dirs, scope="year"),
        "composite_index": lambda: ci.composite_index(ind, weights=weights, directions=dirs),
        "topsis": lambda: ci.topsis(ind, weights=weights, directions=dirs).closeness,
        "coupling_coordination (3, corrected)": lambda: (
            ci.coupling_coordination(
                u.isel(sector=0), u.isel(sector=1), u.isel(sector=2), corrected=True
            ).label
        ),
    }


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def speed() -> list[tuple[str, float]]:
    x = cube(3_000)
    return [(name, best_of(fn)) for name, fn in indicators(x).items()]


def peak_mb(fn: Callable[[], object]) -> tuple[float, float]:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / MB, seconds


def memory(n: int) -> list[tuple[str, float, float, float, float]]:
    chunk = 10_000

    def reduce(kind: str, lazy: bool) -> Callable[[], object]:
        def run() -> object:
            x = cube(n, lazy=lazy, chunk=chunk)
            if kind == "hhi":
                out = ci.hhi(x).mean()
            elif kind == "krugman":
                out = ci.krugman(x).mean()
            elif kind == "location_quotient":
                out = ci.location_quotient(x).max()
            elif kind.endswith("(reference first)"):
                # a small (year x sector) reference computed first: one streaming pass afterwards
                ref = x.sum("county")
                ref = ref.compute() if lazy else ref
                func = ci.krugman if kind.startswith("krugman") else ci.location_quotient
                out = func(x, reference=ref).max()
            else:
                ind = x.rename(sector="indicator")
                dirs = {s: "+" for s in SECTORS}
                out = ci.entropy_weights(ind, directions=dirs).weights
            return out.compute() if lazy else out

        return run

    rows = []
    with dask.config.set(scheduler="threads"):
        kinds = (
            "hhi",
            "krugman",
            "krugman (reference first)",
            "location_quotient",
            "location_quotient (reference first)",
            "entropy_weights",
        )
        for kind in kinds:
            eager_mb, eager_s = peak_mb(reduce(kind, lazy=False))
            lazy_mb, lazy_s = peak_mb(reduce(kind, lazy=True))
            rows.append((kind, eager_mb, eager_s, lazy_mb, lazy_s))
    return rows


def main() -> None:
    quick = "--quick" in sys.argv
    print("## Speed: 3,000 counties x 20 years x 20 sectors (numpy), best of 3, target < 0.5 s\n")
    print("| indicator | seconds | < 0.5 s |")
    print("|---|---:|:---:|")
    for name, secs in speed():
        print(f"| {name} | {secs:.3f} | {'yes' if secs < 0.5 else 'NO'} |")
    n = 30_000 if quick else 300_000
    cells = n * 20 * 20
    print(
        f"\n## Memory: {n:,} x 20 x 20 cube ({cells * 8 / MB:,.0f} MB float64); "
        f"dask chunks of 10,000 counties ({10_000 * 400 * 8 / MB:.0f} MB), 2 threads\n"
    )
    print("| indicator (reduced) | eager peak MB | eager s | lazy peak MB | lazy s | eager/lazy |")
    print("|---|---:|---:|---:|---:|---:|")
    for kind, emb, es, lmb, ls in memory(n):
        print(f"| {kind} | {emb:,.0f} | {es:.1f} | {lmb:,.0f} | {ls:.1f} | {emb / lmb:.1f}x |")


if __name__ == "__main__":
    main()
