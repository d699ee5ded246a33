"""Hypothesis properties of the inequality indicators (bounds, invariances, additivity, dask)."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from countyeconomy.indicators.convergence import markov_transition, sigma_convergence
from countyeconomy.indicators.inequality import (
    coefficient_of_variation,
    dagum_decomposition,
    gini,
    theil,
    theil_decomposition,
    williamson_index,
)

# bounds and laziness are tested here; the 0/0 warnings have their own tests
pytestmark = pytest.mark.filterwarnings("ignore::countyeconomy.errors.UndefinedValueWarning")

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

incomes = st.integers(2, 40).flatmap(
    lambda n: arrays(np.float64, n, elements=st.floats(0.01, 1e6, allow_subnormal=False))
)


@st.composite
def weighted_groups(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(3, 30))
    y = draw(arrays(np.float64, n, elements=st.floats(0.01, 1e5, allow_subnormal=False)))
    w = draw(arrays(np.float64, n, elements=st.floats(0.1, 1e3, allow_subnormal=False)))
    k = draw(st.integers(1, min(4, n)))
    g = np.array([i % k for i in range(n)])
    g = draw(st.permutations(g.tolist()))
    return y, w, np.asarray(g)


def _da(x: np.ndarray) -> xr.DataArray:
    return xr.DataArray(x, dims="county")


@SETTINGS
@given(incomes)
def test_gini_in_unit_interval(y: np.ndarray) -> None:
    g = float(gini(_da(y)))
    assert -1e-12 <= g < 1.0


@SETTINGS
@given(incomes, st.floats(1e-3, 1e3))
def test_gini_theil_cv_scale_invariant(y: np.ndarray, c: float) -> None:
    for f in (gini, theil, coefficient_of_variation):
        assert float(f(_da(y * c))) == pytest.approx(float(f(_da(y))), abs=1e-9)


@SETTINGS
@given(incomes, st.integers(2, 5))
def test_gini_and_theil_replication_invariant(y: np.ndarray, r: int) -> None:
    rep = np.tile(y, r)
    assert float(gini(_da(rep))) == pytest.approx(float(gini(_da(y))), abs=1e-10)
    assert float(theil(_da(rep))) == pytest.approx(float(theil(_da(y))), abs=1e-10)


@SETTINGS
@given(weighted_groups(), st.sampled_from(["T", "L"]))
def test_theil_between_plus_within_is_total(data: tuple, kind: str) -> None:
    y, w, g = data
    res = theil_decomposition(_da(y), _da(g), weights=_da(w), kind=kind)  # type: ignore[arg-type]
    total = float(res.total)
    assert float(res.between + res.within) == pytest.approx(total, abs=1e-9 * max(1.0, total))
    assert float(res.between) >= -1e-12
    assert float(res.within) >= -1e-12


@SETTINGS
@given(weighted_groups())
def test_dagum_components_sum_to_gini(data: tuple) -> None:
    y, _, g = data
    res = dagum_decomposition(_da(y), _da(g))
    parts = float(res.within + res.net_between + res.transvariation)
    assert parts == pytest.approx(float(res.gini), abs=1e-10)
    assert float(res.gini) == pytest.approx(float(gini(_da(y))), abs=1e-10)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(weighted_groups(), st.integers(1, 4))
def test_numpy_and_dask_agree_and_dask_is_lazy(data: tuple, chunk: int) -> None:
    y, w, g = data
    years = 3
    cube = xr.DataArray(
        np.column_stack([y * (1 + 0.1 * t) ** (t % 2) for t in range(years)]),
        dims=("county", "year"),
    )
    wts = xr.DataArray(np.column_stack([w] * years), dims=("county", "year"))
    lazy_cube = cube.chunk({"county": max(1, y.size // chunk), "year": 1})
    lazy_w = wts.chunk({"county": max(1, y.size // chunk), "year": 1})
    pairs = [
        (gini(cube, weights=wts), gini(lazy_cube, weights=lazy_w)),
        (theil(cube, weights=wts, kind="L"), theil(lazy_cube, weights=lazy_w, kind="L")),
        (williamson_index(cube, wts), williamson_index(lazy_cube, lazy_w)),
        (sigma_convergence(cube), sigma_convergence(lazy_cube)),
        (
            theil_decomposition(cube, _da(g), weights=wts).within,
            theil_decomposition(lazy_cube, _da(g), weights=lazy_w).within,
        ),
        (
            dagum_decomposition(cube, _da(g)).net_between,
            dagum_decomposition(lazy_cube, _da(g)).net_between,
        ),
        (markov_transition(cube, k=2).counts, markov_transition(lazy_cube, k=2).counts),
    ]
    for eager, lazy in pairs:
        assert isinstance(eager, xr.DataArray) and isinstance(lazy, xr.DataArray)
        assert eager.chunks is None
        assert lazy.chunks is not None  # still a dask graph
        np.testing.assert_allclose(lazy.compute().values, eager.values, rtol=1e-12, atol=1e-14)
