"""Covariance vocabulary and the multiway small-sample choice.

``Cluster(..., df="conventional")`` is checked against pyfixest 0.60.0 (``ssc(G_df=
"conventional")``; the installed signature is ``ssc(k_adj, k_fixef, G_adj, G_df)``) to rtol 1e-8
on a simulated unbalanced panel, and against the Cameron-Gelbach-Miller formula written out here.
"""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import InvalidOptionError
from countyeconomy.inference import (
    BUILTIN_VCOV_NAMES,
    HC1,
    IID,
    Cluster,
    DriscollKraay,
    FittedLinearModel,
    FittedLinearResult,
    cluster_factor,
    cluster_factors,
    describe_vcov,
    register_vcov_alias,
    resolve_vcov,
)

FORMULA = "y ~ x1 + x2 | county + year"


def _unbalanced(seed: int, n_c: int = 40, n_t: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    county = np.repeat(np.arange(n_c), n_t)
    year = np.tile(np.arange(2000, 2000 + n_t), n_c)
    shock_c, shock_t = rng.normal(size=n_c)[county], rng.normal(size=n_t)[year - 2000]
    x1 = rng.normal(size=len(county)) + 0.5 * shock_c + 0.5 * shock_t
    x2 = rng.normal(size=len(county)) + 0.3 * shock_t
    y = 0.3 * x1 - 0.2 * x2 + shock_c + shock_t + rng.normal(size=len(county)) * (1 + 0.5 * x1**2)
    df = pd.DataFrame({"county": county, "year": year, "x1": x1, "x2": x2, "y": y})
    keep = rng.random(len(df)) > 0.15
    return df[keep].reset_index(drop=True)


def test_string_vocabulary() -> None:
    assert resolve_vcov("iid") == IID()
    assert resolve_vcov("hc1") == resolve_vcov("hetero") == resolve_vcov("robust") == HC1()
    assert resolve_vcov("province") == Cluster("province")
    assert resolve_vcov("county+year") == Cluster("county", "year")
    assert resolve_vcov("cluster:county + year") == Cluster("county", "year")
    assert resolve_vcov("cluster:county") == Cluster("county")
    spec = DriscollKraay(lags=1)
    assert resolve_vcov(spec) is spec
    assert set(BUILTIN_VCOV_NAMES) == {"iid", "hc1", "hetero", "robust"}
    for bad in ("", "county+", 3, None):
        with pytest.raises(InvalidOptionError, match="is not valid"):
            resolve_vcov(bad)  # type: ignore[arg-type]


def test_cluster_df_choice() -> None:
    two = Cluster("county", "year", df="conventional")
    assert two.df == "conventional" and Cluster("county", "year").df == "min"
    assert describe_vcov(two) == "cluster (county, year; df conventional)"
    assert describe_vcov(Cluster("county", "year")) == "cluster (county, year)"
    # one-way clustering has one G: the choice is normalised away
    assert Cluster("county", df="conventional") == Cluster("county")
    with pytest.raises(InvalidOptionError, match="df"):
        Cluster("county", "year", df="max")  # type: ignore[arg-type]
    assert pickle.loads(pickle.dumps(two)) == two


def test_register_vcov_alias_is_retired_and_changes_nothing() -> None:
    df = _unbalanced(0)
    before = ce.twfe(df, FORMULA, vcov="county")
    for name in BUILTIN_VCOV_NAMES:
        with pytest.raises(InvalidOptionError, match="built in"):
            register_vcov_alias(name, Cluster("county"))
    with pytest.warns(FutureWarning, match="retired"):
        register_vcov_alias("county", IID())
    with pytest.warns(FutureWarning, match="retired"):
        register_vcov_alias("by_year", Cluster("year"))
    assert resolve_vcov("county") == Cluster("county")
    assert resolve_vcov("iid") == IID()
    with pytest.raises(InvalidOptionError):
        resolve_vcov("")
    after = ce.twfe(df, FORMULA, vcov="county")
    np.testing.assert_array_equal(before.std_errors, after.std_errors)


def test_fitted_linear_model_protocol_and_cluster_factor() -> None:
    df = _unbalanced(1).assign(region=lambda d: d["county"] % 5)
    res = ce.twfe(df, FORMULA, county="county", year="year")
    assert isinstance(res, FittedLinearResult)
    assert isinstance(res.model, FittedLinearModel)
    assert not isinstance(object(), FittedLinearModel)
    f = cluster_factor(res.model, "region")
    assert f.n_levels == 5 and len(f.codes) == res.nobs
    fs = cluster_factors(res.model, Cluster("county", "year"))
    assert fs is not None and [x.n_levels for x in fs] == [40, 12]
    (t,) = cluster_factors(res.model, DriscollKraay(lags=1)) or []
    assert t.n_levels == 12
    assert cluster_factors(res.model, HC1()) is None
    with pytest.raises(ce.errors.IdentificationError, match="not a column"):
        cluster_factor(res.model, "nope")


def _pyfixest_conventional(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    pf = pytest.importorskip("pyfixest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(
            FORMULA,
            data=df,
            vcov={"CRV1": "county+year"},
            ssc=pf.ssc(G_df="conventional"),
            fixef_rm="singleton",
            fixef_tol=1e-14,  # demean to rounding so rtol 1e-8 tests the formula, not convergence
        )
    return fit.coef().to_numpy(), fit.se().to_numpy()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_conventional_matches_pyfixest(seed: int) -> None:
    df = _unbalanced(seed)
    res = ce.twfe(df, FORMULA, vcov=Cluster("county", "year", df="conventional"))
    coef, se = _pyfixest_conventional(df)
    np.testing.assert_allclose(res.params.to_numpy(), coef, rtol=1e-8)
    np.testing.assert_allclose(res.std_errors.to_numpy(), se, rtol=1e-8)
    assert res.info.df_t == 11  # min(G) - 1, as pyfixest and fixest
    # and it differs from the default df="min" (years are few: 12/11 vs 40/39 on V_county)
    default = ce.twfe(df, FORMULA, vcov=Cluster("county", "year"))
    assert not np.allclose(default.std_errors.to_numpy(), se, rtol=1e-4)
    again = default.with_vcov(Cluster("county", "year", df="conventional"))
    np.testing.assert_allclose(again.std_errors.to_numpy(), se, rtol=1e-8)


def test_conventional_equals_the_written_out_formula() -> None:
    """V = (N-1)/(N-K) * sum_k s_k G_k/(G_k-1) B M_k B over k in (county, year, county x year),
    s = (+1, +1, -1), with B = (X'X)^{-1} of the regressors demeaned by a dummy regression and
    K = k + 1: both effects are nested in a cluster, so fixest counts neither's levels (the
    one left is the intercept the two effects share)."""
    df = _unbalanced(3)
    res = ce.twfe(df, FORMULA, vcov=Cluster("county", "year", df="conventional"))
    dummies = pd.get_dummies(df[["county", "year"]].astype(str), drop_first=True, dtype=float)
    d = np.column_stack([np.ones(len(df)), dummies.to_numpy()])
    x = df[["x1", "x2"]].to_numpy()
    y = df["y"].to_numpy()

    def resid_on_d(v: np.ndarray) -> np.ndarray:
        out: np.ndarray = v - d @ np.linalg.lstsq(d, v, rcond=None)[0]
        return out

    xd, yd = resid_on_d(x), resid_on_d(y)
    bread = np.linalg.inv(xd.T @ xd)
    u = yd - xd @ (bread @ (xd.T @ yd))
    s = xd * u[:, None]
    n, k = len(df), x.shape[1]
    v = np.zeros((k, k))
    groups = [df["county"], df["year"], df["county"].astype(str) + "-" + df["year"].astype(str)]
    for sign, g in zip((1.0, 1.0, -1.0), groups, strict=True):
        sums = pd.DataFrame(s).groupby(g.to_numpy()).sum().to_numpy()
        n_g = len(sums)
        v += sign * n_g / (n_g - 1) * bread @ (sums.T @ sums) @ bread
    v *= (n - 1) / (n - (k + 1))
    np.testing.assert_allclose(res.vcov.to_numpy(), v, rtol=1e-8)
