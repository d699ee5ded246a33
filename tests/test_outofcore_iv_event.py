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


@pytest.mark.parametrize("bin_endpoints", [True, False])
def test_event_study_matches_in_memory(bin_endpoints: bool) -> None:
    from countyeconomy.estimators.staggered.event_study import event_study

    df = cells(11, unbalanced=True)
    df["first_treated"] = np.where(df["county"] % 5 == 4, 0, 2012 + df["county"] % 5)
    df.loc[df.index[::31], "x"] = np.nan
    kw = dict(
        covariates=["x"],
        window=(-2, 3),
        bin_endpoints=bin_endpoints,
        absorb="cell + year",
        vcov=Cluster("county"),
        county="cell",
        year="year",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mem = event_study(df, "y", "first_treated", **kw)
        ooc = event_study(as_dask(df), "y", "first_treated", **kw)
    assert ooc.event_times == mem.event_times
    np.testing.assert_allclose(ooc.params.to_numpy(), mem.params.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(ooc.std_errors.to_numpy(), mem.std_errors.to_numpy(), rtol=1e-8)
    assert dict(ooc.info.dropped) == dict(mem.info.dropped)
    assert ooc.info.nobs == mem.info.nobs and ooc.info.nobs_input == mem.info.nobs_input
    assert dict(ooc.info.cohort_sizes) == dict(mem.info.cohort_sizes)
    assert ooc.info.n_counties == mem.info.n_counties
    np.testing.assert_allclose(ooc.pretrend.statistic, mem.pretrend.statistic, rtol=1e-8)
    back = ooc.with_vcov("iid")
    np.testing.assert_allclose(
        back.std_errors.to_numpy(), mem.with_vcov("iid").std_errors.to_numpy(), rtol=1e-8
    )
