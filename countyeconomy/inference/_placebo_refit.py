"""Placebo by refitting (for estimators whose draws cannot be batched), mapped over an executor."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, SeedLike, check_option
from countyeconomy.errors import InvalidOptionError, TreatmentTimingError
from countyeconomy.inference._draws import check_draws
from countyeconomy.inference._placebo_assign import (
    Assignment,
    _check_structure,
    _group_codes,
    permuted_cohorts,
)
from countyeconomy.inference._placebo_result import PlaceboResult
from countyeconomy.inference._placebo_shared import NEVER, NEVER_COHORT, TIE_RTOL, PlaceboScheme
from countyeconomy.inference._resample import ChunkTask, map_chunks, seed_entropy
from countyeconomy.linalg import factorize


@dataclass(frozen=True)
class RefitDraws:
    """A chunk of placebo refits: ``fit`` is called on the data with a reassigned cohort column."""

    frame: pd.DataFrame
    cohort: str
    assignment: Assignment
    scheme: str
    fit: Callable[[pd.DataFrame], float]

    def __call__(self, task: ChunkTask) -> FloatArray:
        a = self.assignment
        cohorts = permuted_cohorts(a, self.scheme, task.size, task.rng())
        out = np.empty(task.size)
        for b in range(task.size):
            per_row = cohorts[b][a.county]
            data = self.frame.copy()
            new = np.where(np.isfinite(per_row), per_row, NEVER_COHORT)
            integer = self.frame[self.cohort].dtype.kind in "iu"
            data[self.cohort] = new.astype(np.int64) if integer else new
            out[b] = float(self.fit(data))
        return out


def placebo_refit(
    data: pd.DataFrame,
    fit: Callable[[pd.DataFrame], float],
    *,
    cohort: str,
    county: str,
    year: str,
    draws: int = 200,
    scheme: str = "permute_counties",
    group: str | None = None,
    seed: SeedLike = None,
    executor: Executor | None = None,
    chunk: int = 10,
    progress: bool = True,
    param: str = "estimate",
) -> PlaceboResult:
    """Placebo test by refitting any estimator (e.g. a staggered DID) on reassigned cohorts.

    The fallback for estimators whose placebo statistics cannot be batched. ``fit(frame)``
    receives a copy of ``data`` whose ``cohort`` column (first treated year, ``0`` = never
    treated) has been reassigned under ``scheme`` (as in :func:`placebo_test`) and returns the
    statistic, e.g. ``lambda d: ce.imputation_did(d, "y", "g", county="county",
    year="year").params["ATT"]``. Draws run in chunks on ``executor`` (``fit`` must be
    picklable for process pools; dask's cloudpickle takes lambdas). The real statistic is
    ``fit(data)``. Placebo t-statistics are not computed (``tstats`` is NaN). ``draws``: at
    least 19, a :class:`~countyeconomy.inference.FewDrawsWarning` below 99. ``seed``: an int,
    ``SeedSequence`` or ``Generator``, never consumed.
    """
    scheme = check_option("scheme", scheme, PlaceboScheme)
    if (scheme == "within_group") != (group is not None):
        raise InvalidOptionError("group= is needed with, and only with, scheme='within_group'.")
    n_draws = check_draws(draws, caller="placebo_refit", interval=False)
    for col in (cohort, county, year) + ((group,) if group else ()):
        if col not in data.columns:
            raise InvalidOptionError(f"column {col!r} is not in the data.")
    cf = factorize(data[county].to_numpy())
    values = pd.to_numeric(data[cohort]).to_numpy(dtype=float)
    per_county = np.full(cf.n_levels, np.nan)
    per_county[cf.codes] = values
    if not np.array_equal(per_county[cf.codes], values):
        raise TreatmentTimingError(f"cohort column {cohort!r} varies within county.")
    first = np.where(per_county == NEVER_COHORT, NEVER, per_county)
    rows = np.arange(len(data))
    gcodes = None if group is None else _group_codes(data, _Keys(data), rows, cf, group)
    year_values = pd.to_numeric(data[year]).to_numpy(dtype=float)
    assignment = Assignment(cf.codes, year_values, first, gcodes)
    _check_structure(assignment, scheme, group)
    real = float(fit(data))
    root, entropy = seed_entropy(seed)
    task = RefitDraws(data, cohort, assignment, scheme, fit)
    coefs = np.concatenate(
        map_chunks(task, n_draws, root, executor, chunk, progress=progress, desc="refits")
    )
    tol = TIE_RTOL * max(abs(real), 1e-300)
    finite = first[np.isfinite(first)]
    sizes = pd.Series(finite).value_counts().sort_index()
    return PlaceboResult(
        param=param,
        estimate=real,
        std_error=float("nan"),
        t_stat=float("nan"),
        coefs=coefs,
        tstats=np.full(len(coefs), np.nan),
        p_value=float(np.mean(np.abs(coefs) >= abs(real) - tol)),
        p_value_greater=float(np.mean(coefs >= real - tol)),
        p_value_less=float(np.mean(coefs <= real + tol)),
        p_value_t=float("nan"),
        scheme=scheme,
        group=group,
        seed_entropy=entropy,
        n_counties=len(first),
        n_treated=len(finite),
        cohort_sizes={f"{k:g}": int(v) for k, v in sizes.items()},
    )


@dataclass(frozen=True)
class _Keys:
    """Minimal data view for :func:`_group_codes` on a plain DataFrame."""

    frame: pd.DataFrame

    def resolve(self, name: str) -> str:
        return name
