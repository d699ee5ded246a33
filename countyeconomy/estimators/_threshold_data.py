"""Data preparation for :func:`countyeconomy.panel_threshold`: option checks, the balanced
estimation sample, variation checks and the :class:`ThresholdProblem`."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import (
    FormulaError,
    IdentificationError,
    InvalidOptionError,
    PanelStructureError,
    RowsDroppedWarning,
)
from countyeconomy.estimators._design import ModelData, ModelMatrices, as_model_data, build_design
from countyeconomy.estimators._formula import ParsedFormula, parse_formula
from countyeconomy.estimators._threshold_grid import (
    ThresholdProblem,
    candidate_grid,
    make_problem,
    valid_candidates,
)
from countyeconomy.inference import Cluster, VcovSpec, check_draws
from countyeconomy.linalg import factorize
from countyeconomy.panel import Panel, describe_values

__all__ = ["Prepared", "check_options", "prepare"]


def check_options(
    n_thresholds: int,
    trim: float | Sequence[float],
    draws: int,
    level: float,
    grid: int | Sequence[float] | FloatArray,
) -> tuple[float, ...]:
    if isinstance(grid, int) and (grid < 2 or isinstance(grid, bool)):
        raise InvalidOptionError(f"grid={grid!r} is not valid; use at least 2 grid points.")
    if n_thresholds not in (1, 2, 3) or isinstance(n_thresholds, bool):
        raise InvalidOptionError(f"n_thresholds={n_thresholds!r} is not valid; choose 1, 2 or 3.")
    trims = (
        tuple(float(t) for t in trim)
        if isinstance(trim, Sequence)
        else (float(trim),) * n_thresholds
    )
    if len(trims) != n_thresholds:
        raise InvalidOptionError(
            f"trim has {len(trims)} value(s) for n_thresholds={n_thresholds}; give one share "
            "or one per threshold, e.g. trim=(0.01, 0.01)."
        )
    if not all(0.0 < t < 0.5 for t in trims):
        raise InvalidOptionError(f"trim={trim!r} is not valid; each share must lie in (0, 0.5).")
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 0:
        raise InvalidOptionError(f"draws={draws!r} is not valid; use an int >= 0.")
    if draws:
        check_draws(draws, caller="panel_threshold", interval=False, stacklevel=4)
    if not 0.0 < level < 1.0:
        raise InvalidOptionError(f"level={level!r} is not valid; use a share such as 0.95.")
    return trims


def _fixed_effects(parsed: ParsedFormula) -> ParsedFormula:
    fes = parsed.fixed_effects or (("county",),)
    allowed = {(("county",),), (("county",), ("year",)), (("year",), ("county",))}
    if fes not in allowed or parsed.endogenous is not None:
        raise FormulaError(
            f"panel_threshold absorbs county effects (Hansen 1999), optionally with year effects: "
            f"write 'y ~ z1 + z2', 'y ~ z1 | county' or 'y ~ z1 | county + year', got {parsed.text!r}."
        )
    return replace(parsed, fixed_effects=fes)


def _balance(
    design: ModelMatrices, county: np.ndarray, year: np.ndarray, balance: bool, threshold: str
) -> tuple[np.ndarray, tuple[object, ...], int]:
    """Positions (in ``design``) of a balanced sub-panel, the counties dropped, rows dropped."""
    cf, yf = factorize(county[design.rows]), factorize(year[design.rows])
    counts = cf.counts()
    short = np.flatnonzero(counts < yf.n_levels)
    if not len(short):
        return np.arange(len(design.rows)), (), 0
    names = pd.unique(county[design.rows])
    labels = tuple(names[short].tolist()) if len(names) == cf.n_levels else tuple(short.tolist())
    if not balance:
        raise PanelStructureError(
            f"panel_threshold needs a balanced panel: {len(short)} of {cf.n_levels} counties "
            f"(e.g. {describe_values(labels)}) lack some of the {yf.n_levels} years after dropping "
            f"missing values of the model's columns (threshold {threshold!r} included). Pass "
            "balance=True to drop those counties, or fill the gaps."
        )
    keep = ~np.isin(cf.codes, short)
    dropped = int((~keep).sum())
    warnings.warn(
        f"balance=True dropped {len(short)} counties ({dropped} rows) with missing years to "
        "balance the panel.",
        RowsDroppedWarning,
        stacklevel=3,
    )
    return np.flatnonzero(keep), labels, dropped


def _column(frame: pd.DataFrame, name: str, rows: np.ndarray, what: str) -> FloatArray:
    values = pd.to_numeric(frame[name].iloc[rows], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise IdentificationError(f"{what} {name!r} must be numeric and finite in every used row.")
    return values


def _check_variation(
    q: FloatArray, x: FloatArray, names: Sequence[str], threshold: str, n: int, t: int
) -> None:
    if np.ptp(q) == 0:
        raise IdentificationError(
            f"threshold variable {threshold!r} has no variation (always {q[0]:g})."
        )
    xw = x.reshape(n, t, -1)
    within = np.abs(xw - xw.mean(axis=1, keepdims=True)).max(axis=(0, 1))
    for j, name in enumerate(names):
        if within[j] <= 1e-12 * max(float(np.abs(x[:, j]).max()), 1e-300):
            raise IdentificationError(
                f"regime-dependent variable {name!r} has no variation within counties; its "
                "coefficients are absorbed by the county effects."
            )


def _too_few(problem: ThresholdProblem, threshold: str, q: FloatArray, trim: float) -> None:
    n_valid = int(valid_candidates(problem, (), 1).sum())
    if n_valid < 2:
        raise IdentificationError(
            f"threshold variable {threshold!r} has {len(np.unique(q))} distinct value(s); with "
            f"trim={trim:g} only {n_valid} candidate threshold(s) keep {trim:.0%} of the "
            f"{len(q)} observations in each regime, and a threshold search needs at least 2. "
            "Use a smaller trim or a threshold variable with more distinct values."
        )


@dataclass(frozen=True)
class Prepared:
    """The estimation sample and the threshold problem built on it."""

    md: ModelData
    parsed: ParsedFormula
    rows: np.ndarray
    problem: ThresholdProblem
    dropped: dict[str, int]
    dropped_counties: tuple[object, ...]


def prepare(
    data: Panel | pd.DataFrame,
    formula: str,
    threshold: str,
    xs: list[str],
    trims: tuple[float, ...],
    grid: int | Sequence[float] | FloatArray,
    balance: bool,
    spec: VcovSpec,
    county: str | None,
    year: str | None,
) -> Prepared:
    """Validate the data, balance the panel and build the :class:`ThresholdProblem`."""
    parsed = _fixed_effects(parse_formula(formula))
    md = as_model_data(data, county, year)
    if md.county is None or md.year is None:
        raise PanelStructureError("panel_threshold needs a Panel, or county= and year= columns.")
    extra = [threshold, *xs] + (list(spec.variables) if isinstance(spec, Cluster) else [])
    design = build_design(md, parsed, extra_columns=extra, drop_singletons=False)
    clash = [x for x in xs if x in design.x_names or x == parsed.outcome]
    if clash:
        raise FormulaError(
            f"regime-dependent column(s) {clash} also appear in {formula!r}; list them only in "
            "regime_dependent= (their regime coefficients replace the common one)."
        )
    frame = md.frame
    keep, dropped_counties, n_bal = _balance(
        design, frame[md.county].to_numpy(), frame[md.year].to_numpy(), balance, threshold
    )
    rows = design.rows[keep]
    n_units = len(pd.unique(frame[md.county].to_numpy()[rows]))
    n_periods = len(rows) // n_units
    q = _column(frame, threshold, rows, "threshold variable")
    x = np.column_stack([_column(frame, c, rows, "regime-dependent variable") for c in xs])
    _check_variation(q, x, xs, threshold, n_units, n_periods)
    cands = candidate_grid(
        q, min(trims), grid if isinstance(grid, int) else np.asarray(grid, float)
    )
    problem = make_problem(
        design.y[keep],
        design.x[keep],
        x,
        q,
        cands,
        n_units=n_units,
        n_periods=n_periods,
        two_way=len(parsed.fixed_effects) == 2,
        min_count=tuple(max(math.ceil(t * len(q)), 1) for t in trims),
    )
    _too_few(problem, threshold, q, trims[0])
    dropped = dict(design.dropped)
    if n_bal:
        dropped["unbalanced counties"] = n_bal
    return Prepared(md, parsed, rows, problem, dropped, dropped_counties)
