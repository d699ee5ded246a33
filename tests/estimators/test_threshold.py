"""Hansen (1999) panel threshold regression: estimates, regime coefficients, vectorised kernels
against straightforward loops, bootstrap reproducibility, result protocol."""

from __future__ import annotations

import dataclasses
import itertools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.estimators._threshold_boot import bootstrap_indices, draw_seed
from countyeconomy.estimators._threshold_result import lr_critical_value
from countyeconomy.estimators.threshold import panel_threshold
from tests.estimators._threshold_sim import search_loop, ssr_loop, threshold_panel, within

KEYS = {"county": "county", "year": "year"}


def _grid_step(grid: np.ndarray, truth: float) -> float:
    i = int(np.searchsorted(grid, truth))
    return float(np.max(np.diff(grid[max(i - 1, 0) : i + 2])))


def _regime_columns(df: pd.DataFrame, thresholds: tuple[float, ...]) -> pd.DataFrame:
    bounds = [-np.inf, *thresholds, np.inf]
    out = df.copy()
    for r in range(len(bounds) - 1):
        inside = (df["q"] > bounds[r]) & (df["q"] <= bounds[r + 1])
        out[f"x_regime{r + 1}"] = df["x"] * inside
    return out


def test_critical_value_formula() -> None:
    assert lr_critical_value(0.95) == pytest.approx(7.352, abs=1e-3)
    assert lr_critical_value(0.90) == pytest.approx(5.94, abs=1e-2)
    assert lr_critical_value(0.99) == pytest.approx(10.59, abs=1e-2)


def test_single_threshold_within_one_grid_step() -> None:
    df = threshold_panel(3, gammas=(0.4,), betas=(0.5, 1.5))
    res = panel_threshold(
        df, "y ~ z", threshold="q", regime_dependent="x", draws=0, grid=100, **KEYS
    )
    assert abs(res.thresholds[0] - 0.4) <= _grid_step(res.info.grid, 0.4)
    lo, hi = res.info.threshold_ci[0]
    assert lo <= res.thresholds[0] <= hi
    assert res.info.nobs == 2000 and res.info.n_counties == 200 and res.info.n_years == 10


@pytest.mark.parametrize("fe", ["county", "county + year"])
def test_regime_coefficients_equal_twfe(fe: str) -> None:
    df = threshold_panel(5, gammas=(0.3, 0.7), betas=(0.0, 1.0, 2.0))
    res = panel_threshold(
        df,
        f"y ~ z | {fe}",
        threshold="q",
        regime_dependent="x",
        n_thresholds=2,
        draws=0,
        grid=60,
        **KEYS,
    )
    split = _regime_columns(df, res.thresholds)
    ref = ce.twfe(split, f"y ~ z + x_regime1 + x_regime2 + x_regime3 | {fe}", **KEYS)
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_allclose(
        res.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=0, atol=1e-10
    )
    assert list(res.params.index) == list(ref.params.index)
    # the concentrated SSR at the estimates is the TWFE residual sum of squares
    df_resid = 200 * 9 - (9 if fe == "county + year" else 0)
    assert res.info.sigma2 * df_resid == pytest.approx(ref.info.rss, rel=1e-10)


def test_ssr_curve_equals_loop() -> None:
    df = threshold_panel(7, n_units=40, n_years=6, gammas=(0.5,))
    res = panel_threshold(
        df, "y ~ z", threshold="q", regime_dependent="x", draws=0, grid=25, trim=0.05, **KEYS
    )
    y, z, x, q, c = (df[k].to_numpy() for k in ("y", "z", "x", "q", "county"))
    s_hat = ssr_loop(y, z, x, q, c, res.thresholds)
    sigma2 = s_hat / (40 * 5)
    assert res.info.sigma2 == pytest.approx(sigma2, rel=1e-10)
    lr = res.lr.dropna()
    loop = [(ssr_loop(y, z, x, q, c, [g]) - s_hat) / sigma2 for g in lr["gamma"]]
    np.testing.assert_allclose(lr["lr"].to_numpy(), loop, rtol=0, atol=1e-8)


def _boot_loop(
    df: pd.DataFrame, grid: np.ndarray, k: int, seed: int, b: int, m: int, two_way: bool
) -> np.ndarray:
    """F_k* by re-estimating every bootstrap sample with :func:`search_loop`."""
    y, z, x, q, c = (df[v].to_numpy() for v in ("y", "z", "x", "q", "county"))
    t = df["year"].to_numpy() if two_way else None
    n_units, n_years = df["county"].nunique(), df["year"].nunique()
    df_resid = n_units * (n_years - 1) - (n_years - 1 if two_way else 0)
    stage: list[float] = []
    for _ in range(k):
        stage.append(search_loop(y, z, x, q, c, grid, stage, m, t)[0])

    def fit(th: list[float]) -> np.ndarray:
        bounds = [-np.inf, *sorted(th), np.inf]
        cols = [z] + [x * ((q > lo) & (q <= hi)) for lo, hi in itertools.pairwise(bounds)]
        d = within(np.column_stack(cols), c, t)
        yw = within(y, c, t)[:, 0]
        return yw - d @ np.linalg.lstsq(d, yw, rcond=None)[0]

    resid_null, resid_alt = fit(stage[: k - 1]), fit(stage[:k])
    fitted = within(y, c, t)[:, 0] - resid_null
    idx = bootstrap_indices(draw_seed(seed, k), b, n_units)
    out = []
    for row in idx:
        # county i gets the residual block of drawn county row[i]
        ystar = fitted + resid_alt.reshape(n_units, n_years)[row].ravel()
        fixed: list[float] = []
        ssrs = [ssr_loop(ystar, z, x, q, c, [], t)]
        for _ in range(k):
            g, s = search_loop(ystar, z, x, q, c, grid, fixed, m, t)
            fixed.append(g)
            ssrs.append(s)
        out.append((ssrs[k - 1] - ssrs[k]) / (ssrs[k] / df_resid))
    return np.asarray(out)


@pytest.mark.parametrize(("k", "fe"), [(1, "county"), (2, "county"), (2, "county + year")])
def test_vectorised_bootstrap_equals_loop(k: int, fe: str) -> None:
    df = threshold_panel(11, n_units=30, n_years=5, gammas=(0.35, 0.7), betas=(0.0, 1.0, 2.0))
    res = panel_threshold(
        df,
        f"y ~ z | {fe}",
        threshold="q",
        regime_dependent="x",
        n_thresholds=k,
        draws=19,
        grid=15,
        trim=0.1,
        seed=2026,
        **KEYS,
    )
    m = int(np.ceil(0.1 * len(df)))
    loop = _boot_loop(df, res.info.grid, k, 2026, 19, m, fe != "county")
    assert len(res.f_draws[k]) == 19
    np.testing.assert_allclose(res.f_draws[k], loop, rtol=1e-10, atol=1e-10)


def test_same_seed_same_numbers_on_executor() -> None:
    df = threshold_panel(13, n_units=60, n_years=6)
    kw = dict(threshold="q", regime_dependent="x", draws=120, grid=40, seed=5, **KEYS)
    serial = panel_threshold(df, "y ~ z", **kw)  # type: ignore[arg-type]
    with ThreadPoolExecutor(2) as ex:
        parallel = panel_threshold(df, "y ~ z", executor=ex, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(serial.f_draws[1], parallel.f_draws[1])
    assert serial.info.p_values == parallel.info.p_values


def test_bootstrap_rejects_one_threshold_when_there_are_two() -> None:
    df = threshold_panel(17, n_units=150, gammas=(0.3, 0.7), betas=(0.0, 1.0, 2.0))
    res = panel_threshold(
        df,
        "y ~ z",
        threshold="q",
        regime_dependent="x",
        n_thresholds=2,
        draws=99,
        grid=80,
        seed=1,
        **KEYS,
    )
    assert res.info.p_values[1] < 0.05 and res.info.p_values[2] < 0.05
    for truth, est in zip((0.3, 0.7), res.thresholds, strict=True):
        assert abs(est - truth) <= _grid_step(res.info.grid, truth)
    assert res.tests["f_stat"].to_numpy()[1] > res.tests["crit5"].to_numpy()[1]


def test_no_threshold_is_not_rejected_fast() -> None:
    df = threshold_panel(19, n_units=80, n_years=6, betas=(1.0, 1.0))
    res = panel_threshold(
        df, "y ~ z", threshold="q", regime_dependent="x", draws=99, grid=40, seed=3, **KEYS
    )
    assert res.info.p_values[1] > 0.05


@pytest.mark.slow
def test_no_threshold_rejection_rate_is_nominal() -> None:
    rejections = []
    for seed in range(200):
        df = threshold_panel(1000 + seed, n_units=50, n_years=5, betas=(1.0, 1.0))
        res = panel_threshold(
            df,
            "y ~ z",
            threshold="q",
            regime_dependent="x",
            draws=99,
            grid=30,
            seed=seed,
            **KEYS,
        )
        rejections.append(res.info.p_values[1] < 0.05)
    # 200 replications (4.5% observed when written): binomial(200, 0.05) has mean 10 and sd 3.1;
    # the band [3, 18] rejections is about +-2.5 sd
    assert 0.015 <= np.mean(rejections) <= 0.09


@pytest.mark.slow
def test_lr_interval_coverage_over_seeds() -> None:
    covered = []
    for seed in range(200):
        df = threshold_panel(2000 + seed, n_units=100, n_years=6, gammas=(0.5,), betas=(1.0, 1.6))
        res = panel_threshold(
            df, "y ~ z", threshold="q", regime_dependent="x", draws=0, grid=200, **KEYS
        )
        lo, hi = res.info.threshold_ci[0]
        covered.append(lo <= 0.5 <= hi)
    # 94.5% observed when written; binomial sd at 200 seeds is 1.5 points: band is about +-3 sd
    # (Hansen's interval is asymptotically conservative; Wang 2015 finds undercoverage in small
    # samples, so the band is not one-sided)
    assert 0.90 <= np.mean(covered) <= 0.99


def test_result_protocol_and_plot() -> None:
    df = threshold_panel(23, n_units=50, n_years=6)
    before = df.copy(deep=True)
    res = panel_threshold(
        df, "y ~ z", threshold="q", regime_dependent="x", draws=20, grid=30, seed=1, **KEYS
    )
    pd.testing.assert_frame_equal(df, before)
    assert list(res.to_frame().columns) == list(ce.estimators.COLUMNS)
    assert dataclasses.is_dataclass(res)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.info = None  # type: ignore[misc]
    text = res.summary().as_text()
    assert "gamma1" in text and "F1" in text
    assert "<table" in res._repr_html_()
    assert res.summary().as_latex()
    chart = res.plot().to_dict()
    assert "$schema" in chart
    ci = res.conf_int(0.9)
    assert (ci["ci_low"] <= ci["ci_high"]).all()
    hc = res.with_vcov("hc1")
    assert hc.info.vcov == "hc1" and res.info.vcov.startswith("cluster")
    np.testing.assert_array_equal(hc.params.to_numpy(), res.params.to_numpy())
    table = res.threshold_table()
    assert table.loc[0, "ci_low"] <= table.loc[0, "estimate"] <= table.loc[0, "ci_high"]
    assert set(res.tests.columns) >= {"f_stat", "p_value", "crit10", "crit5", "crit1"}


def test_triple_threshold_runs() -> None:
    df = threshold_panel(29, n_units=120, gammas=(0.25, 0.5, 0.75), betas=(0.0, 1.5, 3.0, 4.5))
    res = panel_threshold(
        df,
        "y ~ z",
        threshold="q",
        regime_dependent="x",
        n_thresholds=3,
        draws=0,
        grid=60,
        trim=(0.05, 0.05, 0.05),
        **KEYS,
    )
    for truth, est in zip((0.25, 0.5, 0.75), res.thresholds, strict=True):
        assert abs(est - truth) <= 2 * _grid_step(res.info.grid, truth)
    assert len(res.params) == 1 + 4
