"""Building any inequality/convergence result on dask input computes nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dask
import numpy as np
import pytest
import xarray as xr

from countyeconomy.indicators import convergence as conv
from countyeconomy.indicators import inequality as ineq


def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a dask computation ran while the graph was being built")


def _inputs() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    shape = (50, 6)
    coords = {"county": np.arange(50), "year": np.arange(2001, 2007)}

    def lazy(lo: float, hi: float) -> xr.DataArray:
        arr = xr.DataArray(rng.uniform(lo, hi, shape), dims=("county", "year"), coords=coords)
        return arr.chunk({"county": 25, "year": 2})

    sources = xr.concat([lazy(1, 5), lazy(1, 5)], dim="source").assign_coords(source=["a", "b"])
    groups = xr.DataArray(np.arange(50) % 4, dims="county", coords={"county": coords["county"]})
    return {
        "y": lazy(1, 10),
        "w": lazy(1, 100),
        "u": lazy(5, 10),
        "r": lazy(1, 5),
        "sources": sources,
        "groups": groups,
        "provinces": groups + 4 * (np.arange(50) % 2),
    }


CASES: dict[str, Callable[[dict[str, Any]], xr.DataArray]] = {
    "urban_rural_ratio": lambda d: ineq.urban_rural_ratio(d["u"], d["r"]),
    "urban_rural_theil": lambda d: ineq.urban_rural_theil(d["u"], d["r"], d["w"], d["w"]),
    "theil": lambda d: ineq.theil(d["y"], weights=d["w"]),
    "theil_decomposition": lambda d: ineq.theil_decomposition(d["y"], d["groups"]).within,
    "nested_theil": lambda d: (
        ineq.nested_theil_decomposition(d["y"], d["groups"] % 2, d["groups"]).between_provinces
    ),
    "gini": lambda d: ineq.gini(d["y"], weights=d["w"], correction=True),
    "grouped_gini": lambda d: ineq.grouped_gini(d["y"], d["w"], dim="county"),
    "gini_source": lambda d: ineq.gini_source_decomposition(d["sources"]).contribution,
    "dagum": lambda d: ineq.dagum_decomposition(d["y"], d["groups"]).transvariation,
    "cv": lambda d: ineq.coefficient_of_variation(d["y"]),
    "williamson": lambda d: ineq.williamson_index(d["y"], d["w"]),
    "sigma": lambda d: conv.sigma_convergence(d["y"]),
    "beta": lambda d: conv.beta_convergence(d["y"]).half_life,
    "kde": lambda d: conv.kernel_density(d["y"], grid=np.linspace(0, 12, 20)).density,
    "markov": lambda d: conv.markov_transition(d["y"], k=3).probabilities,
    "markov_pooled": lambda d: conv.markov_transition(d["y"], k=3, classes="pooled").counts,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_graph_building_computes_nothing(name: str) -> None:
    data = _inputs()
    with dask.config.set(scheduler=_refuse):
        result = CASES[name](data)
    assert result.chunks is not None, f"{name} returned a numpy-backed result"
    eager = CASES[name]({k: v.compute() if hasattr(v, "compute") else v for k, v in data.items()})
    np.testing.assert_allclose(result.compute().values, eager.values, rtol=1e-12, equal_nan=True)
