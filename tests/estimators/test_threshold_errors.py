"""Bad input to panel_threshold gets a clear CountyEconomyError naming what is wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import (
    FormulaError,
    IdentificationError,
    InvalidOptionError,
    PanelStructureError,
    RowsDroppedWarning,
)
from countyeconomy.estimators.threshold import ThresholdResult, panel_threshold
from tests.estimators._threshold_sim import threshold_panel

KEYS = {"county": "county", "year": "year"}


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    return threshold_panel(31, n_units=40, n_years=5)


def _fit(data: pd.DataFrame, formula: str = "y ~ z", **kw: object) -> ThresholdResult:
    opts: dict[str, object] = {
        "threshold": "q",
        "regime_dependent": "x",
        "draws": 0,
        "grid": 20,
    }
    opts.update(kw)
    return panel_threshold(data, formula, **KEYS, **opts)  # type: ignore[arg-type]


def test_unbalanced_panel_raises_unless_balance(df: pd.DataFrame) -> None:
    gappy = df.drop(index=[3, 17, 18]).reset_index(drop=True)  # counties 0 and 3 lose years
    with pytest.raises(PanelStructureError, match=r"balanced panel.*2 of 40 counties"):
        _fit(gappy)
    with pytest.warns(RowsDroppedWarning, match="dropped 2 counties"):
        res = _fit(gappy, balance=True)
    assert res.info.dropped["unbalanced counties"] == 7  # rows left in counties 0 and 3
    assert res.info.dropped_counties == (0, 3)
    assert res.info.nobs == 38 * 5


def test_missing_values_unbalance_the_panel(df: pd.DataFrame) -> None:
    holes = df.assign(q=df["q"].where(df.index != 7))
    with pytest.raises(PanelStructureError, match="'q'"), pytest.warns(RowsDroppedWarning):
        _fit(holes)


def test_too_few_distinct_threshold_values(df: pd.DataFrame) -> None:
    binary = df.assign(q=(df["q"] > 0.5).astype(float))
    with pytest.raises(IdentificationError, match=r"'q' has 2 distinct value\(s\); with trim=0.01"):
        _fit(binary)


def test_threshold_without_variation(df: pd.DataFrame) -> None:
    with pytest.raises(IdentificationError, match="threshold variable 'q' has no variation"):
        _fit(df.assign(q=1.0))


def test_regime_variable_without_variation(df: pd.DataFrame) -> None:
    with pytest.raises(IdentificationError, match="'x' has no variation within counties"):
        _fit(df.assign(x=df["county"] * 1.0))


def test_missing_column_is_named(df: pd.DataFrame) -> None:
    with pytest.raises(ce.CountyEconomyError, match="not_there"):
        _fit(df, threshold="not_there")
    with pytest.raises(ce.CountyEconomyError, match="not_there"):
        _fit(df, "not_there ~ z")


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"n_thresholds": 4}, "n_thresholds=4"),
        ({"trim": 0.6}, "trim=0.6"),
        ({"trim": (0.01, 0.01)}, "one per threshold"),
        ({"draws": -1}, "draws=-1"),
        ({"level": 95}, "level=95"),
        ({"regime_dependent": []}, "at least one"),
        ({"grid": 1}, "grid=1"),
    ],
)
def test_bad_options(df: pd.DataFrame, kw: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        _fit(df, **kw)


def test_regime_variable_in_formula(df: pd.DataFrame) -> None:
    with pytest.raises(FormulaError, match="also appear"):
        _fit(df, "y ~ z + x")


def test_other_fixed_effects_rejected(df: pd.DataFrame) -> None:
    with pytest.raises(FormulaError, match="county effects"):
        _fit(df.assign(p=df["county"] % 3), "y ~ z | p")


def test_needs_panel_keys(df: pd.DataFrame) -> None:
    keyless = df.rename(columns={"county": "unit", "year": "t"})
    with pytest.raises(PanelStructureError, match="county= and year="):
        panel_threshold(keyless, "y ~ z", threshold="q", regime_dependent="x", draws=0)


def test_keys_named_county_and_year_are_used(df: pd.DataFrame) -> None:
    res = panel_threshold(df, "y ~ z", threshold="q", regime_dependent="x", draws=0, grid=20)
    assert res.info.n_counties == 40


def test_explicit_grid_is_used(df: pd.DataFrame) -> None:
    res = _fit(df, grid=np.linspace(0.2, 0.8, 13))
    assert len(res.info.grid) == 13 and res.thresholds[0] in set(res.info.grid.tolist())
