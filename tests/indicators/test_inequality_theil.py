"""Theil indices against PySAL, published numbers and closed-form hand computations."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from countyeconomy.indicators.inequality import (
    nested_theil_decomposition,
    theil,
    theil_decomposition,
    urban_rural_theil,
)

YEARS = list(range(1940, 2010, 10))

# Published in the docstrings of PySAL ``inequality.theil.Theil`` / ``TheilD`` (inequality 1.1.2,
# copied in ../shared/design/METHODS.md §A3, tag [V]); mexico.csv, regimes hanson98, equal weights.
PYSAL_T = [0.20894344, 0.15222451, 0.10472941, 0.10194725, 0.09560113, 0.10511256, 0.10660832]
PYSAL_BG = [0.0345889, 0.02816853, 0.05260921, 0.05931219, 0.03205257, 0.02963731, 0.03635872]
PYSAL_WG = [0.17435454, 0.12405598, 0.0521202, 0.04263506, 0.06354856, 0.07547525, 0.0702496]


@pytest.fixture(scope="module")
def mexico() -> pd.DataFrame:
    examples = pytest.importorskip("libpysal.examples")
    try:
        path = examples.get_path("mexico.csv")
    except Exception as exc:  # pragma: no cover - bundled with libpysal
        pytest.skip(f"libpysal mexico example not available offline: {exc}")
    return pd.read_csv(path)


def _cube(df: pd.DataFrame) -> xr.DataArray:
    cols = [f"pcgdp{y}" for y in YEARS]
    return xr.DataArray(
        df[cols].to_numpy(float),
        dims=("county", "year"),
        coords={"county": df["State"].to_numpy(), "year": YEARS},
    )


def test_theil_matches_pysal_live_and_published(mexico: pd.DataFrame) -> None:
    from inequality.theil import Theil

    y = _cube(mexico)
    ours = theil(y).values
    ref = Theil(y.values).T
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)  # same arithmetic, float noise only
    np.testing.assert_allclose(ours, PYSAL_T, rtol=0, atol=1e-7)  # docstring has 8 decimals


def test_theil_decomposition_matches_pysal_theild(mexico: pd.DataFrame) -> None:
    from inequality.theil import TheilD

    y = _cube(mexico)
    regimes = xr.DataArray(
        mexico["hanson98"].to_numpy(), dims="county", coords={"county": y.county}
    )
    res = theil_decomposition(y, regimes)
    ref = TheilD(y.values, mexico["hanson98"].to_numpy())
    np.testing.assert_allclose(res.between.values, ref.bg, atol=1e-12)
    np.testing.assert_allclose(res.within.values, ref.wg, atol=1e-12)
    np.testing.assert_allclose(res.between.values, PYSAL_BG, atol=1e-7)
    np.testing.assert_allclose(res.within.values, PYSAL_WG, atol=1e-7)
    np.testing.assert_allclose(res.total.values, PYSAL_T, atol=1e-7)
    np.testing.assert_allclose(res.group_contribution.sum("group").values, res.within.values)


def test_urban_rural_theil_toy_by_hand() -> None:
    # METHODS.md §A2 toy [S]: 100 people at 200 yuan and 1,000 at 50 -> T = 0.154922, L = 0.115135.
    pu, pr = 100 * 200.0, 1000 * 50.0  # total incomes
    p, z = pu + pr, 1100.0
    t_hand = (pu / p) * math.log((pu / p) / (100 / z)) + (pr / p) * math.log((pr / p) / (1000 / z))
    l_hand = (100 / z) * math.log((100 / z) / (pu / p)) + (1000 / z) * math.log(
        (1000 / z) / (pr / p)
    )
    assert t_hand == pytest.approx(0.154922, abs=5e-7)
    assert l_hand == pytest.approx(0.115135, abs=5e-7)

    def da(v: float) -> xr.DataArray:
        return xr.DataArray([v], dims="county", coords={"county": ["x"]})

    t = urban_rural_theil(da(200.0), da(50.0), da(100.0), da(1000.0))
    ell = urban_rural_theil(da(200.0), da(50.0), da(100.0), da(1000.0), kind="L")
    assert float(t[0]) == pytest.approx(t_hand, abs=1e-12)
    assert float(ell[0]) == pytest.approx(l_hand, abs=1e-12)
    assert t.attrs["population_basis"] == "resident"
    hukou = urban_rural_theil(da(200.0), da(50.0), da(100.0), da(1000.0), population_basis="hukou")
    assert hukou.attrs["population_basis"] == "hukou"


def test_urban_rural_theil_equals_weighted_two_unit_theil() -> None:
    rng = np.random.default_rng(3)
    yu, yr = rng.uniform(2, 5, 6), rng.uniform(0.5, 2, 6)
    zu, zr = rng.uniform(10, 50, 6), rng.uniform(10, 80, 6)
    c = {"county": list("abcdef")}
    out = urban_rural_theil(*(xr.DataArray(v, dims="county", coords=c) for v in (yu, yr, zu, zr)))
    for i in range(6):
        y = xr.DataArray([yu[i], yr[i]], dims="unit")
        w = xr.DataArray([zu[i], zr[i]], dims="unit")
        assert float(out[i]) == pytest.approx(float(theil(y, weights=w, dim="unit")), abs=1e-12)


def _hand_theil(y: np.ndarray, w: np.ndarray, kind: str) -> float:
    s, p = w * y / np.sum(w * y), w / np.sum(w)
    if kind == "T":
        return float(sum(si * math.log(si / pi) for si, pi in zip(s, p, strict=True)))
    return float(sum(pi * math.log(pi / si) for si, pi in zip(s, p, strict=True)))


@pytest.mark.parametrize("kind", ["T", "L"])
def test_weighted_theil_and_decomposition_by_hand(kind: str) -> None:
    rng = np.random.default_rng(7)
    y, w = rng.lognormal(size=12), rng.uniform(1, 9, 12)
    g = np.array(list("aaabbbbcccdd"))
    yd = xr.DataArray(y, dims="county")
    wd = xr.DataArray(w, dims="county")
    res = theil_decomposition(yd, xr.DataArray(g, dims="county"), weights=wd, kind=kind)
    assert float(theil(yd, weights=wd, kind=kind)) == pytest.approx(_hand_theil(y, w, kind), 1e-12)
    # between-group index of group totals and within terms, each written out from the formula
    between = 0.0
    within = 0.0
    for lab in "abcd":
        m = g == lab
        sg, pg = np.sum(w[m] * y[m]) / np.sum(w * y), np.sum(w[m]) / np.sum(w)
        own = _hand_theil(y[m], w[m], kind)
        between += sg * math.log(sg / pg) if kind == "T" else pg * math.log(pg / sg)
        contribution = (sg if kind == "T" else pg) * own
        within += contribution
        assert float(res.group_theil.sel(group=lab)) == pytest.approx(own, abs=1e-12)
        assert float(res.group_contribution.sel(group=lab)) == pytest.approx(contribution, 1e-12)
    assert float(res.between) == pytest.approx(between, abs=1e-12)
    assert float(res.within) == pytest.approx(within, abs=1e-12)
    assert float(res.total) == pytest.approx(between + within, abs=1e-12)


def test_nested_theil_by_hand() -> None:
    rng = np.random.default_rng(11)
    y, w = rng.lognormal(size=10), rng.uniform(1, 5, 10)
    reg = np.array(list("EEEEEWWWWW"))
    prov = np.array(["p1", "p1", "p2", "p2", "p2", "p3", "p3", "p4", "p4", "p4"])
    res = nested_theil_decomposition(
        xr.DataArray(y, dims="county"),
        xr.DataArray(reg, dims="county"),
        xr.DataArray(prov, dims="county"),
        weights=xr.DataArray(w, dims="county"),
    )
    total_y = np.sum(w * y)
    mu = total_y / np.sum(w)
    br = bp = wp = 0.0
    for r in "EW":
        mr = reg == r
        sr, mur = np.sum(w[mr] * y[mr]) / total_y, np.sum(w[mr] * y[mr]) / np.sum(w[mr])
        br += sr * math.log(mur / mu)
        for p in np.unique(prov[mr]):
            mp = prov == p
            sp, mup = np.sum(w[mp] * y[mp]) / total_y, np.sum(w[mp] * y[mp]) / np.sum(w[mp])
            bp += sp * math.log(mup / mur)
            wp += sp * _hand_theil(y[mp], w[mp], "T")
    assert float(res.between_regions) == pytest.approx(br, abs=1e-12)
    assert float(res.between_provinces) == pytest.approx(bp, abs=1e-12)
    assert float(res.within_provinces) == pytest.approx(wp, abs=1e-12)
    assert float(res.total) == pytest.approx(_hand_theil(y, w, "T"), abs=1e-12)
    assert float(res.region_contribution.sum()) == pytest.approx(bp + wp, abs=1e-12)
    frame = res.to_frame()
    assert set(frame["component"]) >= {"total", "between_regions", "region"}
    # Theil-L: the same identities with population shares and mean log deviations
    res_l = nested_theil_decomposition(
        xr.DataArray(y, dims="county"),
        xr.DataArray(reg, dims="county"),
        xr.DataArray(prov, dims="county"),
        weights=xr.DataArray(w, dims="county"),
        kind="L",
    )
    pop = w / w.sum()
    br_l = bp_l = 0.0
    for r in "EW":
        mr = reg == r
        mur = np.sum(w[mr] * y[mr]) / np.sum(w[mr])
        br_l += pop[mr].sum() * math.log(mu / mur)
        for p in np.unique(prov[mr]):
            mp = prov == p
            mup = np.sum(w[mp] * y[mp]) / np.sum(w[mp])
            bp_l += pop[mp].sum() * math.log(mur / mup)
    assert float(res_l.between_regions) == pytest.approx(br_l, abs=1e-12)
    assert float(res_l.between_provinces) == pytest.approx(bp_l, abs=1e-12)
    within_l = float(res_l.total) - br_l - bp_l
    assert float(res_l.region_contribution.sum()) == pytest.approx(bp_l + within_l, abs=1e-12)
    assert float(res_l.total) == pytest.approx(_hand_theil(y, w, "L"), abs=1e-12)


def test_pandas_in_pandas_out_and_tidy_frame() -> None:
    s = pd.Series([1.0, 2.0, 3.0, 4.0], index=pd.Index(list("abcd"), name="county"))
    out = theil(s)
    assert isinstance(out, pd.Series)
    assert out.iloc[0] == pytest.approx(0.10644, abs=1e-5)
    wide = pd.DataFrame(
        {2000: [1.0, 2.0, 3.0], 2001: [2.0, 2.0, 5.0]},
        index=pd.Index(list("abc"), name="county"),
    ).rename_axis(columns="year")
    by_year = theil(wide)
    assert isinstance(by_year, pd.Series)
    assert list(by_year.index) == [2000, 2001]
    groups = pd.Series(["x", "x", "y"], index=pd.Index(list("abc"), name="county"))
    frame = theil_decomposition(wide, groups).to_frame()
    assert list(frame.columns) == ["component", "group", "year", "value", "share"]
    tot = frame[frame.component == "total"].set_index("year")["value"]
    parts = frame[frame.component.isin(["between", "within"])].groupby("year")["value"].sum()
    np.testing.assert_allclose(tot.to_numpy(), parts.to_numpy(), atol=1e-12)


def test_inputs_not_mutated() -> None:
    y = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="county")
    w = xr.DataArray([1.0, 2.0, 1.0, 2.0], dims="county")
    y0, w0 = y.copy(deep=True), w.copy(deep=True)
    theil_decomposition(y, xr.DataArray(list("aabb"), dims="county"), weights=w)
    xr.testing.assert_identical(y, y0)
    xr.testing.assert_identical(w, w0)
