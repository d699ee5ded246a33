"""dose_did: diff-diff's ContinuousDiD (R contdid's conventions), the binary-dose identity with
att_gt, known truth, discrete doses, lowest-dose comparisons, bands and errors.

moderndid 0.2.0's ``cont_did`` fails under polars 2 (``is_in`` on Float64 vs List(Int64)), the
version this project pins, so diff-diff 3.13.0 is the oracle.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce

KEYS = {"county": "id", "year": "year"}


def panel(
    seed: int, n: int = 2000, cohorts: tuple[int, ...] = (3, 4), years: int = 5
) -> pd.DataFrame:
    """Never treated (30%) and cohorts; dose U(0.5, 2); effect d**2 from adoption on."""
    rng = np.random.default_rng(seed)
    yrs = np.arange(1, years + 1)
    g = rng.choice([0, *cohorts], size=n, p=[0.3, *[0.7 / len(cohorts)] * len(cohorts)])
    d = np.where(g > 0, rng.uniform(0.5, 2.0, n), 0.0)
    unit = np.repeat(np.arange(n), len(yrs))
    t = np.tile(yrs, n)
    gg, dd = g[unit], d[unit]
    df = pd.DataFrame({"id": unit, "year": t, "g": gg, "d": dd})
    on = (gg > 0) & (t >= gg)
    df["y"] = rng.normal(size=n)[unit] + 0.2 * t + on * dd**2 + rng.normal(size=len(t))
    return df


GRID = np.linspace(0.6, 1.9, 5)


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
@pytest.mark.parametrize("knots", [0, 2])
def test_equals_diff_diff(control: str, knots: int) -> None:
    dd = pytest.importorskip("diff_diff")
    df = panel(0)
    res = ce.dose_did(df, "y", "d", cohort="g", grid=GRID, control=control, knots=knots, **KEYS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = dd.ContinuousDiD(dvals=GRID, control_group=control, num_knots=knots).fit(
            df, "y", "id", "year", "g", "d"
        )
    est, se = res.params.to_numpy(), res.std_errors.to_numpy()
    np.testing.assert_allclose(est[:2], [ref.overall_att, ref.overall_acrt], atol=1e-10)
    np.testing.assert_allclose(est[2:7], ref.dose_response_att.effects, atol=1e-10)
    np.testing.assert_allclose(est[7:], ref.dose_response_acrt.effects, atol=1e-10)
    assert se[0] == pytest.approx(ref.overall_att_se, rel=2e-3)
    np.testing.assert_allclose(se[2:7], ref.dose_response_att.se, rtol=2e-3)
    np.testing.assert_allclose(se[7:], ref.dose_response_acrt.se, rtol=2e-3)
    # overall ACRT: diff-diff treats the treated doses as fixed; the paper's target
    # E[ACRT(D) | D > 0] is estimated by an average over the sampled doses, whose variability
    # (ACRT(D_i) - ACRT^o) / n_T enters the influence function here: a larger SE
    assert se[1] > ref.overall_acrt_se


def test_two_periods_acrt_se_without_dose_term_equals_diff_diff() -> None:
    dd = pytest.importorskip("diff_diff")
    df = panel(1, cohorts=(2,), years=2)
    res = ce.dose_did(df, "y", "d", cohort="g", grid=GRID, **KEYS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = dd.ContinuousDiD(dvals=GRID).fit(df, "y", "id", "year", "g", "d")
    assert res.std_errors.iloc[0] == pytest.approx(ref.overall_att_se, rel=1e-10)
    np.testing.assert_allclose(res.std_errors.to_numpy()[7:], ref.dose_response_acrt.se)


def test_binary_dose_equals_att_gt() -> None:
    sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    p = sim.panel
    frame = p.frame.assign(dose=(p.frame["first_treated"] > 0).astype(float))
    res = ce.dose_did(
        frame, "log_rural_income", "dose", cohort="first_treated", county=p.county, year=p.year
    )
    ref = ce.att_gt(p, "log_rural_income", "first_treated")
    np.testing.assert_allclose(res.cells.params.to_numpy(), ref.params.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(res.cells.std_errors, ref.std_errors, rtol=1e-10)
    grp = ref.aggregate("group")
    assert res.params["ATT"] == pytest.approx(grp.overall, abs=1e-12)
    assert res.std_errors["ATT"] == pytest.approx(grp.overall_std_error, rel=1e-10)
    assert res.params["ATT(d=1)"] == pytest.approx(grp.overall, abs=1e-12)
    dyn, ref_dyn = res.cells.aggregate("dynamic"), ref.aggregate("dynamic")
    np.testing.assert_allclose(dyn.params.to_numpy(), ref_dyn.params.to_numpy(), atol=1e-12)
    assert res.info.method == "dose_did" and res.info.estimation == "discrete"


@pytest.mark.parametrize("seed", range(3))
def test_known_truth(seed: int) -> None:
    df = panel(10 + seed, n=3000)
    res = ce.dose_did(df, "y", "d", cohort="g", grid=GRID, **KEYS)
    treated = df.loc[(df["g"] > 0) & (df["year"] == 1), "d"].to_numpy()
    z = res.params.to_numpy() - np.r_[np.mean(treated**2), 2 * treated.mean(), GRID**2, 2 * GRID]
    assert np.all(np.abs(z / res.std_errors.to_numpy()) < 4.5)


def test_coverage_over_seeds() -> None:
    hits = np.zeros(12)
    for seed in range(20):
        df = panel(100 + seed, n=1500)
        res = ce.dose_did(df, "y", "d", cohort="g", grid=GRID, **KEYS)
        tr = df.loc[(df["g"] > 0) & (df["year"] == 1), "d"].to_numpy()
        truth = np.r_[np.mean(tr**2), 2 * tr.mean(), GRID**2, 2 * GRID]
        ci = res.conf_int().to_numpy()
        hits += (ci[:, 0] <= truth) & (truth <= ci[:, 1])
    assert hits.min() >= 15


def test_twfe_with_a_continuous_dose_is_wrong_here() -> None:
    """ATT(d) = d**2: the TWFE slope on the dose (untreated units at dose 0 in the regression)
    is Cov(D, D**2) / Var(D) over all units, about 1.7, not the ACRT = E[2D | D > 0] = 2.5."""
    df = panel(3, n=3000, cohorts=(3,), years=4)
    res = ce.dose_did(df, "y", "d", cohort="g", grid=GRID, **KEYS)
    tr = df.loc[(df["g"] > 0) & (df["year"] == 1), "d"].to_numpy()
    assert abs(res.params["ACRT"] - 2 * tr.mean()) < 4 * res.std_errors["ACRT"]
    df["dpost"] = df["d"] * (df["year"] >= df["g"]) * (df["g"] > 0)
    fe = ce.twfe(df, "y ~ dpost | id + year", **KEYS)
    assert abs(fe.params["dpost"] - 2 * tr.mean()) > 8 * fe.std_errors["dpost"]


def test_discrete_doses_and_lowest_dose() -> None:
    rng = np.random.default_rng(4)
    n = 3000
    d = rng.choice([1.0, 2.0, 3.0], size=n)
    df = pd.DataFrame(
        {"id": np.repeat(np.arange(n), 2), "year": np.tile([1, 2], n), "d": np.repeat(d, 2), "g": 2}
    )
    df["y"] = (df["year"] == 2) * (0.5 + df["d"]) + rng.normal(size=2 * n)
    res = ce.dose_did(df, "y", "d", cohort="g", control="lowest_dose", **KEYS)
    frame = res.curve("ATT(d)")
    assert frame["dose"].tolist() == [2.0, 3.0]
    np.testing.assert_allclose(frame["estimate"], [1.0, 2.0], atol=0.15)
    np.testing.assert_allclose(res.curve("ACRT(d)")["estimate"], [1.0, 1.0], atol=0.15)
    with pytest.raises(ce.errors.IdentificationError, match="lowest_dose"):
        ce.dose_did(df, "y", "d", cohort="g", **KEYS)


def test_bootstrap_bands_and_charts() -> None:
    df = panel(5, n=800)
    a = ce.dose_did(df, "y", "d", cohort="g", draws=999, seed=3, **KEYS)
    b = ce.dose_did(df, "y", "d", cohort="g", draws=999, seed=3, **KEYS)
    np.testing.assert_array_equal(a.std_errors.to_numpy(), b.std_errors.to_numpy())
    curve = a.curve("ATT(d)")
    assert (curve["band_high"] - curve["band_low"] > curve["ci_high"] - curve["ci_low"]).all()
    for kind in ("att", "acrt", "doses"):
        assert a.plot(kind=kind) is not None


def test_errors() -> None:
    df = panel(6, n=400)
    with pytest.raises(ce.errors.CountyEconomyError, match="dose"):
        ce.dose_did(df.assign(d=-df["d"]), "y", "d", cohort="g", **KEYS)
    with pytest.raises(ce.errors.CountyEconomyError, match="disagree"):
        ce.dose_did(df.assign(d=1.0), "y", "d", cohort="g", **KEYS)
    with pytest.raises(ce.errors.IdentificationError, match="distinct"):
        few = df.assign(d=np.where(df["d"] > 0, np.round(df["d"] * 2) / 2, 0.0))
        ce.dose_did(few, "y", "d", cohort="g", knots=3, discrete=False, **KEYS)
    with pytest.raises(ce.errors.InvalidOptionError):
        ce.dose_did(df, "y", "d", cohort="g", degree=0, **KEYS)


def test_dose_bins() -> None:
    """One bin over the whole range is the overall effect; bins recover their truth, and the
    bands still attach to the curves only."""
    df = panel(7, n=3000)
    whole = ce.dose_did(df, "y", "d", cohort="g", grid=GRID, bins=[0.5, 2.0], **KEYS)
    np.testing.assert_allclose(whole.params.iloc[2:4].to_numpy(), whole.params.iloc[:2])
    np.testing.assert_allclose(whole.std_errors.iloc[2:4].to_numpy(), whole.std_errors.iloc[:2])
    res = ce.dose_did(
        df, "y", "d", cohort="g", grid=GRID, bins=[0.5, 1.0, 2.0], draws=999, seed=2, **KEYS
    )
    assert list(res.params.index[2:6]) == [
        "ATT(bin=[0.5,1))",
        "ATT(bin=[1,2])",
        "ACRT(bin=[0.5,1))",
        "ACRT(bin=[1,2])",
    ]
    tr = df.loc[(df["g"] > 0) & (df["year"] == 1), "d"].to_numpy()
    lo, hi = tr[tr < 1.0], tr[tr >= 1.0]
    truth = [np.mean(lo**2), np.mean(hi**2), 2 * lo.mean(), 2 * hi.mean()]
    z = (res.params.iloc[2:6].to_numpy() - truth) / res.std_errors.iloc[2:6].to_numpy()
    assert np.all(np.abs(z) < 4.5)
    frame = res.to_frame()
    assert frame.loc[frame["estimand"] == "ATT(bin)", "band_low"].isna().all()
    assert frame.loc[frame["estimand"] == "ATT(d)", "band_low"].notna().all()
    with pytest.raises(ce.errors.InvalidOptionError, match="bins"):
        ce.dose_did(df, "y", "d", cohort="g", bins=[2.0, 1.0], **KEYS)
