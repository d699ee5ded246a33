"""Sun-Abraham and BJS imputation on their structured kernels (no ``n x K`` design).

Oracles: (1) diff-diff 3.13.0 ``SunAbraham`` and ``ImputationDiD`` (cluster by county) on a
simulated 3,000 x 15 staggered panel, balanced and unbalanced, with and without a covariate:
ATT and event-time estimates to rtol 1e-8, and their SEs to rtol 1e-8. The conventions agree:
Sun-Abraham's SEs are the cluster-robust (CR1, ``G/(G-1) (N-1)/(N-K)``, county effects nested
in the clusters) delta-method SEs with the cohort shares treated as known; BJS's are the
conservative SEs with cohort x horizon means (diff-diff ``aux_partition="cohort_horizon"``).
(2) The dense paths the kernels replace: the saturated ``ce.twfe`` with one column per dummy
(every covariance and convention) and the sparse-LU imputation kernel ``impute`` /
``imputation_vcov`` (estimates 1e-10, SEs 1e-8)."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.estimators.staggered import _sa_fit
from countyeconomy.estimators.staggered._imputation_core import (
    effect_design,
    imputation_vcov,
    impute,
    impute_twoway,
    twoway_vcov,
)
from countyeconomy.estimators.twfe import TWFEResult
from countyeconomy.inference import Cluster, DriscollKraay
from countyeconomy.linalg import factorize
from tests.estimators.staggered._data import sim, unbalanced

Y, G = "log_rural_income", "first_treated"


@cache
def _panel(balanced: bool) -> pd.DataFrame:
    s = ce.datasets.simulate_staggered_panel(
        seed=7, n_counties=3000, dynamic=0.5, heterogeneity=-1.0
    )
    df = s.panel.to_frame()
    if balanced:
        return df
    keep = np.random.default_rng(1).random(len(df)) > 0.1
    return df.loc[keep].reset_index(drop=True)


def assert_matches_diff_diff(
    ours: ce.SunAbrahamResult | ce.ImputationResult, theirs: object
) -> None:
    es = theirs.to_dataframe("event_study").set_index("relative_period")  # type: ignore[attr-defined]
    terms = [int(n.split("::")[1]) for n in ours.params.index[:-1]]
    assert set(terms) <= set(es.index)
    names = [f"event_time::{k}" for k in terms]
    np.testing.assert_allclose(
        ours.params[names].to_numpy(), es.loc[terms, "effect"].to_numpy(), rtol=1e-8, atol=1e-12
    )
    np.testing.assert_allclose(
        ours.std_errors[names].to_numpy(), es.loc[terms, "se"].to_numpy(), rtol=1e-8
    )
    att, se = theirs.att, theirs.se  # type: ignore[attr-defined]
    np.testing.assert_allclose([ours.params["ATT"], ours.std_errors["ATT"]], [att, se], rtol=1e-8)


DESIGNS = [(True, ()), (True, ("log_gdp_pc",)), (False, ()), (False, ("log_gdp_pc",))]


@pytest.mark.parametrize(("balanced", "covariates"), DESIGNS)
def test_sun_abraham_matches_diff_diff_3000(balanced: bool, covariates: tuple[str, ...]) -> None:
    dd = pytest.importorskip("diff_diff")
    df = _panel(balanced)
    ours = ce.sun_abraham(df, Y, G, covariates=covariates, county="county", year="year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = dd.SunAbraham(cluster="county").fit(
            df, outcome=Y, unit="county", time="year", first_treat=G, covariates=list(covariates)
        )
    assert_matches_diff_diff(ours, theirs)


@pytest.mark.parametrize(("balanced", "covariates"), DESIGNS)
def test_imputation_matches_diff_diff_3000(balanced: bool, covariates: tuple[str, ...]) -> None:
    dd = pytest.importorskip("diff_diff")
    df = _panel(balanced)
    ours = ce.imputation_did(df, Y, G, covariates=covariates, county="county", year="year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = dd.ImputationDiD(cluster="county").fit(
            df,
            outcome=Y,
            unit="county",
            time="year",
            first_treat=G,
            covariates=list(covariates),
            aggregate="event_study",
        )
    assert_matches_diff_diff(ours, theirs)


VCOVS = [
    "county",
    "hc1",
    "iid",
    DriscollKraay(2),
    "grp",
    Cluster("county", "grp"),
    Cluster("cgrp", "grp", df="conventional"),
]


CASES = [
    *((v, "fixest") for v in VCOVS),
    *(("county", s) for s in ("xtreg", "linearmodels", "none")),
    ("hc1", "none"),
    (DriscollKraay(1), "linearmodels"),
    (Cluster("county", "grp"), "xtreg"),
]


@pytest.mark.parametrize(("vcov", "ssc"), CASES, ids=str)
def test_sun_abraham_kernel_equals_dense_twfe(vcov: object, ssc: str) -> None:
    df = unbalanced(seed=11, n=400)
    rng = np.random.default_rng(0)
    df["grp"] = rng.integers(0, 150, len(df))
    df["cgrp"] = df["county"].map({c: i % 130 for i, c in enumerate(df["county"].unique())})
    res = ce.sun_abraham(
        df, Y, G, covariates=("log_gdp_pc",), vcov=vcov, ssc=ssc, county="county", year="year"
    )
    fast = _sa_fit._fast(res.design, res.vcov_spec, res.info.ssc)  # type: ignore[arg-type]
    assert fast is not None
    dense = _sa_fit._from_dense(res.design, res.fit)
    assert fast.names == dense.names
    np.testing.assert_allclose(fast.estimates, dense.estimates, atol=1e-10)
    np.testing.assert_allclose(np.diag(fast.vcov), np.diag(dense.vcov), rtol=1e-8)
    assert (fast.df_t, fast.clusters, fast.nobs, fast.fixed_effects) == (
        dense.df_t,
        dense.clusters,
        dense.nobs,
        dense.fixed_effects,
    )
    assert fast.cell_rows == dense.cell_rows
    assert (fast.vcov_label, fast.ssc) == (dense.vcov_label, dense.ssc)


def test_sun_abraham_fit_and_with_vcov() -> None:
    s = sim(seed=4, n=200)
    res = ce.sun_abraham(s.panel, Y, G)
    assert isinstance(res.fit, TWFEResult)
    pos = [list(res.fit.params.index).index(t) for t in res.weights["term"]]
    np.testing.assert_allclose(
        res.fit.coefs.estimates[pos],
        _sa_fit._fast(res.design, res.vcov_spec, "fixest").estimates,  # type: ignore[union-attr]
        atol=1e-10,
    )
    hc = res.with_vcov("hc1", ssc="none")
    again = ce.sun_abraham(s.panel, Y, G, vcov="hc1", ssc="none")
    np.testing.assert_allclose(hc.std_errors, again.std_errors, rtol=1e-12)
    assert hc.info.vcov == again.info.vcov and hc.fit.info.vcov == again.fit.info.vcov


def test_singletons_and_other_effects_use_the_dense_fit() -> None:
    df = unbalanced(seed=3, n=120)
    one = df.groupby("county").head(1).iloc[:1].assign(county="lonely", year=2015)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ce.sun_abraham(pd.concat([df, one]), Y, G, county="county", year="year")
    assert res.info.dropped.get("singletons") == 1
    assert _sa_fit._fast(res.design, res.vcov_spec, "fixest") is None
    np.testing.assert_allclose(
        res.params, ce.sun_abraham(df, Y, G, county="county", year="year").params
    )


@pytest.mark.parametrize("method", ["bjs", "gardner"])
@pytest.mark.parametrize("cluster", ["county", "province"])
def test_imputation_kernel_equals_sparse_lu(method: str, cluster: str) -> None:
    df = unbalanced(seed=8, n=150)
    g = df[G].to_numpy()
    yr = df["year"].to_numpy()
    treated = (g > 0) & (yr >= g)
    unit, period = factorize(df["county"].to_numpy()), factorize(yr)
    x = df[["log_gdp_pc"]].to_numpy()
    y = df[Y].to_numpy()
    k = (yr - g)[treated]
    hs = [0, 1, 2, 3]
    horizon = np.array([hs.index(v) if v in hs else -1 for v in k])
    w = np.column_stack([*(horizon == j for j in range(4)), horizon >= 0]).astype(float)
    w /= w.sum(axis=0)
    old = impute(y, effect_design(unit.codes, period.codes, x), treated, w)
    new = impute_twoway(
        y, x, treated, unit.codes, unit.n_levels, period.codes, period.n_levels, horizon, 4
    )
    np.testing.assert_allclose(new.estimates, old.estimates, atol=1e-10)
    np.testing.assert_allclose(new.tau, old.tau, atol=1e-10)
    cl = factorize(df[cluster].to_numpy())
    if method == "bjs":
        centre = pd.Series(new.tau).groupby([g[treated], k]).transform("mean").to_numpy()
        tau_bar = np.repeat(centre[:, None], 5, axis=1)
    else:
        centre = new.estimates
        tau_bar = np.broadcast_to(old.estimates, w.shape)
    v_old = imputation_vcov(old, w, tau_bar, cl.codes[~treated], cl.codes[treated], cl.n_levels)
    v_new = twoway_vcov(
        new,
        centre,
        treated,
        x,
        unit.codes,
        period.codes,
        horizon,
        cl.codes,
        cl.n_levels,
        cluster == "county",
    )
    np.testing.assert_allclose(v_new, v_old, rtol=1e-8, atol=1e-14)


def test_fixed_effects_info_is_twfe_form() -> None:
    df = sim(seed=2, n=120).panel.to_frame().rename(columns={"county": "fips", "year": "yr"})
    tw = ce.twfe(df, f"{Y} ~ log_gdp_pc | county + year", county="fips", year="yr")
    sa = ce.sun_abraham(df, Y, G, county="fips", year="yr")
    bjs = ce.imputation_did(df, Y, G, county="fips", year="yr")
    assert dict(tw.info.fixed_effects) == {"fips": 120, "yr": 15}
    assert dict(sa.info.fixed_effects) == dict(tw.info.fixed_effects)
    assert dict(bjs.info.fixed_effects) == dict(tw.info.fixed_effects)
