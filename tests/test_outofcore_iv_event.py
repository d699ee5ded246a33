"""Out-of-core iv and event_study against the in-memory fits on the same data."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import countyeconomy as ce
from countyeconomy.errors import RowsDroppedWarning
from countyeconomy.inference import Cluster
from tests.test_outofcore_twfe import as_dask, assert_same, cells


def iv_data(seed: int = 0):
    df = cells(seed, unbalanced=True)
    rng = np.random.default_rng(seed + 10)
    u = rng.normal(size=len(df))
    df["z1"] = rng.normal(size=len(df))
    df["z2"] = rng.normal(size=len(df))
    df["d"] = 0.8 * df["z1"] - 0.4 * df["z2"] + u + rng.normal(size=len(df))
    df["y"] = df["y"] + 0.7 * df["d"] + u
    df.loc[df.index[::29], "z2"] = np.nan
    return df


@pytest.mark.parametrize(
    ("formula", "kw"),
    [
        ("y ~ x | cell + year | d ~ z1 + z2", {"vcov": Cluster("county")}),
        ("y ~ x | cell + year | d ~ z1 + z2", {"vcov": "hc1", "weights": "area"}),
        ("y ~ policy | cell + year + province^year | d ~ z1", {"vcov": Cluster("county", "year")}),
    ],
)
def test_iv_matches_in_memory(formula: str, kw: dict) -> None:
    df = iv_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RowsDroppedWarning)
        mem = ce.iv(df, formula, county="cell", year="year", **kw)
        ooc = ce.iv(as_dask(df), formula, county="cell", year="year", **kw)
    assert type(ooc).__mro__[1] is type(mem)
    assert_same(mem, ooc)
    a, b = mem.first_stage.table, ooc.first_stage.table
    assert list(a["endogenous"]) == list(b["endogenous"])
    for col in ("partial_r2", "f_stat", "p_value", "f_iid"):
        np.testing.assert_allclose(b[col].to_numpy(), a[col].to_numpy(), rtol=1e-8)
    assert ooc.first_stage.n_instruments == mem.first_stage.n_instruments
