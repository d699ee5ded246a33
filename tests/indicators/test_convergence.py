"""Convergence against statsmodels OLS, scipy's KDE, giddy's Markov and giddy's published matrix."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from countyeconomy.indicators.convergence import (
    beta_convergence,
    conditional_beta_convergence,
    kernel_density,
    markov_transition,
    sigma_convergence,
)

# giddy docstring (giddy.markov.Markov on usjoin.csv, quintiles per year), METHODS.md §A18 [V].
GIDDY_P = np.array(
    [
        [0.91011236, 0.0886392, 0.00124844, 0.0, 0.0],
        [0.09972299, 0.78531856, 0.11080332, 0.00415512, 0.0],
        [0.0, 0.10125, 0.78875, 0.1075, 0.0025],
        [0.0, 0.00417827, 0.11977716, 0.79805014, 0.07799443],
        [0.0, 0.0, 0.00125156, 0.07133917, 0.92740926],
    ]
)


def _panel(n: int = 60, t: int = 8, seed: int = 0) -> xr.DataArray:
    rng = np.random.default_rng(seed)
    log0 = rng.normal(8, 0.5, n)
    logs = [log0]
    for _ in range(t - 1):
        logs.append(logs[-1] + 0.05 - 0.1 * (logs[-1] - 8) + rng.normal(0, 0.05, n))
    return xr.DataArray(
        np.exp(np.column_stack(logs)),
        dims=("county", "year"),
        coords={"county": [f"c{i:03d}" for i in range(n)], "year": np.arange(2001, 2001 + t)},
    )


@pytest.fixture(scope="module")
def usjoin() -> np.ndarray:
    examples = pytest.importorskip("libpysal.examples")
    df = pd.read_csv(examples.get_path("usjoin.csv"))
    return df[[str(y) for y in range(1929, 2010)]].to_numpy(float)  # 48 states x 81 years


def test_markov_matches_giddy_live_and_published(usjoin: np.ndarray) -> None:
    mc = pytest.importorskip("mapclassify")
    from giddy.markov import Markov

    classes = np.array([mc.Quantiles(col, k=5).yb for col in usjoin.T]).T
    ref = Markov(classes)
    y = xr.DataArray(usjoin, dims=("county", "year"), coords={"year": range(1929, 2010)})
    res = markov_transition(y, k=5)
    np.testing.assert_array_equal(res.counts.values, ref.transitions)
    np.testing.assert_allclose(res.probabilities.values, ref.p, atol=1e-14)
    np.testing.assert_allclose(res.probabilities.values, GIDDY_P, atol=1e-8)
    assert res.counts.values[0, :3].tolist() == [729, 71, 1]  # METHODS.md §A18 counts [V]
    assert res.counts.values[1, :4].tolist() == [72, 567, 80, 3]
    steady = res.steady_state()
    np.testing.assert_allclose(steady.to_numpy() @ res.probabilities.values, steady.to_numpy())


def test_markov_pooled_classes_by_hand() -> None:
    y = _panel(n=20, t=4, seed=3)
    res = markov_transition(y, k=4, classes="pooled")
    cuts = np.quantile(y.values.ravel(), [0.25, 0.5, 0.75])
    cls = np.searchsorted(cuts, y.values, side="left")
    counts = np.zeros((4, 4))
    for i in range(20):
        for t in range(3):
            counts[cls[i, t], cls[i, t + 1]] += 1
    np.testing.assert_array_equal(res.counts.values, counts)
    np.testing.assert_allclose(res.cutoffs.values, cuts)


def test_sigma_by_hand() -> None:
    y = _panel()
    logs = np.log(y.values)
    expected = [math.sqrt(np.mean((c - c.mean()) ** 2)) for c in logs.T]
    np.testing.assert_allclose(sigma_convergence(y).values, expected, atol=1e-14)
    cv = [np.std(c, ddof=1) / np.mean(c) for c in y.values.T]
    np.testing.assert_allclose(sigma_convergence(y, kind="cv", ddof=1).values, cv, atol=1e-14)


@pytest.mark.parametrize(("vcov", "cov_type"), [("iid", "nonrobust"), ("HC1", "HC1")])
def test_absolute_beta_matches_statsmodels(vcov: str, cov_type: str) -> None:
    sm = pytest.importorskip("statsmodels.api")
    y = _panel()
    res = beta_convergence(y, vcov=vcov)  # type: ignore[arg-type]
    x0 = np.log(y.values[:, 0])
    growth = np.log(y.values[:, -1] / y.values[:, 0]) / 7.0
    ref = sm.OLS(growth, sm.add_constant(x0)).fit(cov_type=cov_type)
    assert float(res.beta) == pytest.approx(ref.params[1], abs=1e-12)
    assert float(res.intercept) == pytest.approx(ref.params[0], abs=1e-10)
    assert float(res.std_error) == pytest.approx(ref.bse[1], rel=1e-10)
    assert float(res.r_squared) == pytest.approx(ref.rsquared, abs=1e-12)
    if vcov == "iid":
        assert float(res.p_value) == pytest.approx(ref.pvalues[1], rel=1e-8)
    lam = -math.log(1 + 7 * ref.params[1]) / 7
    assert float(res.speed) == pytest.approx(lam, rel=1e-10)
    assert float(res.half_life) == pytest.approx(math.log(2) / lam, rel=1e-10)
    assert int(res.nobs) == 60
    assert res.to_frame().shape[0] == 1


def test_absolute_beta_subperiod_and_missing() -> None:
    sm = pytest.importorskip("statsmodels.api")
    y = _panel().copy()
    y[3, 2] = np.nan
    assert np.isnan(float(beta_convergence(y, start=2003, end=2006).beta))
    assert not np.isnan(float(beta_convergence(y, start=2004, end=2006).beta))
    res = beta_convergence(y, start=2003, end=2006, skipna=True)
    keep = np.arange(60) != 3
    x0 = np.log(y.values[keep, 2])
    g = np.log(y.values[keep, 5] / y.values[keep, 2]) / 3
    ref = sm.OLS(g, sm.add_constant(x0)).fit()
    assert float(res.beta) == pytest.approx(ref.params[1], abs=1e-12)
    assert int(res.nobs) == 59


def test_conditional_beta_matches_lsdv_statsmodels() -> None:
    sm = pytest.importorskip("statsmodels.formula.api")
    y = _panel(n=30, t=6, seed=9)
    ctrl = xr.DataArray(np.random.default_rng(2).normal(size=(30, 6)), dims=y.dims, coords=y.coords)
    res = conditional_beta_convergence(y, covariates={"x": ctrl}, vcov="iid")
    df = pd.DataFrame(
        {
            "county": np.repeat(y.county.values, 5),
            "year": np.tile(y.year.values[:-1], 30),
            "growth": np.log(y.values[:, 1:] / y.values[:, :-1]).ravel(),
            "log_y": np.log(y.values[:, :-1]).ravel(),
            "x": ctrl.values[:, :-1].ravel(),
        }
    )
    ref = sm.ols("growth ~ log_y + x + C(county) + C(year)", df).fit()
    assert res.beta == pytest.approx(ref.params["log_y"], abs=1e-10)
    assert res.std_error == pytest.approx(ref.bse["log_y"], rel=1e-8)
    assert res.nobs == 150
    assert res.speed == pytest.approx(-math.log1p(res.beta), rel=1e-12)


def test_kde_matches_scipy_with_silverman_bandwidth() -> None:
    stats = pytest.importorskip("scipy.stats")
    y = _panel()
    grid = np.linspace(7.0, 10.0, 50)
    res = kernel_density(y, grid=grid, log=True)
    for t in range(y.sizes["year"]):
        x = np.log(y.values[:, t])
        iqr = np.subtract(*np.percentile(x, [75, 25]))
        h = 0.9 * min(np.std(x, ddof=1), iqr / 1.34) * x.size ** (-1 / 5)  # R's bw.nrd0
        assert float(res.bandwidth[t]) == pytest.approx(h, rel=1e-12)
        ref = stats.gaussian_kde(x, bw_method=h / np.std(x, ddof=1))(grid)
        np.testing.assert_allclose(res.density.isel(year=t).values, ref, rtol=1e-10)
    assert res.to_frame().shape == (50 * 8, 3)


def test_kde_fixed_bandwidth_and_default_grid() -> None:
    y = xr.DataArray([1.0, 2.0, 4.0], dims="county")
    res = kernel_density(y, bandwidth=0.5, n_points=11)
    grid = res.density["value"].values
    assert grid[0] == pytest.approx(0.7) and grid[-1] == pytest.approx(4.3)
    hand = [
        sum(math.exp(-0.5 * ((g - v) / 0.5) ** 2) for v in (1, 2, 4))
        / (3 * 0.5 * math.sqrt(2 * math.pi))
        for g in grid
    ]
    np.testing.assert_allclose(res.density.values, hand, rtol=1e-12)
