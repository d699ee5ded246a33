"""att_gt against independent implementations (test-only dependencies):

- ``moderndid`` (a Python port of R ``did``/``DRDID`` that its authors test against R): ATT(g,t),
  analytic SEs and all four aggregates to 1e-8, on mpdta and on a simulated panel.
- ``diff-diff`` ``CallawaySantAnna``: the same, on mpdta and on a simulated *unbalanced* panel
  (diff-diff's default panel path also uses each unit's pair of periods per cell).

Conventions that differ, and why (each asserted below, not skipped):

- diff-diff ``"dr"`` with covariates differs from R/moderndid by ~1e-6 in ATT(g,t): its DR
  estimator scales the comparison units' weights ``p/(1-p)`` by the number of treated units
  (Horvitz-Thompson), where ``DRDID::drdid_panel`` normalises them to sum to one (Hajek). Both are
  consistent (``E[(1-D) p/(1-p)] = E[D]``); they differ in finite samples. Its "reg" and "ipw"
  agree to 1e-15.
- Unbalanced panels: diff-diff weights aggregates by each cell's observed treated units (as we do)
  but builds the weight influence function from unit-level cohort shares; we differentiate the
  weights actually used. The point estimates agree to 1e-8; diff-diff's SEs are reproduced to 1e-8
  from our influence functions under its convention.
- moderndid balances an unbalanced panel (drops units not seen every year) as R ``did`` does with
  ``allow_unbalanced_panel=FALSE``; on that balanced subset we agree to 1e-8.
- moderndid 0.2.0 drops sampling weights from the aggregation shares (its ``weights_ind`` is
  ``None``); R ``did::aggte`` uses them, as we do. With weights only ATT(g,t) are compared.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from countyeconomy.datasets import load_mpdta, simulate_staggered_panel
from countyeconomy.estimators.staggered._cs_kernels import aggregate_if, weight_if
from countyeconomy.estimators.staggered.att_gt import att_gt

md = pytest.importorskip("moderndid")
dd = pytest.importorskip("diff_diff")

TOL = 1e-8
KINDS = ("simple", "group", "dynamic", "calendar")
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def mpdta(data_dir: Path) -> pd.DataFrame:
    return load_mpdta().to_frame()


def _sim_frame(unbalanced: bool) -> pd.DataFrame:
    sim = simulate_staggered_panel(
        seed=3,
        n_counties=300,
        years=range(2010, 2020),
        cohorts=(2013, 2015, 2017),
        cohort_shares=(0.2, 0.2, 0.2),
        dynamic=0.3,
        heterogeneity=0.5,
    )
    df = sim.panel.to_frame()
    df["county"] = df["county"].astype("int64")  # moderndid needs a numeric id
    if unbalanced:
        keep = np.random.default_rng(0).random(len(df)) > 0.1
        df = df.loc[keep].reset_index(drop=True)
    return df


def _ours(df: pd.DataFrame, y: str, g: str, unit: str, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(df, y, g, county=unit, year="year", **kw)


def _md(df: pd.DataFrame, y: str, g: str, unit: str, **kw: Any) -> Any:
    covs = kw.get("covariates")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return md.att_gt(
            df,
            yname=y,
            tname="year",
            idname=unit,
            gname=g,
            xformla=("~" + "+".join(covs)) if covs else None,
            est_method=kw.get("method", "dr"),
            control_group=kw.get("control", "never_treated").replace("_", ""),
            base_period=kw.get("base_period", "varying"),
            anticipation=kw.get("anticipation", 0),
            weightsname=kw.get("weights"),
            boot=False,
        )


def _assert_matches_md(ours: Any, theirs: Any, aggregates: bool = True) -> None:
    f = ours.to_frame()
    m = pd.DataFrame(
        {"cohort": theirs.groups, "year": theirs.times, "att": theirs.att_gt, "se": theirs.se_gt}
    )
    j = f.merge(m, on=["cohort", "year"], how="outer", validate="1:1")
    assert len(j) == len(f) == len(m)
    np.testing.assert_allclose(j["estimate"], j["att"], rtol=0, atol=TOL)
    np.testing.assert_allclose(j["std_error"], j["se"], rtol=0, atol=TOL)  # NaN == NaN
    if not aggregates:
        return
    for kind in KINDS:
        a = ours.aggregate(kind)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            b = md.aggte(theirs, type=kind, boot=False)
        assert abs(a.overall - b.overall_att) < TOL
        assert abs(a.overall_std_error - b.overall_se) < TOL
        if kind != "simple":
            np.testing.assert_allclose(a.params.to_numpy()[1:], b.att_by_event, atol=TOL)
            np.testing.assert_allclose(a.std_errors.to_numpy()[1:], b.se_by_event, atol=TOL)


MD_CASES = [
    {"method": "reg"},
    {"method": "dr", "covariates": ["lpop"]},
    {"method": "ipw", "covariates": ["lpop"]},
    {"method": "reg", "covariates": ["lpop"]},
    {"method": "dr", "covariates": ["lpop"], "control": "not_yet_treated"},
    {"method": "ipw", "covariates": ["lpop"], "control": "not_yet_treated"},
    {"method": "reg", "control": "not_yet_treated", "base_period": "universal"},
    {"method": "dr", "covariates": ["lpop"], "base_period": "universal"},
    {"method": "reg", "anticipation": 1},
]


@pytest.mark.parametrize("kw", MD_CASES, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_mpdta_matches_moderndid(mpdta: pd.DataFrame, kw: dict[str, Any]) -> None:
    ours = _ours(mpdta, "lemp", "first_treat", "countyreal", **kw)
    theirs = _md(mpdta, "lemp", "first_treat", "countyreal", **kw)
    _assert_matches_md(ours, theirs)


def test_mpdta_weighted_cells_match_moderndid(mpdta: pd.DataFrame) -> None:
    df = mpdta.assign(wt=np.exp(mpdta.groupby("countyreal")["lpop"].transform("first") / 5))
    for kw in ({"weights": "wt"}, {"weights": "wt", "method": "dr", "covariates": ["lpop"]}):
        ours = _ours(df, "lemp", "first_treat", "countyreal", **kw)
        _assert_matches_md(
            ours, _md(df, "lemp", "first_treat", "countyreal", **kw), aggregates=False
        )


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_simulated_balanced_matches_moderndid(control: str) -> None:
    df = _sim_frame(unbalanced=False)
    kw = {"method": "dr", "covariates": ["log_gdp_pc"], "control": control}
    ours = _ours(df, "log_rural_income", "first_treated", "county", **kw)
    theirs = _md(df, "log_rural_income", "first_treated", "county", **kw)
    _assert_matches_md(ours, theirs)


def test_unbalanced_balanced_subset_matches_moderndid() -> None:
    df = _sim_frame(unbalanced=True)
    full = df.groupby("county")["year"].transform("size") == df["year"].nunique()
    sub = df.loc[full]
    ours = _ours(sub, "log_rural_income", "first_treated", "county", method="reg")
    theirs = _md(df, "log_rural_income", "first_treated", "county", method="reg")
    _assert_matches_md(ours, theirs)


def _dd(df: pd.DataFrame, y: str, g: str, unit: str, **kw: Any) -> Any:
    est = dd.CallawaySantAnna(
        control_group=kw.get("control", "never_treated"),
        estimation_method=kw.get("method", "dr"),
        base_period=kw.get("base_period", "varying"),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(
            df,
            outcome=y,
            unit=unit,
            time="year",
            first_treat=g,
            covariates=kw.get("covariates"),
            aggregate="all",
        )


def _dd_cells(ours: Any, theirs: Any) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
    f = ours.to_frame()
    gte = theirs.group_time_effects
    att = np.array([gte[(g, t)]["effect"] for g, t in zip(f["cohort"], f["year"], strict=True)])
    se = np.array([gte[(g, t)]["se"] for g, t in zip(f["cohort"], f["year"], strict=True)])
    return att, se, f


def _dd_rows(ours: Any, theirs: Any, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a = ours.aggregate(kind).to_frame().iloc[1:]
    col, eff = (
        ("event_time", theirs.event_study_effects)
        if kind == "dynamic"
        else ("cohort", theirs.group_effects)
    )
    labels = a[col].astype(int).tolist()
    est = np.array([eff[k]["effect"] for k in labels])
    se = np.array([eff[k]["se"] for k in labels])
    return est, se, a


DD_CASES = [
    {"method": "reg"},
    {"method": "ipw", "covariates": ["COV"]},
    {"method": "reg", "covariates": ["COV"]},
    {"method": "reg", "control": "not_yet_treated"},
    {"method": "ipw", "covariates": ["COV"], "control": "not_yet_treated"},
]


@pytest.mark.parametrize("kw", DD_CASES, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_mpdta_matches_diff_diff(mpdta: pd.DataFrame, kw: dict[str, Any]) -> None:
    kw = {k: (["lpop"] if v == ["COV"] else v) for k, v in kw.items()}
    ours = _ours(mpdta, "lemp", "first_treat", "countyreal", **kw)
    theirs = _dd(mpdta, "lemp", "first_treat", "countyreal", **kw)
    att, se, f = _dd_cells(ours, theirs)
    np.testing.assert_allclose(f["estimate"], att, atol=TOL)
    np.testing.assert_allclose(f["std_error"], se, atol=TOL)
    simple = ours.aggregate("simple")
    assert abs(simple.overall - theirs.overall_att) < TOL
    assert abs(simple.overall_std_error - theirs.overall_se) < TOL
    for kind in ("dynamic", "group"):
        est, se_r, a = _dd_rows(ours, theirs, kind)
        np.testing.assert_allclose(a["estimate"], est, atol=TOL)
        np.testing.assert_allclose(a["std_error"], se_r, atol=TOL)


def test_mpdta_dr_covariates_diff_diff_convention(mpdta: pd.DataFrame) -> None:
    kw: dict[str, Any] = {"method": "dr", "covariates": ["lpop"]}
    ours = _ours(mpdta, "lemp", "first_treat", "countyreal", **kw)
    att, _se, f = _dd_cells(ours, _dd(mpdta, "lemp", "first_treat", "countyreal", **kw))
    gap = float(np.max(np.abs(f["estimate"].to_numpy() - att)))
    assert 0 < gap < 5e-5  # documented: diff-diff's DR differs slightly from DRDID::drdid_panel


@pytest.mark.parametrize("kw", DD_CASES, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_unbalanced_matches_diff_diff(kw: dict[str, Any]) -> None:
    kw = {k: (["log_gdp_pc"] if v == ["COV"] else v) for k, v in kw.items()}
    df = _sim_frame(unbalanced=True)
    ours = _ours(df, "log_rural_income", "first_treated", "county", **kw)
    assert not ours.info.balanced
    theirs = _dd(df, "log_rural_income", "first_treated", "county", **kw)
    att, se, f = _dd_cells(ours, theirs)
    np.testing.assert_allclose(f["estimate"], att, atol=TOL)
    np.testing.assert_allclose(f["std_error"], se, atol=TOL)
    assert abs(ours.aggregate("simple").overall - theirs.overall_att) < TOL
    for kind in ("dynamic", "group"):
        est, se_r, a = _dd_rows(ours, theirs, kind)
        np.testing.assert_allclose(a["estimate"], est, atol=TOL)
        if kind == "group":  # equal-weight rows: no weight influence function involved
            np.testing.assert_allclose(a["std_error"], se_r, atol=TOL)
    # diff-diff's simple SE: our cell influence functions, cell weights, unit-level weight IF
    st = ours.model
    n = st.inf.shape[0]
    post = np.flatnonzero(f["post"].to_numpy())
    g = f["cohort"].to_numpy()
    pg_unit = np.array([np.mean(st.cohort == x) for x in g])
    ind_unit = (st.cohort[:, None] == g[None, :]).astype(float)
    nt = f["n_treated"].to_numpy()[post].astype(float)
    wif = weight_if(post, pg_unit, np.ones(n), ind_unit)
    psi = aggregate_if(st.inf, f["estimate"].to_numpy(), post, nt / nt.sum(), wif)
    assert abs(float(np.sqrt(psi @ psi)) / n - theirs.overall_se) < TOL
