"""triple_did with sampling weights (moderndid 0.2.0 ``ddd(weightsname=)``) and with
time-varying covariates (which year's values enter each comparison).

moderndid's ``ddd`` uses the weights only in its two-period path (its multi-period panel path
ignores ``weightsname``), so the weighted check against it is two-period; the staggered weighted
cells are checked by the identity with weighted ``att_gt`` on each eligibility group.

Covariate years. The paper (Ortiz-Villavicencio and Sant'Anna 2025) conditions on pre-treatment
covariates. In a comparison of years ``b`` (base) and ``t``, ``triple_did`` takes each unit's
covariates in the earlier of the two years (as ``att_gt`` and R ``did``): the base year
``g - 1`` (universal) or ``t - 1`` (varying) in every post-treatment and varying pre-treatment
cell, which is R ``triplediff``'s choice ("Ypre is always the baseline"), and year ``t`` in the
universal base period's pre-treatment cells (``t < g - 1``). moderndid 0.2.0 takes year ``t``
in every cell: in post-treatment cells those are post-treatment values, which the policy may
have moved (a "bad control"), so we do not follow it there. The test pins both facts against
moderndid: our post-treatment cells equal moderndid's when it is given the base-year values, and
our universal pre-treatment cells equal moderndid's with the time-varying column itself.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce

KEYS = {"county": "id", "year": "year"}


def panel(
    seed: int, years: tuple[int, ...], cohorts: tuple[int, ...], n: int = 1600
) -> pd.DataFrame:
    """Units with cohort (0 = never), eligibility, a time-varying covariate that moves with the
    policy, sampling weights; DDD effect 1 on treated eligible units."""
    rng = np.random.default_rng(seed)
    yrs = np.asarray(years)
    g = rng.choice([0, *cohorts], size=n)
    q = rng.integers(0, 2, size=n)
    w = rng.uniform(0.5, 2.0, size=n)
    unit = np.repeat(np.arange(n), len(yrs))
    t = np.tile(yrs, n)
    gg, qq = g[unit], q[unit]
    on = (gg > 0) & (t >= gg)
    x = (
        rng.normal(size=n)[unit]
        + 0.3 * (t - yrs[0])
        + 0.5 * on
        + rng.normal(scale=0.5, size=len(t))
    )
    trend = 0.1 * (t - yrs[0]) * (1 + (gg > 0) + qq) + 0.2 * x
    y = rng.normal(size=n)[unit] + trend + 1.0 * (on & (qq == 1)) + rng.normal(size=len(t))
    return pd.DataFrame({"id": unit, "year": t, "g": gg, "q": qq, "x": x, "w": w[unit], "y": y})


def moderndid_ddd(df: pd.DataFrame, **kw: object) -> object:
    pl = pytest.importorskip("polars")
    md = pytest.importorskip("moderndid")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return md.ddd(
            pl.from_pandas(df), yname="y", tname="year", idname="id", gname="g", pname="q", **kw
        )


@pytest.mark.parametrize("method", ["dr", "reg", "ipw"])
def test_weights_two_periods_equal_moderndid(method: str) -> None:
    df = panel(0, (2010, 2011), (2011,))
    df["x0"] = df.groupby("id")["x"].transform("first")
    res = ce.triple_did(
        df, "y", cohort="g", eligible="q", covariates=["x0"], weights="w", method=method, **KEYS
    )
    ref = moderndid_ddd(df, xformla="~x0", weightsname="w", est_method=method)
    assert res.params.iloc[0] == pytest.approx(ref.att, abs=1e-10)
    # the same influence function: moderndid's two-period SE is its sample sd (ddof=1) over
    # sqrt(n), ours (as its multi-period path, R did and triplediff) sqrt(sum psi^2) / n
    psi = res.model.inf[:, 0]
    n = len(psi)
    assert res.std_errors.iloc[0] == pytest.approx(np.sqrt(psi @ psi) / n, rel=1e-12)
    assert np.std(psi, ddof=1) / np.sqrt(n) == pytest.approx(ref.se, rel=1e-9)
    unweighted = ce.triple_did(df, "y", cohort="g", eligible="q", covariates=["x0"], **KEYS)
    assert abs(unweighted.params.iloc[0] - res.params.iloc[0]) > 1e-4  # the weights matter


@pytest.mark.parametrize("base_period", ["varying", "universal"])
def test_weights_staggered_identity_with_weighted_att_gt(base_period: str) -> None:
    df = panel(1, tuple(range(2010, 2016)), (2012, 2014))
    res = ce.triple_did(
        df, "y", cohort="g", eligible="q", weights="w", base_period=base_period, **KEYS
    )
    by_q = [
        ce.att_gt(df[df["q"] == v], "y", "g", weights="w", base_period=base_period, **KEYS)
        for v in (1, 0)
    ]
    np.testing.assert_allclose(
        res.params.to_numpy(), by_q[0].params.to_numpy() - by_q[1].params.to_numpy(), atol=1e-10
    )


def test_time_varying_covariates_conventions_against_moderndid() -> None:
    df = panel(2, tuple(range(2010, 2016)), (2013,))
    base = df[df["year"] == 2012].set_index("id")["x"]  # the base year g - 1 = 2012
    df["x_base"] = df["id"].map(base)
    res = ce.triple_did(
        df, "y", cohort="g", eligible="q", covariates=["x"], base_period="universal", **KEYS
    )
    cells = res.to_frame()
    post = cells["post"].to_numpy()
    pre = ~post & (cells["year"] != 2012).to_numpy()  # 2012 is the reference cell
    with_t = moderndid_ddd(df, xformla="~x", base_period="universal")
    with_base = moderndid_ddd(df, xformla="~x_base", base_period="universal")
    est = res.params.to_numpy()
    # post-treatment cells: the base-year covariates (R triplediff's convention)
    np.testing.assert_allclose(est[post], np.asarray(with_base.att)[post], atol=1e-10)
    # universal pre-treatment cells (t < g - 1): year t, the earlier year (moderndid's too)
    np.testing.assert_allclose(est[pre], np.asarray(with_t.att)[pre], atol=1e-10)
    # moderndid's post-treatment cells condition on covariates the policy moved: they differ
    assert np.abs(est[post] - np.asarray(with_t.att)[post]).min() > 1e-3
    # the base-year covariate as a time-invariant column gives the same post-treatment cells
    fixed = ce.triple_did(
        df, "y", cohort="g", eligible="q", covariates=["x_base"], base_period="universal", **KEYS
    )
    np.testing.assert_allclose(fixed.params.to_numpy()[post], est[post], atol=1e-12)
