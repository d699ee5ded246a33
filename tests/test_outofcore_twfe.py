"""Out-of-core twfe (dask DataFrame, Parquet path) against the in-memory fit on the same data."""

from __future__ import annotations

import pickle
import warnings

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import (
    FormulaError,
    IdentificationError,
    InvalidOptionError,
    RowsDroppedWarning,
    WeightsError,
)
from countyeconomy.inference import Cluster, DriscollKraay

COEF_TOL, SE_TOL = 1e-10, 1e-8


def cells(
    seed: int = 0, n_cells: int = 480, years: int = 8, unbalanced: bool = False
) -> pd.DataFrame:
    """Grid cells nested in counties nested in provinces, a staggered county policy."""
    rng = np.random.default_rng(seed)
    cell = np.repeat(np.arange(n_cells), years)
    year = np.tile(np.arange(2010, 2010 + years), n_cells)
    county = cell // 8
    df = pd.DataFrame({"cell": cell, "year": year, "county": county, "province": county // 10})
    adopt = 2012 + county % 5
    df["policy"] = (year >= adopt).astype(float)
    df["x"] = rng.normal(size=len(df)) + 0.05 * (year - 2010)
    df["area"] = rng.uniform(0.5, 2.0, size=len(df))
    df["y"] = (
        0.3 * df["policy"]
        + 0.5 * df["x"]
        + 0.01 * cell
        + 0.2 * (year - 2010)
        + rng.normal(size=len(df))
    )
    if unbalanced:
        df = df.sample(frac=0.85, random_state=seed).sort_values(["cell", "year"])
        df = df.reset_index(drop=True)
    return df


def as_dask(df: pd.DataFrame, n: int = 4) -> dd.DataFrame:
    # contiguous cells per partition: the cell effect is local
    return dd.from_pandas(df, npartitions=n, sort=False)


def fit_both(df: pd.DataFrame, formula: str, ddf: object = None, **kw: object):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RowsDroppedWarning)
        mem = ce.twfe(df, formula, county="cell", year="year", **kw)
        ooc = ce.twfe(
            as_dask(df) if ddf is None else ddf, formula, county="cell", year="year", **kw
        )
    return mem, ooc


def assert_same(mem: object, ooc: object) -> None:
    assert list(mem.params.index) == list(ooc.params.index)
    np.testing.assert_allclose(ooc.params.to_numpy(), mem.params.to_numpy(), rtol=0, atol=COEF_TOL)
    np.testing.assert_allclose(ooc.std_errors.to_numpy(), mem.std_errors.to_numpy(), rtol=SE_TOL)
    assert ooc.info.nobs == mem.info.nobs
    assert ooc.info.nobs_input == mem.info.nobs_input
    assert dict(ooc.info.dropped) == dict(mem.info.dropped)
    assert dict(ooc.info.clusters) == dict(mem.info.clusters)
    assert dict(ooc.info.fixed_effects) == dict(mem.info.fixed_effects)
    assert ooc.info.df_t == mem.info.df_t
    assert ooc.info.r2 == pytest.approx(mem.info.r2, rel=1e-9)
    assert ooc.info.within_r2 == pytest.approx(mem.info.within_r2, rel=1e-9)


@pytest.mark.parametrize(
    ("formula", "vcov"),
    [
        ("y ~ policy + x | cell", Cluster("county")),
        ("y ~ policy + x | cell + year", Cluster("county")),
        ("y ~ policy + x | cell + year", Cluster("county", "year")),
        ("y ~ policy + x | cell + year", "iid"),
        ("y ~ policy + x | cell + year", "hc1"),
        ("y ~ policy + x | cell + year + province^year", Cluster("county")),
        ("y ~ policy + x | year + cell", DriscollKraay(lags=1)),
    ],
)
def test_balanced_effects_and_covariances(formula: str, vcov: object) -> None:
    assert_same(*fit_both(cells(), formula, vcov=vcov))


def test_weights_unbalanced_and_conventions() -> None:
    df = cells(1, unbalanced=True)
    for ssc in ("fixest", "linearmodels", "xtreg", "none"):
        vcov = Cluster("cell") if ssc == "xtreg" else Cluster("county")
        assert_same(
            *fit_both(df, "y ~ policy + x | cell + year", weights="area", vcov=vcov, ssc=ssc)
        )
    mem, ooc = fit_both(
        df, "y ~ policy + x | cell + year", vcov=Cluster("county", "year", df="conventional")
    )
    assert_same(mem, ooc)


def test_missing_values_nonfinite_and_singletons_are_counted() -> None:
    df = cells(2, unbalanced=True)
    df.loc[df.index[::17], "x"] = np.nan
    df.loc[df.index[5::41], "y"] = np.inf
    df.loc[df.index[3::53], "county"] = np.nan
    keep_one = df.groupby("cell").head(1).index[:7]  # cells with one row: singletons
    df = pd.concat([df[df["cell"] >= 7], df.loc[keep_one]]).sort_values(["cell", "year"])
    df = df.reset_index(drop=True)
    with pytest.warns(RowsDroppedWarning, match="singletons"):
        ooc = ce.twfe(as_dask(df), "y ~ policy + x | cell + year", county="cell", year="year")
    mem, ooc = fit_both(df, "y ~ policy + x | cell + year")
    assert ooc.info.dropped["singletons"] > 0
    assert (
        "missing 'x'" in ooc.info.dropped and "non-finite after transformation" in ooc.info.dropped
    )
    assert_same(mem, ooc)


def test_parquet_path_and_rows_spread_over_partitions(tmp_path: object) -> None:
    df = cells(3, unbalanced=True)
    shuffled = df.sample(frac=1.0, random_state=0).reset_index(drop=True)
    path = f"{tmp_path}/cells"
    dd.from_pandas(shuffled, npartitions=3).to_parquet(path)
    mem, ooc = fit_both(df, "y ~ policy + x | cell + year", ddf=f"{path}/*.parquet")
    assert_same(mem, ooc)
    assert ooc.info.passes >= 3  # a shuffle by cell, then the moments pass again


def test_with_vcov_and_pickle() -> None:
    mem, ooc = fit_both(cells(4), "y ~ policy + x | cell + year", vcov=Cluster("county", "year"))
    for vcov in ("iid", Cluster("county"), Cluster("year"), DriscollKraay(lags=2)):
        a, b = mem.with_vcov(vcov), ooc.with_vcov(vcov)
        np.testing.assert_allclose(b.std_errors.to_numpy(), a.std_errors.to_numpy(), rtol=SE_TOL)
        assert dict(a.info.clusters) == dict(b.info.clusters)
    with pytest.raises(InvalidOptionError, match="hc1"):
        ooc.with_vcov("hc1")
    with pytest.raises(InvalidOptionError, match="province"):
        ooc.with_vcov(Cluster("province"))
    back = pickle.loads(pickle.dumps(ooc))
    assert isinstance(back, ce.estimators.twfe.TWFEResult)
    np.testing.assert_array_equal(back.params.to_numpy(), ooc.params.to_numpy())
    assert "Fixed-effects OLS" in back.summary().as_text()


def test_errors_name_the_column() -> None:
    ddf = as_dask(cells(5))
    with pytest.raises(FormulaError, match="'nope'"):
        ce.twfe(ddf, "y ~ nope | cell + year")
    with pytest.raises(FormulaError, match="'district'"):
        ce.twfe(ddf, "y ~ x | cell + year", vcov=Cluster("district"))
    with pytest.raises(IdentificationError, match="'province'"):
        ce.twfe(ddf, "y ~ x + province | cell + year")
    bad = cells(5)
    bad.loc[3, "area"] = -1.0
    with pytest.raises(WeightsError, match="'area'"):
        ce.twfe(as_dask(bad), "y ~ x | cell + year", weights="area")
    with pytest.raises(FormulaError, match="absorbed effects"):
        ce.twfe(ddf, "y ~ x")
    with pytest.raises(FormulaError, match="no Parquet dataset"):
        ce.twfe("/nonexistent/cells/*.parquet", "y ~ x | cell + year")
