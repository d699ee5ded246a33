"""Gini (weighted, grouped, by source), CV, Williamson and the urban-rural ratio.

References are PySAL's ``inequality.gini.Gini`` and brute-force sums written out in this file.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from countyeconomy.indicators.inequality import (
    coefficient_of_variation,
    gini,
    gini_source_decomposition,
    grouped_gini,
    theil,
    urban_rural_ratio,
    williamson_index,
)


def _brute_gini(y: np.ndarray, w: np.ndarray) -> float:
    """G = sum_i sum_j w_i w_j |y_i - y_j| / (2 W^2 mu), as a double loop."""
    total_w = w.sum()
    mu = (w * y).sum() / total_w
    acc = 0.0
    for i in range(y.size):
        for j in range(y.size):
            acc += w[i] * w[j] * abs(y[i] - y[j])
    return acc / (2.0 * total_w**2 * mu)


def test_unweighted_gini_matches_pysal_on_mexico() -> None:
    examples = pytest.importorskip("libpysal.examples")
    from inequality.gini import Gini

    df = pd.read_csv(examples.get_path("mexico.csv"))
    cols = [f"pcgdp{y}" for y in range(1940, 2010, 10)]
    y = xr.DataArray(df[cols].to_numpy(float), dims=("county", "year"))
    ours = gini(y).values
    ref = [Gini(df[c].to_numpy(float)).g for c in cols]
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_weighted_gini_vs_double_sum_with_ties() -> None:
    rng = np.random.default_rng(0)
    y = np.round(rng.lognormal(size=25), 1)  # rounding creates ties
    w = rng.uniform(0.5, 20, 25)
    ours = float(gini(xr.DataArray(y, dims="county"), weights=xr.DataArray(w, dims="county")))
    assert ours == pytest.approx(_brute_gini(y, w), abs=1e-13)


def test_gini_correction_and_known_value() -> None:
    y = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="county")
    # sum |yi - yj| = 20; G = 20 / (2 * 16 * 2.5) = 0.25; corrected 0.25 * 4/3
    assert float(gini(y)) == pytest.approx(0.25, abs=1e-15)
    assert float(gini(y, correction=True)) == pytest.approx(1 / 3, abs=1e-15)


def test_integer_weights_equal_replication() -> None:
    y = np.array([3.0, 1.0, 7.0, 2.0])
    w = np.array([2.0, 1.0, 3.0, 1.0])
    rep = np.repeat(y, w.astype(int))
    weighted = float(gini(xr.DataArray(y, dims="county"), weights=xr.DataArray(w, dims="county")))
    assert weighted == pytest.approx(float(gini(xr.DataArray(rep, dims="county"))), abs=1e-14)


def test_grouped_gini_trapezoid_by_hand() -> None:
    mean = np.array([45.0, 5.0, 15.0, 10.0, 25.0])  # deliberately unsorted
    pop = np.array([10.0, 30.0, 20.0, 25.0, 15.0])
    order = np.argsort(mean)
    m, p = mean[order], pop[order]
    pshare = p / p.sum()
    lorenz = np.cumsum(m * p) / np.sum(m * p)
    hand = 1.0 - sum(pshare[k] * (lorenz[k] + (lorenz[k - 1] if k else 0.0)) for k in range(5))
    ours = float(grouped_gini(xr.DataArray(mean, dims="group"), xr.DataArray(pop, dims="group")))
    assert ours == pytest.approx(hand, abs=1e-14)
    # with no within-group dispersion the trapezoid equals the weighted mean-difference Gini
    assert ours == pytest.approx(_brute_gini(mean, pop), abs=1e-14)


def test_source_decomposition_by_hand() -> None:
    rng = np.random.default_rng(5)
    n = 30
    x = np.column_stack([rng.lognormal(size=n), rng.uniform(0, 2, n), rng.exponential(size=n)])
    w = rng.uniform(1, 4, n)
    y = x.sum(axis=1)
    res = gini_source_decomposition(
        xr.DataArray(x, dims=("county", "source"), coords={"source": ["wage", "farm", "transfer"]}),
        weights=xr.DataArray(w, dims="county"),
    )
    total_w = w.sum()
    # weighted mid-point rank F(y) (no ties in continuous draws), then the covariance formula
    order = np.argsort(y)
    cum = np.cumsum(w[order])
    f = np.empty(n)
    f[order] = (cum - w[order] / 2) / total_w
    mu = (w * y).sum() / total_w
    for k, name in enumerate(["wage", "farm", "transfer"]):
        xk = x[:, k]
        mu_k = (w * xk).sum() / total_w
        cov = (w * (xk - mu_k) * (f - (w * f).sum() / total_w)).sum() / total_w
        s_k, g_k = mu_k / mu, _brute_gini(xk, w)
        r_k = (2 * cov / mu_k) / g_k
        assert float(res.source_share.sel(source=name)) == pytest.approx(s_k, abs=1e-12)
        assert float(res.source_gini.sel(source=name)) == pytest.approx(g_k, abs=1e-12)
        assert float(res.gini_correlation.sel(source=name)) == pytest.approx(r_k, abs=1e-12)
    assert float(res.gini) == pytest.approx(_brute_gini(y, w), abs=1e-12)
    assert float(res.contribution.sum()) == pytest.approx(float(res.gini), abs=1e-12)
    assert float(res.marginal_effect.sum()) == pytest.approx(0.0, abs=1e-12)
    frame = res.to_frame()
    assert set(frame.columns) >= {"source", "contribution_share", "gini_correlation"}


def test_cv_and_williamson_by_hand() -> None:
    y = np.array([2.0, 3.0, 5.0, 9.0])
    p = np.array([10.0, 40.0, 30.0, 20.0])
    yd, pd_ = xr.DataArray(y, dims="county"), xr.DataArray(p, dims="county")
    mean = y.mean()
    sd0 = math.sqrt(sum((v - mean) ** 2 for v in y) / 4)
    sd1 = math.sqrt(sum((v - mean) ** 2 for v in y) / 3)
    assert float(coefficient_of_variation(yd)) == pytest.approx(sd0 / mean, abs=1e-14)
    assert float(coefficient_of_variation(yd, ddof=1)) == pytest.approx(sd1 / mean, abs=1e-14)
    wmean = sum(pi * yi for pi, yi in zip(p, y, strict=True)) / p.sum()
    var = sum(pi / p.sum() * (yi - wmean) ** 2 for pi, yi in zip(p, y, strict=True))
    assert float(williamson_index(yd, pd_)) == pytest.approx(math.sqrt(var) / wmean, abs=1e-14)


def test_urban_rural_ratio_published_2023() -> None:
    # METHODS.md §A1: rural 21,691 yuan [V], urban 51,821 [M] -> 2.389 [S]; NBS reports 2.39.
    u = xr.DataArray([51821.0], dims="year", coords={"year": [2023]})
    r = xr.DataArray([21691.0], dims="year", coords={"year": [2023]})
    assert float(urban_rural_ratio(u, r)[0]) == pytest.approx(51821 / 21691, abs=1e-15)
    assert round(float(urban_rural_ratio(u, r)[0]), 2) == 2.39
    assert float(urban_rural_ratio(u, r, kind="difference")[0]) == 51821 - 21691


def test_missing_values_give_nan_unless_skipna() -> None:
    y = xr.DataArray([[1.0, 1.0], [np.nan, 2.0], [3.0, 3.0], [4.0, 4.0]], dims=("county", "year"))
    w = xr.DataArray([1.0, 5.0, 2.0, 1.0], dims="county")
    clean_y, clean_w = np.array([1.0, 3.0, 4.0]), np.array([1.0, 2.0, 1.0])
    default = gini(y, weights=w)
    assert np.isnan(float(default[0]))  # nothing is dropped silently
    assert float(default[1]) == pytest.approx(_brute_gini(y.values[:, 1], w.values), abs=1e-14)
    skipped = gini(y, weights=w, skipna=True)
    assert float(skipped[0]) == pytest.approx(_brute_gini(clean_y, clean_w), abs=1e-14)
    assert float(gini(y, correction=True, skipna=True)[0]) == pytest.approx(
        _brute_gini(clean_y, np.ones(3)) * 3 / 2, abs=1e-14
    )
    for f in (theil, coefficient_of_variation):
        assert np.isnan(float(f(y)[0]))
        assert np.isfinite(float(f(y, skipna=True)[0]))
    assert np.isnan(float(williamson_index(y, w)[0]))
