"""Dagum (1997) decomposition against a brute-force double loop and the METHODS.md toy."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import xarray as xr

from countyeconomy.errors import InvalidOptionError
from countyeconomy.indicators.inequality import dagum_decomposition

TOY = {"E": [10.0, 12, 15, 20], "C": [6.0, 8, 9, 11], "W": [4.0, 5, 7, 9, 10]}


def _brute_dagum(groups: dict[str, list[float]]) -> dict[str, float]:
    """Dagum's formulas written out with explicit double loops over every pair of units."""
    allv = [v for g in groups.values() for v in g]
    n, ybar = len(allv), float(np.mean(allv))
    gini = sum(abs(a - b) for a in allv for b in allv) / (2 * n**2 * ybar)
    mean = {k: float(np.mean(v)) for k, v in groups.items()}
    p = {k: len(v) / n for k, v in groups.items()}
    s = {k: len(v) * mean[k] / (n * ybar) for k, v in groups.items()}
    gw = 0.0
    for k, v in groups.items():
        gjj = sum(abs(a - b) for a in v for b in v) / (2 * len(v) ** 2 * mean[k])
        gw += gjj * p[k] * s[k]
    gnb = gt = 0.0
    for j, h in itertools.combinations(groups, 2):
        if mean[j] < mean[h]:
            j, h = h, j  # j is the higher-mean group
        yj, yh = groups[j], groups[h]
        nn = len(yj) * len(yh)
        gjh = sum(abs(a - b) for a in yj for b in yh) / (nn * (mean[j] + mean[h]))
        d = sum(max(a - b, 0.0) for a in yj for b in yh) / nn
        pt = sum(max(b - a, 0.0) for a in yj for b in yh) / nn
        djh = (d - pt) / (d + pt)
        wgt = gjh * (p[j] * s[h] + p[h] * s[j])
        gnb += wgt * djh
        gt += wgt * (1 - djh)
    return {"gini": gini, "within": gw, "net_between": gnb, "transvariation": gt}


def _as_arrays(groups: dict[str, list[float]]) -> tuple[xr.DataArray, xr.DataArray]:
    vals = [v for g in groups.values() for v in g]
    labs = [k for k, g in groups.items() for _ in g]
    return xr.DataArray(vals, dims="county"), xr.DataArray(labs, dims="county")


def test_toy_matches_brute_force_and_methods_numbers() -> None:
    y, g = _as_arrays(TOY)
    res = dagum_decomposition(y, g)
    brute = _brute_dagum(TOY)
    for name, value in brute.items():
        assert float(getattr(res, name)) == pytest.approx(value, abs=1e-13)
    # METHODS.md §A16 [S]: G = 0.228327, Gw = 0.049451, Gnb = 0.163004, Gt = 0.015873
    assert brute["gini"] == pytest.approx(0.228327, abs=5e-7)
    assert brute["within"] == pytest.approx(0.049451, abs=5e-7)
    assert brute["net_between"] == pytest.approx(0.163004, abs=5e-7)
    assert brute["transvariation"] == pytest.approx(0.015873, abs=5e-7)


def test_random_groups_with_ties_match_brute_force() -> None:
    rng = np.random.default_rng(42)
    groups = {
        k: list(np.round(rng.lognormal(mean=mu, size=size), 1))
        for k, mu, size in [("a", 0.0, 7), ("b", 0.3, 5), ("c", 0.1, 9), ("d", 0.6, 4)]
    }
    y, g = _as_arrays(groups)
    res = dagum_decomposition(y, g)
    brute = _brute_dagum(groups)
    for name, value in brute.items():
        assert float(getattr(res, name)) == pytest.approx(value, abs=1e-12)
    total = res.within + res.net_between + res.transvariation
    assert float(total) == pytest.approx(float(res.gini), abs=1e-13)


def test_pair_and_group_fields() -> None:
    y, g = _as_arrays(TOY)
    res = dagum_decomposition(y, g)
    e, c = TOY["E"], TOY["C"]
    g_ec = sum(abs(a - b) for a in e for b in c) / (16 * (np.mean(e) + np.mean(c)))
    assert float(res.pair_gini.sel(group="E", group_other="C")) == pytest.approx(g_ec, abs=1e-14)
    np.testing.assert_allclose(res.pair_gini.values, res.pair_gini.values.T)
    g_ww = sum(abs(a - b) for a in TOY["W"] for b in TOY["W"]) / (2 * 25 * np.mean(TOY["W"]))
    assert float(res.group_gini.sel(group="W")) == pytest.approx(g_ww, abs=1e-14)
    assert float(res.within_contribution.sum()) == pytest.approx(float(res.within), abs=1e-14)
    shares = res.shares
    assert float(shares.within + shares.net_between + shares.transvariation) == pytest.approx(1.0)
    frame = res.to_frame()
    pairs = frame[frame.component == "net_between_pair"]
    assert len(pairs) == 3
    assert pairs["value"].sum() == pytest.approx(float(res.net_between), abs=1e-14)


def test_per_year_panel_and_missing_units() -> None:
    rng = np.random.default_rng(1)
    vals = rng.lognormal(size=(12, 3))
    vals[4, 1] = np.nan
    labs = np.array(list("aaaabbbbcccc"))
    cube = xr.DataArray(vals, dims=("county", "year"), coords={"year": [1, 2, 3]})
    default = dagum_decomposition(cube, xr.DataArray(labs, dims="county"))
    assert np.isnan(float(default.gini[1])) and np.isnan(float(default.within[1]))
    res = dagum_decomposition(cube, xr.DataArray(labs, dims="county"), skipna=True)
    for t in range(3):
        keep = ~np.isnan(vals[:, t])
        groups = {k: list(vals[keep & (labs == k), t]) for k in "abc"}
        assert float(res.gini[t]) == pytest.approx(_brute_dagum(groups)["gini"], abs=1e-12)
        assert float(res.transvariation[t]) == pytest.approx(
            _brute_dagum(groups)["transvariation"], abs=1e-12
        )


def test_weights_are_refused_with_explanation() -> None:
    y, g = _as_arrays(TOY)
    with pytest.raises(InvalidOptionError, match="unweighted"):
        dagum_decomposition(y, g, weights=xr.ones_like(y))
