"""The battery's triple-difference check: where the design has an eligible group within treated
counties, :func:`~countyeconomy.triple_did` (Ortiz-Villavicencio and Sant'Anna 2025) through
its entry in :mod:`countyeconomy.estimators.registry`, beside the design's event study."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from countyeconomy.errors import CountyEconomyWarning
from countyeconomy.estimators.registry import ESTIMATORS, EventStudyDesign
from countyeconomy.results import format_p_value
from countyeconomy.robustness._battery_checks import Outcome, RunContext
from countyeconomy.robustness._battery_estimators import event_rows

__all__ = ["DDD_CHECK", "triple_did_check"]

DDD_CHECK = "triple_did"
"""The check's name; it runs by default when ``robustness_battery(..., eligible=)`` is given."""


def triple_did_check(ctx: RunContext, eligible: str | None) -> Outcome:
    """DDD event study of the design with eligible group ``eligible`` (a 0/1 column constant
    within county); skipped (with the reason) when there is none or it does not apply."""
    d = ctx.design
    if eligible is None:
        return Outcome(
            "triple_did: skipped: the design has no eligible group (pass eligible=)",
            "",
            float("nan"),
            pd.DataFrame(),
            None,
            status="skipped",
        )
    design = EventStudyDesign(
        d.panel,
        d.outcome,
        d.cohort,
        ctx.window,
        ctx.control,
        tuple(d.covariates),
        d.vcov,
        eligible,
    )
    entry = ESTIMATORS[DDD_CHECK]
    reason = entry.applicable(design)
    if reason is not None:
        return Outcome(
            f"triple_did: skipped: {reason}", "", float("nan"), pd.DataFrame(), None, "skipped"
        )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountyEconomyWarning)  # skipped cells: in the result
        dynamic = entry.fit(design)
    rows = event_rows(dynamic)
    lo, hi = ctx.window
    rows = rows[(rows["event_time"] >= lo) & (rows["event_time"] <= hi)].reset_index(drop=True)
    post = rows[rows["event_time"] >= 0]
    es = event_rows(ctx.event_study)
    es_post = es[es["event_time"].isin(post["event_time"])]
    ddd_mean = float(post["estimate"].mean())
    pre = dynamic.pretrend
    pre_text = (
        f"; DDD pre-trends {format_p_value(pre.p_value)}"
        if pre is not None and np.isfinite(pre.p_value)
        else ""
    )
    verdict = (
        f"triple_did: mean post-period DDD effect {ddd_mean:.4f} on {eligible}=1 units over "
        f"{len(post)} event times (event study: {float(es_post['estimate'].mean()):.4f})"
        f"{pre_text}"
    )
    table = rows.assign(estimator=DDD_CHECK)
    return Outcome(verdict, "mean_post_effect", ddd_mean, table, dynamic)
