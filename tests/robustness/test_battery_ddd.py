"""triple_did in the estimator registry and in the robustness battery (where the design has an
eligible group within treated counties)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.estimators import registry
from countyeconomy.estimators.staggered.compare import EstimatorSkippedWarning
from countyeconomy.robustness import Design, robustness_battery
from countyeconomy.robustness.battery import CHECKS, OPTIONAL_CHECKS, _resolve_checks

KEYS = {"county": "id", "year": "year"}


def ddd_panel(seed: int = 0, n: int = 600) -> pd.DataFrame:
    """Cohorts 0/2013/2015; eligible half; effect 1 on treated eligible units from adoption."""
    rng = np.random.default_rng(seed)
    years = np.arange(2010, 2018)
    g = rng.choice([0, 2013, 2015], size=n)
    q = rng.integers(0, 2, size=n)
    unit = np.repeat(np.arange(n), len(years))
    t = np.tile(years, n)
    gg, qq = g[unit], q[unit]
    trend = 0.1 * (t - 2010) * (1 + (gg > 0) + qq)
    on = (gg > 0) & (t >= gg)
    y = rng.normal(size=n)[unit] + trend + 1.0 * (on & (qq == 1)) + rng.normal(size=len(t))
    return pd.DataFrame(
        {"id": unit, "year": t, "g": gg, "q": qq, "policy": on.astype(float), "y": y}
    )


def design_of(df: pd.DataFrame, eligible: str | None) -> registry.EventStudyDesign:
    panel = ce.Panel.from_frame(df, **KEYS)
    return registry.EventStudyDesign(panel, "y", "g", (-3, 2), eligible=eligible)


def test_registry_entry_runs_triple_did() -> None:
    df = ddd_panel()
    entry = registry.ESTIMATORS["triple_did"]
    assert entry.function is ce.triple_did
    assert "eligible" in (entry.applicable(design_of(df, None)) or "")
    res = entry.fit(design_of(df, "q"))
    ref = ce.triple_did(df, "y", cohort="g", eligible="q", base_period="universal", **KEYS)
    pd.testing.assert_frame_equal(res.to_frame(), ref.aggregate("dynamic").to_frame())
    post = res.to_frame().query("event_time >= 0")
    assert (post["estimate"] - 1).abs().max() < 4 * post["std_error"].max()
    # never-treated comparisons need never-treated counties
    later = df[df["g"] > 0]
    assert "never-treated" in (entry.applicable(design_of(later, "q")) or "")


def test_compare_event_studies_skips_triple_did_without_eligible_group() -> None:
    df = ddd_panel()
    with pytest.warns(EstimatorSkippedWarning, match="eligible"):
        res = ce.compare_event_studies(
            df.rename(columns={"id": "county"}),
            "y",
            "g",
            estimators=("att_gt", "triple_did"),
            window=(-2, 2),
        )
    assert "triple_did" in res.info.extra["skipped"]


def test_battery_check() -> None:
    df = ddd_panel(1)
    d = Design(df, outcome="y", treatment="policy", cohort="g", **KEYS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rep = robustness_battery(
            d, checks=["triple_did"], eligible="q", window=(-3, 2), progress=False
        )
        skipped = robustness_battery(d, checks="triple_did", progress=False)
    check = rep["triple_did"]
    assert check.status == "ok", check.verdict
    dyn = ce.triple_did(df, "y", cohort="g", eligible="q", base_period="universal", **KEYS)
    post = dyn.aggregate("dynamic").to_frame().query("0 <= event_time <= 2")
    assert check.value == pytest.approx(post["estimate"].mean(), rel=1e-12)
    assert "triple_did: mean post-period DDD effect" in check.verdict and check.charts
    assert set(check.table["event_time"]) == set(range(-3, 3))
    assert skipped["triple_did"].status == "skipped"
    assert "eligible" in skipped["triple_did"].verdict
    assert rep.options["eligible"] == "q"
    # run by default exactly when the design has an eligible group
    assert _resolve_checks(None) == CHECKS
    assert _resolve_checks(None, OPTIONAL_CHECKS) == (*CHECKS, "triple_did")


def test_compare_event_studies_runs_triple_did_with_eligible_group() -> None:
    df = ddd_panel()
    res = ce.compare_event_studies(
        df, "y", "g", estimators=("att_gt", "triple_did"), window=(-3, 2), eligible="q", **KEYS
    )
    ref = ce.triple_did(df, "y", cohort="g", eligible="q", base_period="universal", **KEYS)
    ref_frame = ref.aggregate("dynamic").to_frame().query("-3 <= event_time <= 2")
    got = res.results["triple_did"].to_frame().query("-3 <= event_time <= 2")
    np.testing.assert_allclose(got["estimate"], ref_frame["estimate"], rtol=1e-12)
    assert "triple_did" in res.info.normalisation
