"""BJS imputation and Gardner two-stage DID.

Oracles: (1) a dense least-squares fit written out here with numpy (estimates and the implied
weights ``v`` to 1e-10: same algebra, direct solve); (2) pyfixest 0.60.0 ``did2s`` for point
estimates and Gardner GMM standard errors. pyfixest's first stage demeans iteratively with its
default tolerance (1e-8, not exposed by ``did2s``), which moves its estimates by ~1e-7, so the
comparison uses atol 2e-6 for estimates and rtol 1e-5 for SEs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

import countyeconomy as ce
from countyeconomy.errors import IdentificationError, InvalidOptionError, RowsDroppedWarning
from countyeconomy.estimators.staggered._imputation_core import effect_design, impute
from countyeconomy.estimators.staggered.imputation import imputation_did
from countyeconomy.linalg import factorize
from tests.conftest import requires_data
from tests.estimators.staggered._data import diff_diff_mpdta, sim, unbalanced

Y, G = "log_rural_income", "first_treated"


def _did2s(df: pd.DataFrame, horizons: list[int] | None, first: str = "~ 0 | county + year"):
    g = df[G]
    rel = df["year"] - g
    tr = (g > 0) & (rel >= 0)
    data = df.assign(treat=tr, rel=np.where(tr, rel, -1))
    second = "~ i(rel, ref=-1)" if horizons else "~ 0 + treat"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.did2s(
            data,
            yname=Y,
            first_stage=first,
            second_stage=second,
            treatment="treat",
            cluster="county",
        )


def test_gardner_matches_pyfixest_did2s_by_horizon() -> None:
    df = unbalanced(seed=4)
    ours = imputation_did(df, Y, G, method="gardner", county="county", year="year")
    hs = [e for e in ours.event_times if e is not None]
    theirs = _did2s(df, hs)
    np.testing.assert_allclose(ours.params.to_numpy()[:-1], theirs.coef().to_numpy(), atol=2e-6)
    np.testing.assert_allclose(ours.std_errors.to_numpy()[:-1], theirs.se().to_numpy(), rtol=1e-5)


def test_static_att_matches_did2s_both_methods() -> None:
    df = unbalanced(seed=6)
    theirs = _did2s(df, None)
    for method in ("bjs", "gardner"):
        ours = imputation_did(df, Y, G, method=method, county="county", year="year")  # type: ignore[arg-type]
        assert abs(ours.params["ATT"] - theirs.coef().iloc[0]) < 2e-6
    gard = imputation_did(df, Y, G, method="gardner", county="county", year="year")
    np.testing.assert_allclose(gard.std_errors["ATT"], theirs.se().iloc[0], rtol=1e-5)


def test_covariates_match_did2s() -> None:
    df = unbalanced(seed=7)
    ours = imputation_did(
        df, Y, G, covariates=["log_gdp_pc"], method="gardner", county="county", year="year"
    )
    theirs = _did2s(df, None, first="~ log_gdp_pc | county + year")
    assert abs(ours.params["ATT"] - theirs.coef().iloc[0]) < 2e-6
    np.testing.assert_allclose(ours.std_errors["ATT"], theirs.se().iloc[0], rtol=1e-5)


def test_kernel_against_dense_least_squares() -> None:
    df = unbalanced(seed=8, n=80)
    g = df[G].to_numpy()
    yr = df["year"].to_numpy()
    treated = (g > 0) & (yr >= g)
    unit, period = factorize(df["county"].to_numpy()), factorize(yr)
    z = effect_design(unit.codes, period.codes, np.empty((len(df), 0)))
    y = df[Y].to_numpy()
    w = np.full((int(treated.sum()), 1), 1.0 / treated.sum())
    arrays = impute(y, z, treated, w)
    zd = z.toarray()
    gamma, *_ = np.linalg.lstsq(zd[~treated], y[~treated], rcond=None)
    tau = y[treated] - zd[treated] @ gamma
    np.testing.assert_allclose(arrays.tau, tau, atol=1e-10)
    # the estimator is linear in y with weights w (treated) and v0 (untreated)
    total = w[:, 0] @ y[treated] + arrays.v0[:, 0] @ y[~treated]
    np.testing.assert_allclose(total, arrays.estimates[0], atol=1e-10)
    # v0 reproduces the imputation of any y: check with a random outcome
    y2 = np.random.default_rng(0).normal(size=len(y))
    a2 = impute(y2, z, treated, w)
    np.testing.assert_allclose(
        w[:, 0] @ y2[treated] + a2.v0[:, 0] @ y2[~treated], a2.estimates[0], atol=1e-10
    )


def test_bjs_pretrend_matches_pyfixest_on_untreated_sample() -> None:
    df = unbalanced(seed=9)
    res = imputation_did(df, Y, G, horizons=[0, 1, 2], pretrends=3, county="county", year="year")
    g, rel = df[G], df["year"] - df[G]
    un = df[~((g > 0) & (rel >= 0))].copy()
    for k in (1, 2, 3):
        un[f"lead{k}"] = ((un[G] > 0) & (un["year"] - un[G] == -k)).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(
            f"{Y} ~ lead1 + lead2 + lead3 | county + year",
            data=un,
            vcov={"CRV1": "county"},
            ssc=pf.ssc(k_adj=False, G_adj=False),
            fixef_tol=1e-12,
        )
    assert res.pretrend_coefs is not None and res.pretrend is not None
    np.testing.assert_allclose(res.pretrend_coefs.estimates, fit.coef().to_numpy(), rtol=1e-8)
    b, v = fit.coef().to_numpy(), fit._vcov
    np.testing.assert_allclose(res.pretrend.statistic, b @ np.linalg.solve(v, b), rtol=1e-6)
    assert res.pretrend.distribution == "chi2"
    ev = res.event_frame()
    assert ev["event_time"].tolist() == [-3, -2, -1, 0, 1, 2]


def _truth_by_horizon(s) -> pd.Series:  # type: ignore[no-untyped-def]
    cells = s.att_gt
    df = s.panel.to_frame()
    n = df[df["policy"] == 1].groupby(["first_treated", "year"]).size().rename("n")
    m = cells.merge(n.reset_index(), left_on=["cohort", "year"], right_on=["first_treated", "year"])
    return m.groupby("event_time").apply(lambda d: np.average(d["att"], weights=d["n"]))


def test_horizon_estimates_near_truth_and_options() -> None:
    s = sim(seed=2, n=600)
    res = imputation_did(s.panel, Y, G, horizons=[0, 1, 2, 3])
    truth = _truth_by_horizon(s)
    for h in range(4):
        est, se = res.params[f"event_time::{h}"], res.std_errors[f"event_time::{h}"]
        assert abs(est - truth[h]) < 4 * se
    assert res.event_vcov.shape == (4, 4)
    assert len(res.effects) == int((s.panel.frame["policy"] == 1).sum())
    assert "layer" in res.plot().to_dict()
    with pytest.raises(InvalidOptionError, match="horizons"):
        imputation_did(s.panel, Y, G, horizons=[-1, 0])
    with pytest.raises(InvalidOptionError, match="method"):
        imputation_did(s.panel, Y, G, method="ols")  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::countyeconomy.estimators.staggered._common.SmallCohortWarning")
def test_always_treated_rows_are_dropped_with_warning() -> None:
    df = sim(n=100).panel.to_frame()
    first = df["county"].iloc[0]
    df.loc[df["county"] == first, G] = 2008
    with pytest.warns(RowsDroppedWarning, match="never observed untreated"):
        res = imputation_did(df, Y, G, county="county", year="year")
    assert res.info.dropped["treated rows of counties never observed untreated"] == 15


def test_no_treated_is_an_error() -> None:
    df = sim(n=50).panel.to_frame().assign(first_treated=0)
    with pytest.raises(IdentificationError, match="no treated"):
        imputation_did(df, Y, G, county="county", year="year")


def _coverage(seeds: range) -> tuple[float, float]:
    hits_bjs = hits_g = 0
    for seed in seeds:
        s = sim(seed=seed, n=300)
        bjs = imputation_did(s.panel, Y, G)
        gard = imputation_did(s.panel, Y, G, method="gardner")
        hits_bjs += abs(bjs.params["ATT"] - s.att) < 3 * bjs.std_errors["ATT"]
        hits_g += abs(gard.params["ATT"] - s.att) < 3 * gard.std_errors["ATT"]
    return hits_bjs / len(seeds), hits_g / len(seeds)


def test_known_truth_20_seeds() -> None:
    """Strongly heterogeneous dynamic effects; the ATT is within 3 SE in >= 95% of 20 seeds
    (runs in about 2 s, so it is not marked slow)."""
    bjs, gard = _coverage(range(20))
    assert bjs >= 0.95 and gard >= 0.95


def test_bjs_matches_diff_diff_imputation() -> None:
    """diff-diff 3.13.0 ``ImputationDiD`` (BJS with ``aux_partition="cohort_horizon"``): ATT,
    horizon effects and their conservative SEs to rtol 1e-8 (same closed form)."""
    dd = pytest.importorskip("diff_diff")
    s = sim(seed=1, n=300)
    ours = imputation_did(s.panel, Y, G)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = dd.ImputationDiD(cluster="county").fit(
            s.panel.to_frame(),
            outcome=Y,
            unit="county",
            time="year",
            first_treat=G,
            aggregate="event_study",
        )
    np.testing.assert_allclose(
        [ours.params["ATT"], ours.std_errors["ATT"]], [r.att, r.se], rtol=1e-8
    )
    es = r.to_dataframe("event_study").set_index("relative_period").drop(index=-1)
    terms = [f"event_time::{h}" for h in es.index]
    np.testing.assert_allclose(ours.params[terms], es["effect"], rtol=1e-8)
    np.testing.assert_allclose(ours.std_errors[terms], es["se"], rtol=1e-8)


@requires_data
def test_mpdta_matches_diff_diff_and_did2s() -> None:
    ours = imputation_did(ce.datasets.load_mpdta(), "lemp", "first_treat")
    np.testing.assert_allclose(
        [ours.params["ATT"], ours.std_errors["ATT"]], diff_diff_mpdta("ImputationDiD"), rtol=1e-8
    )
