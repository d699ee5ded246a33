"""PSM-DID against a hand-written nearest-neighbour matching and the balance formulas."""

from __future__ import annotations

import dataclasses
import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import countyeconomy as ce
from countyeconomy.errors import (
    FormulaError,
    IdentificationError,
    InvalidOptionError,
    RowsDroppedWarning,
    TreatmentTimingError,
)
from countyeconomy.robustness import PSMDIDResult, psm_did

YEARS = range(2010, 2016)
POLICY = 2013


def _panel(seed: int = 0, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.normal(size=n)
    treated = rng.random(n) < 1 / (1 + np.exp(-(-0.8 + 1.2 * x1 - 0.6 * x2)))
    rows = []
    for i in range(n):
        for t in YEARS:
            d = int(treated[i] and t >= POLICY)
            y = 0.3 * x1[i] * (t - 2010) / 5 + 0.2 * x2[i] + 0.15 * d + rng.normal(scale=0.05)
            # covariates drift over time; matching must use the base year's values
            rows.append((f"c{i:03d}", t, x1[i] + 0.01 * (t - 2010), x2[i], d, y))
    return pd.DataFrame(rows, columns=["county", "year", "x1", "x2", "d", "y"])


def _fit(df: pd.DataFrame, **kw: object) -> PSMDIDResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RowsDroppedWarning)
        return psm_did(df, "y", "d", ["x1", "x2"], county="county", year="year", **kw)  # type: ignore[arg-type]


def _hand_nn(df: pd.DataFrame) -> tuple[dict[str, float], float]:
    """1:1 nearest neighbour with replacement on the 2012 cross-section, written out longhand."""
    base = df[df["year"] == POLICY - 1].sort_values("county").reset_index(drop=True)
    treated = df.groupby("county")["d"].max().reindex(base["county"]).to_numpy() == 1
    x = sm.add_constant(base[["x1", "x2"]].to_numpy())
    ps = sm.Logit(treated.astype(float), x).fit(disp=0).predict(x)
    lo, hi = ps[~treated].min(), ps[~treated].max()
    weight: dict[str, float] = {}
    for i in range(len(base)):
        if not treated[i] or not lo <= ps[i] <= hi:
            continue
        best, best_d = -1, np.inf
        for j in range(len(base)):
            if not treated[j] and abs(ps[j] - ps[i]) < best_d:
                best, best_d = j, abs(ps[j] - ps[i])
        weight[base["county"][i]] = 1.0
        cj = base["county"][best]
        weight[cj] = weight.get(cj, 0.0) + 1.0
    # weighted 2x2 DID on the balanced panel: change of the post-minus-pre mean per county
    change = df.assign(post=df["year"] >= POLICY).groupby(["county", "post"])["y"].mean().unstack()
    delta = (change[True] - change[False]).to_dict()
    tr = [c for c in weight if treated[base.index[base["county"] == c][0]]]
    co = [c for c in weight if c not in tr]
    att = np.mean([delta[c] for c in tr]) - np.average(
        [delta[c] for c in co], weights=[weight[c] for c in co]
    )
    return weight, float(att)


def test_nearest_neighbour_matches_hand_implementation() -> None:
    df = _panel()
    res = _fit(df)
    weight, att = _hand_nn(df)
    col = res.scores.set_index("county")["weight"]
    got = col[col > 0].to_dict()
    assert got.keys() == weight.keys()
    for c, w in weight.items():
        assert got[c] == pytest.approx(w)
    assert res.att == pytest.approx(att, abs=1e-10)
    assert set(res.matched["county"]) == set(weight)
    assert res.info.base_year == POLICY - 1
    assert len(res.matched) == len(weight) * len(YEARS)


def test_balance_statistics_follow_their_formulas() -> None:
    df = _panel(seed=1)
    res = _fit(df)
    s = res.scores
    tr = s["treated"].to_numpy(dtype=bool)
    w = s["weight"].to_numpy()
    row = res.balance.set_index("covariate").loc["x1"]
    x = s["x1"].to_numpy()
    vt, vc = x[tr].var(ddof=1), x[~tr].var(ddof=1)
    bias_b = 100 * (x[tr].mean() - x[~tr].mean()) / np.sqrt((vt + vc) / 2)
    assert row["bias_before"] == pytest.approx(bias_b)
    assert row["var_ratio_before"] == pytest.approx(vt / vc)
    mt = np.average(x[tr & (w > 0)], weights=w[tr & (w > 0)])
    mc = np.average(x[~tr & (w > 0)], weights=w[~tr & (w > 0)])
    assert row["bias_after"] == pytest.approx(100 * (mt - mc) / np.sqrt((vt + vc) / 2))
    # t-test before: the classical pooled-variance two-sample test
    from scipy import stats

    t, p = stats.ttest_ind(x[tr], x[~tr])
    assert row["t_before"] == pytest.approx(t)
    assert row["p_before"] == pytest.approx(p)
    # t-test after: WLS of x on the treated dummy with the matching weights
    keep = w > 0
    wls = sm.WLS(x[keep], sm.add_constant(tr[keep].astype(float)), weights=w[keep]).fit()
    assert row["t_after"] == pytest.approx(wls.tvalues[1])
    assert abs(row["bias_after"]) < abs(row["bias_before"])


def test_kernel_radius_and_options_run() -> None:
    df = _panel(seed=2)
    kern = _fit(df, method="kernel", bandwidth=0.06)
    assert kern.scores.loc[kern.scores["treated"], "weight"].isin([0.0, 1.0]).all()
    tot_t = kern.scores.loc[kern.scores["treated"], "weight"].sum()
    assert kern.scores.loc[~kern.scores["treated"], "weight"].sum() == pytest.approx(tot_t)
    rad = _fit(df, method="radius", caliper=0.1)
    assert rad.info.treated_matched <= rad.info.treated
    nr = _fit(df, replacement=False, k=1)
    ctrl = nr.scores.loc[~nr.scores["treated"], "weight"]
    assert ctrl.max() <= 1.0
    cal = _fit(df, caliper=0.01)
    assert cal.info.treated_matched <= _fit(df).info.treated_matched
    k3 = _fit(df, k=3)
    assert k3.scores.loc[~k3.scores["treated"], "weight"].sum() == pytest.approx(
        k3.info.treated_matched
    )
    by = _fit(df, by_year=True)
    assert by.scores["year"].nunique() == len(YEARS)
    assert by.info.base_year is None
    assert "PSM-DID" in repr(kern)
    assert kern.plot().to_dict()["$schema"].startswith("https://vega.github.io/schema/vega-lite")
    assert kern.with_vcov("hc1").att == pytest.approx(kern.att)


def test_rows_dropped_are_announced() -> None:
    df = _panel(seed=3)
    with pytest.warns(RowsDroppedWarning, match="dropped"):
        res = psm_did(df, "y", "d", ["x1", "x2"], county="county", year="year")
    assert res.info.rows_dropped == len(df) - len(res.matched)


def test_errors() -> None:
    df = _panel(seed=4)
    with pytest.raises(FormulaError, match="x9"):
        psm_did(df, "y", "d", ["x9"], county="county", year="year")
    with pytest.raises(InvalidOptionError, match="method"):
        _fit(df, method="exact")
    with pytest.raises(InvalidOptionError, match="caliper"):
        _fit(df, method="radius")
    # perfect separation of scores: every treated county above every control
    sep = df.copy()
    treated = sep.groupby("county")["d"].transform("max") == 1
    sep.loc[treated, "x1"] += 50.0
    with pytest.raises(IdentificationError, match="no common support"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        psm_did(sep, "y", "d", ["x1"], county="county", year="year")


def test_accepts_panel_and_does_not_mutate() -> None:
    df = _panel(seed=5)
    before = df.copy()
    panel = ce.Panel.from_frame(df, county="county", year="year")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RowsDroppedWarning)
        res = psm_did(panel, "y", "d", ["x1", "x2"])
    pd.testing.assert_frame_equal(df, before)
    assert res.att == pytest.approx(_fit(df).att)


def test_bad_arguments_are_named() -> None:
    df = _panel(seed=4)
    cases: list[tuple[dict[str, object], str]] = [
        ({"k": 0}, "k=0"),
        ({"k": 1.5}, "k=1.5"),
        ({"bandwidth": -1.0}, "bandwidth=-1.0"),
        ({"caliper": 0.0}, "caliper=0.0"),
        ({"by_year": "yes"}, "by_year='yes'"),
        ({"base_year": 1999}, "base_year=1999"),
    ]
    for kw, msg in cases:
        with pytest.raises(ce.CountyEconomyError, match=re.escape(msg)):
            _fit(df, **kw)
    with pytest.raises(FormulaError, match=r"'nope' \(outcome\)"):
        psm_did(df, "nope", "d", ["x1"], county="county", year="year")
    with pytest.raises(InvalidOptionError, match="covariates"):
        psm_did(df, "y", "d", [], county="county", year="year")
    bad = df.assign(d=df["d"] * 2)
    with pytest.raises(TreatmentTimingError, match="treatment='d'"):
        _fit(bad)
    text = df.assign(x1=df["x1"].astype(str))
    with pytest.raises(FormulaError, match="numeric"):
        _fit(text)
    with pytest.raises(ce.CountyEconomyError, match="data must be"):
        psm_did([1, 2], "y", "d", ["x1"])  # type: ignore[arg-type]


def test_result_contract_and_pickle() -> None:
    from countyeconomy.results import EstimateResult, FitInfo, PostEstimationResult

    res = _fit(_panel(seed=6))
    assert isinstance(res, PostEstimationResult) and isinstance(res, EstimateResult)
    assert isinstance(res.info, FitInfo) and res.info.method == "psm_did"
    assert res.info.nobs == len(res.matched) and res.info.matching == "nearest"
    assert "<h4>" in res._repr_html_() and "PSM-DID" in str(res.summary())
    back = pickle.loads(pickle.dumps(res))
    assert back.att == res.att
    pd.testing.assert_frame_equal(back.to_frame(), res.to_frame())
    pd.testing.assert_frame_equal(back.balance, res.balance)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.info = None  # type: ignore[misc]
    frame = res.scores
    frame.loc[:, "weight"] = -1.0  # changing what the result hands out leaves it unchanged
    assert (res.scores["weight"] >= 0).all()
