"""synthetic_control: weights against an independent scipy solve, the placebo-in-space p-value
and its 1/(donors+1) floor, V options and guards."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

import countyeconomy as ce
from countyeconomy.errors import IdentificationError, InvalidOptionError

KEYS = {"county": "c", "year": "t"}


def factor_panel(seed: int, n: int = 20, t: int = 16, start: int = 2010, effect: float = 3.0):
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2000 + t)
    lam = rng.normal(size=(n, 2))
    lam[0] = lam[1:4].mean(0)  # the treated county sits inside the donors' hull
    f = np.cumsum(rng.normal(size=(t, 2)), 0)
    y = lam @ f.T + 0.2 * rng.normal(size=(n, t))
    y[0, years >= start] += effect
    return pd.DataFrame(
        {
            "c": np.repeat(np.arange(n), t),
            "t": np.tile(years, n),
            "y": y.ravel(),
            "x": rng.normal(size=n * t) + np.repeat(lam[:, 0], t),
        }
    )


def scipy_weights(y1: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """Independent solve: simplex weights minimising the pre-period MSPE by SLSQP."""
    j = y0.shape[1]
    res = minimize(
        lambda w: float(np.sum((y1 - y0 @ w) ** 2)),
        np.full(j, 1.0 / j),
        jac=lambda w: -2.0 * y0.T @ (y1 - y0 @ w),
        method="SLSQP",
        bounds=[(0.0, 1.0)] * j,
        constraints=[{"type": "eq", "fun": lambda w: w.sum() - 1.0}],
        options={"ftol": 1e-15, "maxiter": 2000},
    )
    return np.asarray(res.x)


@pytest.mark.parametrize("seed", [0, 1])
def test_default_weights_equal_an_independent_solve(seed: int) -> None:
    df = factor_panel(seed)
    res = ce.synthetic_control(df, "y", 0, treat_year=2010, seed=0, **KEYS)
    wide = df.pivot(index="c", columns="t", values="y")
    pre = wide.columns < 2010
    y1 = wide.loc[0, pre].to_numpy()
    y0 = wide.loc[1:, pre].to_numpy().T
    w = scipy_weights(y1, y0)
    loss_ce = np.mean((y1 - y0 @ res.weights["weight"].to_numpy()) ** 2)
    loss_sp = np.mean((y1 - y0 @ w) ** 2)
    assert loss_ce <= loss_sp * (1 + 1e-6) + 1e-12
    np.testing.assert_allclose(res.weights["weight"], w, atol=1e-4)
    np.testing.assert_allclose(res.info.pre_rmspe, np.sqrt(loss_ce), rtol=1e-10)


def test_placebo_p_value_is_a_rank_with_floor() -> None:
    df = factor_panel(2, effect=5.0)
    res = ce.synthetic_control(df, "y", 0, treat_year=2010, seed=0, **KEYS)
    donors = res.info.donors
    assert donors == 19
    r = res.placebos["ratio"].to_numpy()
    assert res.p_value == pytest.approx(np.mean(r >= r[0]))
    assert res.p_value >= 1 / (donors + 1)
    assert res.p_value == pytest.approx(1 / (donors + 1))  # a large effect ranks first
    # the treated county is never in a placebo's donor pool: its placebo gap rows are donors'
    assert list(res.placebo_gaps.index) == list(range(20))
    null = ce.synthetic_control(
        factor_panel(3, effect=0.0), "y", 0, treat_year=2010, seed=0, **KEYS
    )
    assert null.p_value > 0.05
    np.testing.assert_allclose(res.att, res.paths.loc[res.paths["year"] >= 2010, "gap"].mean())


def test_nested_and_regression_v_with_predictors() -> None:
    df = factor_panel(4)
    kw = dict(treat_year=2010, predictors=["x"], special_predictors=[("y", [2003, 2006, 2009])])
    nested = ce.synthetic_control(df, "y", 0, v="nested", seed=0, **kw, **KEYS)
    reg = ce.synthetic_control(df, "y", 0, v="regression", seed=0, **kw, **KEYS)
    fixed = ce.synthetic_control(df, "y", 0, v=[0.5, 0.5], seed=0, **kw, **KEYS)
    for r in (nested, reg, fixed):
        w = r.weights["weight"].to_numpy()
        assert abs(w.sum() - 1) < 1e-10 and (w >= 0).all()
        assert abs(r.predictor_weights["weight"].sum() - 1) < 1e-10
    # nested V minimises the pre-period loss among the V's tried
    assert nested.info.loss <= reg.info.loss * (1 + 1e-8)
    assert nested.info.loss <= fixed.info.loss * (1 + 1e-8)


def test_guards() -> None:
    df = factor_panel(5)
    with pytest.raises(IdentificationError, match="not a county"):
        ce.synthetic_control(df, "y", 99, treat_year=2010, **KEYS)
    with pytest.raises(IdentificationError, match="pre-period"):
        ce.synthetic_control(df, "y", 0, treat_year=2001, **KEYS)
    with pytest.raises(InvalidOptionError, match="v="):
        ce.synthetic_control(df, "y", 0, treat_year=2010, v="magic", **KEYS)


def test_result_contract_and_charts() -> None:
    df = factor_panel(6)
    res = ce.synthetic_control(
        df, "y", 0, treat_year=2010, donors=list(range(1, 12)), seed=0, **KEYS
    )
    assert isinstance(res, ce.EstimateResult)
    assert res.info.method == "synthetic_control"
    assert res.info.donors == 11
    res.plot().to_dict()
    res.plot_gap().to_dict()
    res.plot_ratios().to_dict()


def test_leave_one_out_and_placebo_in_time() -> None:
    df = factor_panel(7)
    res = ce.synthetic_control(
        df, "y", 0, treat_year=2010, leave_one_out=True, placebo_year=2006, seed=0, **KEYS
    )
    dropped = set(res.leave_one_out["dropped"])
    assert dropped == set(res.weights.loc[res.weights["weight"] > 1e-6, "county"])
    pit = res.placebo_in_time
    assert list(pit["year"]) == list(range(2000, 2010))
    # no effect before 2010: the backdated gap stays small relative to the true effect (3)
    assert abs(pit.loc[pit["year"] >= 2006, "gap"].mean()) < 1.0
    with pytest.raises(InvalidOptionError, match="placebo_year"):
        ce.synthetic_control(df, "y", 0, treat_year=2010, placebo_year=2012, **KEYS)


def _pysyncon_mats(df: pd.DataFrame, preds: dict[str, list[int]]):
    wide = df.pivot(index="c", columns="t", values="y")
    xw = df.pivot(index="c", columns="t", values="x")
    pre = [t for t in wide.columns if t < 2010]
    rows = {"x": xw[pre].mean(axis=1)}
    for name, ys in preds.items():
        rows[name] = wide[ys].mean(axis=1)
    x = pd.DataFrame(rows).T
    return x.drop(columns=0), x[0], wide.loc[1:, pre].T, wide.loc[0, pre]


def test_weights_against_pysyncon() -> None:
    # peer: pysyncon 1.7.0 (MIT), Synth with the same standardisation of the predictors
    pysyncon = pytest.importorskip("pysyncon")
    df = factor_panel(8)
    special = {"y(2003, 2006, 2009)": [2003, 2006, 2009], "y(2000)": [2000]}
    kw = dict(
        treat_year=2010,
        predictors=["x"],
        special_predictors=[("y", [2003, 2006, 2009]), ("y", [2000])],
        seed=0,
        **KEYS,
    )
    x0, x1, z0, z1 = _pysyncon_mats(df, special)
    # a fixed V over every pre-year outcome (a unique W): the inner problem of both
    lags = {f"y({t})": [t] for t in range(2000, 2010)}
    lx0, lx1, _, _ = _pysyncon_mats(df, lags)
    lx0, lx1 = lx0.drop(index="x"), lx1.drop(index="x")
    v = np.linspace(1.0, 2.0, 10)
    peer = pysyncon.Synth()
    peer.fit(X0=lx0, X1=lx1, Z0=z0, Z1=z1, custom_V=v)
    ours = ce.synthetic_control(
        df,
        "y",
        0,
        treat_year=2010,
        special_predictors=[("y", [t]) for t in range(2000, 2010)],
        v=list(v),
        **KEYS,
    )
    np.testing.assert_allclose(ours.weights["weight"], peer.W, atol=2e-4)
    # nested V: our search (several starts) reaches a pre-period loss no worse than pysyncon's
    peer = pysyncon.Synth()
    peer.fit(X0=x0, X1=x1, Z0=z0, Z1=z1)
    nested = ce.synthetic_control(df, "y", 0, v="nested", **kw)
    y1, y0 = z1.to_numpy(), z0.to_numpy()
    peer_loss = float(np.mean((y1 - y0 @ np.asarray(peer.W)) ** 2))
    assert nested.info.loss <= peer_loss * (1 + 1e-3) + 1e-10


def test_placebo_in_space_on_an_executor_gives_the_same_ranking() -> None:
    from concurrent.futures import ThreadPoolExecutor

    df = factor_panel(5, effect=2.0)
    serial = ce.synthetic_control(df, "y", 0, treat_year=2010, seed=0, **KEYS)
    with ThreadPoolExecutor(2) as pool:
        pooled = ce.synthetic_control(df, "y", 0, treat_year=2010, seed=0, executor=pool, **KEYS)
    assert len(serial.placebos) == serial.info.donors + 1
    pd.testing.assert_frame_equal(pooled.placebos, serial.placebos)
    assert pooled.p_value == serial.p_value
