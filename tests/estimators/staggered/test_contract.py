"""The result contract and the no-silent-wrong-numbers rules across the staggered estimators
(event_study, sun_abraham, imputation_did, did_multiplegt, bacon_decomposition): FitInfo,
deep immutability, pickling, one pre-trend attribute, vcov= vocabulary, non-finite rows dropped
and counted, rank-checked Wald tests."""

from __future__ import annotations

import math
import pickle
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import InvalidOptionError, RowsDroppedWarning, TreatmentTimingError
from countyeconomy.estimators.staggered import WaldTest, WaldTestWarning
from countyeconomy.estimators.staggered._wald import wald_test
from countyeconomy.results import CoefResult, FitInfo
from tests.estimators.staggered._data import sim

Y, G, D = "log_rural_income", "first_treated", "policy"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return sim(seed=5, n=120).panel.to_frame()


def _fit(df: pd.DataFrame, name: str) -> Any:
    kw = {"county": "county", "year": "year"}
    if name == "event_study":
        return ce.event_study(df, Y, G, window=(-3, 3), **kw)
    if name == "sun_abraham":
        return ce.sun_abraham(df, Y, G, **kw)
    if name == "imputation_did":
        return ce.imputation_did(df, Y, G, pretrends=2, **kw)
    if name == "did_multiplegt":
        return ce.did_multiplegt(df, Y, D, effects=2, placebo=2, **kw)
    if name == "bacon_decomposition":
        return ce.bacon_decomposition(df, Y, D, **kw)
    if name == "compare_event_studies":
        return ce.compare_event_studies(
            df, Y, G, estimators=("event_study", "sun_abraham"), window=(-2, 2), **kw
        )
    raise AssertionError(name)


NAMES = (
    "event_study",
    "sun_abraham",
    "imputation_did",
    "did_multiplegt",
    "bacon_decomposition",
    "compare_event_studies",
)
EVENT_TIME = ("event_study", "sun_abraham", "imputation_did", "did_multiplegt")


@pytest.mark.parametrize("name", NAMES)
def test_fit_info_and_pickle_round_trip(frame: pd.DataFrame, name: str) -> None:
    res = _fit(frame, name)
    assert isinstance(res.info, FitInfo) and res.info.method == name
    back = pickle.loads(pickle.dumps(res))
    assert back == res and back.info == res.info
    pd.testing.assert_frame_equal(back.to_frame(), res.to_frame())
    if isinstance(res, CoefResult):
        np.testing.assert_array_equal(back.coefs.estimates, res.coefs.estimates)
        from countyeconomy.results import EstimateResult

        assert isinstance(res, EstimateResult)


@pytest.mark.parametrize("name", NAMES[:-1])
def test_arrays_and_mappings_refuse_writes(frame: pd.DataFrame, name: str) -> None:
    res = _fit(frame, name)
    with pytest.raises(ValueError):
        res.coefs.estimates[0] = 1.0
    with pytest.raises(ValueError):
        res.coefs.vcov[0, 0] = 1.0
    with pytest.raises(TypeError):
        res.info.dropped["x"] = 1
    with pytest.raises(TypeError):
        res.info.extra["x"] = 1
    before = res.params.copy()
    out = res.params
    out.iloc[0] = 99.0  # a copy: the result is unchanged
    pd.testing.assert_series_equal(res.params, before)
    table = res.to_frame()
    table.loc[0, "estimate"] = 99.0
    pd.testing.assert_series_equal(res.params, before)


@pytest.mark.parametrize("name", EVENT_TIME)
def test_every_event_time_result_has_pretrend(frame: pd.DataFrame, name: str) -> None:
    res = _fit(frame, name)
    assert isinstance(res.pretrend, WaldTest)
    assert math.isfinite(res.pretrend.statistic) and 0 <= res.pretrend.p_value <= 1
    assert res.pretrend.df == len(res.pretrend.terms)
    assert "Pre-trend test" in res.summary().as_text()
    assert all(t.startswith("event_time::-") for t in res.pretrend.terms)


def test_pretrend_not_requested_is_nan_with_reason(frame: pd.DataFrame) -> None:
    imp = ce.imputation_did(frame, Y, G, county="county", year="year")
    assert math.isnan(imp.pretrend.statistic) and "pretrends=" in imp.pretrend.note
    assert imp.pretrend_coefs.names == () and imp.event_frame()["event_time"].min() >= 0
    dc = ce.did_multiplegt(frame, Y, D, effects=1, county="county", year="year")
    assert math.isnan(dc.pretrend.p_value) and "placebo=" in dc.pretrend.note


def test_dcdh_terms_and_retired_placebo_test(frame: pd.DataFrame) -> None:
    res = _fit(frame, "did_multiplegt")
    assert list(res.params.index) == [
        "event_time::-3",
        "event_time::-2",
        "event_time::0",
        "event_time::1",
    ]
    assert res.event_times == (-3, -2, 0, 1)
    with pytest.warns(FutureWarning, match="pretrend"):
        old = res.placebo_test
    assert old == res.pretrend


def test_cluster_keyword_is_retired_for_vcov(frame: pd.DataFrame) -> None:
    new = ce.imputation_did(frame, Y, G, vcov="province", county="county", year="year")
    obj = ce.imputation_did(frame, Y, G, vcov=ce.Cluster("province"), county="county", year="year")
    with pytest.warns(FutureWarning, match=r"cluster=\.\.\.\) is renamed vcov"):
        old = ce.imputation_did(frame, Y, G, cluster="province", county="county", year="year")
    np.testing.assert_array_equal(new.std_errors, old.std_errors)
    np.testing.assert_array_equal(new.std_errors, obj.std_errors)
    assert new.info.clusters == {"province": frame["province"].nunique()}
    with pytest.warns(FutureWarning):
        d_old = ce.did_multiplegt(frame, Y, D, cluster="province", county="county", year="year")
    d_new = ce.did_multiplegt(frame, Y, D, vcov="province", county="county", year="year")
    np.testing.assert_array_equal(d_new.std_errors, d_old.std_errors)
    for fn in (ce.imputation_did, ce.did_multiplegt):
        col = G if fn is ce.imputation_did else D
        with pytest.raises(InvalidOptionError, match="cluster"):
            fn(frame, Y, col, vcov="hc1", county="county", year="year")  # type: ignore[operator]
        with pytest.raises(InvalidOptionError, match="both"):
            fn(frame, Y, col, vcov="county", cluster="county", county="county", year="year")  # type: ignore[operator]


def test_event_study_accepts_column_name_as_cluster(frame: pd.DataFrame) -> None:
    a = ce.event_study(frame, Y, G, window=(-2, 2), vcov="province", county="county", year="year")
    b = ce.event_study(
        frame, Y, G, window=(-2, 2), vcov=ce.Cluster("province"), county="county", year="year"
    )
    np.testing.assert_array_equal(a.std_errors, b.std_errors)


@pytest.mark.parametrize("name", NAMES[:-1])
def test_infinite_outcome_is_dropped_counted_and_announced(frame: pd.DataFrame, name: str) -> None:
    df = frame.copy()
    df.loc[[3, 40], Y] = [np.inf, -np.inf]
    county_rows = int(df["county"].isin(df.loc[[3, 40], "county"]).sum())
    with pytest.warns(RowsDroppedWarning, match=f"2 non-finite: {Y}"):
        res = _fit(df, name)
    assert res.info.dropped[f"non-finite: {Y}"] == 2
    assert any("non-finite" in w for w in res.info.warnings)
    assert np.isfinite(res.params.to_numpy()).all()
    if name in ("did_multiplegt", "bacon_decomposition"):  # whole counties (balanced panel)
        assert res.info.nobs == len(df) - county_rows
        clean = _fit(frame[~frame["county"].isin(df.loc[[3, 40], "county"])], name)
    else:
        clean = _fit(frame.drop(index=[3, 40]), name)
    np.testing.assert_allclose(res.params.to_numpy(), clean.params.to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("name", ("event_study", "sun_abraham", "imputation_did"))
def test_infinite_covariate_is_dropped_and_counted(frame: pd.DataFrame, name: str) -> None:
    df = frame.copy()
    df.loc[7, "log_gdp_pc"] = np.inf
    kw: dict[str, Any] = {"county": "county", "year": "year", "covariates": ["log_gdp_pc"]}
    fn: Callable[..., Any] = getattr(ce, name)
    with pytest.warns(RowsDroppedWarning, match="non-finite: log_gdp_pc"):
        res = fn(df, Y, G, **kw)
    assert res.info.dropped["non-finite: log_gdp_pc"] == 1
    assert np.isfinite(res.params.to_numpy()).all()


def test_imputation_singletons_are_counted(frame: pd.DataFrame) -> None:
    df = frame.copy()
    first_year = int(df["year"].min())
    c = df.loc[df[G] > 0, "county"].iloc[0]
    df.loc[df["county"] == c, G] = first_year + 1  # one untreated row: a singleton in the leads fit
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ce.panel.SmallCohortWarning)
        with pytest.warns(RowsDroppedWarning, match="singletons"):
            res = ce.imputation_did(df, Y, G, pretrends=2, county="county", year="year")
    assert res.info.dropped["singletons (pre-trend regression)"] == 1


def test_non_integer_cohort_is_an_error(frame: pd.DataFrame) -> None:
    df = frame.astype({G: float})
    df.loc[df[G] > 0, G] = df.loc[df[G] > 0, G] + 0.5
    for fn in (ce.event_study, ce.sun_abraham, ce.imputation_did):
        with pytest.raises(TreatmentTimingError, match="whole numbers"):
            fn(df, Y, G, county="county", year="year")
    with pytest.raises(TreatmentTimingError, match="whole numbers"):
        ce.compare_event_studies(
            df, Y, G, estimators=("did_multiplegt",), county="county", year="year"
        )


# ------------------------------------------------------------------ Wald test rank check


def test_wald_full_rank_matches_closed_form() -> None:
    b = np.array([0.3, -0.2])
    v = np.array([[0.04, 0.01], [0.01, 0.09]])
    t = wald_test(["a", "b"], b, v, None)
    assert t.df == 2 and t.note == ""
    np.testing.assert_allclose(t.statistic, b @ np.linalg.solve(v, b), rtol=1e-12)
    f = wald_test(["a", "b"], b, v, 50)
    np.testing.assert_allclose(f.statistic, t.statistic / 2, rtol=1e-12)


def test_wald_rank_deficient_uses_rank_as_df() -> None:
    # two identical coefficients: covariance of rank 1, statistic on 1 df (not astronomically large)
    b = np.array([0.5, 0.5, 0.1])
    v = np.array([[0.04, 0.04, 0.0], [0.04, 0.04, 0.0], [0.0, 0.0, 0.01]])
    v[0, 0] += 1e-18  # round-off that a plain inverse would blow up
    with pytest.warns(WaldTestWarning, match="rank 2"):
        t = wald_test(["a", "b", "c"], b, v, None)
    assert t.df == 2 and "rank 2" in t.note
    np.testing.assert_allclose(t.statistic, 0.5**2 / 0.04 + 0.1**2 / 0.01, rtol=1e-6)
    assert 0 <= t.p_value <= 1


def test_wald_declines_on_non_psd_or_non_finite() -> None:
    v = np.array([[1.0, 2.0], [2.0, 1.0]])  # eigenvalues 3 and -1
    with pytest.warns(WaldTestWarning, match="positive semi-definite"):
        t = wald_test(["a", "b"], np.array([1.0, -1.0]), v, 30)
    assert math.isnan(t.statistic) and math.isnan(t.p_value)
    assert "not computed" in str(t)
    with pytest.warns(WaldTestWarning, match="not finite"):
        t = wald_test(["a"], np.array([np.nan]), np.eye(1), None)
    assert math.isnan(t.statistic)
    with pytest.warns(WaldTestWarning, match="zero variance"):
        t = wald_test(["a"], np.array([1.0]), np.zeros((1, 1)), None)
    assert math.isnan(t.statistic)


def test_wald_test_result_contract() -> None:
    t = wald_test(["a", "b"], np.array([0.3, -0.2]), np.eye(2) * 0.04, None)
    assert list(t.to_frame().columns[:2]) == ["statistic", "df"]
    assert "Joint Wald test" in t.summary().as_text()
    assert pickle.loads(pickle.dumps(t)) == t


def test_pretrend_rank_deficient_event_study_declines_gracefully() -> None:
    """More leads than clusters: the cluster covariance of the leads is singular, and the
    pre-trend test is computed on its rank instead of returning a huge statistic."""
    s = sim(seed=2, n=60)
    df = s.panel.to_frame()
    df["two"] = (df["county"].astype(int) % 2).astype(str)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ce.panel.SmallCohortWarning)
        with pytest.warns(WaldTestWarning, match="rank"):
            res = ce.event_study(df, Y, G, window=(-5, 2), vcov="two", county="county", year="year")
    w = res.pretrend
    assert w.df < len(w.terms) and (math.isnan(w.statistic) or 0 <= w.statistic < 1e6)
