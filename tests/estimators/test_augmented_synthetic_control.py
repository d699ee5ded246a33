"""augmented_synthetic_control: the paper's ridge-ASCM equation checked against an independent
closed form (scipy SLSQP simplex weights + ridge normal equations with an unpenalised
intercept), the SCM limit, the ridgeless limit, the residualise option, the conformal p-value
floor and known truth on a factor-model panel.

R augsynth (the reference implementation) is on CRAN only and CRAN is unreachable here, so no
peer comparison is possible; the references are the paper's closed form (Ben-Michael, Feller and
Rothstein 2021, section 4: Y_hat = sum_i w_i Y_i + (X_1 - sum_i w_i X_i)' eta_ridge)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

import countyeconomy as ce
from countyeconomy.errors import CountyEconomyError, InvalidOptionError

KEYS = {"county": "c", "year": "t"}
TREAT = 2020


def factor_panel(
    seed: int, n: int = 30, t: int = 24, effect: float = 2.0, outside: float = 0.0
) -> pd.DataFrame:
    """Two trending factors, loadings N(0, 1); the treated county's loadings are a mix of three
    donors' (plus ``outside`` to push it out of the hull); ``effect`` from 2020."""
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2000 + t)
    lam = rng.normal(size=(n, 2))
    lam[0] = lam[1:4].mean(0) + outside
    f = np.cumsum(rng.normal(size=(t, 2)), 0) + np.linspace(0, 3, t)[:, None]
    y = 10 + lam @ f.T + 0.3 * rng.normal(size=(n, t))
    y[0, years >= TREAT] += effect
    return pd.DataFrame(
        {
            "c": np.repeat(np.arange(n), t),
            "t": np.tile(years, n),
            "y": y.ravel(),
            "x": np.repeat(lam[:, 0], t) + 0.05 * rng.normal(size=n * t),
        }
    )


def slsqp_simplex(x1: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """Independent simplex weights: min ||x1 - x0 w||^2 by SLSQP (x0 is features x donors)."""
    j = x0.shape[1]
    res = minimize(
        lambda w: float(np.sum((x1 - x0 @ w) ** 2)),
        np.full(j, 1.0 / j),
        jac=lambda w: -2.0 * x0.T @ (x1 - x0 @ w),
        method="SLSQP",
        bounds=[(0.0, 1.0)] * j,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}],
        options={"ftol": 1e-13, "maxiter": 500},
    )
    return np.asarray(res.x)


def paper_ascm(wide: pd.DataFrame, w: np.ndarray, lam: float) -> np.ndarray:
    """The paper's ridge ASCM counterfactual for every post year: SCM prediction plus the ridge
    coefficients (intercept unpenalised, normal equations) times the pre-period imbalance."""
    pre = wide.columns < TREAT
    x = wide.loc[:, pre].to_numpy()
    yp = wide.loc[:, ~pre].to_numpy()
    x1, x0, y0 = x[0], x[1:], yp[1:]
    design = np.column_stack([np.ones(len(x0)), x0])
    pen = np.diag(np.r_[0.0, np.full(x0.shape[1], lam)])
    coef = np.linalg.solve(design.T @ design + pen, design.T @ y0)  # (1 + T0) x T1
    eta = coef[1:]
    return w @ y0 + (x1 - w @ x0) @ eta


@pytest.mark.parametrize(("seed", "lam"), [(0, 5.0), (1, 50.0), (2, 0.5)])
def test_ascm_equals_the_papers_closed_form(seed: int, lam: float) -> None:
    df = factor_panel(seed, outside=0.6)
    res = ce.augmented_synthetic_control(
        df, "y", 0, treat_year=TREAT, penalty=lam, inference="none", **KEYS
    )
    wide = df.pivot(index="c", columns="t", values="y")
    pre = wide.columns < TREAT
    w = slsqp_simplex(wide.loc[0, pre].to_numpy(), wide.loc[1:, pre].to_numpy().T)
    np.testing.assert_allclose(res.weights["scm_weight"], w, atol=2e-5)
    # the ridge step on the result's own SCM weights: exact to rounding
    w_ce = res.weights["scm_weight"].to_numpy()
    cf = paper_ascm(wide, w_ce, lam)
    effect = wide.loc[0, ~pre].to_numpy() - cf
    np.testing.assert_allclose(res.params.iloc[1:], effect, rtol=1e-9, atol=1e-9)
    assert res.att == pytest.approx(effect.mean(), abs=1e-9)
    # bias correction = SCM effect - ASCM effect, the ridge term of the equation
    assert res.info.bias_correction == pytest.approx(res.info.att_scm - res.att, abs=1e-12)


def test_infinite_penalty_is_the_plain_scm() -> None:
    df = factor_panel(3, outside=0.4)
    res = ce.augmented_synthetic_control(
        df, "y", 0, treat_year=TREAT, penalty=float("inf"), inference="none", **KEYS
    )
    scm = ce.synthetic_control(df, "y", 0, treat_year=TREAT, seed=0, **KEYS)
    np.testing.assert_allclose(res.weights["weight"], scm.weights["weight"], atol=1e-5)
    np.testing.assert_allclose(res.weights["weight"], res.weights["scm_weight"], atol=0)
    assert res.att == pytest.approx(scm.att, abs=1e-4)
    assert res.info.bias_correction == 0.0
    big = ce.augmented_synthetic_control(
        df, "y", 0, treat_year=TREAT, penalty=1e12, inference="none", **KEYS
    )
    np.testing.assert_allclose(big.weights["weight"], res.weights["weight"], atol=1e-6)


def test_zero_penalty_balances_the_pre_period_exactly() -> None:
    # more donors (29) than pre-period years (24 - 4 = 20): the ridgeless correction interpolates
    df = factor_panel(4, outside=0.8)
    res = ce.augmented_synthetic_control(
        df, "y", 0, treat_year=TREAT, penalty=0.0, inference="none", **KEYS
    )
    assert res.info.l2_imbalance < 1e-8 < res.info.l2_imbalance_scm
    assert res.weights["weight"].sum() == pytest.approx(1.0, abs=1e-10)


def test_cross_validation_takes_the_one_se_lambda() -> None:
    df = factor_panel(5, outside=0.6)
    res = ce.augmented_synthetic_control(df, "y", 0, treat_year=TREAT, inference="none", **KEYS)
    cv = res.cv
    assert len(cv) == 21 and cv["lambda"].is_monotonic_decreasing
    best = cv["cv_error"].idxmin()
    ok = cv["cv_error"] <= cv.loc[best, "cv_error"] + cv.loc[best, "cv_se"]
    assert res.info.penalty == cv.loc[ok, "lambda"].max()
    assert res.info.l2_imbalance <= res.info.l2_imbalance_scm + 1e-12


def test_cv_error_of_one_holdout_matches_an_independent_fit() -> None:
    df = factor_panel(6, outside=0.6)
    res = ce.augmented_synthetic_control(df, "y", 0, treat_year=TREAT, inference="none", **KEYS)
    wide = df.pivot(index="c", columns="t", values="y")
    pre = np.flatnonzero(wide.columns < TREAT)
    lam = float(res.cv["lambda"].iloc[10])
    errs = []
    for i in pre[:-1]:  # each pre-period year but the last, as augsynth
        keep = np.setdiff1d(pre, [i])
        x = wide.iloc[:, keep].to_numpy()
        w = slsqp_simplex(x[0], x[1:].T)
        xc = x[1:] - x[1:].mean(0)
        ridge = xc @ np.linalg.solve(xc.T @ xc + lam * np.eye(len(keep)), x[0] - w @ x[1:])
        pred = (w + ridge) @ wide.iloc[1:, i].to_numpy()
        errs.append((wide.iloc[0, i] - pred) ** 2)
    assert res.cv["cv_error"].iloc[10] == pytest.approx(np.mean(errs), rel=1e-3)


def test_residualise_equals_a_fit_on_manually_residualised_outcomes() -> None:
    df = factor_panel(7, outside=0.5)
    res = ce.augmented_synthetic_control(
        df, "y", 0, treat_year=TREAT, covariates=["x"], penalty=3.0, inference="none", **KEYS
    )
    wide = df.pivot(index="c", columns="t", values="y")
    z = df[df["t"] < TREAT].groupby("c")["x"].mean().to_numpy()
    d = np.column_stack([np.ones(len(z) - 1), z[1:]])
    beta = np.linalg.lstsq(d, wide.to_numpy()[1:], rcond=None)[0]
    resid = wide.to_numpy() - np.column_stack([np.ones(len(z)), z]) @ beta
    manual = pd.DataFrame(resid, index=wide.index, columns=wide.columns).stack()
    manual = manual.rename("y").reset_index()
    ref = ce.augmented_synthetic_control(
        manual, "y", 0, treat_year=TREAT, penalty=3.0, inference="none", **KEYS
    )
    np.testing.assert_allclose(res.params, ref.params, atol=1e-8)
    assert res.info.residualise is True
    bal = ce.augmented_synthetic_control(
        df,
        "y",
        0,
        treat_year=TREAT,
        covariates=["x"],
        residualise=False,
        penalty=3.0,
        inference="none",
        **KEYS,
    )
    assert bal.info.residualise is False and np.isfinite(bal.att)


def test_conformal_p_values_sit_on_their_floor_grid() -> None:
    df = factor_panel(8, effect=6.0)
    res = ce.augmented_synthetic_control(df, "y", 0, treat_year=TREAT, **KEYS)
    n_pre = 24 - 4
    p_year = res.pvalues.iloc[1:].to_numpy()
    np.testing.assert_allclose(p_year * (n_pre + 1), np.round(p_year * (n_pre + 1)), atol=1e-9)
    assert (p_year >= 1 / (n_pre + 1) - 1e-12).all()
    assert res.pvalues["ATT"] >= 1 / 24 - 1e-12
    # a large effect: every year at the floor, the intervals exclude zero
    assert p_year.max() == pytest.approx(1 / (n_pre + 1))
    ci = res.conf_int(0.95)
    assert (ci["ci_low"] > 0).all() and (ci["ci_low"] <= res.params).all()
    assert (res.params <= ci["ci_high"]).all()
    with pytest.raises(InvalidOptionError, match="level"):
        res.conf_int(0.9)


def test_few_pre_periods_warn_of_unbounded_intervals() -> None:
    df = factor_panel(9)
    df = df[df["t"] >= 2010]
    with pytest.warns(ce.errors.CountyEconomyWarning, match="unbounded"):
        res = ce.augmented_synthetic_control(df, "y", 0, treat_year=TREAT, inference="both", **KEYS)
    assert np.isinf(res.conf_int(0.95)["ci_high"].iloc[1])
    assert res.info.warnings


def test_known_truth_fast() -> None:
    df = factor_panel(10, effect=2.0)
    res = ce.augmented_synthetic_control(df, "y", 0, treat_year=TREAT, inference="both", **KEYS)
    iv = res.intervals.set_index(["method", "term"])
    lo, hi = iv.loc[("jackknife+", "ATT"), ["ci_low", "ci_high"]]
    assert lo <= 2.0 <= hi
    # tolerance from the interval: the estimate is within a half-width of the truth
    assert abs(res.att - 2.0) < (hi - lo) / 2
    yearly = iv.loc["conformal"].drop("ATT")
    assert ((yearly["ci_low"] <= 2.0) & (2.0 <= yearly["ci_high"])).sum() >= 3


def test_bad_options_raise() -> None:
    df = factor_panel(11)
    for kw in ({"inference": "bootstrap"}, {"level": 1.5}, {"penalty": -1.0}, {"penalty": "cv"}):
        with pytest.raises(InvalidOptionError):
            ce.augmented_synthetic_control(df, "y", 0, treat_year=TREAT, **kw, **KEYS)
    with pytest.raises(CountyEconomyError, match="treated=999"):
        ce.augmented_synthetic_control(df, "y", 999, treat_year=TREAT, **KEYS)
    with pytest.raises(CountyEconomyError, match="pre-period"):
        ce.augmented_synthetic_control(df, "y", 0, treat_year=2002, **KEYS)
    with pytest.raises(CountyEconomyError, match="not_there"):
        ce.augmented_synthetic_control(
            df, "y", 0, treat_year=TREAT, covariates=["not_there"], **KEYS
        )


@pytest.mark.slow
def test_conformal_and_jackknife_coverage_over_seeds() -> None:
    hits = {"conformal": 0, "jackknife+": 0}
    seeds = range(20)
    for s in seeds:
        df = factor_panel(100 + s, effect=2.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = ce.augmented_synthetic_control(
                df, "y", 0, treat_year=TREAT, inference="both", **KEYS
            )
        iv = res.intervals.set_index(["method", "term"])
        for m in hits:
            lo, hi = iv.loc[(m, "ATT"), ["ci_low", "ci_high"]]
            hits[m] += int(lo <= 2.0 <= hi)
    # nominal 95% (jackknife+ guarantees 90%); 20 seeds: allow three misses
    assert hits["conformal"] >= 17, hits
    assert hits["jackknife+"] >= 17, hits


@pytest.mark.parametrize(("covariates", "resid"), [((), False), (("x",), False), (("x",), True)])
def test_weights_against_pysyncon_augsynth(covariates: tuple[str, ...], resid: bool) -> None:
    # peer: pysyncon 1.7.0 (MIT) AugSynth, which follows R augsynth's ridge ASCM, both
    # covariate modes; the SCM step is solved by different solvers (SLSQP there, NNLS here)
    pysyncon = pytest.importorskip("pysyncon")
    df = factor_panel(3, outside=0.6)
    pre = [t for t in sorted(df["t"].unique()) if t < TREAT]
    dp = pysyncon.Dataprep(
        foo=df,
        predictors=["x"],
        predictors_op="mean",
        time_predictors_prior=pre,
        dependent="y",
        unit_variable="c",
        time_variable="t",
        treatment_identifier=0,
        controls_identifier=list(range(1, 30)),
        time_optimize_ssr=pre,
    )
    peer = pysyncon.AugSynth()
    peer.fit(dp, lambda_=5.0, use_covariates=bool(covariates), residualize=resid)
    ours = ce.augmented_synthetic_control(
        df,
        "y",
        0,
        treat_year=TREAT,
        covariates=covariates,
        residualise=resid,
        penalty=5.0,
        inference="none",
        **KEYS,
    )
    np.testing.assert_allclose(ours.weights["scm_weight"], peer.synw, atol=2e-5)
    np.testing.assert_allclose(ours.weights["weight"], peer.W, atol=2e-5)
    assert ours.info.l2_imbalance == pytest.approx(peer.l2_imbalance, rel=1e-4)
    if not covariates:  # pysyncon's avg_bias is the ridge term only without covariates
        assert ours.info.bias_correction == pytest.approx(peer.avg_bias, abs=1e-5)
    # cross-validation: R's grid is lambda_max * r^(0..20); pysyncon's is shifted by one step
    # (r^(-1..19)); the errors agree on the 20 common values
    cv_peer = pysyncon.AugSynth()
    cv_peer.fit(dp, use_covariates=bool(covariates), residualize=resid)
    cv = ce.augmented_synthetic_control(
        df,
        "y",
        0,
        treat_year=TREAT,
        covariates=covariates,
        residualise=resid,
        inference="none",
        **KEYS,
    ).cv
    np.testing.assert_allclose(cv["lambda"].iloc[:20], cv_peer.cv_result.lambdas[1:], rtol=1e-10)
    np.testing.assert_allclose(
        cv["cv_error"].iloc[:20], cv_peer.cv_result.errors_mean[1:], rtol=1e-3
    )


def test_executor_gives_the_same_intervals() -> None:
    from concurrent.futures import ThreadPoolExecutor

    df = factor_panel(12, effect=3.0)
    serial = ce.augmented_synthetic_control(df, "y", 0, treat_year=TREAT, penalty=10.0, **KEYS)
    with ThreadPoolExecutor(2) as pool:
        par = ce.augmented_synthetic_control(
            df, "y", 0, treat_year=TREAT, penalty=10.0, executor=pool, **KEYS
        )
    pd.testing.assert_frame_equal(serial.intervals, par.intervals)
