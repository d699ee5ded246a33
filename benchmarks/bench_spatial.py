"""Spatial weights, effects simulation and FE spatial panels against spreg (ratios in one run).

Data: county seats from cpca's table (``countyeconomy.registry.read_cpca_table``, county-level
codes), the first ``--counties`` of them; a simulated SAR panel with ``rho = 0.4`` over
``--years`` years on 6-nearest-neighbour weights.

Timed: (1) ``knn_weights`` and ``distance_weights(cutoff=100)`` on all ~2,800 seats (target < 1 s);
(2) ``sdm_panel`` with county effects and 1,000 simulated effect draws, and the draws alone
(target < 5 s; ``benchmarks/bench_spatial_effects.py`` compares the ``traces=`` options). Each time is the fastest of ``--repeats`` runs. (3) ``sar_panel`` (county effects, ``bias_correction=False``, ``draws=0``) against
``spreg.Panel_FE_Lag`` on the same data (target ratio <= 0.25), and ``sdm_panel`` with two-way
effects (spreg has none).

Usage: ``python benchmarks/bench_spatial.py [--counties 2800] [--years 20] [--out FILE.md]``.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from countyeconomy.registry import read_cpca_table
from countyeconomy.spatial import distance_weights, knn_weights, sar_panel, sdm_panel


def seats() -> pd.DataFrame:
    t = read_cpca_table()
    t = t[~t["code"].str.endswith("00")].dropna(subset=["lon", "lat"])
    return t.drop_duplicates(["lon", "lat"]).reset_index(drop=True)


REPEATS = 3


def timed(fn, *args, **kw):  # type: ignore[no-untyped-def]
    """The result and the fastest of ``REPEATS`` runs (the machine is shared)."""
    best, out = float("inf"), None
    for _ in range(REPEATS):
        start = time.perf_counter()
        out = fn(*args, **kw)
        best = min(best, time.perf_counter() - start)
    return out, best


def simulate(w, years: int, seed: int = 0) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    from scipy.sparse.linalg import splu

    rng = np.random.default_rng(seed)
    n = w.n
    lu = splu(sp.csc_array(sp.eye_array(n) - 0.4 * w.matrix))
    a = rng.standard_normal(n)
    rows = []
    for t in range(years):
        x = rng.standard_normal((n, 2))
        y = lu.solve(x @ np.array([1.0, -0.5]) + a + rng.standard_normal(n))
        rows.append(
            pd.DataFrame(
                {"county": list(w.ids), "year": 2000 + t, "y": y, "x1": x[:, 0], "x2": x[:, 1]}
            )
        )
    return pd.concat(rows, ignore_index=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--counties", type=int, default=2800)
    ap.add_argument("--years", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    global REPEATS
    REPEATS = args.repeats
    warnings.simplefilter("ignore")
    xy = seats()
    knn_weights(xy.iloc[:50], k=3)  # warm-up: libpysal's import (~2 s) is not the weights' cost
    lines = [
        f"# Spatial benchmark ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{platform.processor() or platform.machine()}, shared 2-core machine)",
        "",
    ]
    wk, t_knn = timed(knn_weights, xy, k=6)
    _, t_dist = timed(distance_weights, xy, cutoff=100.0)
    lines += [
        f"- weights for {wk.n} seats: knn (k=6) {t_knn:.2f} s; inverse distance "
        f"(100 km) {t_dist:.2f} s",
        "",
    ]
    sub = xy.iloc[: args.counties]
    w = knn_weights(sub, k=6)
    df = simulate(w, args.years)
    n, t = w.n, args.years
    fe = "y ~ x1 + x2 | county"
    res0, t_sar = timed(sar_panel, df, fe, w, bias_correction=False, draws=0, progress=False)
    from spreg import Panel_FE_Lag

    wide = (
        df.sort_values(["year", "county"])
        .set_index(["year", "county"])
        .loc[pd.MultiIndex.from_product([sorted(df["year"].unique()), list(w.ids)])]
    )
    lw = w.to_libpysal()
    ref, t_spreg = timed(Panel_FE_Lag, wide[["y"]].to_numpy(), wide[["x1", "x2"]].to_numpy(), lw)
    diff = float(np.abs(res0.params.to_numpy() - ref.betas.ravel()).max())
    _, t_sdm0 = timed(sdm_panel, df, fe, w, draws=0, progress=False)
    _, t_sdm = timed(sdm_panel, df, fe, w, draws=1000, seed=1, progress=False)
    _, t_sdm2 = timed(sdm_panel, df, "y ~ x1 + x2 | county + year", w, draws=0, progress=False)
    lines += [
        f"Panel: {n} counties x {t} years, 6-nearest-neighbour weights.",
        "",
        "| task | countyeconomy (s) | spreg 1.9.0 (s) | ratio |",
        "|---|---|---|---|",
        f"| SAR, county FE (direct) | {t_sar:.2f} | {t_spreg:.2f} | {t_sar / t_spreg:.2f} |",
        f"| SDM, county FE, delta-method effects | {t_sdm0:.2f} | - | - |",
        f"| SDM, county FE, 1,000 simulated effect draws | {t_sdm:.2f} | - | - |",
        f"| 1,000 effect draws and their traces (default traces=) | {t_sdm - t_sdm0:.2f} | - | - |",
        f"| SDM, two-way FE (Lee-Yu) | {t_sdm2:.2f} | - | - |",
        "",
        f"max |difference| of SAR coefficients vs spreg: {diff:.2e}",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
