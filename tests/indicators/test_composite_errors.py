"""Bad input to the composite indices raises CountyEconomyError subclasses naming the problem."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from countyeconomy.errors import DimensionError, InvalidOptionError, WeightsError
from countyeconomy.indicators import (
    ValueCheckError,
    composite_index,
    coupling_coordination,
    entropy_weights,
    resilience,
    topsis,
)


def ind() -> xr.DataArray:
    return xr.DataArray(
        [[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]],
        dims=("county", "indicator"),
        coords={"indicator": ["gdp", "pollution"]},
    )


def test_missing_direction_is_named() -> None:
    with pytest.raises(DimensionError, match=r"missing \['pollution'\]"):
        entropy_weights(ind(), directions={"gdp": "+"})


def test_unknown_indicator_in_directions_is_named() -> None:
    with pytest.raises(DimensionError, match=r"unknown \['income'\]"):
        entropy_weights(ind(), directions={"gdp": "+", "pollution": "-", "income": "+"})


def test_bad_direction_value_lists_valid_ones() -> None:
    with pytest.raises(InvalidOptionError, match=r"'pollution' is 'negative'.*'\+'.*'-'"):
        topsis(
            ind(),
            weights={"gdp": 0.5, "pollution": 0.5},
            directions={"gdp": "+", "pollution": "negative"},
        )


def test_bad_scope_and_standardisation_options() -> None:
    dirs = {"gdp": "+", "pollution": "-"}
    with pytest.raises(InvalidOptionError, match="scope="):
        entropy_weights(ind(), directions=dirs, scope="pooled")
    with pytest.raises(InvalidOptionError, match="standardisation="):
        entropy_weights(ind(), directions=dirs, standardisation="zscore")
    with pytest.raises(InvalidOptionError, match="bounds= applies"):
        entropy_weights(ind(), directions=dirs, bounds=(0.01, 0.99))
    with pytest.raises(DimensionError, match="'year'"):
        entropy_weights(ind(), directions=dirs, scope="year")


def test_missing_values_raise_instead_of_being_dropped() -> None:
    x = ind().copy()
    x[0, 0] = np.nan
    with pytest.raises(ValueCheckError, match="missing or infinite"):
        entropy_weights(x, directions={"gdp": "+", "pollution": "-"})
    lazy = entropy_weights(x.chunk({"county": 1}), directions={"gdp": "+", "pollution": "-"})
    with pytest.raises(ValueCheckError):
        lazy.weights.compute()


def test_indicator_dim_needs_labels() -> None:
    with pytest.raises(DimensionError, match="needs labels"):
        entropy_weights(
            xr.DataArray(np.ones((3, 2)), dims=("county", "indicator")), directions={0: "+", 1: "+"}
        )


def test_weights_errors() -> None:
    dirs = {"gdp": "+", "pollution": "-"}
    with pytest.raises(WeightsError, match="pollution"):
        composite_index(ind(), weights={"gdp": 1.0}, directions=dirs)
    with pytest.raises(WeightsError, match="negative"):
        topsis(ind(), weights={"gdp": 1.5, "pollution": -0.5}, directions=dirs)
    u = xr.DataArray([0.2, 0.4], dims="county")
    with pytest.raises(WeightsError, match="sum to 1"):
        coupling_coordination(u, u, weights=[0.6, 0.6])
    with pytest.raises(WeightsError, match="2 non-negative numbers"):
        coupling_coordination(u, u, weights=[1.0])


def test_coupling_input_checks() -> None:
    u = xr.DataArray([0.2, 0.4], dims="county")
    with pytest.raises(DimensionError, match="at least 2"):
        coupling_coordination(u)
    with pytest.raises(ValueCheckError, match=r"subsystem 2 has value\(s\) outside \[0, 1\]"):
        coupling_coordination(u, u * 3)
    with pytest.raises(DimensionError, match="same dims"):
        coupling_coordination(u, xr.DataArray([0.2, 0.4], dims="region"))


def test_resilience_unknown_years() -> None:
    e = xr.DataArray([[1.0, 2.0]], dims=("county", "year"), coords={"year": [2019, 2020]})
    with pytest.raises(DimensionError, match=r"\[2008\] not in x"):
        resilience(e, start=2008, end=2020)
    with pytest.raises(InvalidOptionError, match="kind="):
        resilience(e, start=2019, end=2020, kind="recovery")


def test_weights_for_unknown_indicator_are_rejected() -> None:
    with pytest.raises(WeightsError, match=r"unknown \['income'\]"):
        composite_index(
            ind(),
            weights={"gdp": 0.5, "pollution": 0.5, "income": 0.0},
            directions={"gdp": "+", "pollution": "-"},
        )
