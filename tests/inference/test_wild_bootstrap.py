"""Wild cluster bootstrap: agreement with the ``wildboottest`` package, the test-inversion
interval, executors and seeds, and bad input.

``wildboottest`` (0.3.2, test-only) works on plain OLS, so fixed effects enter it as dummy
columns; by Frisch-Waugh-Lovell the tested coefficient's scores are the same, so the p-values must
agree. The PetersenCL data of its README (t = 20.453) is not shipped by any installed package
(neither statsmodels nor linearmodels carries it), so that published number is not reproduced.
"""

from __future__ import annotations

import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.inference import wild_bootstrap

wbt = pytest.importorskip("wildboottest.wildboottest")
sm = pytest.importorskip("statsmodels.api")


def _cross_section(seed: int, g: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, g, n)
    x = rng.normal(size=n) + 0.5 * rng.normal(size=g)[cl]
    z = rng.normal(size=n)
    y = 1 + 0.1 * x + 0.5 * z + rng.normal(size=n) + rng.normal(size=g)[cl]
    return pd.DataFrame({"y": y, "x": x, "z": z, "g": cl})


def _panel(seed: int, n_units: int = 60, n_years: int = 6, n_prov: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_years)
    year = np.tile(np.arange(n_years), n_units)
    prov = (np.arange(n_units) % n_prov)[unit]
    x = rng.normal(size=len(unit)) + rng.normal(size=n_prov)[prov] + 0.2 * year
    y = 0.05 * x + rng.normal(size=n_units)[unit] + 0.3 * year + rng.normal(size=len(unit))
    y += rng.normal(size=n_prov)[prov] * 0.5
    return pd.DataFrame({"unit": unit, "year": year, "prov": prov, "x": x, "y": y})


def _reference(
    x: pd.DataFrame, y: pd.Series, cluster: pd.Series, param: str, **kw: object
) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = wbt.wildboottest(sm.OLS(y, x), param=param, cluster=cluster, show=False, **kw)
    return float(out["statistic"].iloc[0]), float(out["p-value"].iloc[0])


def _reference_draws(
    x: pd.DataFrame, y: pd.Series, cluster: pd.Series, param: str, impose_null: bool, b: int
) -> tuple[float, float, np.ndarray]:
    """wildboottest's t, p and bootstrap t's through its documented step-by-step class."""
    r = (x.columns == param).astype(float)
    boot = wbt.WildboottestCL(
        X=x.to_numpy(), Y=y.to_numpy(), cluster=cluster.to_numpy(), R=r, B=b, seed=1
    )
    boot.get_scores(bootstrap_type="11", impose_null=impose_null)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        boot.get_weights(weights_type="rademacher")
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    boot.get_pvalue(pval_type="two-tailed")
    t = float(np.ravel(boot.t_stat)[0])
    return t, float(boot.pvalue), np.ravel(boot.t_boot)


def _check_same_enumeration(ours: object, t_ref: float, p_ref: float, tb_ref: np.ndarray) -> None:
    """The 2^G enumerated t* are the same numbers. wildboottest counts |t*| > |t| with no
    tolerance, so the two draws v = +1 and v = -1 of WCR, which reproduce |t| exactly, count or
    not depending on rounding; with ties resolved as ours (not counted) the p-values are equal."""
    tb = np.sort(np.abs(ours.t_boot))  # type: ignore[attr-defined]
    np.testing.assert_allclose(tb, np.sort(np.abs(tb_ref)), rtol=1e-9, atol=1e-12)
    tie_free = float(np.mean(np.abs(tb_ref) > abs(t_ref) * (1 + 1e-9)))
    assert ours.p_value == tie_free  # type: ignore[attr-defined]
    ties = 2 / len(tb_ref)
    assert p_ref in (tie_free, pytest.approx(tie_free + ties))


@pytest.mark.parametrize("impose_null", [True, False])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_enumeration_identical_to_wildboottest_ols(seed: int, impose_null: bool) -> None:
    df = _cross_section(seed, g=8)
    res = ce.twfe(df, "y ~ x + z", vcov=ce.Cluster("g"))
    ours = wild_bootstrap(res, "x", draws=999, seed=1, impose_null=impose_null, progress=False)
    assert ours.enumerated and ours.draws == 2**8
    xmat = sm.add_constant(df[["x", "z"]])
    t_ref, p_ref, tb_ref = _reference_draws(xmat, df["y"], df["g"], "x", impose_null, 999)
    assert ours.t_stat == pytest.approx(t_ref, rel=1e-10)
    _check_same_enumeration(ours, t_ref, p_ref, tb_ref)
    # and the one-call API of wildboottest reports the same p-value
    assert _reference(xmat, df["y"], df["g"], "x", B=999, impose_null=impose_null)[1] == p_ref


@pytest.mark.parametrize("impose_null", [True, False])
def test_enumeration_identical_with_two_way_fixed_effects(impose_null: bool) -> None:
    """Unit and year effects, clustered by province (units nested, years not)."""
    df = _panel(5)
    res = ce.twfe(df, "y ~ x | unit + year", vcov=ce.Cluster("prov"))
    ours = wild_bootstrap(res, "x", seed=3, impose_null=impose_null, progress=False)
    dummies = pd.get_dummies(df[["unit", "year"]].astype(str), drop_first=True, dtype=float)
    xmat = sm.add_constant(pd.concat([df[["x"]], dummies], axis=1))
    t_ref, p_ref, tb_ref = _reference_draws(xmat, df["y"], df["prov"], "x", impose_null, 9999)
    assert ours.enumerated and ours.draws == 2**8
    # t* and t are ratios with the same small-sample factor, so the factor (which counts the
    # dummies in wildboottest) cancels from p; rescale t to compare it
    n, k_ref = len(df), xmat.shape[1]
    ratio = math.sqrt(ours.ssc_factor / ((n - 1) / (n - k_ref) * 8 / 7))
    assert ours.t_stat * ratio == pytest.approx(t_ref, rel=1e-9)
    tb_scaled = tb_ref / ratio
    _check_same_enumeration(ours, t_ref / ratio, p_ref, tb_scaled)
    assert ours.std_error == pytest.approx(float(res.std_errors["x"]), rel=1e-10)


def test_random_draws_within_monte_carlo_error() -> None:
    """30 clusters, 9,999 random Rademacher draws on each side. Each p-value has Monte-Carlo
    standard deviation sqrt(p(1-p)/B); the two are independent, so their difference has sd
    sqrt(2 p(1-p)/B) and we allow 4 of those."""
    df = _cross_section(11, g=30, n=900)
    df["y"] = df["y"] - 0.07 * df["x"]  # put the p-value in the interior
    res = ce.twfe(df, "y ~ x + z", vcov=ce.Cluster("g"))
    b = 9999
    ours = wild_bootstrap(res, "x", draws=b, seed=7, progress=False)
    t_ref, p_ref = _reference(sm.add_constant(df[["x", "z"]]), df["y"], df["g"], "x", B=b, seed=3)
    assert not ours.enumerated
    assert ours.t_stat == pytest.approx(t_ref, rel=1e-10)
    p = max(p_ref, 1.0 / b)
    bound = 4 * math.sqrt(2 * p * (1 - p) / b)
    assert abs(ours.p_value - p_ref) <= bound, (ours.p_value, p_ref, bound)


def test_ci_by_test_inversion_brackets_the_level() -> None:
    df = _panel(8, n_prov=12)
    res = ce.twfe(df, "y ~ x | unit + year", vcov=ce.Cluster("prov"))
    out = wild_bootstrap(res, "x", seed=1, distribution="webb", draws=1999, progress=False)
    alpha = 1 - out.level
    assert out.ci_low < out.estimate < out.ci_high
    eps = 1e-6 * out.std_error
    assert out.p_value_at(out.ci_low - eps) <= alpha < out.p_value_at(out.ci_low + eps) + 1e-12
    assert out.p_value_at(out.ci_high + eps) <= alpha
    # the closed form for WCU: estimate -/+ se * quantile of |t*|, checked by inversion
    wcu = wild_bootstrap(
        res, "x", seed=1, distribution="webb", draws=1999, impose_null=False, progress=False
    )
    assert wcu.p_value_at(wcu.ci_high + eps) <= alpha


def test_null_value_and_p_value_at_agree() -> None:
    df = _cross_section(4, g=20, n=600)
    res = ce.twfe(df, "y ~ x + z", vcov=ce.Cluster("g"))
    a = wild_bootstrap(res, "x", draws=999, seed=2, null=0.2, distribution="mammen", progress=False)
    b = wild_bootstrap(res, "x", draws=999, seed=2, distribution="mammen", progress=False)
    assert a.p_value == pytest.approx(b.p_value_at(0.2))
    assert len(a.t_boot) == 999 and a.to_frame().loc[0, "draws"] == 999


def test_same_seed_same_numbers_serial_and_executor() -> None:
    df = _cross_section(9, g=40, n=800)
    res = ce.twfe(df, "y ~ x + z", vcov=ce.Cluster("g"))
    kw = {"draws": 2000, "seed": 123, "chunk": 300, "progress": False}
    serial = wild_bootstrap(res, "x", **kw)  # type: ignore[arg-type]
    with ThreadPoolExecutor(2) as pool:
        par = wild_bootstrap(res, "x", executor=pool, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(serial.t_boot, par.t_boot)
    assert serial.p_value == par.p_value
    other = wild_bootstrap(res, "x", **{**kw, "seed": 124})  # type: ignore[arg-type]
    assert not np.array_equal(serial.t_boot, other.t_boot)


def test_plot_is_an_altair_chart() -> None:
    df = _cross_section(1, g=15)
    res = ce.twfe(df, "y ~ x + z", vcov=ce.Cluster("g"))
    chart = wild_bootstrap(res, "x", draws=199, seed=1, distribution="webb", progress=False).plot()
    assert "layer" in chart.to_dict()


def test_few_clusters_warn_with_numbers() -> None:
    df = _cross_section(2, g=4, n=200)
    res = ce.twfe(df, "y ~ x + z", vcov=ce.Cluster("g"))
    with pytest.warns(CountyEconomyWarning, match=r"only 4 clusters.*16 sign vectors.*8 distinct"):
        wild_bootstrap(res, "x", seed=1, progress=False)


def test_bad_input() -> None:
    df = _cross_section(2, g=6, n=200).assign(one=1)  # columns are copied at fit time
    res = ce.twfe(df, "y ~ x + z", vcov=ce.Cluster("g"))
    with pytest.raises(InvalidOptionError, match="not a coefficient"):
        wild_bootstrap(res, "w", progress=False)
    with pytest.raises(InvalidOptionError, match="distribution='normal'"):
        wild_bootstrap(res, "x", distribution="normal", progress=False)
    with pytest.raises(InvalidOptionError, match="draws=0 is too few"):
        wild_bootstrap(res, "x", draws=0, progress=False)
    with pytest.raises(InvalidOptionError, match="needs a fitted linear model"):
        wild_bootstrap(object(), "x")
    hc = ce.twfe(df, "y ~ x + z", vcov="hc1")
    with pytest.raises(InvalidOptionError, match="pass vcov="):
        wild_bootstrap(hc, "x", progress=False)
    with pytest.raises(IdentificationError, match="1 level"):
        wild_bootstrap(hc, "x", vcov="one", progress=False)
