"""The battery's synthetic-control check: placebo in space for each of a few treated counties,
skipped when many counties are treated."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.robustness import _battery_scm


def _design(n_treated: int, n: int = 30, seed: int = 0) -> ce.Design:
    rng = np.random.default_rng(seed)
    years = np.arange(2000, 2014)
    lam = rng.normal(size=(n, 2))
    f = np.cumsum(rng.normal(size=(len(years), 2)), 0)
    y = lam @ f.T + 0.2 * rng.normal(size=(n, len(years)))
    g = np.where(np.arange(n) < n_treated, 2010, 0)
    y = y + np.where((g[:, None] > 0) & (years[None, :] >= g[:, None]), 5.0, 0.0)
    df = pd.DataFrame(
        {
            "county": np.repeat(np.arange(n), len(years)),
            "year": np.tile(years, n),
            "y": y.ravel(),
            "g": np.repeat(g, len(years)),
        }
    )
    df["d"] = ((df["g"] > 0) & (df["year"] >= df["g"])).astype(float)
    return ce.Design(df, outcome="y", treatment="d", cohort="g")


def test_scm_check_runs_for_few_treated_counties() -> None:
    report = ce.robustness_battery(_design(2), checks="scm", progress=False)
    check = report.checks["scm"]
    assert check.status == "ok", check.verdict
    table = check.table
    assert table["county"].tolist() == [0, 1]
    assert (table["donors"] == 28).all()
    # a large effect: each treated county ranks first among 29, the p-value floor
    np.testing.assert_allclose(table["p_value"], 1 / 29)
    assert table["att"].between(4.0, 6.0).all()
    assert "1/(donors+1)" in check.verdict
    single = ce.robustness_battery(_design(1), checks="scm", progress=False).checks["scm"]
    assert isinstance(single.result, ce.estimators.synthetic.SyntheticControlResult)


def test_scm_check_is_skipped_with_many_treated_counties() -> None:
    report = ce.robustness_battery(
        _design(_battery_scm.FEW_TREATED + 1), checks="scm", progress=False
    )
    check = report.checks["scm"]
    assert check.status == "skipped" and "treated counties" in check.verdict


def test_donor_pool_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_battery_scm, "MAX_DONORS", 10)
    check = ce.robustness_battery(_design(1), checks="scm", progress=False).checks["scm"]
    assert check.table["donors"].tolist() == [10]
    assert check.table["p_value"].iloc[0] >= 1 / 11
