"""att_gt and the shared contract: frozen self-contained results that pickle, executors passed per
call, retired argument names, seeds never consumed, non-finite rows counted, and a pre-trend test
that declines a singular covariance instead of printing a meaningless statistic."""

from __future__ import annotations

import importlib
import pickle
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pytest

from countyeconomy.datasets import simulate_staggered_panel
from countyeconomy.errors import (
    CountyEconomyWarning,
    PanelStructureError,
    RowsDroppedWarning,
)
from countyeconomy.estimators.staggered._cs_inference import wald_pretrend
from countyeconomy.estimators.staggered.att_gt import ATTgtResult, att_gt
from countyeconomy.inference import Cluster
from countyeconomy.results import EstimateResult, FitInfo, FrozenDict

pytestmark = pytest.mark.filterwarnings("ignore:covariate 'log_gdp_pc' varies over time")


@pytest.fixture(scope="module")
def df() -> pd.DataFrame:
    sim = simulate_staggered_panel(
        seed=11,
        n_counties=160,
        years=range(2012, 2020),
        cohorts=(2014, 2016, 2018),
        cohort_shares=(0.2, 0.2, 0.2),
        effect=0.05,
        dynamic=0.3,
    )
    frame = sim.panel.to_frame()
    region = frame.groupby("county")["province"].transform("first")
    codes = pd.factorize(region, sort=True)[0] % 4
    return frame.assign(region=codes)


def fit(data: pd.DataFrame, **kw: Any) -> ATTgtResult:
    return att_gt(data, "log_rural_income", "first_treated", county="county", year="year", **kw)


def test_protocol_and_fitinfo(df: pd.DataFrame) -> None:
    res = fit(df)
    assert isinstance(res, EstimateResult)
    assert isinstance(res.info, FitInfo) and res.info.method == "att_gt"
    assert isinstance(res.info.dropped, FrozenDict)
    assert res.info.extra["control"] == "never_treated" and res.info.estimation == "dr"
    assert res.model.inf.shape == (res.info.n_units, len(res.params))
    assert not res.model.inf.flags.writeable and not res.model.cohort.flags.writeable
    with pytest.raises(AttributeError):
        res.model = None  # type: ignore[misc]
    f = res.to_frame()
    f.loc[0, "estimate"] = 99.0
    labels = res.extra
    labels.loc[0, "cohort"] = -1
    assert res.to_frame().loc[0, "estimate"] != 99.0
    assert res.to_frame().loc[0, "cohort"] != -1


def test_aggregate_after_executor_shutdown(df: pd.DataFrame) -> None:
    with ThreadPoolExecutor(max_workers=2) as ex:
        res = fit(df, draws=200, seed=5, executor=ex)
        inside = res.aggregate("dynamic", executor=ex).to_frame()
    # the executor is shut down: the result holds none, and aggregates still work
    after = res.aggregate("dynamic").to_frame()
    pd.testing.assert_frame_equal(inside, after)
    with ThreadPoolExecutor(max_workers=2) as ex2:
        again = res.aggregate("dynamic", executor=ex2).to_frame()
    pd.testing.assert_frame_equal(after, again)


@pytest.mark.parametrize("draws", [None, 150])
def test_pickles_to_an_equal_result(df: pd.DataFrame, draws: int | None) -> None:
    res = fit(df, draws=draws, seed=3, covariates=["log_gdp_pc"])
    back = pickle.loads(pickle.dumps(res))
    assert back == res
    assert back.aggregate("group") == res.aggregate("group")
    agg = res.aggregate("dynamic")
    assert pickle.loads(pickle.dumps(agg)) == agg
    assert res != fit(df, draws=draws, seed=4)


def test_seed_objects_are_not_consumed(df: pd.DataFrame) -> None:
    ss = np.random.SeedSequence(2024)
    a = fit(df, draws=120, seed=ss)
    b = fit(df, draws=120, seed=ss)
    c = fit(df, draws=120, seed=np.random.default_rng(np.random.SeedSequence(2024)))
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.to_frame(), c.to_frame())
    assert ss.n_children_spawned == 0
    # an int seed is SeedSequence(int): chunks of 100 draws seeded by its children
    pd.testing.assert_frame_equal(
        fit(df, draws=120, seed=7).to_frame(),
        fit(df, draws=120, seed=np.random.SeedSequence(7)).to_frame(),
    )
    unseeded = fit(df, draws=120)
    assert unseeded.aggregate("simple") == unseeded.aggregate("simple")


def test_retired_names_still_work(df: pd.DataFrame) -> None:
    new = fit(df, vcov=Cluster("province"), draws=120, distribution="rademacher", seed=1)
    with pytest.warns(FutureWarning) as rec:
        old = fit(df, cluster="province", bootstrap=120, bootstrap_weights="rademacher", seed=1)
    assert {str(w.message).split(" is renamed")[0] for w in rec} >= {
        "att_gt(cluster=...)",
        "att_gt(bootstrap=...)",
        "att_gt(bootstrap_weights=...)",
    }
    pd.testing.assert_frame_equal(new.to_frame(), old.to_frame())
    with pytest.warns(FutureWarning, match="draws="):
        off = fit(df, bootstrap=False)
    assert off.boot is None and off.info.draws is None
    with pytest.warns(FutureWarning, match="draws="):
        on = fit(df, bootstrap=True, seed=1)
    assert on.boot is not None and on.boot.draws == 999
    with pytest.raises(Exception, match="draws= only"):
        fit(df, bootstrap=10, draws=10)


def test_old_module_warns() -> None:
    mod = importlib.import_module("countyeconomy.estimators.staggered.callaway_santanna")
    with pytest.warns(FutureWarning, match="staggered.att_gt"):
        importlib.reload(mod)
    assert mod.att_gt is att_gt


@pytest.mark.parametrize("column", ["log_rural_income", "log_gdp_pc", "wt"])
def test_infinite_values_dropped_counted_and_announced(df: pd.DataFrame, column: str) -> None:
    d = df.assign(wt=1.0)
    rows = d.index[d["county"] == d["county"].iloc[0]]
    bad = d.copy()
    bad.loc[rows[:2], column] = [np.inf, -np.inf]
    kw: dict[str, Any] = {"covariates": ["log_gdp_pc"], "method": "reg", "weights": "wt"}
    with pytest.warns(RowsDroppedWarning, match=f"2 non-finite: {column}"):
        res = fit(bad, **kw)
    assert res.info.dropped == {f"non-finite: {column}": 2}
    assert res.info.nobs == len(d) - 2 and res.info.nobs_input == len(d)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = fit(d.drop(index=rows[:2]), **kw)
    np.testing.assert_allclose(res.params, ref.params, rtol=0, atol=1e-12)
    assert np.isfinite(res.params).all()


def test_non_numeric_outcome_names_the_column(df: pd.DataFrame) -> None:
    d = df.assign(log_rural_income=df["log_rural_income"].astype(object))
    d.loc[d.index[3], "log_rural_income"] = "n/a"
    with pytest.raises(PanelStructureError, match="'log_rural_income' has 1 non-numeric"):
        fit(d)


def test_singular_pretrend_covariance_is_declined(df: pd.DataFrame) -> None:
    # 4 clusters and 9 pre-treatment cells: the clustered covariance has rank <= 4
    with pytest.warns(CountyEconomyWarning, match=r"singular \(rank \d of 9"):
        res = fit(df, vcov="region")
    test = res.pretrend
    assert test.df == 9 and test.rank <= 4
    assert np.isnan(test.statistic) and np.isnan(test.p_value)
    assert "singular" in test.reason and "W =" not in repr(res)
    assert any("pre-trend" in w for w in res.info.warnings)
    with pytest.warns(CountyEconomyWarning, match="singular"):
        dyn = res.aggregate("dynamic")
    assert np.isnan(dyn.pretrend.statistic) and dyn.pretrend.df == 5
    # the same data clustered by county: full rank, an ordinary statistic
    ok = fit(df)
    assert ok.pretrend.rank == ok.pretrend.df == 9
    assert 0 <= ok.pretrend.statistic < 1e3 and 0 <= ok.pretrend.p_value <= 1


def test_wald_pretrend_rank_check_on_constructed_covariances() -> None:
    rng = np.random.default_rng(0)
    s = rng.normal(size=(3, 5))  # 3 clusters, 5 estimates: rank 3
    v = s.T @ s / 100
    att = rng.normal(size=5) / 10
    names = tuple(f"e{k}" for k in range(5))
    pre = np.ones(5, dtype=bool)
    t = wald_pretrend(att, v, pre, names)
    assert t.rank == 3 and t.df == 5 and np.isnan(t.statistic)
    # duplicated pre-period estimate (two identical columns of influence functions)
    s2 = rng.normal(size=(50, 3))
    s2 = np.column_stack([s2, s2[:, 0]])
    t2 = wald_pretrend(np.r_[att[:3], att[0]], s2.T @ s2 / 2500, np.ones(4, bool), names[:4])
    assert t2.rank == 3 and np.isnan(t2.statistic) and "rank 3 of 4" in t2.reason
    # a regular covariance: the ordinary chi-squared test
    full = rng.normal(size=(200, 5))
    t3 = wald_pretrend(att, full.T @ full / 200**2, pre, names)
    assert t3.rank == 5 and t3.statistic > 0 and 0 < t3.p_value <= 1
    assert t3.terms == names
    empty = wald_pretrend(att, v, np.zeros(5, bool), names)
    assert empty.df == 0 and np.isnan(empty.statistic) and empty.reason
