"""The battery's synthetic-control check: placebo in space for each treated county when the
design has few treated counties (where clustered DID inference breaks down)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import CountyEconomyWarning
from countyeconomy.estimators.synthetic import synthetic_control
from countyeconomy.panel import NEVER_TREATED
from countyeconomy.results import format_p_value
from countyeconomy.robustness._battery_checks import Outcome, RunContext

__all__ = ["FEW_TREATED", "MAX_DONORS", "scm_placebo"]

FEW_TREATED = 5
"""At most this many treated counties: the battery runs the synthetic-control check."""

MAX_DONORS = 200
"""Donor pool cap per treated county: the never-treated counties with the closest pre-period
outcome paths (Euclidean), which keeps the placebo-in-space loop quick on 2,800 counties."""


def _skip(reason: str) -> Outcome:
    return Outcome(f"scm: skipped, {reason}", "", float("nan"), pd.DataFrame(), None, "skipped")


def scm_placebo(ctx: RunContext) -> Outcome:
    """Synthetic control of each treated county on the never-treated counties' outcome paths,
    with the Firpo-Possebom placebo-in-space p-value (floor ``1/(donors + 1)``)."""
    d = ctx.design
    panel = d.panel
    frame = panel.frame
    g = frame.groupby(panel.county)[d.cohort].first()
    treated = g[g != NEVER_TREATED]
    if len(treated) > FEW_TREATED:
        return _skip(
            f"{len(treated)} treated counties (the check is for at most {FEW_TREATED}; DID "
            "inference applies)"
        )
    wide = frame.pivot(index=panel.county, columns=panel.year, values=d.outcome)
    complete = wide.notna().all(axis=1)
    never = [c for c in g.index[g == NEVER_TREATED] if complete.get(c, False)]
    if len(never) < 2:
        return _skip("fewer than two never-treated counties with a complete outcome path")
    rows: list[dict[str, Any]] = []
    fits = []
    for county, year in treated.items():
        pre = wide.columns < year
        if not complete.get(county, False) or pre.sum() < 2 or pre.all():
            continue
        arr = wide.to_numpy(dtype=float)[:, pre]
        row = arr[wide.index.get_loc(county)]
        dist = ((arr[wide.index.get_indexer(pd.Index(never))] - row) ** 2).sum(axis=1)
        pool = [never[i] for i in np.argsort(dist, kind="stable")[:MAX_DONORS]]
        data = frame[frame[panel.county].isin([county, *pool])]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CountyEconomyWarning)
            res = synthetic_control(
                data,
                d.outcome,
                county,
                treat_year=int(year),
                county=panel.county,
                year=panel.year,
                executor=ctx.executor,
                progress=ctx.progress,
            )
        fits.append(res)
        rows.append(
            {
                "county": county,
                "treat_year": int(year),
                "att": res.att,
                "pre_rmspe": float(res.info.pre_rmspe),
                "p_value": res.p_value,
                "donors": len(pool),
                "p_floor": 1.0 / (len(pool) + 1),
            }
        )
    if not rows:
        return _skip("no treated county has a complete outcome path with two pre-period years")
    table = pd.DataFrame(rows)
    med = float(np.median(table["p_value"]))
    parts = [f"{r['county']} ({r['att']:.4f}, {format_p_value(r['p_value'])})" for r in rows]
    verdict = (
        f"scm: placebo in space for {len(table)} treated count{'y' if len(table) == 1 else 'ies'}"
        f": {'; '.join(parts)}; p never below 1/(donors+1) = {table['p_floor'].max():.3g}"
    )
    result = fits[0] if len(fits) == 1 else tuple(fits)
    return Outcome(verdict, "median p_value", med, table, result)
