"""One conformance suite over every estimator: the result protocol in ARCHITECTURE.md.

Each case is a callable fitting an estimator on a small panel. Every estimator must: leave the input
untouched, give identical numbers on a second call, return a frozen result whose ``to_frame()`` starts
with the documented columns, render ``summary()`` as text/HTML/LaTeX, and raise a
``CountyEconomyError`` naming a missing column."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from tests.estimators._sim import unbalanced_panel

Fit = Callable[[pd.DataFrame, str], Any]


def _staggered(df: pd.DataFrame) -> pd.DataFrame:
    """The shared small panel with a staggered 0/1 policy and its cohort (0 = never treated)."""
    first = {c: (2007 + c % 4 if c % 3 else 0) for c in df["county"].unique()}
    cohort = df["county"].map(first)
    treated = (cohort > 0) & (df["year"] >= cohort)
    return df.assign(g=cohort, d=treated.astype("int64"), y=df["y"] + 0.3 * treated)


def _balanced(df: pd.DataFrame) -> pd.DataFrame:
    """Counties observed in every year (dCDH needs a balanced panel)."""
    full = df.groupby("county")["year"].transform("size") == df["year"].nunique()
    return df.loc[full]


CASES: dict[str, Fit] = {
    "twfe": lambda df, y: ce.twfe(
        df, f"{y} ~ x1 + x2 | county + year", county="county", year="year"
    ),
    "twfe_hc1": lambda df, y: ce.twfe(
        df, f"{y} ~ x1 | county", county="county", year="year", vcov="hc1"
    ),
    "iv": lambda df, y: ce.iv(
        df, f"{y} ~ x2 | county + year | x1 ~ w", county="county", year="year"
    ),
    "event_study": lambda df, y: ce.event_study(
        _staggered(df), y, "g", window=(-3, 3), county="county", year="year"
    ),
    "sun_abraham": lambda df, y: ce.sun_abraham(
        _staggered(df), y, "g", county="county", year="year"
    ),
    "imputation_did": lambda df, y: ce.imputation_did(
        _staggered(df), y, "g", county="county", year="year"
    ),
    "att_gt": lambda df, y: ce.att_gt(_staggered(df), y, "g", county="county", year="year"),
    "att_gt_dynamic": lambda df, y: ce.att_gt(
        _staggered(df), y, "g", county="county", year="year"
    ).aggregate("dynamic"),
    "panel_threshold": lambda df, y: ce.panel_threshold(
        df,
        f"{y} ~ x2",
        threshold="x1",
        regime_dependent="w",
        county="county",
        year="year",
        balance=True,
        bootstrap=20,
        seed=1,
    ),
    "mechanism": lambda df, y: ce.mechanism(
        df, "x1", "x2", y, county="county", year="year", theory="x2 raises y (cited)"
    ),
    "moderation": lambda df, y: ce.moderation(df, "x1", "x2", y, county="county", year="year"),
    "heterogeneity": lambda df, y: ce.heterogeneity(
        (
            df.assign(half=(df["county"] % 2).map({0: "even", 1: "odd"})),
            f"{y} ~ x1 | county + year",
        ),
        "half",
        test="seemingly_unrelated",
        county="county",
        year="year",
    ),
    "did_multiplegt": lambda df, y: ce.did_multiplegt(
        _balanced(_staggered(df)), y, "d", effects=2, county="county", year="year"
    ),
}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return unbalanced_panel(21, n_units=80, n_years=8)


@pytest.mark.parametrize("name", sorted(CASES))
def test_protocol(name: str, data: pd.DataFrame) -> None:
    fit = CASES[name]
    before = data.copy(deep=True)
    res = fit(data, "y")
    pd.testing.assert_frame_equal(data, before)
    again = fit(data, "y")
    np.testing.assert_array_equal(res.params.to_numpy(), again.params.to_numpy())
    np.testing.assert_array_equal(res.std_errors.to_numpy(), again.std_errors.to_numpy())
    frame = res.to_frame()
    assert list(frame.columns[: len(ce.estimators.COLUMNS)]) == list(ce.estimators.COLUMNS)
    ci = res.conf_int(0.95)
    assert np.all(ci["ci_low"].to_numpy() <= ci["ci_high"].to_numpy())
    summary = res.summary()
    assert summary.as_text() and "<table" in summary.as_html() and summary.as_latex()
    assert res._repr_html_()
    assert res.info.nobs > 0
    assert dataclasses.is_dataclass(res)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.info = None
    chart = res.plot()
    assert "$schema" in chart.to_dict()


@pytest.mark.parametrize("name", sorted(CASES))
def test_missing_column_is_named(name: str, data: pd.DataFrame) -> None:
    with pytest.raises(ce.CountyEconomyError, match="not_there"):
        CASES[name](data, "not_there")
