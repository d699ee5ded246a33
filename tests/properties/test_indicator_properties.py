"""Hypothesis properties of the structure and composite indicators (issue 4).

- HHI lies in [1/K, 1] (normalised: [0, 1]); Krugman in [0, 2];
- entropy weights are non-negative and sum to 1;
- TOPSIS closeness and coupling coordination D lie in [0, 1];
- every indicator gives identical numbers on numpy- and dask-backed input, and the dask result stays
  lazy (a dask array) until ``.compute()``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from countyeconomy.indicators import (
    composite_index,
    coupling_coordination,
    ellison_glaeser,
    entropy_weights,
    hhi,
    industry_transfer,
    krugman,
    krugman_bilateral,
    location_quotient,
    rationalization,
    resilience,
    shift_share,
    structure_upgrading,
    topsis,
)

TOL = 1e-12
# bounds and laziness are tested here; the 0/0 warnings have their own tests
pytestmark = pytest.mark.filterwarnings("ignore::countyeconomy.errors.UndefinedValueWarning")

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

positive_floats = st.floats(min_value=0.01, max_value=1e6, allow_nan=False, allow_infinity=False)
nonneg_floats = st.one_of(st.just(0.0), positive_floats)


@st.composite
def employment(draw: st.DrawFn, min_regions: int = 2) -> xr.DataArray:
    """county x sector employment; zeros allowed but every county and sector has a positive cell."""
    n = draw(st.integers(min_regions, 8))
    k = draw(st.integers(2, 6))
    values = draw(arrays(np.float64, (n, k), elements=nonneg_floats))
    values[:, 0] += draw(positive_floats)  # every county has employment
    values[0, :] += draw(positive_floats)  # every sector has employment
    return xr.DataArray(
        values,
        dims=("county", "sector"),
        coords={"county": [f"c{i}" for i in range(n)], "sector": [f"s{j}" for j in range(k)]},
    )


@st.composite
def indicators(draw: st.DrawFn) -> tuple[xr.DataArray, dict[str, str]]:
    n = draw(st.integers(2, 10))
    m = draw(st.integers(1, 5))
    elements = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)
    values = draw(arrays(np.float64, (n, m), elements=elements))
    labels = [f"i{j}" for j in range(m)]
    dirs = {lab: draw(st.sampled_from(["+", "-"])) for lab in labels}
    x = xr.DataArray(values, dims=("county", "indicator"), coords={"indicator": labels})
    return x, dirs


unit_scores = arrays(
    np.float64, st.integers(1, 12), elements=st.floats(min_value=0.0, max_value=1.0)
)


@SETTINGS
@given(employment())
def test_hhi_bounds(x: xr.DataArray) -> None:
    k = x.sizes["sector"]
    raw = hhi(x).values
    assert np.all(raw >= 1 / k - TOL) and np.all(raw <= 1 + TOL)
    norm = hhi(x, kind="normalized").values
    assert np.all(norm >= -TOL) and np.all(norm <= 1 + TOL)


@SETTINGS
@given(employment())
def test_krugman_bounds_and_lq_weighted_mean(x: xr.DataArray) -> None:
    ksi = krugman(x).values
    assert np.all(ksi >= -TOL) and np.all(ksi <= 2 + TOL)
    # the employment-weighted mean of a sector's LQ over counties is 1
    lq = location_quotient(x)
    county_share = x.sum("sector") / x.sum()
    np.testing.assert_allclose((lq * county_share).sum("county").values, 1.0, rtol=1e-9)


@SETTINGS
@given(indicators(), st.sampled_from(["minmax", "rescale"]))
def test_entropy_weights_nonnegative_sum_to_one(
    data: tuple[xr.DataArray, dict[str, str]], method: str
) -> None:
    x, dirs = data
    assume(bool((x.max("county") > x.min("county")).any()))  # some indicator varies
    w = entropy_weights(x, directions=dirs, standardisation=method).weights.values
    assert np.all(w >= -TOL)
    assert abs(w.sum() - 1) < 1e-9


@SETTINGS
@given(indicators(), st.sampled_from(["vector", "minmax"]))
def test_topsis_closeness_in_unit_interval(
    data: tuple[xr.DataArray, dict[str, str]], normalisation: str
) -> None:
    x, dirs = data
    weights = {k: 1 / len(dirs) for k in dirs}
    c = topsis(x, weights=weights, directions=dirs, normalisation=normalisation).closeness.values
    finite = c[np.isfinite(c)]
    assert np.all(finite >= -TOL) and np.all(finite <= 1 + TOL)


@SETTINGS
@given(st.integers(2, 4), st.data(), st.booleans())
def test_coordination_in_unit_interval(n: int, data: st.DataObject, corrected: bool) -> None:
    size = data.draw(st.integers(1, 12))
    elements = st.floats(min_value=0.0, max_value=1.0)
    subs = [
        xr.DataArray(data.draw(arrays(np.float64, size, elements=elements)), dims="county")
        for _ in range(n)
    ]
    res = coupling_coordination(*subs, corrected=corrected)
    for arr in (res.coupling.values, res.coordination.values):
        finite = arr[np.isfinite(arr)]
        assert np.all(finite >= -TOL) and np.all(finite <= 1 + TOL)
    assert set(np.unique(res.level.values)) <= set(range(11))


def _three_sector(x: xr.DataArray) -> xr.DataArray:
    y = x.isel(sector=[0, 0, 0]) * xr.DataArray([0.2, 0.5, 0.3], dims="sector")
    return y.assign_coords(sector=["primary", "secondary", "tertiary"])


def _as_panel(x: xr.DataArray) -> xr.DataArray:
    return xr.concat([x, x * 1.1 + 1], dim="year").assign_coords(year=[2010, 2020])


CASES: dict[str, Callable[[xr.DataArray], xr.DataArray]] = {
    "location_quotient": location_quotient,
    "hhi": hhi,
    "krugman": lambda x: krugman(x, exclude_self=True),
    "krugman_bilateral": krugman_bilateral,
    "ellison_glaeser": lambda x: ellison_glaeser(x, herfindahl=0.1).gamma,
    "upgrading": lambda x: structure_upgrading(_three_sector(x), kind="level"),
    "rationalization": lambda x: rationalization(x + 1, x * 2 + 1),
    "industry_transfer": lambda x: industry_transfer(_as_panel(x)),
    "resilience": lambda x: resilience(_as_panel(x), start=2010, end=2020, sector_dim="sector"),
    "shift_share": lambda x: shift_share(_as_panel(x), start=2010, end=2020).competitive,
    "entropy": lambda x: entropy_weights(x.rename(sector="indicator"), directions=_dirs(x)).scores,
    "composite": lambda x: composite_index(
        x.rename(sector="indicator"), weights=dict.fromkeys(_dirs(x), 0.5), directions=_dirs(x)
    ),
    "topsis": lambda x: (
        topsis(
            x.rename(sector="indicator"), weights=dict.fromkeys(_dirs(x), 0.5), directions=_dirs(x)
        ).closeness
    ),
    "coupling": lambda x: (
        coupling_coordination(
            x.isel(sector=0) / (x.isel(sector=0) + 1), x.isel(sector=1) / (x.isel(sector=1) + 1)
        ).coordination
    ),
}


def _dirs(x: xr.DataArray) -> dict[str, str]:
    return {str(s): "+" if i % 2 == 0 else "-" for i, s in enumerate(x.sector.values)}


@pytest.mark.parametrize("case", sorted(CASES))
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(x=employment(min_regions=4))
def test_dask_matches_numpy_and_stays_lazy(case: str, x: xr.DataArray) -> None:
    func = CASES[case]
    eager = func(x)
    lazy = func(x.chunk({"county": 2}))
    assert lazy.chunks is not None, f"{case} computed a dask-backed input eagerly"
    # chunked sums add in another order: equal to rounding, relative to the scale of the numbers
    # involved (employment levels for the shift-share components, the result otherwise)
    values = x.values if case == "shift_share" else eager.values
    scale = max(1.0, float(np.nanmax(np.abs(values), initial=0.0)))
    np.testing.assert_allclose(
        lazy.compute().values, eager.values, rtol=1e-10, atol=1e-12 * scale, equal_nan=True
    )
