"""Placebo treatment assignments that keep the cohort structure."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import (
    CountyEconomyWarning,
    IdentificationError,
    InvalidOptionError,
    TreatmentTimingError,
)
from countyeconomy.inference._model import FittedLinearResult
from countyeconomy.inference._placebo_shared import NEVER
from countyeconomy.linalg import Factor, factorize


@dataclass(frozen=True)
class Assignment:
    """Treatment timing on the estimation rows.

    Attributes
    ----------
    county
        ``(n,)`` county codes ``0..C-1``.
    year
        ``(n,)`` years (float).
    cohort
        ``(C,)`` first treated year of each county (``inf`` for never treated).
    group
        ``(C,)`` group codes for ``within_group`` (``None`` otherwise).
    """

    county: np.ndarray
    year: FloatArray
    cohort: FloatArray
    group: np.ndarray | None


def permuted_cohorts(
    a: Assignment, scheme: str, n_draws: int, rng: np.random.Generator
) -> FloatArray:
    """``(n_draws, C)`` cohorts after reassignment under ``scheme`` (one row per draw)."""
    c = len(a.cohort)
    if scheme == "permute_counties":
        return np.asarray(rng.permuted(np.tile(a.cohort, (n_draws, 1)), axis=1))
    if scheme == "permute_timing":
        treated = np.flatnonzero(np.isfinite(a.cohort))
        out = np.tile(a.cohort, (n_draws, 1))
        out[:, treated] = rng.permuted(out[:, treated], axis=1)
        return out
    if a.group is None:  # within_group: the caller checked group= and built the codes
        raise InvalidOptionError("scheme='within_group' needs group=, e.g. group='province'.")
    base = np.argsort(a.group, kind="stable")
    # sort counties by group, then by a random key: a uniform permutation within each group
    order = np.argsort(a.group[None, :] + rng.random((n_draws, c)), axis=1)
    out = np.empty((n_draws, c))
    out[:, base] = a.cohort[order]
    return out


def _assignment(res: FittedLinearResult, param: str, scheme: str, group: str | None) -> Assignment:
    state = res.model
    data = state.data
    if data.county is None or data.year is None:
        raise InvalidOptionError(
            "placebo_test needs a panel result: fit on a countyeconomy.Panel or pass county= and "
            "year= to the estimator."
        )
    frame = data.frame
    if param not in frame.columns:
        raise InvalidOptionError(
            f"param={param!r} must be a 0/1 treatment column of the data for placebo_test; "
            "transformed terms cannot be reassigned."
        )
    rows = state.rows
    d = pd.to_numeric(frame[param].iloc[rows], errors="coerce").to_numpy(dtype=float)
    if not np.isin(d, (0.0, 1.0)).all():
        raise TreatmentTimingError(f"treatment {param!r} must be 0/1 on every estimation row.")
    cf = factorize(frame[data.county].to_numpy()[rows])
    year = pd.to_numeric(frame[data.year].iloc[rows]).to_numpy(dtype=float)
    first = np.full(cf.n_levels, NEVER)
    np.minimum.at(first, cf.codes, np.where(d == 1, year, NEVER))
    switched = d != (year >= first[cf.codes])
    if switched.any():
        n_bad = len(np.unique(cf.codes[switched]))
        raise TreatmentTimingError(
            f"treatment {param!r} is not absorbing in {n_bad} county(ies) ({int(switched.sum())} "
            "rows): the placebo schemes reassign adoption years, which needs 0 before and 1 from "
            "the first treated year on."
        )
    gcodes = None if scheme != "within_group" else _group_codes(frame, data, rows, cf, group)
    return Assignment(cf.codes, year, first, gcodes)


def _group_codes(
    frame: pd.DataFrame, data: Any, rows: np.ndarray, cf: Factor, group: str | None
) -> np.ndarray:
    if group is None:
        raise InvalidOptionError("scheme='within_group' needs group=, e.g. group='province'.")
    col = data.resolve(group)
    if col not in frame.columns:
        raise InvalidOptionError(f"group={group!r} is not a column of the data.")
    gf = factorize(frame[col].to_numpy()[rows])
    per_county = np.full(cf.n_levels, -1)
    per_county[cf.codes] = gf.codes
    if not np.array_equal(per_county[cf.codes], gf.codes):
        raise InvalidOptionError(
            f"group={group!r} varies within county; within_group permutes whole counties, so the "
            "group must be constant per county (e.g. province)."
        )
    return per_county


def _check_structure(a: Assignment, scheme: str, group: str | None) -> None:
    cohort = a.cohort
    treated = np.isfinite(cohort)
    n_t, n_c = int(treated.sum()), len(cohort)
    if n_t == 0 or (scheme == "permute_counties" and n_t == n_c):
        raise IdentificationError(
            f"{n_t} of {n_c} counties are treated; permuting adoption needs both treated and "
            "untreated counties."
        )
    if scheme == "permute_timing" and len(np.unique(cohort[treated])) < 2:
        raise InvalidOptionError(
            f"all {n_t} treated counties adopt in the same year ({cohort[treated][0]:g}); "
            "permute_timing has nothing to permute. Use scheme='permute_counties'."
        )
    if scheme == "within_group" and a.group is not None:
        g = int(a.group.max()) + 1
        n_cohorts = np.array([len(np.unique(cohort[a.group == k])) for k in range(g)])
        has_t = np.bincount(a.group, weights=treated, minlength=g) > 0
        has_c = np.bincount(a.group, weights=~treated, minlength=g) > 0
        if (n_cohorts < 2).all():
            raise InvalidOptionError(
                f"within every one of the {g} groups of {group!r} all counties share one cohort; "
                "within_group permutation cannot change the assignment."
            )
        bad = int((has_t & ~has_c).sum())
        if bad:
            warnings.warn(
                f"{bad} of {g} groups of {group!r} have treated but no untreated counties "
                f"({int(np.bincount(a.group, weights=treated, minlength=g)[has_t & ~has_c].sum())}"
                " treated counties); within them only adoption years are permuted, so the "
                "number of treated counties there is fixed.",
                CountyEconomyWarning,
                stacklevel=4,
            )
