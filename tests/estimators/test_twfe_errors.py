"""Bad input gets a CountyEconomyError subclass with a message naming what is wrong; dropped rows
are counted and announced."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import (
    CountyEconomyError,
    FormulaError,
    IdentificationError,
    InvalidOptionError,
    PanelStructureError,
    RowsDroppedWarning,
    WeightsError,
)
from tests.estimators._sim import unbalanced_panel


@pytest.fixture
def df() -> pd.DataFrame:
    return unbalanced_panel(7, n_units=60, n_years=6)


def fit(df: pd.DataFrame, formula: str, **kw: object) -> ce.estimators.TWFEResult:
    return ce.twfe(df, formula, county="county", year="year", **kw)  # type: ignore[arg-type]


def test_duplicate_keys(df: pd.DataFrame) -> None:
    dup = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(PanelStructureError, match="share a \\(county, year\\) key"):
        fit(dup, "y ~ x1 | county + year")


def test_unknown_column_lists_columns(df: pd.DataFrame) -> None:
    with pytest.raises(FormulaError, match=r"unknown column 'x9'.*the data has columns"):
        fit(df, "y ~ x1 + x9 | county + year")
    with pytest.raises(FormulaError, match="unknown column 'prefecture'"):
        fit(df, "y ~ x1 | county + prefecture")


def test_syntax_error_marks_position(df: pd.DataFrame) -> None:
    with pytest.raises(FormulaError, match=r"position 12: a parenthesis is not closed") as err:
        fit(df, "y ~ x1 + (x2")
    assert "\n  y ~ x1 + (x2\n" in str(err.value) and str(err.value).endswith("^")


def test_all_missing_outcome(df: pd.DataFrame) -> None:
    with pytest.raises(IdentificationError, match="outcome 'y' is missing in every row"):
        fit(df.assign(y=np.nan), "y ~ x1 | county + year")


def test_regressor_absorbed_by_fixed_effects(df: pd.DataFrame) -> None:
    df = df.assign(prov_const=df["province"] * 1.5)
    with pytest.raises(IdentificationError, match=r"prov_const.*no variation left after absorbing"):
        fit(df, "y ~ x1 + prov_const | county + year")


def test_cluster_with_one_level(df: pd.DataFrame) -> None:
    with pytest.raises(IdentificationError, match="'one' has a single level"):
        fit(df.assign(one=1), "y ~ x1 | county + year", vcov=ce.Cluster("one"))


@pytest.mark.parametrize("bad", [-1.0, np.nan])
def test_negative_or_missing_weights(df: pd.DataFrame, bad: float) -> None:
    w = df["w"].copy()
    w.iloc[3] = bad
    with pytest.raises(WeightsError, match="weights column 'w' has 1 missing, negative"):
        fit(df.assign(w=w), "y ~ x1 | county + year", weights="w")


def test_unknown_vcov_lists_valid_names(df: pd.DataFrame) -> None:
    # any string other than "iid"/"hc1" names a cluster column: a missing one is named
    with pytest.raises(CountyEconomyError, match="'clustered'"):
        fit(df, "y ~ x1 | county + year", vcov="clustered")
    with pytest.raises(InvalidOptionError, match="'iid', 'hc1'"):
        fit(df, "y ~ x1 | county + year", vcov=3)
    with pytest.raises(
        InvalidOptionError, match="ssc='stata' is not valid; choose one of 'fixest'"
    ):
        fit(df, "y ~ x1 | county + year", ssc="stata")


def test_missing_rows_counted_and_announced(df: pd.DataFrame) -> None:
    df = df.copy()
    df.loc[df.index[:5], "x1"] = np.nan
    df.loc[df.index[5:8], "y"] = np.nan
    with pytest.warns(
        RowsDroppedWarning, match=r"dropped 8 of \d+ rows \(5 missing 'x1'; 3 missing 'y'"
    ):
        res = fit(df, "y ~ x1 | county + year")
    assert res.info.dropped["missing 'x1'"] == 5 and res.info.dropped["missing 'y'"] == 3
    assert res.info.nobs == len(df) - 8 - res.info.singletons


def test_singletons_dropped_and_counted() -> None:
    df = pd.DataFrame(
        {
            "county": [1, 1, 2, 2, 3, 4, 4, 4],
            "year": [1, 2, 1, 2, 1, 1, 2, 3],
            "x": np.arange(8.0) ** 2,
        }
    )
    df["y"] = df["x"] * 2 + np.sin(np.arange(8))
    with pytest.warns(RowsDroppedWarning, match="singletons"):
        res = ce.twfe(df, "y ~ x | county + year", county="county", year="year", vcov="iid")
    # county 3 has one row; once dropped, year 3 (only county 4) becomes a singleton too
    assert res.info.singletons == 2 and res.info.nobs == 6


def test_collinear_regressor_named(df: pd.DataFrame) -> None:
    with pytest.warns(
        ce.errors.CountyEconomyWarning, match="collinear regressor\\(s\\) dropped: \\['x3'\\]"
    ):
        res = fit(df.assign(x3=2 * df["x1"] - df["x2"]), "y ~ x1 + x2 + x3 | county + year")
    assert res.info.collinear == ("x3",) and list(res.params.index) == ["x1", "x2"]


def test_with_vcov_returns_new_result(df: pd.DataFrame) -> None:
    res = fit(df, "y ~ x1 | county + year")
    se = res.std_errors.copy()
    other = res.with_vcov("hc1")
    pd.testing.assert_series_equal(res.std_errors, se)
    assert other is not res and other.info.vcov == "hc1" and res.info.vcov == "cluster (county)"
    with pytest.raises(AttributeError):
        res.info = other.info  # type: ignore[misc]


def test_result_protocol(df: pd.DataFrame) -> None:
    res = fit(df, "y ~ x1 + x2 | county + year")
    frame = res.to_frame()
    assert list(frame.columns) == list(ce.estimators.COLUMNS)
    ci = res.conf_int(0.9)
    assert (ci["ci_low"] < res.params).all() and (res.params < ci["ci_high"]).all()
    s = res.summary()
    assert "x1" in s.as_text() and "<table" in s.as_html() and "tabular" in s.as_latex()
    assert res._repr_html_().startswith("<h4>")
    assert res.info.clusters == {"county": 60}
    assert 0 < res.info.within_r2 < res.info.r2 < 1
