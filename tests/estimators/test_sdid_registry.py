"""synthetic_did in the comparison registry: event-time effects whose post-period mean is the
SDID estimate, shown by compare_event_studies beside the staggered estimators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.estimators.registry import ESTIMATORS


def _panel(cohorts: tuple[int, ...] = (2016,), seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, t = 50, 12
    years = np.arange(2010, 2010 + t)
    g = np.zeros(n, dtype=int)
    for i, c in enumerate(cohorts):
        g[6 * i : 6 * (i + 1)] = c
    y = rng.normal(size=n)[:, None] + rng.normal(size=t).cumsum()[None, :]
    y = y + 0.3 * rng.normal(size=(n, t))
    k = years[None, :] - g[:, None]
    y = y + np.where((g[:, None] > 0) & (k >= 0), 1.0 + 0.2 * k, 0.0)
    return pd.DataFrame(
        {
            "county": np.repeat(np.arange(n), t),
            "year": np.tile(years, n),
            "y": y.ravel(),
            "g": np.repeat(g, t),
        }
    )


def test_event_time_effects_average_to_the_sdid_estimate() -> None:
    res = ce.synthetic_did(_panel(), "y", cohort="g", vcov="placebo", draws=20, seed=0)
    ev = res.event_frame()
    post = ev[ev["event_time"] >= 0]
    assert len(post) == 6 and post["std_error"].isna().all()
    assert post["estimate"].mean() == pytest.approx(res.att, abs=1e-10)


def test_staggered_event_time_effects_weight_cohorts_by_treated_counts() -> None:
    res = ce.synthetic_did(_panel((2015, 2017)), "y", cohort="g", vcov="placebo", draws=20, seed=0)
    ev = res.event_frame().set_index("event_time")["estimate"]
    per = {}
    for a, p in res.paths.groupby("cohort"):
        tw = res.time_weights[res.time_weights["cohort"] == a]
        gap = (p["treated"] - p["synthetic"]).to_numpy()
        base = float(tw["weight"].to_numpy() @ gap[: len(tw)])
        per[a] = pd.Series(gap - base, index=p["year"].to_numpy() - a)
    both = (per[2015] * 6 + per[2017] * 6) / 12  # equal cohorts: the plain mean where both exist
    common = both.dropna().index
    np.testing.assert_allclose(ev.loc[common], both.loc[common], atol=1e-12)
    assert ev.loc[6] == pytest.approx(per[2015].loc[6])  # only the 2015 cohort reaches k = 6


def test_compare_event_studies_shows_sdid() -> None:
    assert "synthetic_did" in ESTIMATORS
    res = ce.compare_event_studies(
        _panel(), "y", "g", window=(-2, 2), estimators=("imputation_did", "synthetic_did")
    )
    rows = res.frame[res.frame["estimator"] == "synthetic_did (SDID)"]
    assert rows["event_time"].tolist() == [-2, -1, 0, 1, 2]
    assert rows.loc[rows["event_time"] >= 0, "estimate"].between(0.5, 2.0).all()
    with pytest.warns(ce.errors.CountyEconomyWarning, match="synthetic_did"):
        ce.compare_event_studies(
            _panel(),
            "y",
            "g",
            window=(-2, 2),
            estimators=("synthetic_did",),
            control="not_yet_treated",
        )
