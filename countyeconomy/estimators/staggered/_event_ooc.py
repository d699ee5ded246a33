"""Out-of-core :func:`~countyeconomy.estimators.staggered.event_study.event_study`.

Passes over the data: 1 (the scan: cohorts validated, rows dropped and counted, event-time
cells counted, cohort sizes) plus those of the out-of-core ``twfe`` on the event-time dummies
(2; 3 with ``vcov="hc1"``). The dummies are built partition by partition, never stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import FormulaError, TreatmentTimingError
from countyeconomy.estimators._ooc_api import twfe_out_of_core
from countyeconomy.estimators._ooc_engine import compute, partition_tasks, to_dask
from countyeconomy.estimators.staggered._common import announce_dropped
from countyeconomy.inference import VcovSpec
from countyeconomy.panel import NEVER_TREATED, cohort_values, describe_values

__all__ = ["event_study_out_of_core"]


def _rows(
    part: pd.DataFrame, columns: Sequence[str], cohort: str, unit: str
) -> tuple[np.ndarray, dict[str, int], np.ndarray]:
    """Kept rows (as ``drop_unusable_rows``), counts by reason, and the cohort of each row."""
    g = cohort_values(part[cohort].reset_index(drop=True), cohort)
    per_unit = pd.Series(g).groupby(part[unit].to_numpy()).nunique()
    if (per_unit > 1).any():
        bad = per_unit.index[per_unit.to_numpy() > 1].tolist()
        raise TreatmentTimingError(
            f"cohort column {cohort!r} changes within {len(bad)} unit(s), e.g. "
            f"{describe_values(bad, 3)}; treatment must be absorbing (adopted once, never "
            "switched off)."
        )
    n = len(part)
    bad_rows = np.zeros(n, dtype=bool)
    dropped: dict[str, int] = {}
    for col in dict.fromkeys(columns):
        values = part[col]
        na = values.isna().to_numpy()
        inf = np.zeros(n, dtype=bool)
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            inf = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
        for reason, mask in (("missing", na), ("non-finite", inf & ~na)):
            new = mask & ~bad_rows
            if new.any():
                dropped[f"{reason}: {col}"] = int(new.sum())
                bad_rows |= new
    return ~bad_rows, dropped, g


def _dummies(
    part: pd.DataFrame, args: tuple[Any, ...]
) -> tuple[pd.DataFrame, dict[str, int], dict[int, int], pd.DataFrame]:
    """The partition's usable rows with their event-time dummies (all in the window)."""
    from countyeconomy.estimators.staggered.event_study import _column, event_dummies

    columns, cohort, unit, year, window, reference, bin_endpoints = args
    keep, dropped, g = _rows(part, columns, cohort, unit)
    frame = part.iloc[np.flatnonzero(keep)]
    g = g[keep]
    treated = g != NEVER_TREATED
    rel = frame[year].to_numpy(dtype=np.int64) - g
    lo, hi = window
    if not bin_endpoints:
        outside = treated & ((rel < lo) | (rel > hi))
        if outside.any():
            dropped["treated rows outside the window"] = int(outside.sum())
            inside = ~outside
            frame, g, treated, rel = (
                frame.iloc[np.flatnonzero(inside)],
                g[inside],
                treated[inside],
                rel[inside],
            )
    dummies = event_dummies(rel, treated, window, reference, bin_endpoints)
    counts = {k: int(d.sum()) for k, d in dummies.items()}
    out = frame.assign(**{_column(k): d for k, d in dummies.items()})
    pairs = pd.DataFrame({"unit": frame[unit].to_numpy(), "g": g}).drop_duplicates()
    return out, dropped, counts, pairs


def _scan(part: pd.DataFrame, args: tuple[Any, ...]) -> dict[str, Any]:
    _, dropped, counts, pairs = _dummies(part, args)
    return {"n": len(part), "dropped": dropped, "counts": counts, "pairs": pairs}


def _transform(part: pd.DataFrame, args: tuple[Any, ...], used: tuple[str, ...]) -> pd.DataFrame:
    out = _dummies(part, args)[0]
    keep = [c for c in out.columns if not c.startswith("_ce_es_") or c in used]
    return out[keep]


def event_study_out_of_core(
    data: Any,
    outcome: str,
    cohort: str,
    *,
    covariates: Sequence[str],
    window: tuple[int, int],
    bin_endpoints: bool,
    reference: int,
    absorb: str,
    vcov: VcovSpec,
    ssc: str,
    county: str | None,
    year: str | None,
) -> Any:
    """The event study on a dask DataFrame or Parquet path; see the module docstring."""
    from countyeconomy.estimators.staggered.event_study import _column, event_study_result

    ddf = to_dask(data)
    cols = [str(c) for c in ddf.columns]
    unit = county if county is not None else "county"
    year = year if year is not None else "year"
    plain = [c for c in covariates if c.isidentifier()]
    missing = [c for c in [unit, year, cohort, outcome, *plain] if c not in cols]
    if missing:
        raise FormulaError(
            f"unknown column {describe_values(missing)}; the data has columns "
            f"{describe_values(cols, limit=25)}."
        )
    args = ([outcome, *plain], cohort, unit, year, window, reference, bin_endpoints)
    scans = compute(*partition_tasks(ddf, _scan, args))
    n_input = sum(s["n"] for s in scans)
    dropped: dict[str, int] = {}
    for s in scans:
        for k, v in s["dropped"].items():
            dropped[k] = dropped.get(k, 0) + v
    notes = announce_dropped("event_study", dropped, n_input, stacklevel=3)
    lo, hi = window
    ks = [k for k in range(lo, hi + 1) if k != reference]
    empty = tuple(k for k in ks if sum(s["counts"].get(k, 0) for s in scans) == 0)
    used = [k for k in ks if k not in empty]
    names_used = tuple(_column(k) for k in used)
    meta = _transform(ddf._meta, args, names_used)
    dummies = ddf.map_partitions(_transform, args, names_used, meta=meta)
    rhs = " + ".join([*names_used, *covariates]) or "1"
    formula = f"{outcome} ~ {rhs} | {absorb}"
    fit = twfe_out_of_core(
        dummies, formula, county=unit, year=year, weights=None, vcov=vcov, ssc=ssc,
        drop_singletons=None, stacklevel=3,
    )  # fmt: skip
    pairs = pd.concat([s["pairs"] for s in scans]).drop_duplicates()
    per_unit = pairs.groupby("unit")["g"].first()
    sizes = per_unit.value_counts().sort_index()
    return event_study_result(
        fit,
        used,
        reference=reference,
        notes=notes,
        n_input=n_input,
        dropped=dropped,
        specification=f"{outcome} ~ event-time dummies {lo}..{hi} (ref {reference})"
        + (f" + {' + '.join(covariates)}" if covariates else "")
        + f" | {absorb}",
        n_counties=len(per_unit),
        cohort_sizes={int(k): int(v) for k, v in sizes.items()},
        window=(lo, hi),
        bin_endpoints=bin_endpoints,
        empty_event_times=empty,
        passes=int(fit.info.passes) + 1,
    )
