"""Structure indicators against hand-written loops, closed-form toys and package examples.

References are computed here with plain Python/numpy loops over the formulas in METHODS.md A6-A11,
never by the code under test. Tolerances are 1e-12 (same arithmetic, different order) unless a
printed package number with fewer digits is the reference.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from countyeconomy.indicators import (
    ellison_glaeser,
    ellison_glaeser_from_plants,
    hhi,
    industry_transfer,
    krugman,
    krugman_bilateral,
    location_quotient,
    rationalization,
    shift_share,
    structure_upgrading,
)

RNG = np.random.default_rng(20240501)
E = RNG.integers(0, 500, size=(7, 5)).astype(float) + 1.0  # county x sector, strictly positive
COUNTIES = [f"c{i}" for i in range(7)]
SECTORS = ["agri", "manu", "cons", "trade", "serv"]


def cube(values: np.ndarray = E) -> xr.DataArray:
    return xr.DataArray(
        values, dims=("county", "sector"), coords={"county": COUNTIES, "sector": SECTORS}
    )


def loop_shares_row(row: list[float]) -> list[float]:
    total = sum(row)
    return [v / total for v in row]


# --- location quotient ---------------------------------------------------------------------------


def test_lq_matches_loop() -> None:
    n, k = E.shape
    grand = sum(E[i, j] for i in range(n) for j in range(k))
    col = [sum(E[i, j] for i in range(n)) for j in range(k)]
    expected = np.empty_like(E)
    for i in range(n):
        row = sum(E[i, j] for j in range(k))
        for j in range(k):
            expected[i, j] = (E[i, j] / row) / (col[j] / grand)
    got = location_quotient(cube())
    np.testing.assert_allclose(got.values, expected, rtol=1e-12)
    assert got.dims == ("county", "sector")


def test_lq_mathmodels_example() -> None:
    # R mathmodels ?LQ example: national total 10000 (industry1 2000, industry2 6000), regions
    # A (4000: 1000, 2000) and B (6000: 1000, 4000). The package prints 1.25, 0.8333333 /
    # 0.8333333, 1.1111111. Totals include other industries, so we add an "other" sector holding
    # the remainder and pass the national row as the reference.
    x = xr.DataArray(
        [[1000.0, 2000.0, 1000.0], [1000.0, 4000.0, 1000.0]],
        dims=("county", "sector"),
        coords={"county": ["A", "B"], "sector": ["industry1", "industry2", "other"]},
    )
    nation = xr.DataArray(
        [2000.0, 6000.0, 2000.0], dims="sector", coords={"sector": x.sector.values}
    )
    got = location_quotient(x, reference=nation).sel(sector=["industry1", "industry2"])
    np.testing.assert_allclose(got.values, [[1.25, 0.8333333], [0.8333333, 1.1111111]], atol=1e-7)


def test_lq_reference_with_year_dim_and_province_reference() -> None:
    x = xr.concat([cube(), cube(E[::-1])], dim=pd.Index([2010, 2020], name="year"))
    got = location_quotient(x)
    for y in (2010, 2020):
        np.testing.assert_allclose(
            got.sel(year=y).values, location_quotient(x.sel(year=y)).values, rtol=1e-12
        )
    # per-county reference (e.g. the county's province total): LQ against its own row is 1
    own = location_quotient(cube(), reference=cube())
    np.testing.assert_allclose(own.values, 1.0, rtol=1e-12)


def test_lq_pandas_round_trip_and_no_mutation() -> None:
    df = pd.DataFrame(E, index=pd.Index(COUNTIES, name="county"), columns=SECTORS)
    before = df.copy()
    got = location_quotient(df, sector_dim="sector")
    assert isinstance(got, pd.Series)
    assert list(got.index.names) == ["county", "sector"]
    np.testing.assert_allclose(
        got.unstack().loc[COUNTIES, SECTORS].to_numpy(), location_quotient(cube()).values
    )
    pd.testing.assert_frame_equal(df, before)


# --- HHI -----------------------------------------------------------------------------------------


def test_hhi_mathmodels_example() -> None:
    # R mathmodels ?HHI: HHI(c(50, 30, 20)) = 0.38; HHI(..., scaled = TRUE) = 0.07
    x = xr.DataArray([50.0, 30.0, 20.0], dims="sector")
    assert float(hhi(x)) == pytest.approx(0.38, abs=1e-12)
    assert float(hhi(x, kind="normalized")) == pytest.approx(0.07, abs=1e-12)


def test_hhi_matches_loop() -> None:
    expected = [sum(s * s for s in loop_shares_row(list(row))) for row in E]
    k = E.shape[1]
    got = hhi(cube())
    np.testing.assert_allclose(got.values, expected, rtol=1e-12)
    norm = [(h - 1 / k) / (1 - 1 / k) for h in expected]
    np.testing.assert_allclose(hhi(cube(), kind="normalized").values, norm, rtol=1e-12)


def test_hhi_extremes_and_missing() -> None:
    x = xr.DataArray([[5.0, 0, 0], [1, 1, 1], [1, np.nan, 1]], dims=("county", "sector"))
    got = hhi(x)
    assert float(got[0]) == 1.0
    assert float(got[1]) == pytest.approx(1 / 3)
    assert np.isnan(float(got[2]))  # missing values propagate, never skipped silently


# --- Krugman -------------------------------------------------------------------------------------


def test_krugman_matches_loop() -> None:
    n, k = E.shape
    col = [sum(E[i, j] for i in range(n)) for j in range(k)]
    ref = [c / sum(col) for c in col]
    expected, rest_expected = [], []
    for i in range(n):
        s = loop_shares_row(list(E[i]))
        expected.append(sum(abs(s[j] - ref[j]) for j in range(k)))
        rest = [col[j] - E[i, j] for j in range(k)]
        rs = [v / sum(rest) for v in rest]
        rest_expected.append(sum(abs(s[j] - rs[j]) for j in range(k)))
    np.testing.assert_allclose(krugman(cube()).values, expected, rtol=1e-12)
    np.testing.assert_allclose(krugman(cube(), exclude_self=True).values, rest_expected, rtol=1e-12)


def test_krugman_bounds_and_bilateral() -> None:
    x = xr.DataArray([[1.0, 0.0], [0.0, 1.0]], dims=("county", "sector"))
    nation = xr.DataArray([1.0, 0.0], dims="sector")
    assert krugman(x, reference=nation).values.tolist() == [0.0, 2.0]
    n = E.shape[0]
    expected = np.zeros((n, n))
    for i in range(n):
        si = loop_shares_row(list(E[i]))
        for j in range(n):
            sj = loop_shares_row(list(E[j]))
            expected[i, j] = sum(abs(a - b) for a, b in zip(si, sj, strict=True))
    got = krugman_bilateral(cube())
    assert got.dims == ("county", "county_other")
    np.testing.assert_allclose(got.values, expected, atol=1e-12)


# --- Ellison-Glaeser -----------------------------------------------------------------------------

EG_PLANTS = pd.DataFrame(
    {
        "region": ["R1", "R1", "R1", "R1", "R2", "R2", "R3", "R3", "R1", "R2", "R2", "R3"],
        "industry": ["A"] * 8 + ["B"] * 4,
        "employment": [250, 200, 150, 100, 20, 15, 10, 5, 50, 200, 150, 50],
    }
)


def test_ellison_glaeser_mathmodels_example() -> None:
    # R mathmodels ?EG example: 12 plants in regions R1-R3 and industries A, B; the package
    # prints EG = 0.131 (A) and 0.918 (B). We recompute gamma by hand below (region shares x_i of
    # all employment, industry shares s_ij, plant Herfindahl H_j) and compare to both.
    rows = list(EG_PLANTS.itertuples(index=False))
    total = sum(r.employment for r in rows)
    regions = ["R1", "R2", "R3"]
    x = {g: sum(r.employment for r in rows if r.region == g) / total for g in regions}
    sum_x2 = sum(v * v for v in x.values())
    expected = {}
    for ind in ("A", "B"):
        plants = [r for r in rows if r.industry == ind]
        tot = sum(r.employment for r in plants)
        s = {g: sum(r.employment for r in plants if r.region == g) / tot for g in regions}
        g_raw = sum((s[g] - x[g]) ** 2 for g in regions)
        h = sum((r.employment / tot) ** 2 for r in plants)
        expected[ind] = (g_raw - (1 - sum_x2) * h) / ((1 - sum_x2) * (1 - h))
    res = ellison_glaeser_from_plants(
        EG_PLANTS, region="region", sector="industry", value="employment"
    )
    got = res.gamma.to_series()
    assert got["A"] == pytest.approx(expected["A"], abs=1e-12)
    assert got["B"] == pytest.approx(expected["B"], abs=1e-12)
    assert round(got["A"], 3) == 0.131
    assert round(got["B"], 3) == 0.918
    frame = res.to_frame()
    assert list(frame.columns) == [
        "gamma",
        "raw_concentration",
        "herfindahl",
        "region_concentration",
    ]
    assert frame.loc["A", "region_concentration"] == pytest.approx(sum_x2)


def test_ellison_glaeser_no_plant_data() -> None:
    # H = 0: gamma = G / (1 - sum x^2); two equal regions, shares (0.7, 0.3): G = 0.08, sum x2 = .5
    x = xr.DataArray([[70.0, 30.0], [30.0, 70.0]], dims=("county", "sector"))
    assert ellison_glaeser(x, herfindahl=0).gamma.values.tolist() == pytest.approx([0.16, 0.16])


# --- upgrading and rationalisation ---------------------------------------------------------------

THREE = ["primary", "secondary", "tertiary"]


def test_upgrading_ratio_and_level() -> None:
    y = xr.DataArray(
        [[10.0, 40.0, 50.0], [30.0, 50.0, 20.0]],
        dims=("county", "sector"),
        coords={"sector": THREE},
    )
    assert structure_upgrading(y).values.tolist() == pytest.approx([1.25, 0.4])
    # 1*s1 + 2*s2 + 3*s3
    assert structure_upgrading(y, kind="level").values.tolist() == pytest.approx(
        [0.1 + 0.8 + 1.5, 0.3 + 1.0 + 0.6]
    )
    labels = xr.DataArray([1.0, 2.0, 3.0], dims="sector", coords={"sector": ["A", "B", "C"]})
    assert float(structure_upgrading(labels, sectors=("A", "B", "C"))) == 1.5


def test_rationalization_theil_deviation_and_signs() -> None:
    out = xr.DataArray([[20.0, 40.0, 40.0], [10.0, 30.0, 60.0]], dims=("county", "sector"))
    emp = xr.DataArray([[50.0, 25.0, 25.0], [10.0, 30.0, 60.0]], dims=("county", "sector"))
    tl0 = 0.2 * math.log(0.2 / 0.5) + 2 * 0.4 * math.log(0.4 / 0.25)
    tl = rationalization(out, emp)
    assert tl.values.tolist() == pytest.approx([tl0, 0.0], abs=1e-15)
    assert rationalization(out, emp, sign="negative").values.tolist() == pytest.approx([-tl0, 0])
    inv = rationalization(out, emp, sign="inverse").values
    assert inv[0] == pytest.approx(1 / tl0) and np.isinf(inv[1])
    assert rationalization(out, emp, sign="exp_negative").values.tolist() == pytest.approx(
        [math.exp(-tl0), 1.0]
    )
    dev = abs(0.2 / 0.5 - 1) + 2 * abs(0.4 / 0.25 - 1)
    assert rationalization(out, emp, kind="deviation").values.tolist() == pytest.approx([dev, 0])


def test_rationalization_zero_policy() -> None:
    out = xr.DataArray([0.0, 50.0, 50.0], dims="sector")
    emp = xr.DataArray([20.0, 40.0, 40.0], dims="sector")
    allowed = float(rationalization(out, emp, zero_policy="allow"))
    assert allowed == pytest.approx(2 * 0.5 * math.log(0.5 / 0.4))  # 0 ln 0 = 0
    masked = float(rationalization(out, emp, zero_policy="mask"))
    assert masked == pytest.approx(allowed)


def test_industry_transfer() -> None:
    e = xr.DataArray(
        [[10.0, 20.0, 20.0], [30.0, 20.0, 60.0]],
        dims=("county", "year"),
        coords={"county": ["A", "B"], "year": [2000, 2010, 2020]},
    )
    got = industry_transfer(e)
    assert got.year.values.tolist() == [2010, 2020]
    np.testing.assert_allclose(got.values, [[0.25, -0.25], [-0.25, 0.25]])


def test_long_series_input_and_inputs_never_mutated() -> None:
    x = cube()
    before = x.copy(deep=True)
    long = x.to_series()
    long_before = long.copy()
    got = hhi(long)
    assert isinstance(got, pd.Series) and got.index.name == "county"
    np.testing.assert_allclose(got.loc[COUNTIES].to_numpy(), hhi(x).values)
    three = x.isel(sector=[0, 1, 2]).assign_coords(sector=THREE)
    for func in (
        location_quotient,
        hhi,
        krugman,
        krugman_bilateral,
        lambda v: ellison_glaeser(v, herfindahl=0.1).gamma,
        lambda v: rationalization(v, v + 1),
    ):
        func(x)
    structure_upgrading(three)
    xr.testing.assert_identical(x, before)
    pd.testing.assert_series_equal(long, long_before)


def test_shift_share_matches_loop_and_adds_up() -> None:
    rng = np.random.default_rng(8)
    e0 = rng.uniform(1, 100, size=(4, 3))
    e1 = rng.uniform(1, 100, size=(4, 3))
    x = xr.DataArray(
        np.stack([e0, e1], axis=-1),
        dims=("county", "sector", "year"),
        coords={"county": list("ABCD"), "sector": ["a", "b", "c"], "year": [2010, 2020]},
    )
    res = shift_share(x, start=2010, end=2020)
    n0 = [sum(e0[i, k] for i in range(4)) for k in range(3)]
    n1 = [sum(e1[i, k] for i in range(4)) for k in range(3)]
    g = sum(n1) / sum(n0) - 1
    for i in range(4):
        for k in range(3):
            gk = n1[k] / n0[k] - 1
            rik = e1[i, k] / e0[i, k] - 1
            assert res.national_share.values[i, k] == pytest.approx(e0[i, k] * g)
            assert res.industry_mix.values[i, k] == pytest.approx(e0[i, k] * (gk - g))
            assert res.competitive.values[i, k] == pytest.approx(e0[i, k] * (rik - gk))
    frame = res.to_frame()
    parts = frame[["national_share", "industry_mix", "competitive"]].sum(axis=1)
    np.testing.assert_allclose(parts.to_numpy(), frame["change"].to_numpy(), rtol=1e-12)
    shares = frame[["national_share_share", "industry_mix_share", "competitive_share"]].sum(axis=1)
    np.testing.assert_allclose(shares.to_numpy(), 1.0, rtol=1e-9)
    assert len(res.to_frame(by_sector=True)) == 12
