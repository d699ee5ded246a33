"""Fixed-effects spatial panels: spreg (1e-6), known truth, rho = 0 equals twfe, effects."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from spreg import Panel_FE_Error, Panel_FE_Lag

import countyeconomy as ce
from countyeconomy.errors import CountyEconomyError, RowsDroppedWarning
from countyeconomy.results import EstimateResult
from countyeconomy.spatial import (
    SpatialWeightsError,
    _ml,
    knn_weights,
    sar_panel,
    sdem_panel,
    sdm_panel,
    sem_panel,
)
from tests.spatial._data import county_seats
from tests.spatial._sim import simulate_spatial_panel

W = knn_weights(county_seats("33"), k=5)
QUIET = {"draws": 0, "progress": False}


def _spreg_arrays(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    wide = df.set_index(["year", "county"]).loc[
        pd.MultiIndex.from_product([sorted(df["year"].unique()), list(W.ids)])
    ]
    return wide[["y"]].to_numpy(), wide[["x1", "x2"]].to_numpy()


def _spreg(cls: type, df: pd.DataFrame) -> object:
    y, x = _spreg_arrays(df)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(y, x, W.to_libpysal(), epsilon=1e-12)


def test_sar_matches_spreg_panel_fe_lag() -> None:
    df = simulate_spatial_panel(W, rho=0.4, seed=1)
    ours = sar_panel(df, "y ~ x1 + x2 | county", W, bias_correction=False, **QUIET)
    ref = _spreg(Panel_FE_Lag, df)
    np.testing.assert_allclose(ours.params.to_numpy(), ref.betas.ravel(), atol=1e-6)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), np.sqrt(np.diag(ref.vm)), atol=1e-6)
    assert ours.sigma2 == pytest.approx(float(ref.sig2[0][0]), abs=1e-6)
    # convention: spreg concentrates with log(e'e), not log(e'e / NT): ours = spreg + NT/2 log NT
    nt = ours.nobs
    assert ours.loglik == pytest.approx(ref.logll + nt / 2 * np.log(nt), abs=1e-6)
    # Lee-Yu with county effects: same rho and beta, sigma2 times T/(T-1)
    corr = sar_panel(df, "y ~ x1 + x2 | county", W, bias_correction=True, **QUIET)
    np.testing.assert_allclose(corr.params.to_numpy(), ours.params.to_numpy(), atol=1e-8)
    assert corr.sigma2 == pytest.approx(ours.sigma2 * 8 / 7, rel=1e-7)


def test_sem_matches_spreg_panel_fe_error() -> None:
    df = simulate_spatial_panel(W, rho=0.0, lam=0.5, seed=2)
    ours = sem_panel(df, "y ~ x1 + x2 | county", W, bias_correction=False)
    ref = _spreg(Panel_FE_Error, df)
    np.testing.assert_allclose(ours.params.to_numpy(), ref.betas.ravel(), atol=1e-6)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), np.sqrt(np.diag(ref.vm)), atol=1e-6)
    assert ours.sigma2 == pytest.approx(float(ref.sig2[0][0]), abs=1e-6)


@pytest.mark.parametrize("seed", [3, 4])
def test_two_way_sar_recovers_known_rho_and_beta(seed: int) -> None:
    df = simulate_spatial_panel(W, years=10, rho=0.4, seed=seed)
    res = sar_panel(df, "y ~ x1 + x2 | county + year", W, **QUIET)
    assert res.info.bias_correction is True and res.info.method == "sar_panel"
    truth = pd.Series({"x1": 1.0, "x2": -0.5, "rho": 0.4})
    z = (res.params - truth) / res.std_errors
    assert (z.abs() < 3.5).all(), z


def test_rho_zero_is_twfe() -> None:
    df = simulate_spatial_panel(W, rho=0.0, seed=5)
    twfe = ce.twfe(df, "y ~ x1 + x2 | county + year", county="county", year="year")
    t, n = 8, W.n
    y = df.pivot(index="year", columns="county", values="y")[list(W.ids)].to_numpy()
    x = np.stack(
        [
            df.pivot(index="year", columns="county", values=c)[list(W.ids)].to_numpy()
            for c in ("x1", "x2")
        ],
        axis=2,
    )
    xt = _ml.demean(x, "twoways").reshape(t * n, 2)
    b0, *_ = np.linalg.lstsq(xt, _ml.demean(y, "twoways").ravel(), rcond=None)
    np.testing.assert_allclose(b0, twfe.params[["x1", "x2"]].to_numpy(), atol=1e-10)
    res = sar_panel(df, "y ~ x1 + x2 | county + year", W, **QUIET)
    assert abs(res.params["rho"]) < 3 * res.std_errors["rho"]
    np.testing.assert_allclose(res.params[["x1", "x2"]], twfe.params[["x1", "x2"]], atol=0.03)


def test_sdm_effects_match_dense_formula_and_simulation() -> None:
    df = simulate_spatial_panel(W, rho=0.3, theta=(0.5, 0.2), seed=6)
    res = sdm_panel(df, "y ~ x1 + x2 | county + year", W, draws=999, seed=9, progress=False)
    p = res.params
    wd = W.dense()
    s_inv = np.linalg.inv(np.eye(W.n) - p["rho"] * wd)
    m = s_inv @ (p["x1"] * np.eye(W.n) + p["W*x1"] * wd)
    eff = res.effects.set_index(["term", "effect"])["estimate"]
    assert eff[("x1", "direct")] == pytest.approx(np.trace(m) / W.n, abs=1e-10)
    assert eff[("x1", "total")] == pytest.approx(m.sum() / W.n, abs=1e-10)
    assert eff[("x1", "indirect")] == pytest.approx((m.sum() - np.trace(m)) / W.n, abs=1e-10)
    se = res.effects.set_index(["term", "effect"])
    ratio = se["std_error"] / se["delta_std_error"]
    assert ratio.between(0.8, 1.25).all(), ratio
    again = sdm_panel(df, "y ~ x1 + x2 | county + year", W, draws=999, seed=9, progress=False)
    assert again == res
    assert isinstance(res, EstimateResult) and pickle.loads(pickle.dumps(res)) == res
    assert "Lee-Yu" in str(res.summary())


def test_error_models_effects_are_linear() -> None:
    df = simulate_spatial_panel(W, rho=0.0, lam=0.4, theta=(0.3, 0.0), seed=7)
    res = sdem_panel(df, "y ~ x1 + x2 | county + year", W)
    eff = res.effects.set_index(["term", "effect"])["estimate"]
    assert eff[("x1", "indirect")] == pytest.approx(res.params["W*x1"])
    assert eff[("x1", "total")] == pytest.approx(res.params["x1"] + res.params["W*x1"])
    assert res.params["lambda"] == pytest.approx(0.4, abs=0.15)


def test_bad_input() -> None:
    df = simulate_spatial_panel(W, seed=8)
    with pytest.raises(CountyEconomyError, match="not_there"):
        sar_panel(df, "not_there ~ x1 | county", W, **QUIET)
    with pytest.raises(CountyEconomyError, match="fixed effects"):
        sar_panel(df, "y ~ x1 | province", W, **QUIET)
    with pytest.raises(SpatialWeightsError, match="not balanced"):
        sar_panel(df.iloc[1:], "y ~ x1 | county", W, **QUIET)
    extra = pd.concat([df, df.iloc[:1].assign(county="999999")])
    with pytest.warns(RowsDroppedWarning):
        res = sar_panel(extra, "y ~ x1 | county", W, **QUIET)
    assert res.info.dropped == {"county not in spatial weights": 1}
    nan = df.assign(x1=df["x1"].where(df.index != 3))
    with pytest.raises(SpatialWeightsError, match="x1"):
        sar_panel(nan, "y ~ x1 | county", W, **QUIET)


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::countyeconomy.inference.FewDrawsWarning")
def test_coverage_of_rho_beta_and_effects_over_seeds() -> None:
    """95% intervals of rho, beta and the SDM effects cover the truth at about the nominal rate."""
    rho, beta, theta = 0.4, np.array([1.0, -0.5]), np.array([0.5, 0.0])
    wd = W.dense()
    s_inv = np.linalg.inv(np.eye(W.n) - rho * wd)
    true_direct = np.diag(s_inv @ (beta[0] * np.eye(W.n) + theta[0] * wd)).mean()
    true_total = (beta[0] + theta[0]) / (1 - rho)
    hits: dict[str, list[bool]] = {"rho": [], "x1": [], "direct": [], "total": []}
    for seed in range(200):
        df = simulate_spatial_panel(W, years=10, rho=rho, theta=(0.5, 0.0), seed=1000 + seed)
        res = sdm_panel(df, "y ~ x1 + x2 | county + year", W, draws=199, seed=seed, progress=False)
        ci = res.conf_int()
        hits["rho"].append(ci.loc["rho", "ci_low"] <= rho <= ci.loc["rho", "ci_high"])
        hits["x1"].append(ci.loc["x1", "ci_low"] <= 1.0 <= ci.loc["x1", "ci_high"])
        eff = res.effects.set_index(["term", "effect"])
        for kind, truth in (("direct", true_direct), ("total", true_total)):
            lo, hi = eff.loc[("x1", kind), ["ci_low", "ci_high"]]
            hits[kind].append(lo <= truth <= hi)
    rates = {k: float(np.mean(v)) for k, v in hits.items()}
    assert all(0.89 <= r <= 0.99 for r in rates.values()), rates


def test_lr_and_wald_tests_of_the_durbin_model() -> None:
    from countyeconomy.spatial import durbin_tests, lr_test

    df = simulate_spatial_panel(W, rho=0.4, seed=12)  # a true SAR: theta = 0
    sar = sar_panel(df, "y ~ x1 + x2 | county + year", W, **QUIET)
    sdm = sdm_panel(df, "y ~ x1 + x2 | county + year", W, **QUIET)
    lr = lr_test(sar, sdm).to_frame().iloc[0]
    assert lr["df"] == 2 and lr["statistic"] >= 0
    wald = durbin_tests(sdm).to_frame().set_index("hypothesis")
    assert wald["p_value"].iloc[0] > 0.01  # SAR not rejected
    assert wald["p_value"].iloc[1] < 0.01  # SEM rejected (rho = 0.4, beta != 0)
    with pytest.raises(CountyEconomyError):
        lr_test(sdm, sar)
