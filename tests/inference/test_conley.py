"""Conley spatial-HAC covariance (``vcov=Conley(...)``).

References, each on a simulated unbalanced panel with spatially correlated errors:

- diff-diff 3.13.0 ``compute_robust_vcov(vcov_type="conley")`` (which its authors match to R
  ``conleyreg`` 0.1.9 at 1e-14), on our demeaned regressors and residuals, both kernels, with and
  without lags, under ``ssc="none"`` (diff-diff applies no small-sample factor): rtol 1e-10. Its
  Earth radius is 6371.01 km against our 6371.0088, so its cutoff is scaled by their ratio, which
  gives identical kernel weights.
- a dense numpy implementation of the formula written out here (every pair of rows), with
  analytic weights: rtol 1e-10.
- the special cases: cutoff 0 without lags is hc1 (same ``ssc``); a cutoff beyond any distance
  with the uniform kernel and no lags is the meat of clustering by year.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import IdentificationError, InvalidOptionError
from countyeconomy.inference import (
    Cluster,
    Conley,
    cluster_factors,
    describe_vcov,
    placebo_test,
    resolve_vcov,
)

FORMULA = "y ~ x1 + x2 | county + year"
RADIUS = 6371.0088


def _panel(seed: int = 0, n_c: int = 60, n_t: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lat_c = 30 + 4 * rng.random(n_c)
    lon_c = 110 + 4 * rng.random(n_c)
    county = np.repeat(np.arange(n_c), n_t)
    year = np.tile(np.arange(2001, 2001 + n_t), n_c)
    # spatially smooth shocks: a field over lon/lat per year, plus a persistent county part
    field = np.sin(lat_c[county] * 1.3 + year) + np.cos(lon_c[county] * 0.9 - 0.5 * year)
    x1 = rng.normal(size=len(county)) + field
    x2 = rng.normal(size=len(county)) + 0.3 * rng.normal(size=n_c)[county]
    u = field + 0.5 * rng.normal(size=n_c)[county] + rng.normal(size=len(county))
    df = pd.DataFrame(
        {
            "county": county,
            "year": year,
            "x1": x1,
            "x2": x2,
            "y": 0.4 * x1 - 0.2 * x2 + u,
            "lat": lat_c[county],
            "lon": lon_c[county],
            "w": 0.5 + rng.random(len(county)),
            "d": ((county % 2 == 0) & (year >= 2005)).astype(int),
        }
    )
    keep = rng.random(len(df)) > 0.1
    return df[keep].reset_index(drop=True)


def _haversine(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    p, q = np.radians(lat), np.radians(lon)
    a = (
        np.sin((p[:, None] - p[None, :]) / 2) ** 2
        + np.cos(p[:, None]) * np.cos(p[None, :]) * np.sin((q[:, None] - q[None, :]) / 2) ** 2
    )
    return 2 * RADIUS * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def _dense_conley(res: ce.estimators.twfe.TWFEResult, cutoff: float, kernel: str, lags: int):
    """The formula, pair by pair: bread (sum_ij K_ij s_i s_j') bread, no small-sample factor."""
    m = res.model
    fr = m.estimation_frame()
    w = np.ones(m.nobs) if m.weights is None else np.asarray(m.weights)
    s = np.asarray(m.xd) * (w * np.asarray(m.resid))[:, None]
    d = _haversine(fr["lat"].to_numpy(), fr["lon"].to_numpy())
    if kernel == "uniform":
        k_space = (d <= cutoff).astype(float)
    else:
        k_space = np.where(d <= cutoff, 1 - d / cutoff, 0.0) if cutoff > 0 else (d == 0) * 1.0
    t = np.unique(fr["year"].to_numpy(), return_inverse=True)[1].ravel()
    same_t = t[:, None] == t[None, :]
    lag = np.abs(t[:, None] - t[None, :])
    same_c = fr["county"].to_numpy()[:, None] == fr["county"].to_numpy()[None, :]
    k_time = np.where(same_c & (lag >= 1) & (lag <= lags), 1 - lag / (lags + 1), 0.0)
    meat = s.T @ (k_space * same_t + k_time) @ s
    b = np.asarray(m.bread)
    return b @ meat @ b


@pytest.fixture(scope="module")
def fit() -> ce.estimators.twfe.TWFEResult:
    return ce.twfe(_panel(), FORMULA, vcov="hc1")


@pytest.mark.parametrize("kernel", ["bartlett", "uniform"])
@pytest.mark.parametrize("lags", [0, 2])
def test_matches_diff_diff(fit, kernel: str, lags: int) -> None:
    from diff_diff.linalg import compute_robust_vcov

    m = fit.model
    fr = m.estimation_frame()
    ours = fit.with_vcov(Conley(150.0, kernel=kernel, lags=lags, lat="lat", lon="lon"), ssc="none")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = compute_robust_vcov(
            np.asarray(m.xd),
            np.asarray(m.resid),
            vcov_type="conley",
            conley_coords=fr[["lat", "lon"]].to_numpy(),
            conley_cutoff_km=150.0 * 6371.01 / RADIUS,
            conley_kernel=kernel,
            conley_time=fr["year"].to_numpy(),
            conley_unit=fr["county"].to_numpy(),
            conley_lag_cutoff=lags,
        )
    np.testing.assert_allclose(ours.vcov.to_numpy(), ref, rtol=1e-10, atol=0)


@pytest.mark.parametrize(
    ("cutoff", "kernel", "lags"),
    [(80.0, "bartlett", 0), (200.0, "uniform", 3), (0.0, "bartlett", 1)],
)
def test_matches_dense_formula_with_weights(cutoff: float, kernel: str, lags: int) -> None:
    res = ce.twfe(_panel(3), FORMULA, weights="w", vcov="hc1")
    got = res.with_vcov(Conley(cutoff, kernel=kernel, lags=lags, lat="lat", lon="lon"), ssc="none")
    np.testing.assert_allclose(
        got.vcov.to_numpy(), _dense_conley(res, cutoff, kernel, lags), rtol=1e-10, atol=0
    )


@pytest.mark.parametrize("ssc", ["fixest", "linearmodels", "none"])
def test_zero_cutoff_is_hc1(fit, ssc: str) -> None:
    hc1 = fit.with_vcov("hc1", ssc=ssc)
    conley = fit.with_vcov(Conley(0.0, lat="lat", lon="lon"), ssc=ssc)
    np.testing.assert_allclose(conley.vcov.to_numpy(), hc1.vcov.to_numpy(), rtol=1e-12)
    assert conley.info.df_t == hc1.info.df_t


def test_huge_uniform_cutoff_is_year_clustering(fit) -> None:
    # every pair within a year counts, none across years: the meat of Cluster("year")
    conley = fit.with_vcov(Conley(30000.0, kernel="uniform", lat="lat", lon="lon"), ssc="none")
    by_year = fit.with_vcov(Cluster("year"), ssc="none")
    np.testing.assert_allclose(conley.vcov.to_numpy(), by_year.vcov.to_numpy(), rtol=1e-10)


def test_small_sample_factor_is_hc1s(fit) -> None:
    spec = Conley(120.0, lags=1, lat="lat", lon="lon")
    raw = fit.with_vcov(spec, ssc="none").vcov.to_numpy()
    n = fit.info.nobs
    df_full = 2 + sum(fit.info.fixed_effects.values()) - 1
    got = fit.with_vcov(spec).vcov.to_numpy()
    np.testing.assert_allclose(got, raw * n / (n - df_full), rtol=1e-12)
    assert fit.with_vcov(spec).info.df_t == n - df_full


def test_registry_coordinates_match_columns() -> None:
    from countyeconomy.registry import Registry

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reg = Registry.load()
        xy = reg.coordinates(2016).table.dropna(subset=["lat", "lon"])
        later = set(reg.coordinates(2020).table["code"])
    # 50 counties of Hebei in both lists (a code of the data must be in use in its years)
    xy = xy[xy["code"].str.startswith("13") & xy["code"].isin(later)].head(50)
    df = _panel(5, n_c=50, n_t=5)
    codes = xy["code"].to_numpy()
    df["county"] = codes[df["county"].to_numpy()]
    df["year"] = df["year"] + 15  # 2016-2020
    df["lat"] = xy["lat"].to_numpy()[np.searchsorted(codes, df["county"])]
    df["lon"] = xy["lon"].to_numpy()[np.searchsorted(codes, df["county"])]
    res = ce.twfe(df, FORMULA, vcov=Conley(100.0, lags=1))
    cols = res.with_vcov(Conley(100.0, lags=1, lat="lat", lon="lon"))
    np.testing.assert_allclose(res.vcov.to_numpy(), cols.vcov.to_numpy(), rtol=1e-12)
    pinned = res.with_vcov(Conley(100.0, lags=1, codes_year=2016))
    np.testing.assert_allclose(pinned.vcov.to_numpy(), cols.vcov.to_numpy(), rtol=1e-12)
    assert res.info.vcov == "Conley (100 km, bartlett, 1 lags)"
    period, unit, places = cluster_factors(res.model, res.vcov_spec) or []
    assert (period.n_levels, unit.n_levels, places.n_levels) == (5, 50, 50)
    back = pickle.loads(pickle.dumps(res))
    assert back.vcov_spec == res.vcov_spec
    np.testing.assert_array_equal(back.std_errors, res.std_errors)


def test_unknown_codes_and_bad_columns(fit) -> None:
    with pytest.raises(IdentificationError, match="no county-seat coordinates"):
        fit.with_vcov(Conley(100.0))  # simulated codes 0..59 are not county codes
    with pytest.raises(IdentificationError, match="'latitude' is not a column"):
        fit.with_vcov(Conley(100.0, lat="latitude", lon="lon"))
    df = _panel()
    df.loc[3, "lat"] = 95.0
    with pytest.raises(IdentificationError, match="'lat' is missing, non-numeric or outside"):
        ce.twfe(df, FORMULA, vcov=Conley(100.0, lat="lat", lon="lon"))


def test_spec_vocabulary() -> None:
    assert resolve_vcov("conley:100") == Conley(100.0)
    assert resolve_vcov(" conley:75.5") == Conley(75.5)
    spec = Conley(50, kernel="uniform", lags=2, lat="a", lon="b")
    assert resolve_vcov(spec) is spec and spec.cutoff_km == 50.0
    assert describe_vcov(spec) == "Conley (50 km, uniform, 2 lags)"
    assert ce.Conley is Conley
    with pytest.raises(InvalidOptionError, match="conley:<km>"):
        resolve_vcov("conley:far")
    for kwargs, match in [
        ({"cutoff_km": -1.0}, "cutoff_km"),
        ({"cutoff_km": float("nan")}, "cutoff_km"),
        ({"cutoff_km": 10.0, "kernel": "gaussian"}, "kernel"),
        ({"cutoff_km": 10.0, "lags": -1}, "lags"),
        ({"cutoff_km": 10.0, "lags": 1.5}, "lags"),
        ({"cutoff_km": 10.0, "lat": "lat"}, "both lat= and lon="),
        ({"cutoff_km": 10.0, "codes_year": "2016"}, "codes_year"),
    ]:
        with pytest.raises(InvalidOptionError, match=match):
            Conley(**kwargs)


def test_twfe_accepts_conley_directly_and_placebo_refuses(fit) -> None:
    spec = Conley(150.0, lags=2, lat="lat", lon="lon")
    direct = ce.twfe(_panel(), FORMULA, vcov=spec)
    np.testing.assert_allclose(direct.vcov.to_numpy(), fit.with_vcov(spec).vcov.to_numpy())
    assert direct.info.clusters == {}
    did = ce.twfe(_panel(), "y ~ d + x2 | county + year", vcov=spec)
    with pytest.raises(InvalidOptionError, match="iid, hc1 or Cluster"):
        placebo_test(did, "d", draws=100, seed=1)
