"""Composite indices against METHODS.md [S] toys (re-derived here with numpy) and hand loops.

Each reference is computed in this file from the formula, independently of the code under test;
the METHODS.md numbers (themselves [S]: computed with numpy in the design session) are checked to
their printed precision.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from countyeconomy.errors import UndefinedValueWarning
from countyeconomy.indicators import (
    COUPLING_LEVELS,
    composite_index,
    coupling_coordination,
    entropy_weights,
    resilience,
    standardise,
    topsis,
)
from countyeconomy.indicators._coupling import _level_code

# --- entropy weights (METHODS.md A12; mathmodels example X) --------------------------------------

X12 = np.array([[3.0, 10.0], [5.0, 20.0], [2.0, 15.0], [7.0, 25.0]])
DIRS = {"x1": "+", "x2": "-"}


def toy() -> xr.DataArray:
    return xr.DataArray(
        X12,
        dims=("county", "indicator"),
        coords={"county": list("ABCD"), "indicator": ["x1", "x2"]},
    )


def numpy_entropy(
    x: np.ndarray, positive: list[bool], *, shift: float | None = None, bounds=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Textbook entropy method with plain numpy, column by column."""
    z = np.empty_like(x)
    for j in range(x.shape[1]):
        col = x[:, j]
        lo, hi = col.min(), col.max()
        zj = (col - lo) / (hi - lo) if positive[j] else (hi - col) / (hi - lo)
        z[:, j] = zj + shift if bounds is None else bounds[0] + (bounds[1] - bounds[0]) * zj
    p = z / z.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(x.shape[0])
    w = (1 - e) / (1 - e).sum()
    return w, e, z @ w


def test_entropy_weights_rescale_matches_methods_toy() -> None:
    w_ref, e_ref, s_ref = numpy_entropy(X12, [True, False], bounds=(0.002, 0.996))
    # METHODS.md A12 [S] values, to their printed precision
    np.testing.assert_allclose(w_ref, [0.545262, 0.454738], atol=5e-7)
    np.testing.assert_allclose(e_ref, [0.682191, 0.734953], atol=5e-7)
    np.testing.assert_allclose(s_ref, [0.56241, 0.47786, 0.30334, 0.54399], atol=5e-6)
    res = entropy_weights(toy(), directions=DIRS, standardisation="rescale")
    np.testing.assert_allclose(res.weights.values, w_ref, rtol=1e-12)
    np.testing.assert_allclose(res.entropy.values, e_ref, rtol=1e-12)
    np.testing.assert_allclose(res.divergence.values, 1 - e_ref, rtol=1e-12)
    np.testing.assert_allclose(res.scores.values, s_ref, rtol=1e-12)
    frame = res.to_frame()
    assert list(frame.columns) == ["entropy", "divergence", "weight"]
    assert frame["weight"].sum() == pytest.approx(1.0)


def test_entropy_weights_minmax_shift_matches_methods_toy() -> None:
    w_ref, _, _ = numpy_entropy(X12, [True, False], shift=1e-4)
    np.testing.assert_allclose(w_ref, [0.545210, 0.454790], atol=5e-7)
    res = entropy_weights(toy(), directions=DIRS)  # default: min-max + 1e-4
    np.testing.assert_allclose(res.weights.values, w_ref, rtol=1e-12)
    res2 = entropy_weights(toy(), directions=DIRS, shift=0.01)
    w2, _, _ = numpy_entropy(X12, [True, False], shift=0.01)
    np.testing.assert_allclose(res2.weights.values, w2, rtol=1e-12)


def test_entropy_panel_scope_pools_county_years_and_year_scope_splits() -> None:
    rng = np.random.default_rng(3)
    vals = rng.uniform(1, 10, size=(5, 3, 4))  # county x year x indicator
    labels = ["a", "b", "c", "d"]
    dirs = {"a": "+", "b": "-", "c": "+", "d": "+"}
    x = xr.DataArray(
        vals,
        dims=("county", "year", "indicator"),
        coords={"year": [2010, 2015, 2020], "indicator": labels},
    )
    pos = [dirs[k] == "+" for k in labels]
    stacked = vals.reshape(15, 4)
    w_panel, _, s_panel = numpy_entropy(stacked, pos, shift=1e-4)
    res = entropy_weights(x, directions=dirs, scope="panel")
    np.testing.assert_allclose(res.weights.values, w_panel, rtol=1e-12)
    np.testing.assert_allclose(res.scores.values.reshape(15), s_panel, rtol=1e-12)
    by_year = entropy_weights(x, directions=dirs, scope="year")
    assert by_year.weights.dims == ("year", "indicator")
    for t, year in enumerate([2010, 2015, 2020]):
        w_t, _, s_t = numpy_entropy(vals[:, t, :], pos, shift=1e-4)
        np.testing.assert_allclose(by_year.weights.sel(year=year).values, w_t, rtol=1e-12)
        np.testing.assert_allclose(by_year.scores.sel(year=year).values, s_t, rtol=1e-12)


def test_constant_indicator_gets_zero_weight_and_composite_reuses_weights() -> None:
    x = toy().copy()
    x = xr.concat([x, x.isel(indicator=0).assign_coords(indicator="flat") * 0 + 4], "indicator")
    res = entropy_weights(x, directions={**DIRS, "flat": "+"})
    assert float(res.weights.sel(indicator="flat")) == pytest.approx(0.0, abs=1e-15)
    again = composite_index(x, weights=res, directions={**DIRS, "flat": "+"})
    np.testing.assert_allclose(again.values, res.scores.values, rtol=1e-12)


def test_standardise_and_composite_index_by_hand() -> None:
    z = standardise(toy(), directions=DIRS, shift=0)
    np.testing.assert_allclose(
        z.values, [[0.2, 1.0], [0.6, 1 / 3], [0.0, 2 / 3], [1.0, 0.0]], atol=1e-15
    )
    ci = composite_index(toy(), weights={"x1": 0.3, "x2": 0.7}, directions=DIRS, shift=0)
    np.testing.assert_allclose(ci.values, 0.3 * z.values[:, 0] + 0.7 * z.values[:, 1])


def test_pandas_wide_frame_is_accepted() -> None:
    df = pd.DataFrame(X12, index=pd.Index(list("ABCD"), name="county"), columns=["x1", "x2"])
    before = df.copy()
    res = entropy_weights(df, directions=DIRS, standardisation="rescale")
    assert res.weights.sel(indicator="x1").item() == pytest.approx(0.545262, abs=5e-7)
    pd.testing.assert_frame_equal(df, before)


# --- TOPSIS --------------------------------------------------------------------------------------


def numpy_topsis(x: np.ndarray, w: np.ndarray, positive: list[bool]) -> np.ndarray:
    n, m = x.shape
    out = np.empty(n)
    norms = [math.sqrt(sum(x[i, j] ** 2 for i in range(n))) for j in range(m)]
    z = [[w[j] * x[i, j] / norms[j] for j in range(m)] for i in range(n)]
    best = [
        max(z[i][j] for i in range(n)) if positive[j] else min(z[i][j] for i in range(n))
        for j in range(m)
    ]
    worst = [
        min(z[i][j] for i in range(n)) if positive[j] else max(z[i][j] for i in range(n))
        for j in range(m)
    ]
    for i in range(n):
        dp = math.sqrt(sum((z[i][j] - best[j]) ** 2 for j in range(m)))
        dm = math.sqrt(sum((z[i][j] - worst[j]) ** 2 for j in range(m)))
        out[i] = dm / (dp + dm)
    return out


def test_topsis_matches_loop_with_pooled_ideal() -> None:
    rng = np.random.default_rng(11)
    vals = rng.uniform(1, 5, size=(6, 2, 3))  # county x year x indicator
    x = xr.DataArray(
        vals, dims=("county", "year", "indicator"), coords={"indicator": ["p", "q", "r"]}
    )
    w = {"p": 0.2, "q": 0.5, "r": 0.3}
    dirs = {"p": "+", "q": "-", "r": "+"}
    expected = numpy_topsis(vals.reshape(12, 3), np.array([0.2, 0.5, 0.3]), [True, False, True])
    res = topsis(x, weights=w, directions=dirs)
    np.testing.assert_allclose(res.closeness.values.reshape(12), expected, rtol=1e-12)
    assert list(res.to_frame().columns) == ["distance_ideal", "distance_anti", "closeness"]


def test_topsis_minmax_normalisation_by_hand() -> None:
    x = xr.DataArray(
        [[1.0, 30.0], [3.0, 10.0], [2.0, 20.0]],
        dims=("county", "indicator"),
        coords={"indicator": ["a", "b"]},
    )
    res = topsis(
        x, weights={"a": 0.5, "b": 0.5}, directions={"a": "+", "b": "-"}, normalisation="minmax"
    )
    # oriented x' = (0, 0), (1, 1), (0.5, 0.5): closeness 0, 1, 0.5
    np.testing.assert_allclose(res.closeness.values, [0.0, 1.0, 0.5], atol=1e-15)


# --- coupling coordination (METHODS.md A14 toy) --------------------------------------------------

S1 = [0.0162, 0.1782, 0.5490, 0.6730, 0.0207, 0.9875]
S2 = [0.2720, 0.6824, 0.0593, 0.4812, 0.8891, 0.5573]
A14 = {
    "C": [0.4607, 0.8104, 0.5932, 0.9861, 0.2982, 0.9604],
    "T": [0.1441, 0.4303, 0.3042, 0.5771, 0.4549, 0.7724],
    "D": [0.2576, 0.5905, 0.4248, 0.7544, 0.3683, 0.8613],
    "Cw": [0.2105, 0.3598, 0.2348, 0.7602, 0.0554, 0.5671],
}


def u(values: list[float]) -> xr.DataArray:
    return xr.DataArray(values, dims="county", coords={"county": list(range(len(values)))})


def test_coupling_two_systems_matches_methods_toy() -> None:
    c_ref = [2 * math.sqrt(a * b) / (a + b) for a, b in zip(S1, S2, strict=True)]
    t_ref = [0.5 * a + 0.5 * b for a, b in zip(S1, S2, strict=True)]
    d_ref = [math.sqrt(c * t) for c, t in zip(c_ref, t_ref, strict=True)]
    cw_ref = [
        math.sqrt((1 - abs(a - b)) * min(a, b) / max(a, b)) for a, b in zip(S1, S2, strict=True)
    ]
    np.testing.assert_allclose(c_ref, A14["C"], atol=5e-5)
    np.testing.assert_allclose(t_ref, A14["T"], atol=5e-5)
    np.testing.assert_allclose(d_ref, A14["D"], atol=5e-5)
    np.testing.assert_allclose(cw_ref, A14["Cw"], atol=5e-5)
    res = coupling_coordination(u(S1), u(S2))
    np.testing.assert_allclose(res.coupling.values, c_ref, rtol=1e-12)
    np.testing.assert_allclose(res.development.values, t_ref, rtol=1e-12)
    np.testing.assert_allclose(res.coordination.values, d_ref, rtol=1e-12)
    wang = coupling_coordination(u(S1), u(S2), corrected=True)
    np.testing.assert_allclose(wang.coupling.values, cw_ref, rtol=1e-12)
    assert res.level.values.tolist() == [3, 6, 5, 8, 4, 9]
    assert res.label.values.tolist()[0] == "moderate imbalance"
    zh = coupling_coordination(u(S1), u(S2), language="zh")
    assert zh.label.values.tolist()[-1] == "良好协调"
    assert list(res.to_frame().columns) == [
        "coupling",
        "development",
        "coordination",
        "level",
        "label",
    ]


def test_coupling_three_systems_and_weights() -> None:
    rng = np.random.default_rng(5)
    us = rng.uniform(0.05, 0.95, size=(3, 8))
    c_ref = 3 * np.prod(us, axis=0) ** (1 / 3) / us.sum(axis=0)
    pairs = sum(abs(us[i] - us[j]) for i, j in itertools.combinations(range(3), 2))
    cw_ref = np.sqrt((1 - pairs / 3) * np.prod(us / us.max(axis=0), axis=0) ** (1 / 2))
    alpha = [0.5, 0.3, 0.2]
    t_ref = alpha[0] * us[0] + alpha[1] * us[1] + alpha[2] * us[2]
    res = coupling_coordination(u(list(us[0])), u(list(us[1])), u(list(us[2])), weights=alpha)
    np.testing.assert_allclose(res.coupling.values, c_ref, rtol=1e-12)
    np.testing.assert_allclose(res.development.values, t_ref, rtol=1e-12)
    np.testing.assert_allclose(res.coordination.values, np.sqrt(c_ref * t_ref), rtol=1e-12)
    wang = coupling_coordination(*(u(list(row)) for row in us), corrected=True)
    np.testing.assert_allclose(wang.coupling.values, cw_ref, rtol=1e-12)


def test_level_bands() -> None:
    # public path: D = sqrt(C T) with U1 = U2 = d^2 gives C = 1, T = d^2, so D = d (to rounding);
    # values sit 1e-9 inside each band so rounding cannot move them across an edge
    eps = 1e-9
    d = np.array([0.0, 0.1 - eps, 0.1 + eps, 0.3 + eps, 0.9 - eps, 0.95, 1.0 - eps])
    u2 = xr.DataArray(d**2, dims="county")
    with pytest.warns(UndefinedValueWarning, match=r"in 1 of 7 cell\(s\).*county=0"):
        res = coupling_coordination(u2, u2)
    np.testing.assert_allclose(res.coordination.values[1:], d[1:], rtol=1e-12)
    assert res.level.values.tolist()[1:] == [1, 2, 4, 9, 10, 10]
    assert res.level.values[0] == 0  # all-zero U: C undefined (NaN), level 0, label missing
    assert pd.isna(res.label.values[0])
    assert len(COUPLING_LEVELS) == 10
    # exact edges belong to the lower class: (0.2, 0.3] is class 3
    edges = np.array([0.0, 0.1, 0.2, 0.3, 0.5, 0.9, 1.0])
    assert _level_code(edges).tolist() == [1, 1, 2, 3, 5, 9, 10]


# --- resilience ----------------------------------------------------------------------------------


def test_resilience_sensitivity_and_resistance_by_hand() -> None:
    e = xr.DataArray(
        [[[60.0, 40.0], [45.0, 35.0]], [[50.0, 50.0], [40.0, 55.0]]],
        dims=("county", "year", "sector"),
        coords={"county": ["A", "B"], "year": [2019, 2020], "sector": ["m", "s"]},
    )
    # totals: A 100 -> 80, B 100 -> 95, nation 200 -> 175
    beta = resilience(e, start=2019, end=2020, sector_dim="sector")
    np.testing.assert_allclose(beta.values, [0.2 / 0.125, 0.05 / 0.125])
    # national sector growth: m 110 -> 85 (-25/110), s 90 -> 90 (0)
    g_m = -25 / 110
    exp_a, exp_b = g_m * 60, g_m * 50
    res = resilience(e, start=2019, end=2020, sector_dim="sector", kind="resistance")
    np.testing.assert_allclose(
        res.values, [(-20 - exp_a) / abs(exp_a), (-5 - exp_b) / abs(exp_b)], rtol=1e-12
    )
    nat = xr.DataArray([1000.0, 900.0], dims="year", coords={"year": [2019, 2020]})
    tot = e.sum("sector")
    np.testing.assert_allclose(
        resilience(tot, start=2019, end=2020, reference=nat).values, [2.0, 0.5]
    )


def test_pandas_in_pandas_out_and_inputs_never_mutated() -> None:
    df = pd.DataFrame(X12, index=pd.Index(list("ABCD"), name="county"), columns=["x1", "x2"])
    ci = composite_index(df, weights={"x1": 0.5, "x2": 0.5}, directions=DIRS, shift=0)
    assert isinstance(ci, pd.Series) and ci.index.name == "county"
    z = standardise(df, directions=DIRS, shift=0)
    assert isinstance(z, pd.Series) and list(z.index.names) == ["county", "indicator"]
    x = toy()
    before = x.copy(deep=True)
    entropy_weights(x, directions=DIRS)
    topsis(x, weights={"x1": 0.5, "x2": 0.5}, directions=DIRS)
    u1, u2 = u(S1), u(S2)
    coupling_coordination(u1, u2, corrected=True)
    xr.testing.assert_identical(x, before)
    xr.testing.assert_identical(u1, u(S1))


def test_coupling_tiny_scores_do_not_underflow() -> None:
    # found by hypothesis: prod(U) underflows to a subnormal for U ~ 1e-158, which gave C > 1
    tiny = xr.DataArray([3.78860868e-158, 1e-200], dims="county")
    res = coupling_coordination(tiny, tiny, tiny)
    np.testing.assert_allclose(res.coupling.values, 1.0, rtol=1e-12)
    assert np.all(res.coupling.values <= 1 + 1e-15)
