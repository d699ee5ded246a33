"""Timings of the county code registry: ``Registry.load()`` and ``harmonise``.

Run with the real-data mirror::

    COUNTYECONOMY_DATA_DIR=../shared/data .venv/bin/python benchmarks/bench_registry.py

The harmonise panel holds every county-level code in use in each year 1985-2024 (about 2,850
counties x 40 years, 114,000 rows, with every real code change of those years), harmonised to
2024 with sum and weighted-mean rules. Targets (issue 3): load under 1 s, harmonise under 1 s.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

import countyeconomy as ce
from countyeconomy.registry import HarmonisedPanel, Registry, _plan, harmonise


def _best(fn: object, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    start = time.perf_counter()
    reg = Registry.load()
    cold_load = time.perf_counter() - start
    warm_load = _best(Registry.load)

    years = range(1985, 2025)
    frames = [reg.counties(y)[["code"]].assign(year=y) for y in years]
    df = pd.concat(frames, ignore_index=True)
    rng = np.random.default_rng(0)
    df["gdp"] = rng.lognormal(3.0, 1.0, len(df))
    df["pop"] = rng.lognormal(3.0, 0.5, len(df))
    df["income"] = rng.normal(10.0, 1.0, len(df))
    panel = ce.Panel.from_frame(df, county="code", year="year")
    rules = {"gdp": "sum", "pop": "sum", "income": ("weighted_mean", "pop")}

    def run() -> HarmonisedPanel:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return harmonise(panel, to_year=2024, rules=rules, registry=reg)

    _plan.plan.cache_clear()
    _plan._images.cache_clear()
    start = time.perf_counter()
    res = run()
    cold = time.perf_counter() - start
    warm = _best(run)
    n_counties = panel.counties.size
    print(f"Registry.load(): first call {cold_load:.3f} s, cached {warm_load * 1e6:.1f} us")
    print(
        f"harmonise: {n_counties} distinct codes (about 2,850 a year) x {len(years)} years "
        f"({panel.nobs} rows) -> "
        f"{res.panel.nobs} rows, {len(res.log)} log rows: first call {cold:.3f} s, "
        f"repeat {warm:.3f} s"
    )
    print(res.log.groupby("kind")["rows"].sum().to_string())


if __name__ == "__main__":
    main()
