"""Resampling inference: batched placebo and wild cluster bootstrap vs pyfixest and wildboottest.

Placebo. A balanced panel of 2,800 counties x 20 years, staggered 0/1 treatment (cohorts
2008-2016 and never treated), model ``y ~ d + x | county + year`` clustered by county.
countyeconomy runs 1,000 draws of ``placebo_test`` (batched FWL, no refits). The peer loop refits
pyfixest ``feols`` on the same placebo columns; it is timed on the first ``--loop-draws`` draws
(default 25) and extrapolated linearly to 1,000 (labelled "extrapolated"). pyfixest's
``ritest`` runs 1,000 draws in full (``type="randomization-c"``, ``choose_algorithm="auto"``,
its numba path). Note ritest resamples the treatment values row by row from {0, 1}: it does not
keep cohorts, a different and simpler scheme, so it is a speed peer, not a numerical one. (With
``cluster="county"`` it draws one value per county for all years, which the county effects
absorb, and its fast path fails with a singular matrix.) Each statistic is checked first: our batched coefficients and
t-statistics equal the pyfixest refits on the timed draws (rtol 1e-8).

Wild bootstrap. 9,999 Rademacher draws, WCR, H0: beta = 0, clustered by 31 provinces.
(a) OLS with a constant and three regressors on 56,000 rows, the model ``wildboottest`` is built
for: both compute the same statistic (the t must agree to 1e-8, the p-values within Monte-Carlo
error). (b) The TWFE panel with county and year effects: countyeconomy bootstraps the full
fixed-effects model; ``wildboottest`` cannot absorb 2,800 county dummies, so it gets the
FWL-demeaned data (same t; its bootstrap ignores the year-effect projection, so p may differ
slightly). Times include each library's setup from arrays/results to the p-value; each is warmed
up once (numba compilation), then the median of 3 calls.

Usage: ``python benchmarks/bench_robustness.py [--draws 1000] [--loop-draws 25] [--reps 9999]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import countyeconomy as ce
from countyeconomy.inference import placebo_assignments, placebo_test, wild_bootstrap

FORMULA = "y ~ d + x | county + year"
PF_FORMULA = "y ~ d + x | county+year"  # pyfixest 0.60 ritest needs the effects without spaces


def simulate(n_counties: int = 2_800, n_years: int = 20, seed: int = 20261129) -> pd.DataFrame:
    """Balanced county panel with staggered adoption and province codes (31 provinces)."""
    rng = np.random.default_rng(seed)
    county = np.repeat(np.arange(n_counties), n_years)
    year = np.tile(np.arange(2000, 2000 + n_years), n_counties)
    cohorts = np.where(rng.random(n_counties) < 0.4, np.inf, rng.integers(2008, 2017, n_counties))
    province = rng.integers(0, 31, n_counties)
    d = (year >= cohorts[county]).astype(float)
    x = rng.normal(size=len(county)) + 0.3 * d
    y = (
        rng.normal(size=n_counties)[county]
        + 0.02 * (year - 2000)
        + 0.05 * d
        + 0.3 * x
        + rng.normal(size=31)[province[county]] * 0.2 * (year - 2000) / n_years
        + rng.normal(size=len(county))
    )
    return pd.DataFrame(
        {"county": county, "year": year, "province": province[county], "d": d, "x": x, "y": y}
    )


def timed(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls and the last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def placebo_ours(frame: pd.DataFrame, draws: int) -> tuple[float, float, Any, Any]:
    """Time ``placebo_test`` (default grid path, and the generic batched path); return both
    times, the result and the fitted model."""
    res = ce.twfe(frame, FORMULA, county="county", year="year")
    placebo_test(res, "d", draws=10, seed=1, progress=False)  # warm-up
    t_ce, out = timed(lambda: placebo_test(res, "d", draws=draws, seed=1, progress=False), 3)
    t_gen, gen = timed(
        lambda: placebo_test(res, "d", draws=draws, seed=1, progress=False, method="generic"), 1
    )
    np.testing.assert_allclose(gen.coefs, out.coefs, rtol=1e-10, atol=1e-13)
    return t_ce, t_gen, out, res


def placebo_peers(
    frame: pd.DataFrame, res: Any, out: Any, draws: int, loop_draws: int
) -> tuple[float, float, float]:
    """Time the pyfixest refit loop (extrapolated) and ritest; check the refits against ours."""
    import pyfixest as pf

    cols = placebo_assignments(res, "d", draws=loop_draws, seed=1)
    data = frame.copy()
    pf.feols(PF_FORMULA, data=data, vcov={"CRV1": "county"})  # warm-up (numba compile)
    ratios = []
    t0 = time.perf_counter()
    for b in range(loop_draws):
        data["d"] = cols[b].to_numpy()  # balanced, no rows dropped: rows align
        fit = pf.feols(PF_FORMULA, data=data, vcov={"CRV1": "county"})
        assert np.isclose(fit.coef()["d"], out.coefs[b], rtol=1e-8, atol=1e-12)
        ratios.append(fit.tstat()["d"] / out.tstats[b])
    t_loop = (time.perf_counter() - t0) / loop_draws * draws
    # pyfixest 0.60's default small-sample factor differs from ours (fixest's nested-FE count)
    # by a constant: the t's agree up to that one ratio in every draw
    assert np.ptp(ratios) < 1e-8, ratios

    base = pf.feols(PF_FORMULA, data=frame, vcov={"CRV1": "county"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        base.ritest(resampvar="d", reps=10, rng=np.random.default_rng(1))
        t_rit, _ = timed(
            lambda: base.ritest(resampvar="d", reps=draws, rng=np.random.default_rng(1)), 1
        )
    return t_loop, t_rit, float(ratios[0])


def _wildboottest(x: np.ndarray, y: np.ndarray, cl: np.ndarray, reps: int) -> tuple[float, float]:
    from wildboottest.wildboottest import WildboottestCL

    boot = WildboottestCL(X=x, Y=y, cluster=cl, R=np.eye(x.shape[1])[1], B=reps, seed=1)
    boot.get_scores(bootstrap_type="11", impose_null=True)
    boot.get_weights(weights_type="rademacher")
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    boot.get_pvalue(pval_type="two-tailed")
    return float(np.ravel(boot.t_stat)[0]), float(boot.pvalue)


def wild_cases(frame: pd.DataFrame) -> list[tuple[str, Any, str, np.ndarray, np.ndarray]]:
    """(label, our fitted model, tested term, wildboottest X, wildboottest y)."""
    rng = np.random.default_rng(7)
    n = len(frame)
    ols = frame[["province"]].copy()
    ols["x1"], ols["x2"], ols["x3"] = (
        rng.normal(size=(3, n)) + rng.normal(size=(3, 31))[:, ols["province"]]
    )
    ols["y"] = 0.01 * ols["x1"] + rng.normal(size=n) + rng.normal(size=31)[ols["province"]]
    res = ce.twfe(ols, "y ~ x1 + x2 + x3", vcov=ce.Cluster("province"))
    xmat = np.column_stack([np.ones(n), ols[["x1", "x2", "x3"]].to_numpy()])
    fe = ce.twfe(frame, "y ~ x + d | county + year", vcov=ce.Cluster("province"))
    # wildboottest's closest equivalent of the FE model: the FWL-demeaned data
    yd = fe._state.xd @ fe.params.to_numpy() + fe._state.resid
    xfe = np.column_stack([np.ones(n), fe._state.xd])
    return [
        ("(a) OLS, 56k rows", res, "x1", xmat, ols["y"].to_numpy()),
        ("(b) TWFE county+year", fe, "x", xfe, yd),
    ]


def wild_ours(cases: list[Any], reps: int) -> list[tuple[float, Any]]:
    out = []
    for _, fit, param, _, _ in cases:

        def run(f: Any = fit, p: str = param) -> Any:
            return wild_bootstrap(f, p, draws=reps, seed=1, progress=False)

        run()
        out.append(timed(run))
    return out


def wild_peers(
    cases: list[Any], ours: list[tuple[float, Any]], cl: np.ndarray, reps: int
) -> list[tuple[str, float, str]]:
    rows: list[tuple[str, float, str]] = []
    for (label, _, _, xm, ym), (t_ce, wb) in zip(cases, ours, strict=True):
        n = len(ym)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _wildboottest(xm, ym, cl, 99)
            t_ref, (t_stat, p_ref) = timed(lambda xx=xm, yy=ym: _wildboottest(xx, yy, cl, reps))
        ratio = np.sqrt(wb.ssc_factor / ((n - 1) / (n - xm.shape[1]) * 31 / 30))
        agree = abs(wb.t_stat * ratio - t_stat) <= 1e-8 * abs(t_stat)
        note = f"t = {wb.t_stat:.3f}, p = {wb.p_value:.4f}, CI by inversion"
        rows.append((f"countyeconomy wild_bootstrap {label}", t_ce, note))
        rows.append((f"wildboottest {label}", t_ref, f"p = {p_ref:.4f}; same t: {agree}"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--loop-draws", type=int, default=25)
    parser.add_argument("--reps", type=int, default=9999)
    args = parser.parse_args()
    frame = simulate()
    print(
        f"# Robustness benchmarks ({platform.processor() or platform.machine()}, numpy {np.__version__})"
    )
    print(f"panel: {frame['county'].nunique():,} counties x {frame['year'].nunique()} years\n")
    # every countyeconomy timing first: numba's parallel threads (wildboottest, pyfixest) keep
    # spinning after their calls and would slow whatever runs next on this 2-core machine
    cases = wild_cases(frame)
    ours_wild = wild_ours(cases, args.reps)
    t_ce, t_gen, out, res = placebo_ours(frame, args.draws)
    t_loop, t_rit, ratio = placebo_peers(frame, res, out, args.draws, args.loop_draws)
    rows = [
        (
            f"countyeconomy placebo_test ({args.draws:,} draws, grid path, default)",
            t_ce,
            f"p = {out.p_value:.3f}",
        ),
        (
            f"countyeconomy placebo_test ({args.draws:,} draws, method='generic')",
            t_gen,
            "batched demeaning of (n, 50) chunks; same numbers",
        ),
        (
            f"pyfixest feols refit loop (timed {args.loop_draws}, extrapolated to {args.draws:,})",
            t_loop,
            f"same draws; coefs equal ours, t x {ratio:.6f} (ssc)",
        ),
        (f"pyfixest ritest ({args.draws:,} draws, numba)", t_rit, "iid 0/1 per row, no cohorts"),
    ]
    rows += wild_peers(cases, ours_wild, frame["province"].to_numpy(), args.reps)
    width = max(len(r[0]) for r in rows)
    print(f"| {'task':<{width}} | seconds | note |")
    print(f"|{'-' * (width + 2)}|--------:|------|")
    for name, sec, note in rows:
        print(f"| {name:<{width}} | {sec:7.3f} | {note} |")
    ce_p, loop, rit = t_ce, t_loop, t_rit
    print(
        f"\nplacebo: {ce_p / loop:.4f}x the refit loop (target <= 0.05), "
        f"{ce_p / rit:.3f}x ritest (target <= 0.5)"
    )
    wild = [r for r in rows if "wild" in r[0]]
    for i in range(0, len(wild), 2):
        print(
            f"wild {wild[i][0][30:]}: {wild[i][1] / wild[i + 1][1]:.3f}x wildboottest (target <= 0.5)"
        )


if __name__ == "__main__":
    main()
