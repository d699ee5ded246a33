"""From a county Panel to the balanced matrices of a synthetic-DID design."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import (
    FormulaError,
    IdentificationError,
    PanelStructureError,
    RowsDroppedWarning,
)
from countyeconomy.panel import (
    NEVER_TREATED,
    Panel,
    check_numeric,
    cohort_by_row,
    describe_values,
)

__all__ = ["SdidData", "prepare"]


@dataclass(frozen=True)
class SdidData:
    """Balanced outcome matrix (controls first), covariates, cohorts and keys."""

    y: FloatArray
    x: FloatArray | None
    g: IntArray
    years: IntArray
    counties: tuple[object, ...]
    nobs: int
    nobs_input: int
    dropped: dict[str, int]
    warnings: tuple[str, ...]


def _drop_incomplete(
    frame: pd.DataFrame, county: str, columns: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Drop every county with a missing or non-finite value (the design must stay balanced)."""
    bad = np.zeros(len(frame), dtype=bool)
    dropped: dict[str, int] = {}
    for col in columns:
        v = frame[col].to_numpy(dtype=float, na_value=np.nan)
        new = ~np.isfinite(v) & ~bad
        if new.any():
            dropped[f"missing or non-finite: {col}"] = int(new.sum())
            bad |= new
    if not bad.any():
        return frame, dropped
    gone = frame.loc[bad, county].unique()
    rest = frame[county].isin(gone).to_numpy() & ~bad
    if rest.any():
        dropped["other years of those counties (a balanced panel is needed)"] = int(rest.sum())
    return frame.loc[~frame[county].isin(gone)], dropped


def prepare(
    panel: Panel, method: str, outcome: str, cohort: str, covariates: Sequence[str]
) -> SdidData:
    """Check the columns, drop incomplete counties (announced), and build the design."""
    missing = [c for c in [outcome, *covariates] if c not in panel.frame.columns]
    if missing:
        raise FormulaError(
            f"{method}: unknown column {describe_values(missing)}; the data has columns "
            f"{describe_values(list(panel.frame.columns), limit=25)}."
        )
    check_numeric(panel, [outcome, *covariates])
    frame = panel.frame.assign(_ce_g=cohort_by_row(panel, cohort))
    n_input = len(frame)
    frame, dropped = _drop_incomplete(frame, panel.county, [outcome, *covariates])
    notes: tuple[str, ...] = ()
    if dropped:
        detail = "; ".join(f"{v} {k}" for k, v in dropped.items())
        msg = f"{method}: dropped {sum(dropped.values())} of {n_input} rows ({detail})."
        warnings.warn(msg, RowsDroppedWarning, stacklevel=4)
        notes = (msg,)
    years = np.sort(frame[panel.year].unique()).astype(np.int64)
    units = frame.groupby(panel.county, sort=True)["_ce_g"].first()
    counts = frame.groupby(panel.county, sort=True).size()
    if (counts != len(years)).any():
        short = counts.index[counts.to_numpy() != len(years)].tolist()
        raise PanelStructureError(
            f"{method} needs a balanced panel; counties {describe_values(short)} miss some of "
            f"the years {int(years[0])}-{int(years[-1])}. Keep complete counties only."
        )
    g = units.to_numpy(dtype=np.int64)
    g = np.where(g > years[-1], NEVER_TREATED, g)  # adopted after the sample: untreated in it
    if not (g == NEVER_TREATED).any():
        raise IdentificationError(f"{method} needs never-treated counties (cohort 0); none found.")
    if not (g != NEVER_TREATED).any():
        raise IdentificationError(f"{method}: no county is treated within the sample years.")
    early = sorted({int(a) for a in g if a != NEVER_TREATED and a <= years[0]})
    if early:
        raise IdentificationError(
            f"{method}: cohorts {describe_values(early)} are treated from the first year "
            f"{int(years[0])} on and have no pre-treatment period; drop those counties."
        )
    order = np.argsort(g != NEVER_TREATED, kind="stable")  # controls first
    wide = frame.pivot(index=panel.county, columns=panel.year, values=outcome).sort_index()
    y = wide.to_numpy(dtype=float)[order]
    x = None
    if covariates:
        x = np.stack(
            [
                frame.pivot(index=panel.county, columns=panel.year, values=c)
                .sort_index()
                .to_numpy(dtype=float)[order]
                for c in covariates
            ],
            axis=2,
        )
    counties = tuple(units.index[order].tolist())
    return SdidData(y, x, g[order], years, counties, len(frame), n_input, dropped, notes)
