"""att_gt (Callaway and Sant'Anna 2021): published mpdta numbers, known truth, bootstrap,
invariances and the result protocol."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from countyeconomy.datasets import SimulatedPanel, load_mpdta, simulate_staggered_panel
from countyeconomy.estimators.staggered.att_gt import ATTgtResult, CSMethod, att_gt
from countyeconomy.inference import Cluster
from countyeconomy.results import COLUMNS, FitInfo, Summary

# Published values: R package `did` documentation (README / vignette), mpdta, no covariates,
# never-treated controls, est_method "dr"/"reg"/"ipw" give the same numbers; printed to 4 decimals,
# so the tolerance is half a unit in the last digit. Source: ../shared/data/README.md and
# ../shared/design/METHODS.md B4 (pre-test p = 0.16812).
PUBLISHED_ATT_GT = {
    2004: [-0.0105, -0.0704, -0.1373, -0.1008],
    2006: [0.0065, -0.0028, -0.0046, -0.0412],
    2007: [0.0305, -0.0027, -0.0311, -0.0261],
}
PUBLISHED = {
    "simple": (-0.0400, []),
    "group": (-0.0310, [-0.0797, -0.0229, -0.0261]),
    "dynamic": (-0.0772, [0.0305, -0.0006, -0.0245, -0.0199, -0.0510, -0.1373, -0.1008]),
    "calendar": (-0.0417, [-0.0105, -0.0704, -0.0488, -0.0371]),
}
TOL_PUBLISHED = 5e-5
pytestmark = pytest.mark.filterwarnings("ignore:covariate 'log_gdp_pc' varies over time")


@pytest.fixture(scope="module")
def mpdta(data_dir: Path) -> pd.DataFrame:
    return load_mpdta().to_frame()


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_mpdta_published_att_gt(mpdta: pd.DataFrame, method: CSMethod) -> None:
    res = att_gt(mpdta, "lemp", "first_treat", county="countyreal", year="year", method=method)
    f = res.to_frame()
    for g, values in PUBLISHED_ATT_GT.items():
        got = f.loc[f["cohort"] == g].sort_values("year")["estimate"].to_numpy()
        np.testing.assert_allclose(got, values, atol=TOL_PUBLISHED)


@pytest.mark.parametrize("kind", list(PUBLISHED))
def test_mpdta_published_aggregates(mpdta: pd.DataFrame, kind: str) -> None:
    res = att_gt(mpdta, "lemp", "first_treat", county="countyreal", year="year", method="reg")
    agg = res.aggregate(kind)
    overall, rows = PUBLISHED[kind]
    assert abs(agg.overall - overall) < TOL_PUBLISHED
    np.testing.assert_allclose(agg.params.to_numpy()[1:], rows, atol=TOL_PUBLISHED)


def test_mpdta_pretest_matches_published(mpdta: pd.DataFrame) -> None:
    res = att_gt(mpdta, "lemp", "first_treat", county="countyreal", year="year")
    assert res.pretrend.df == 5 and res.pretrend.rank == 5
    # METHODS.md B4: R did's pre-test p = 0.16812 (printed to 5 decimals)
    assert abs(res.pretrend.p_value - 0.16812) < 5e-6
    with pytest.warns(FutureWarning, match="pretrend"):
        assert res.pretest is res.pretrend


def test_result_protocol(mpdta: pd.DataFrame) -> None:
    res = att_gt(mpdta, "lemp", "first_treat", county="countyreal", year="year")
    f = res.to_frame()
    assert tuple(f.columns[: len(COLUMNS)]) == COLUMNS
    assert {"cohort", "year", "event_time", "post"} <= set(f.columns)
    ci = res.conf_int(0.9)
    assert (ci["ci_low"] < res.params).all() and (res.params < ci["ci_high"]).all()
    assert isinstance(res.summary(), Summary)
    assert "Callaway" in res._repr_html_() and "Pre-trend" in repr(res)
    assert res.title == "Callaway-Sant'Anna ATT(g,t) (att_gt)"
    assert isinstance(res.info, FitInfo) and res.info.method == "att_gt"
    assert res.info.estimation == "dr" and res.info.nobs_input == 2500
    assert res.info.n_units == 500 and res.info.nobs == 2500
    assert res.info.cohort_sizes == {0: 309, 2004: 20, 2006: 40, 2007: 131}
    for kind in ("simple", "group", "dynamic", "calendar"):
        agg = res.aggregate(kind)
        af = agg.to_frame()
        assert tuple(af.columns[: len(COLUMNS)]) == COLUMNS
        assert af["term"].iloc[0] == "ATT"
        label = {"group": "cohort", "dynamic": "event_time", "calendar": "year"}.get(kind)
        if label is not None:
            assert af["term"].iloc[1] == f"{label}::{int(af[label].iloc[1])}"
        assert agg.plot().to_dict()["$schema"].startswith("https://vega.github.io")
        assert isinstance(agg.summary().as_latex(), str)
    assert res.plot().to_dict()["$schema"].startswith("https://vega.github.io")
    with pytest.raises(Exception, match="kind"):
        res.aggregate("weekly")


def test_dynamic_min_max_balance(mpdta: pd.DataFrame) -> None:
    res = att_gt(mpdta, "lemp", "first_treat", county="countyreal", year="year")
    d = res.aggregate("dynamic", min_e=-1, max_e=1).to_frame()
    assert d["event_time"].dropna().tolist() == [-1, 0, 1]
    b = res.aggregate("dynamic", balance_e=1).to_frame()
    assert b["event_time"].dropna().max() == 1


def _sim(seed: int, n: int = 150, **kw: Any) -> SimulatedPanel:
    return simulate_staggered_panel(
        seed=seed,
        n_counties=n,
        years=range(2012, 2020),
        cohorts=(2014, 2016, 2018),
        cohort_shares=(0.2, 0.2, 0.2),
        effect=0.05,
        dynamic=0.3,
        heterogeneity=0.5,
        **kw,
    )


def _covered(seeds: range, method: CSMethod) -> float:
    hits = 0
    for seed in seeds:
        sim = _sim(seed)
        covs = ("log_gdp_pc",) if method == "dr" else ()
        res = att_gt(sim.panel, "log_rural_income", "first_treated", method=method, covariates=covs)
        agg = res.aggregate("simple")
        hits += abs(agg.overall - sim.att) <= 3 * agg.overall_std_error
    return hits / len(seeds)


@pytest.mark.parametrize("method", ["reg", "dr"])
def test_known_truth_20_seeds(method: CSMethod) -> None:
    # 20 small panels take well under 10 s, so the full loop runs by default
    assert _covered(range(20), method) >= 0.95


def test_truth_cells_recovered() -> None:
    sim = _sim(0, n=400)
    res = att_gt(sim.panel, "log_rural_income", "first_treated", control="not_yet_treated")
    f = res.to_frame().merge(sim.att_gt, on=["cohort", "year"])
    z = (f["estimate"] - f["att"]) / f["std_error"]
    assert (np.abs(z) < 4).all()


@pytest.fixture(scope="module")
def sim_df() -> pd.DataFrame:
    sim = _sim(5, n=200)
    return sim.panel.to_frame()


def _fit_sim(df: pd.DataFrame, **kw: Any) -> ATTgtResult:
    return att_gt(df, "log_rural_income", "first_treated", county="county", year="year", **kw)


def test_bootstrap_same_seed_same_numbers_and_executor(sim_df: pd.DataFrame) -> None:
    a = _fit_sim(sim_df, draws=250, seed=42)
    b = _fit_sim(sim_df, draws=250, seed=42)
    with ThreadPoolExecutor(max_workers=2) as ex:
        c = _fit_sim(sim_df, draws=250, seed=42, executor=ex)
        agg_c = c.aggregate("dynamic").to_frame()
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    pd.testing.assert_frame_equal(a.to_frame(), c.to_frame())
    pd.testing.assert_frame_equal(a.aggregate("dynamic").to_frame(), agg_c)
    d = _fit_sim(sim_df, draws=250, seed=43)
    assert not np.allclose(a.std_errors, d.std_errors)


def test_bootstrap_close_to_analytic(sim_df: pd.DataFrame) -> None:
    an = _fit_sim(sim_df)
    bs = _fit_sim(sim_df, draws=999, seed=1, distribution="rademacher")
    ratio = bs.std_errors / an.std_errors
    assert ratio.between(0.8, 1.25).all()
    band = bs.uniform_band()
    assert band is not None
    ci = bs.conf_int()
    assert (band["band_low"] <= ci["ci_low"] + 1e-12).all()
    assert {"band_low", "band_high"} <= set(bs.to_frame().columns)
    agg = bs.aggregate("simple")
    assert abs(agg.overall_std_error / an.aggregate("simple").overall_std_error - 1) < 0.2


def test_permuting_rows_changes_nothing_and_input_not_mutated(sim_df: pd.DataFrame) -> None:
    before = sim_df.copy(deep=True)
    base = _fit_sim(sim_df, method="dr", covariates=["log_gdp_pc"], control="not_yet_treated")
    pd.testing.assert_frame_equal(sim_df, before)
    shuffled = sim_df.sample(frac=1.0, random_state=3)
    before_s = shuffled.copy(deep=True)
    perm = _fit_sim(shuffled, method="dr", covariates=["log_gdp_pc"], control="not_yet_treated")
    pd.testing.assert_frame_equal(shuffled, before_s)
    np.testing.assert_allclose(perm.params, base.params, rtol=0, atol=1e-12)
    np.testing.assert_allclose(perm.std_errors, base.std_errors, rtol=0, atol=1e-12)


def test_methods_agree_without_covariates(sim_df: pd.DataFrame) -> None:
    fits = [_fit_sim(sim_df, method=m).params for m in ("dr", "ipw", "reg")]
    np.testing.assert_allclose(fits[0], fits[1], atol=1e-12)
    np.testing.assert_allclose(fits[0], fits[2], atol=1e-12)


def test_cluster_by_province(sim_df: pd.DataFrame) -> None:
    unit = _fit_sim(sim_df)
    prov = _fit_sim(sim_df, vcov=Cluster("province"))
    np.testing.assert_allclose(unit.params, prov.params)
    assert prov.info.clusters == {"province": 31}
    short = _fit_sim(sim_df, vcov="province")
    pd.testing.assert_frame_equal(short.to_frame(), prov.to_frame())
    # by hand: influence functions summed within province, V = S'S / n^2
    state = unit.model
    inf = state.inf
    province = sim_df.groupby("county")["province"].first()
    codes = pd.factorize(province.loc[state.units])[0]
    s = np.zeros((codes.max() + 1, inf.shape[1]))
    np.add.at(s, codes, inf)
    se = np.sqrt(np.diag(s.T @ s)) / inf.shape[0]
    np.testing.assert_allclose(prov.std_errors.to_numpy(), se, rtol=1e-12)


def test_universal_base_period_reference_cell(sim_df: pd.DataFrame) -> None:
    res = _fit_sim(sim_df, base_period="universal")
    f = res.to_frame()
    ref = f.loc[f["event_time"] == -1]
    assert (ref["estimate"] == 0).all() and ref["std_error"].isna().all()
    varying = _fit_sim(sim_df).to_frame()
    post_u = f.loc[f["post"], "estimate"].to_numpy()
    post_v = varying.loc[varying["post"], "estimate"].to_numpy()
    np.testing.assert_allclose(post_u, post_v, atol=1e-12)


def test_cluster_bootstrap_with_executor(sim_df: pd.DataFrame) -> None:
    serial = _fit_sim(sim_df, vcov="province", draws=200, seed=7, progress=True)
    with ThreadPoolExecutor(max_workers=2) as ex:
        threaded = _fit_sim(sim_df, vcov="province", draws=200, seed=7, executor=ex)
    pd.testing.assert_frame_equal(serial.to_frame(), threaded.to_frame())
    assert serial.boot is not None and serial.boot.distribution == "mammen"
    assert serial.boot.draws == 200
    assert "31" in repr(serial) or serial.info.clusters == {"province": 31}


def test_unbalanced_cells_use_observed_pairs(sim_df: pd.DataFrame) -> None:
    drop = sim_df.sample(frac=0.1, random_state=1).index
    unb = sim_df.drop(index=drop)
    res = _fit_sim(unb)
    assert not res.info.balanced
    f = res.to_frame()
    # each cell's treated count is the number of cohort counties observed in both of its years
    obs = unb.pivot(index="county", columns="year", values="log_rural_income").notna()
    cohort = unb.groupby("county")["first_treated"].first()
    row = f.iloc[len(f) // 2]
    both = obs[int(row["year"])] & obs[int(row["base_year"])]
    assert int(row["n_treated"]) == int((both & (cohort == row["cohort"])).sum())
    assert np.isfinite(res.aggregate("dynamic").overall_std_error)
