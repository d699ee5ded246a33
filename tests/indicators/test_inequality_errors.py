"""Bad input: zero/negative incomes, weights, dims, labels and options raise named errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from countyeconomy.errors import (
    CountyEconomyError,
    DimensionError,
    InvalidOptionError,
    WeightsError,
)
from countyeconomy.indicators._common import ValueCheckError
from countyeconomy.indicators.convergence import (
    beta_convergence,
    kernel_density,
    markov_transition,
    sigma_convergence,
)
from countyeconomy.indicators.inequality import (
    coefficient_of_variation,
    dagum_decomposition,
    gini,
    nested_theil_decomposition,
    theil,
    theil_decomposition,
    urban_rural_ratio,
    urban_rural_theil,
    williamson_index,
)

COUNTIES = {"county": ["a", "b", "c", "d"]}


def _y(values: list[float]) -> xr.DataArray:
    return xr.DataArray(values, dims="county", coords=COUNTIES)


@pytest.mark.parametrize(
    "func",
    [theil, gini, coefficient_of_variation, sigma_convergence, kernel_density],
)
def test_zero_income_raises_naming_the_county(func: object) -> None:
    with pytest.raises(ValueCheckError, match="county='c'"):
        func(_y([1.0, 2.0, 0.0, 3.0]))  # type: ignore[operator]


def test_negative_income_raises_even_when_zeros_are_allowed() -> None:
    with pytest.raises(ValueCheckError, match="negative"):
        theil(_y([1.0, -2.0, 3.0, 3.0]), zero_policy="allow")
    assert issubclass(ValueCheckError, CountyEconomyError)


def test_zero_policy_allow_and_mask_are_explicit() -> None:
    y = _y([0.0, 2.0, 3.0, 5.0])
    # allow: a zero income keeps its place (0 ln 0 = 0 in T, the Gini counts it)
    assert float(gini(y, zero_policy="allow")) == pytest.approx(
        float(gini(_y([1e-300, 2.0, 3.0, 5.0]))), abs=1e-12
    )
    assert float(theil(y, kind="L", zero_policy="allow")) == np.inf
    # mask: the zero is treated as missing and left out
    masked = float(theil(y, zero_policy="mask"))
    assert masked == pytest.approx(float(theil(xr.DataArray([2.0, 3.0, 5.0], dims="county"))))
    with pytest.raises(InvalidOptionError, match="zero_policy"):
        theil(y, zero_policy="ignore")  # type: ignore[arg-type]


def test_dask_errors_surface_at_compute_not_before() -> None:
    y = _y([1.0, 2.0, 0.0, 3.0]).chunk({"county": 2})
    lazy = theil(y)
    assert lazy.chunks is not None
    with pytest.raises(ValueCheckError):
        lazy.compute()


def test_weights_errors() -> None:
    y = _y([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(WeightsError, match="weights"):
        gini(y, weights=_y([1.0, np.nan, 1.0, 1.0]))
    with pytest.raises(WeightsError, match="negative"):
        theil(y, weights=_y([1.0, -1.0, 1.0, 1.0]))
    with pytest.raises(DimensionError, match="county"):
        theil(
            y,
            weights=xr.DataArray(
                [1.0, 1.0, 1.0, 1.0], dims="county", coords={"county": list("abcx")}
            ),
        )
    with pytest.raises(DimensionError, match="region"):
        theil(y, weights=xr.DataArray(np.ones((4, 2)), dims=("county", "region"), coords=COUNTIES))
    with pytest.raises(DimensionError, match="weights"):
        theil(
            xr.DataArray(np.ones((4, 2)), dims=("county", "year"), coords=COUNTIES),
            weights=xr.DataArray([1.0, 2.0], dims="year"),
        )
    with pytest.raises(TypeError):
        williamson_index(y)  # type: ignore[call-arg]


def test_dimension_errors_name_the_dim() -> None:
    y = _y([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(DimensionError, match="'province'"):
        theil(y, dim="province")
    with pytest.raises(DimensionError, match="year"):
        markov_transition(y)
    with pytest.raises(DimensionError, match="unnamed"):
        gini(pd.Series([1.0, 2.0]))
    with pytest.raises(DimensionError, match="different labels"):
        urban_rural_ratio(y, y.assign_coords(county=list("abcz")))


def test_group_errors() -> None:
    y = _y([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(DimensionError, match="missing"):
        theil_decomposition(y, xr.DataArray(["a", None, "b", "b"], dims="county", coords=COUNTIES))
    with pytest.raises(DimensionError, match="single dim"):
        dagum_decomposition(y, xr.DataArray([["a"]], dims=("x", "county2")))
    with pytest.raises(DimensionError, match="more than one region"):
        nested_theil_decomposition(
            y,
            xr.DataArray(list("aabb"), dims="county", coords=COUNTIES),
            xr.DataArray(list("ppqp"), dims="county", coords=COUNTIES),
        )


def test_option_errors_list_valid_values() -> None:
    y = _y([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(InvalidOptionError, match="'T', 'L'"):
        theil(y, kind="GE2")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="population_basis"):
        urban_rural_theil(y, y, y, y, population_basis="census")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="kind"):
        urban_rural_ratio(y, y, kind="log")  # type: ignore[arg-type]
    panel = xr.DataArray(np.ones((4, 3)) + np.arange(3), dims=("county", "year"))
    with pytest.raises(InvalidOptionError, match="classes"):
        markov_transition(panel, classes="fixed")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="k="):
        markov_transition(panel, k=1)
    with pytest.raises(InvalidOptionError, match="vcov"):
        beta_convergence(panel, vcov="cluster")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="bandwidth"):
        kernel_density(y, bandwidth=-1.0)
    with pytest.raises(DimensionError, match="start"):
        beta_convergence(panel, start=99)
