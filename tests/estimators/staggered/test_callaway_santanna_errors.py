"""att_gt: bad input raises CountyEconomyError subclasses or warns, naming the problem."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from countyeconomy.datasets import simulate_staggered_panel
from countyeconomy.errors import (
    CountyEconomyError,
    CountyEconomyWarning,
    FormulaError,
    IdentificationError,
    InvalidOptionError,
    PanelStructureError,
    RowsDroppedWarning,
    TreatmentTimingError,
    WeightsError,
)
from countyeconomy.estimators.staggered.att_gt import ATTgtResult, att_gt
from countyeconomy.inference import HC1, Cluster


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    sim = simulate_staggered_panel(
        seed=2,
        n_counties=120,
        years=range(2012, 2019),
        cohorts=(2014, 2016),
        cohort_shares=(0.3, 0.3),
    )
    return sim.panel.to_frame()


def fit(data: pd.DataFrame, **kw: Any) -> ATTgtResult:
    return att_gt(data, "log_rural_income", "first_treated", county="county", year="year", **kw)


def test_no_never_treated_names_the_fix(df: pd.DataFrame) -> None:
    d = df.loc[df["first_treated"] != 0]
    with pytest.raises(IdentificationError, match="not_yet_treated"):
        fit(d)
    with pytest.warns(CountyEconomyWarning, match="could not be estimated"):
        res = fit(d, control="not_yet_treated")  # works; cells without comparisons are skipped
    assert len(res.params) > 0


def test_single_unit_cohort_warns_with_count(df: pd.DataFrame) -> None:
    d = df.copy()
    one = d["county"].unique()[[0]]
    d.loc[d["county"].isin(one), "first_treated"] = 2017
    with pytest.warns(CountyEconomyWarning, match=r"1 cohort\(s\) have a single county \(2017\)"):
        fit(d)


def test_switching_cohort_is_a_timing_error(df: pd.DataFrame) -> None:
    d = df.copy()
    first = d.index[(d["first_treated"] == 2014)][0]
    d.loc[first, "first_treated"] = 0
    with pytest.raises(TreatmentTimingError, match="changes within 1 county"):
        fit(d)


def test_time_varying_covariate_warns_naming_base_period(df: pd.DataFrame) -> None:
    with pytest.warns(CountyEconomyWarning, match="base \\(earlier\\) year"):
        fit(df, covariates=["log_gdp_pc"], method="reg")


def test_first_period_treated_dropped_and_counted(df: pd.DataFrame) -> None:
    d = df.copy()
    units = d["county"].unique()[:3]
    d.loc[d["county"].isin(units), "first_treated"] = 2012
    with pytest.warns(RowsDroppedWarning, match="3 counties already treated"):
        res = fit(d)
    assert res.info.dropped_counties["already treated in the first year"] == 3
    assert res.info.dropped["already treated in the first year"] == 3 * 7  # rows
    assert res.info.n_units == 117
    assert res.info.nobs + 21 == res.info.nobs_input == len(d)


def test_missing_outcome_rows_dropped_and_counted(df: pd.DataFrame) -> None:
    d = df.copy()
    d.loc[d.index[:5], "log_rural_income"] = np.nan
    with pytest.warns(RowsDroppedWarning, match="5 rows"):
        res = fit(d)
    assert res.info.nobs == len(d) - 5
    assert res.info.dropped == {"missing: log_rural_income": 5}
    assert not res.info.balanced


@pytest.mark.parametrize(
    ("kw", "err"),
    [
        ({"control": "never"}, InvalidOptionError),
        ({"method": "ols"}, InvalidOptionError),
        ({"base_period": "fixed"}, InvalidOptionError),
        ({"anticipation": -1}, InvalidOptionError),
        ({"control": "last_treated"}, InvalidOptionError),
        ({"draws": 0}, InvalidOptionError),
        ({"draws": True}, InvalidOptionError),
        ({"distribution": "webb"}, InvalidOptionError),
        ({"seed": -1}, InvalidOptionError),
        ({"covariates": ["nope"]}, FormulaError),
        ({"vcov": "nope"}, FormulaError),
        ({"vcov": "iid"}, InvalidOptionError),
        ({"vcov": HC1()}, InvalidOptionError),
        ({"vcov": Cluster("county", "year")}, InvalidOptionError),
    ],
)
def test_bad_options(df: pd.DataFrame, kw: dict[str, object], err: type) -> None:
    with pytest.raises(err):
        fit(df, **kw)
    assert issubclass(err, CountyEconomyError)


def test_bad_weights_and_keys(df: pd.DataFrame) -> None:
    d = df.assign(w=-1.0)
    with pytest.raises(WeightsError):
        fit(d, weights="w")
    with pytest.raises(PanelStructureError, match=r"county=\.\.\."):  # keys not named county/year
        att_gt(df.rename(columns={"county": "code"}), "log_rural_income", "first_treated")
    with pytest.raises(TreatmentTimingError, match="missing"):
        fit(df.assign(first_treated=np.where(df.index == 0, np.nan, df["first_treated"])))
    with pytest.raises(PanelStructureError, match="constant within county"):
        fit(df.assign(w=np.arange(len(df), dtype=float) + 1), weights="w")


def test_cohort_after_last_year_counts_as_never_treated(df: pd.DataFrame) -> None:
    d = df.copy()
    units = d.loc[d["first_treated"] > 0, "county"].unique()[:2]
    d.loc[d["county"].isin(units), "first_treated"] = 2030
    with pytest.warns(CountyEconomyWarning, match="2 counties adopt after the last year"):
        res = fit(d)
    assert (
        res.info.cohort_sizes[0]
        == int((df.groupby("county")["first_treated"].first() == 0).sum()) + 2
    )
