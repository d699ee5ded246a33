"""Mechanism analysis: Jiang (2022) default, Baron-Kenny opt-in, Sobel, cluster bootstrap."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import FormulaError, IdentificationError, InvalidOptionError
from countyeconomy.estimators.mechanism import MediationWarning, mechanism

# UCLA hsbdemo (N = 200), columns read, math, science; from the public copy
# github.com/TidyPython/SPSS hsbdemo.csv (commit e0e1703a), the UCLA IDRE file hsbdemo.dta.
HSBDEMO = (
    "34,41,29;34,41,36;39,44,26;37,42,33;39,40,39;42,42,31;31,46,39;50,40,34;39,33,42;"
    "34,46,39;34,40,39;39,38,47;47,44,36;36,37,42;35,40,51;44,39,34;28,43,44;42,38,36;"
    "34,45,39;34,39,42;42,42,42;37,45,39;41,40,39;44,40,40;47,43,42;44,49,39;44,44,35;"
    "44,46,39;47,46,40;44,41,39;47,42,42;47,47,42;47,43,45;47,49,33;44,40,50;42,39,56;"
    "50,49,44;41,42,34;42,43,50;47,41,42;42,57,47;50,50,36;45,44,34;50,39,49;39,52,44;"
    "42,41,42;47,39,47;39,39,47;47,52,39;44,48,39;50,45,44;55,40,44;44,46,47;45,50,31;"
    "44,43,44;42,43,50;47,54,42;36,42,50;47,45,34;44,54,58;42,47,47;50,45,55;47,43,48;"
    "43,40,50;48,52,44;47,52,48;42,45,50;52,49,44;50,53,39;39,54,50;42,50,50;47,48,44;"
    "52,51,53;57,41,47;42,51,47;47,46,50;46,55,44;50,46,50;44,61,50;50,45,58;36,54,61;"
    "39,54,53;47,51,50;52,49,55;50,56,47;50,53,53;47,49,53;55,57,53;50,42,53;55,46,58;"
    "50,45,58;43,55,55;63,47,53;57,50,51;50,41,55;55,52,42;47,57,53;50,53,55;60,51,53;"
    "57,57,55;44,51,63;57,40,61;52,50,54;42,57,72;63,35,66;61,49,44;60,50,50;52,55,53;"
    "52,48,55;57,52,50;47,53,53;57,59,47;55,66,42;52,57,55;47,54,58;47,57,58;55,54,49;"
    "63,54,50;57,54,50;60,49,50;57,51,53;52,58,53;47,60,50;47,51,63;47,63,53;52,50,61;"
    "50,53,61;52,53,61;55,55,50;55,56,58;63,49,55;55,61,61;63,49,66;65,57,46;52,66,47;"
    "47,56,66;60,60,55;54,57,55;63,59,65;60,58,58;60,57,61;52,64,58;57,60,58;63,54,58;"
    "53,61,57;55,58,58;57,56,58;52,60,56;63,55,58;63,57,55;55,62,58;63,56,55;57,51,63;"
    "68,56,50;50,61,63;57,63,55;65,61,58;60,67,50;63,48,63;47,61,69;52,57,63;65,48,63;"
    "63,65,54;60,62,61;68,61,55;68,53,63;60,58,61;55,64,63;63,65,53;68,56,63;55,63,69;"
    "73,57,55;57,72,54;50,66,66;68,62,55;68,58,59;65,63,55;65,64,58;57,72,61;76,64,64;"
    "63,69,61;65,70,63;65,66,61;68,58,74;73,62,58;66,67,61;68,64,69;65,63,66;65,68,66;"
    "68,75,66;71,69,58;68,65,69;68,71,66;73,71,61;76,60,67;63,71,69;63,75,72;73,71,63;"
    "71,72,66;73,73,69;"
)


def _hsbdemo() -> pd.DataFrame:
    rows = [tuple(int(v) for v in r.split(",")) for r in HSBDEMO.strip(";").split(";")]
    return pd.DataFrame(rows, columns=["read", "math", "science"])


def _panel(seed: int = 0, n: int = 80) -> pd.DataFrame:
    """Staggered panel with a true mediator: emp = 0.5 policy + noise; y += 0.3 emp."""
    sim = ce.datasets.simulate_staggered_panel(seed=seed, n_counties=n)
    df = sim.panel.frame.copy()
    rng = np.random.default_rng(seed + 100)
    df["emp"] = 0.5 * df["policy"] + rng.normal(0, 0.2, len(df))
    df["log_rural_income"] = df["log_rural_income"] + 0.3 * df["emp"]
    return df


def _quiet(*args: object, **kwargs: object) -> ce.estimators.mechanism.MechanismResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MediationWarning)
        return mechanism(*args, progress=False, **kwargs)  # type: ignore[arg-type]


SPEC = dict(treatment="policy", mediator="emp", outcome="log_rural_income")


def test_first_stage_equals_twfe_same_specification() -> None:
    df = _panel()
    res = _quiet(df, **SPEC, covariates=["log_gdp_pc"], county="county", year="year", theory="t")
    ref = ce.twfe(df, "emp ~ policy + log_gdp_pc | county + year", county="county", year="year")
    np.testing.assert_allclose(res.params["a"], ref.params["policy"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(res.std_errors["a"], ref.std_errors["policy"], atol=1e-12)
    tot = ce.twfe(
        df, "log_rural_income ~ policy + log_gdp_pc | county + year", county="county", year="year"
    )
    np.testing.assert_allclose(res.params["c"], tot.params["policy"], atol=1e-12)
    assert res.outcome_model is None and res.sobel is None  # no causal M -> Y regression
    assert list(res.to_frame().columns) == list(ce.estimators.COLUMNS)


def test_jiang_default_warns_without_theory_and_shows_theory() -> None:
    df = _panel()
    with pytest.warns(MediationWarning, match="theory"):
        res = mechanism(df, **SPEC, county="county", year="year", progress=False)
    assert "NOT ARGUED" in res.summary().as_text()
    res2 = _quiet(df, **SPEC, county="county", year="year", theory="Jobs raise wages (ref.)")
    assert "Jobs raise wages" in res2.summary().as_text()
    assert "Jobs raise wages" in res2._repr_html_()


def test_baron_kenny_warns_citing_jiang() -> None:
    with pytest.warns(MediationWarning, match="Jiang"):
        mechanism(
            _panel(),
            **SPEC,
            county="county",
            year="year",
            approach="baron_kenny",
            draws=0,
            theory="t",
            progress=False,
        )


def test_identity_total_equals_direct_plus_indirect() -> None:
    df = _panel(1)
    df.loc[df.index[::17], "emp"] = np.nan  # the common sample must handle this
    with pytest.warns(ce.errors.RowsDroppedWarning):
        res = _quiet(df, **SPEC, county="county", year="year", approach="baron_kenny", draws=0)
    p = res.params
    np.testing.assert_allclose(p["c"], p["c_prime"] + p["a"] * p["b"], rtol=0, atol=1e-10)
    assert res.total.nobs == res.first_stage.nobs == res.outcome_model.nobs  # type: ignore[union-attr]


def test_sobel_matches_formula() -> None:
    res = _quiet(_panel(2), **SPEC, county="county", year="year", approach="baron_kenny", draws=0)
    a, sa = res.params["a"], res.std_errors["a"]
    b, sb = res.params["b"], res.std_errors["b"]
    t = res.sobel.table.set_index("test")  # type: ignore[union-attr]
    z = a * b / np.sqrt(b**2 * sa**2 + a**2 * sb**2)
    np.testing.assert_allclose(t.loc["sobel", "statistic"], z, rtol=1e-12)
    z_aroian = a * b / np.sqrt(b**2 * sa**2 + a**2 * sb**2 + sa**2 * sb**2)
    z_goodman = a * b / np.sqrt(b**2 * sa**2 + a**2 * sb**2 - sa**2 * sb**2)
    np.testing.assert_allclose(t.loc["aroian", "statistic"], z_aroian, rtol=1e-12)
    np.testing.assert_allclose(t.loc["goodman", "statistic"], z_goodman, rtol=1e-12)
    np.testing.assert_allclose(res.share_mediated, a * b / res.params["c"], rtol=1e-12)


def test_bootstrap_matches_hand_loop_and_executor() -> None:
    df = _panel(3, n=40)
    seed, draws = 11, 19
    res = _quiet(
        df, **SPEC, county="county", year="year", approach="baron_kenny", draws=draws, seed=seed
    )
    counties = np.sort(df["county"].unique())
    g = len(counties)
    # map_chunks: chunk c of 50 draws uses child c of SeedSequence(seed)
    sizes = [min(50, draws - i) for i in range(0, draws, 50)]
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    idx = np.concatenate(
        [
            np.random.default_rng(ch).integers(0, g, size=(m, g))
            for m, ch in zip(sizes, children, strict=True)
        ]
    )
    by_county = {c: part for c, part in df.groupby("county")}
    expect = []
    for draw in idx:
        parts = [by_county[counties[j]].assign(county=k) for k, j in enumerate(draw)]
        boot = pd.concat(parts, ignore_index=True)
        a = ce.twfe(boot, "emp ~ policy | county + year", county="county", year="year")
        b = ce.twfe(
            boot, "log_rural_income ~ policy + emp | county + year", county="county", year="year"
        )
        expect.append((a.params["policy"], b.params["emp"]))
    np.testing.assert_allclose(res.boot_draws, np.array(expect), rtol=0, atol=1e-10)
    ab = np.prod(np.array(expect), axis=1)
    lo, hi = res.bootstrap_ci(0.9)
    np.testing.assert_allclose([lo, hi], np.quantile(ab, [0.05, 0.95]), atol=1e-12)
    with ThreadPoolExecutor(2) as ex:
        again = _quiet(
            df,
            **SPEC,
            county="county",
            year="year",
            approach="baron_kenny",
            draws=draws,
            seed=seed,
            executor=ex,
        )
    np.testing.assert_array_equal(again.boot_draws, res.boot_draws)


def test_bias_corrected_interval() -> None:
    res = _quiet(
        _panel(4, n=60),
        **SPEC,
        county="county",
        year="year",
        approach="baron_kenny",
        draws=200,
        seed=1,
    )
    from scipy import stats

    ab = res.boot_draws[:, 0] * res.boot_draws[:, 1]  # type: ignore[index]
    z0 = stats.norm.ppf(np.mean(ab < res.params["indirect"]))
    q = stats.norm.cdf(2 * z0 + stats.norm.ppf([0.025, 0.975]))
    np.testing.assert_allclose(res.bootstrap_ci(kind="bc"), np.quantile(ab, q), atol=1e-12)
    frame = res.to_frame()
    row = frame.set_index("term").loc["indirect"]
    assert row["ci_low"] == pytest.approx(res.bootstrap_ci()[0])
    assert res.plot().to_dict()["$schema"].startswith("https://vega.github.io")


def test_hsbdemo_reference() -> None:
    """UCLA IDRE FAQ "How can I perform a Sobel-Goodman mediation test in Stata?"
    (``sgmediation science, mv(read) iv(math)`` on hsbdemo; METHODS.md B13):
    path c: math .66658 (SE .0582822), residual SS 11746.9421;
    path a: math .724807 (SE .0582745), residual SS 11743.8493;
    paths b and c': residual SS 10178.7606, R-squared .4782; "approximately 40%" mediated.
    Stata prints 6-7 significant digits, hence the tolerances. b and c' are not in the retrieved
    excerpt of the page: they are checked against an independent statsmodels OLS of the step-3
    regression instead."""
    res = _quiet(
        _hsbdemo(),
        "math",
        "read",
        "science",
        absorb=None,
        vcov="iid",
        approach="baron_kenny",
        draws=0,
    )
    p, se = res.params, res.std_errors
    assert p["c"] == pytest.approx(0.66658, abs=5e-6)
    assert se["c"] == pytest.approx(0.0582822, abs=5e-8)
    assert p["a"] == pytest.approx(0.724807, abs=5e-7)
    assert se["a"] == pytest.approx(0.0582745, abs=5e-8)
    assert res.total.info.rss == pytest.approx(11746.9421, abs=5e-5)
    assert res.first_stage.info.rss == pytest.approx(11743.8493, abs=5e-5)
    om = res.outcome_model
    assert om is not None
    assert om.info.rss == pytest.approx(10178.7606, abs=5e-5)
    assert om.info.r2 == pytest.approx(0.4782, abs=5e-5)
    assert res.share_mediated == pytest.approx(0.40, abs=0.01)
    np.testing.assert_allclose(p["c"], p["c_prime"] + p["a"] * p["b"], atol=1e-10)
    import statsmodels.api as sm

    hsb = _hsbdemo()
    step3 = sm.OLS(hsb["science"], sm.add_constant(hsb[["math", "read"]])).fit()
    assert p["b"] == pytest.approx(step3.params["read"], rel=1e-10)
    assert p["c_prime"] == pytest.approx(step3.params["math"], rel=1e-10)
    assert se["b"] == pytest.approx(step3.bse["read"], rel=1e-8)


def test_bad_input() -> None:
    df = _panel()
    with pytest.raises(FormulaError, match="nope"):
        _quiet(df, "policy", "nope", "log_rural_income", county="county", year="year")
    with pytest.raises(InvalidOptionError, match="approach"):
        _quiet(df, **SPEC, county="county", year="year", approach="sobel")
    with pytest.raises(InvalidOptionError, match="draws"):
        _quiet(df, **SPEC, county="county", year="year", draws=-1)
    with pytest.raises(IdentificationError, match="variation"):
        _quiet(df.assign(policy=0), **SPEC, county="county", year="year")
    res = _quiet(df, **SPEC, county="county", year="year", theory="t")
    with pytest.raises(InvalidOptionError, match="draws"):
        res.bootstrap_ci()


def test_does_not_mutate_input() -> None:
    df = _panel()
    before = df.copy()
    _quiet(df, **SPEC, county="county", year="year", approach="baron_kenny", draws=19, seed=0)
    pd.testing.assert_frame_equal(df, before)


def test_row_bootstrap_without_clusters() -> None:
    df = _panel(6, n=40)
    res = _quiet(
        df,
        **SPEC,
        county="county",
        year="year",
        vcov="hc1",
        approach="baron_kenny",
        draws=30,
        seed=2,
    )
    assert res.info.bootstrap_unit == "row"
    assert res.boot_draws is not None and res.boot_draws.shape == (30, 2)
    lo, hi = res.bootstrap_ci()
    assert lo < res.params["indirect"] < hi
