"""Bad input to the structure indicators raises CountyEconomyError subclasses that say what is wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from countyeconomy.errors import CountyEconomyError, DimensionError, InvalidOptionError
from countyeconomy.indicators import (
    ValueCheckError,
    ellison_glaeser,
    ellison_glaeser_from_plants,
    hhi,
    krugman,
    location_quotient,
    rationalization,
    structure_upgrading,
)


def emp(values: list[list[float]]) -> xr.DataArray:
    arr = np.asarray(values, dtype=float)
    return xr.DataArray(
        arr,
        dims=("county", "sector"),
        coords={"county": [f"c{i}" for i in range(arr.shape[0])], "sector": ["a", "b"]},
    )


def test_negative_employment_names_the_cell() -> None:
    x = emp([[1, 2], [3, -4]])
    with pytest.raises(ValueCheckError, match=r"negative.*county='c1', sector='b'"):
        location_quotient(x)
    with pytest.raises(CountyEconomyError):
        hhi(x)


def test_negative_employment_on_dask_raises_at_compute() -> None:
    x = emp([[1, 2], [3, -4]]).chunk({"county": 1})
    lazy = krugman(x)  # building the graph does not compute
    with pytest.raises(ValueCheckError, match=r"county='c1', sector='b'"):
        lazy.compute()


def test_missing_dims_are_named() -> None:
    x = emp([[1, 2], [3, 4]]).rename(sector="industry")
    with pytest.raises(DimensionError, match=r"\('sector',\) not found.*\('county', 'industry'\)"):
        location_quotient(x)
    with pytest.raises(DimensionError, match="must name different dims"):
        krugman(emp([[1, 2]]), region_dim="sector")


def test_bad_options_list_valid_values() -> None:
    with pytest.raises(InvalidOptionError, match="'raw', 'normalized'"):
        hhi(emp([[1, 2]]), kind="scaled")
    y = xr.DataArray([1.0, 2.0, 3.0], dims="sector", coords={"sector": ["p", "s", "t"]})
    with pytest.raises(InvalidOptionError, match="sign="):
        rationalization(y, y, sign="flip")


def test_reference_with_other_labels_is_rejected() -> None:
    ref = xr.DataArray([1.0, 2.0], dims="sector", coords={"sector": ["a", "z"]})
    with pytest.raises(DimensionError, match="labels of dimension 'sector' differ"):
        location_quotient(emp([[1, 2]]), reference=ref)


def test_upgrading_unknown_sector_labels() -> None:
    y = xr.DataArray([1.0, 2.0, 3.0], dims="sector", coords={"sector": ["I", "II", "III"]})
    with pytest.raises(DimensionError, match=r"'primary'.*labels are \['I', 'II', 'III'\]"):
        structure_upgrading(y)


def test_rationalization_zero_raises_by_default_and_dims_must_match() -> None:
    y = xr.DataArray([0.0, 2.0, 3.0], dims="sector")
    with pytest.raises(ValueCheckError, match="zero_policy="):
        rationalization(y, y + 1)
    lab = xr.DataArray([[1.0, 2.0, 3.0]], dims=("county", "sector"))
    with pytest.raises(DimensionError, match="must match"):
        rationalization(y + 1, lab)


def test_eg_herfindahl_out_of_range_and_plants_columns() -> None:
    with pytest.raises(ValueCheckError, match=r"outside \[0, 1\)"):
        ellison_glaeser(emp([[1, 2], [3, 4]]), herfindahl=1.0)
    with pytest.raises(DimensionError, match="no column"):
        ellison_glaeser_from_plants(pd.DataFrame({"county": ["a"]}))


def test_unnamed_pandas_index_is_rejected() -> None:
    with pytest.raises(DimensionError, match=r"columns have no name|unnamed"):
        hhi(pd.DataFrame([[1.0, 2.0]]), sector_dim="sector")


def test_reference_and_exclude_self_are_exclusive() -> None:
    ref = xr.DataArray([1.0, 2.0], dims="sector", coords={"sector": ["a", "b"]})
    with pytest.raises(InvalidOptionError, match="not both"):
        krugman(emp([[1, 2], [3, 4]]), reference=ref, exclude_self=True)
