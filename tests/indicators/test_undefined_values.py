"""0/0 cells of the indicators are counted and named, lazily on dask (issue 11)."""

from __future__ import annotations

import warnings
from typing import Any

import dask
import numpy as np
import pandas as pd
import pytest
import xarray as xr

from countyeconomy.errors import UndefinedValueWarning, WeightsError
from countyeconomy.indicators import (
    ValueCheckError,
    coupling_coordination,
    hhi,
    location_quotient,
    markov_transition,
    theil,
    topsis,
)


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a dask computation ran while the graph was being built")


def _employment() -> xr.DataArray:
    return xr.DataArray(
        [[1000.0, 3000.0, 0.0], [0.0, 0.0, 0.0], [5.0, 1.0, 0.0]],
        dims=("county", "sector"),
        coords={"county": ["A", "B", "C"], "sector": ["farm", "mining", "other"]},
    )


def test_location_quotient_counts_and_names_zero_county_and_sector() -> None:
    with pytest.warns(UndefinedValueWarning, match=r"location_quotient.* in 5 of 9 cell") as rec:
        lq = location_quotient(_employment())
    assert "county='B', sector='farm'" in str(rec[0].message)
    assert int(lq.isnull().sum()) == 5  # county B (3 cells) and sector 'other' (2 more)
    assert np.isclose(float(lq.sel(county="A", sector="farm")), (1000 / 4000) / (1005 / 4006))


def test_hhi_counts_and_names_zero_employment_county() -> None:
    with pytest.warns(UndefinedValueWarning, match=r"hhi .* in 1 of 3 cell.*county='B'"):
        out = hhi(_employment())
    assert np.isnan(float(out.sel(county="B")))
    assert np.isclose(float(out.sel(county="A")), 0.25**2 + 0.75**2)


def test_hhi_missing_is_not_counted_as_undefined() -> None:
    x = xr.DataArray([[1.0, np.nan], [1.0, 1.0]], dims=("county", "sector"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedValueWarning)
        out = hhi(x)
    assert np.isnan(float(out[0])) and float(out[1]) == 0.5


def test_theil_zero_population_weights() -> None:
    y = xr.DataArray(
        [[1.0, 2.0], [3.0, 4.0]], dims=("county", "year"), coords={"year": [2010, 2011]}
    )
    w = xr.DataArray([[0.0, 1.0], [0.0, 2.0]], dims=("county", "year"))
    with pytest.warns(UndefinedValueWarning, match=r"theil .*sum to zero.* 1 of 2 cell.*2010"):
        out = theil(y, weights=w)
    assert np.isnan(float(out.sel(year=2010))) and np.isfinite(float(out.sel(year=2011)))
    with pytest.raises(WeightsError, match=r"theil is undefined .* in all 2 cell"):
        theil(y, weights=xr.zeros_like(w))


def test_topsis_identical_alternatives() -> None:
    x = xr.DataArray(
        [[1.0, 2.0], [1.0, 2.0], [3.0, 1.0]],
        dims=("county", "indicator"),
        coords={"county": ["a", "b", "c"], "indicator": ["p", "q"]},
    )
    same = x.isel(county=[0, 1])
    w, d = {"p": 0.5, "q": 0.5}, {"p": "+", "q": "+"}
    with pytest.warns(UndefinedValueWarning, match=r"identical .* in 2 of 2 observation"):
        res = topsis(same, weights=w, directions=d)
    assert res.closeness.isnull().all()
    with warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedValueWarning)
        assert topsis(x, weights=w, directions=d).closeness.notnull().all()


def test_coupling_all_zero_subsystems() -> None:
    u1 = xr.DataArray([0.5, 0.0, 0.0], dims="county", coords={"county": ["a", "b", "c"]})
    u2 = xr.DataArray([0.5, 0.0, 0.3], dims="county", coords={"county": ["a", "b", "c"]})
    for corrected in (False, True):
        with pytest.warns(UndefinedValueWarning, match=r"in 1 of 3 cell.*county='b'"):
            res = coupling_coordination(u1, u2, corrected=corrected)
        assert res.coupling.isnull().values.tolist() == [False, True, False]


def test_markov_more_classes_than_counties() -> None:
    y = xr.DataArray([[1.0, 1, 4], [2, 3, 3], [3, 4, 1]], dims=("county", "year"))
    with pytest.warns(UndefinedValueWarning) as rec:
        res = markov_transition(y, k=5)
    text = [str(r.message) for r in rec]
    assert any("k=5 classes but only 3 unit(s) per year" in t for t in text)
    assert any("2 of 5 class row(s)" in t and "from_class=1; from_class=3" in t for t in text)
    assert res.probabilities.isel(from_class=1).isnull().all()
    with pytest.raises(ValueCheckError, match=r"class\(es\) \[1, 3\]"):
        res.steady_state()


CASES = {"location_quotient": location_quotient, "hhi": hhi}


@pytest.mark.parametrize("name", sorted(CASES))
def test_dask_graph_is_built_without_computing_and_warns_per_chunk(name: str) -> None:
    x = _employment().chunk({"county": 1})
    with dask.config.set(scheduler=_refuse), warnings.catch_warnings():
        warnings.simplefilter("error", UndefinedValueWarning)  # nothing counted while building
        lazy = CASES[name](x)
    assert lazy.chunks is not None
    with pytest.warns(UndefinedValueWarning, match="counted per chunk when computed"):
        values = lazy.compute().values
    with pytest.warns(UndefinedValueWarning):
        eager = CASES[name](_employment()).values
    np.testing.assert_array_equal(np.isnan(values), np.isnan(eager))
    np.testing.assert_allclose(values, eager, equal_nan=True)


def test_dask_theil_with_zero_weights_warns_lazily_not_raises() -> None:
    y = xr.DataArray(np.ones((4, 2)), dims=("county", "year")).chunk({"county": 2})
    w = xr.zeros_like(y)
    with dask.config.set(scheduler=_refuse):
        lazy = theil(y, weights=w)
    with pytest.warns(UndefinedValueWarning, match="theil"):
        assert np.isnan(lazy.compute().values).all()


def test_pandas_input_warns_too() -> None:
    frame = _employment().to_pandas()
    assert isinstance(frame, pd.DataFrame)
    with pytest.warns(UndefinedValueWarning, match="hhi"):
        out = hhi(frame)
    assert isinstance(out, pd.Series) and np.isnan(out["B"])


def test_theil_decomposition_names_a_group_without_population() -> None:
    from countyeconomy.indicators import theil_decomposition

    y = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="county")
    g = xr.DataArray(["a", "a", "b", "b"], dims="county")
    w = xr.DataArray([1.0, 2.0, 0.0, 0.0], dims="county")
    with pytest.warns(UndefinedValueWarning, match=r"group_theil .* 1 of 2 group cell.*'b'"):
        d = theil_decomposition(y, g, weights=w)
    assert np.isnan(d.group_theil.values[1]) and np.isfinite(float(d.between))
