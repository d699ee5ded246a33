"""aggregate_cells: cell data to county x year, pandas and dask, against an independent groupby."""

from __future__ import annotations

import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import FormulaError, RowsDroppedWarning, WeightsError
from countyeconomy.panel import LazyCellAggregate, aggregate_cells


def cells() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 4000
    df = pd.DataFrame(
        {
            "county": rng.integers(0, 40, n),
            "year": rng.integers(2015, 2020, n),
            "lights": rng.gamma(2.0, 1.0, n),
            "co2": rng.normal(10, 2, n),
            "area": rng.uniform(0.5, 1.5, n),
        }
    )
    df.loc[rng.random(n) < 0.2, "lights"] = np.nan
    df.loc[:30, "co2"] = np.nan
    return df


def expected(df: pd.DataFrame, how: str, weights: bool) -> pd.DataFrame:
    rows = []
    for (c, y), g in df.groupby(["county", "year"]):
        w = g["area"] if weights else pd.Series(1.0, index=g.index)
        rec = {"county": c, "year": y, "n_cells": len(g)}
        for v in ("lights", "co2"):
            ok = g[v].notna()
            s = float((w[ok] * g[v][ok]).sum())
            rec[v] = (s / w[ok].sum() if how == "mean" else s) if ok.any() else np.nan
            rec[f"{v}_coverage"] = w[ok].sum() / w.sum()
        rows.append(rec)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("how", ["mean", "sum"])
@pytest.mark.parametrize("weights", [False, True])
def test_pandas_and_dask_match_groupby(how: str, weights: bool) -> None:
    df = cells()
    exp = expected(df, how, weights)
    w = "area" if weights else None
    eager = aggregate_cells(df, ["lights", "co2"], how=how, weights=w)
    lazy = aggregate_cells(dd.from_pandas(df, npartitions=3), ["lights", "co2"], how=how, weights=w)
    assert isinstance(eager, ce.Panel) and isinstance(lazy, LazyCellAggregate)
    for got in (eager.frame, lazy.compute().frame):
        for col in exp.columns:
            np.testing.assert_allclose(
                got[col].to_numpy(float), exp[col].to_numpy(float), rtol=1e-12, equal_nan=True
            )


def test_errors_and_dropped_keys() -> None:
    df = cells()
    with pytest.raises(FormulaError, match="'ndvi'"):
        aggregate_cells(df, ["ndvi"])
    bad = df.assign(area=df["area"].where(df.index != 5, -1.0))
    with pytest.raises(WeightsError, match="'area'"):
        aggregate_cells(bad, ["lights"], weights="area")
    with pytest.raises(FormulaError, match="'label'"):
        aggregate_cells(df.assign(label="a"), ["label"])
    keyless = df.astype({"county": float})
    keyless.loc[:9, "county"] = np.nan
    with pytest.warns(RowsDroppedWarning, match="dropped 10 of 4000"):
        out = aggregate_cells(dd.from_pandas(keyless, npartitions=2), ["co2"]).compute()
    assert out.frame["n_cells"].sum() == 3990
