"""Randomization placebo test: reassign a 0/1 treatment at random, keep the cohort structure.

Batched (no refit loop). For a fitted fixed-effects OLS ``y = beta d + W gamma + FE + u`` the
outcome and the controls are demeaned once, in the fit. Each draw builds a placebo treatment
column from permuted adoption years; a chunk of draws is demeaned in one batched call of
:func:`countyeconomy.linalg.demean` on an ``(n, chunk)`` matrix; the controls are partialled
out by one QR projection; and by Frisch-Waugh-Lovell the placebo coefficient is
``r'(M_W y)/r'r`` with ``r = M_W M_FE d``, its residuals ``M_W y - r beta`` and its standard
error the result's covariance formula on those scores. This equals a refit to rounding error.
"""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import check_option
from countyeconomy.errors import (
    InvalidOptionError,
)
from countyeconomy.inference._placebo_assign import Assignment, _assignment, _check_structure
from countyeconomy.inference._placebo_draws import (
    GridPlaceboDraws,
    PlaceboDraws,
    Reassign,
    _vcov_parts,
    grid_draws,
)
from countyeconomy.inference._placebo_refit import _reject_staggered, placebo_refit
from countyeconomy.inference._placebo_result import PlaceboResult
from countyeconomy.inference._placebo_shared import TIE_RTOL, PlaceboScheme
from countyeconomy.inference._resample import (
    LinearResultLike,
    linear_parts,
    map_chunks,
    seed_entropy,
)

__all__ = [
    "PlaceboDraws",
    "PlaceboResult",
    "placebo_assignments",
    "placebo_refit",
    "placebo_test",
]


def placebo_test(
    result: object,
    param: str,
    *,
    draws: int = 1000,
    scheme: str = "permute_counties",
    group: str | None = None,
    seed: int | np.random.SeedSequence | None = None,
    executor: Executor | None = None,
    chunk: int = 50,
    progress: bool = True,
    method: Literal["auto", "grid", "generic"] = "auto",
) -> PlaceboResult:
    """Randomization (permutation) placebo test of a 0/1 treatment in a fixed-effects OLS.

    Parameters
    ----------
    result
        A fitted :func:`countyeconomy.twfe` result whose ``param`` is a 0/1 absorbing treatment
        column of the panel. Staggered-DID estimators are not batched yet (see Raises).
    param
        The treatment coefficient.
    draws
        Number of placebo reassignments.
    scheme
        ``"permute_counties"``: each county gets another county's whole adoption path (its
        cohort; never treated stays a cohort), so cohort sizes are kept exactly.
        ``"permute_timing"``: the treated counties stay treated and their adoption years are
        permuted among them. ``"within_group"``: counties' cohorts are permuted within each level
        of ``group`` (e.g. ``"province"``).
    group
        The grouping column for ``scheme="within_group"`` (constant within county).
    seed, executor, chunk, progress
        Reproducibility and scale-out: the same seed and chunk give the same numbers serially
        or on any :class:`concurrent.futures.Executor` (a dask ``Client.get_executor()``).
    method
        ``"generic"``: demean the ``(n, chunk)`` placebo columns in one batched call per chunk.
        ``"grid"``: on a balanced panel with county and year effects and iid or county-nesting
        clustered errors, every statistic reduces to county-level tables of the outcome and
        controls indexed by the adoption year, so a draw costs ``O(counties)`` not
        ``O(rows)``. ``"auto"`` (default) uses the grid path where it applies. Both give the
        same draws; tests check they agree to 1e-10.

    Returns
    -------
    PlaceboResult
        Placebo coefficients and t-statistics, randomization p-values: two-sided
        ``share(|b_p| >= |b|)``, ``greater`` ``share(b_p >= b)``, ``less`` ``share(b_p <= b)``
        and on ``|t|``; ``plot()`` draws the kernel density with the real estimate marked.

    Raises
    ------
    NotImplementedError
        For results that are not a fixed-effects OLS (staggered estimators).

    References
    ----------
    Fisher, R. A. (1935). The Design of Experiments. Young, A. (2019). Channeling Fisher:
    randomization tests and the statistical insignificance of seemingly significant experimental
    results. Quarterly Journal of Economics 134(2), 557-598.
    """
    res, j, assignment, scheme = _setup(result, param, draws, scheme, group)
    state = res.model
    kind, ops, factor, dof = _vcov_parts(res)
    xd = state.xd
    yd = xd @ res.params.to_numpy() + state.resid
    others = np.delete(xd, j, axis=1)
    q_w = np.asfortranarray(np.linalg.qr(others)[0] if others.shape[1] else np.empty((len(yd), 0)))
    my = yd - q_w @ (q_w.T @ yd) if q_w.shape[1] else yd
    generic = PlaceboDraws(assignment, scheme, state.fixed_effects, q_w, my, kind, ops, factor, dof)
    batch: PlaceboDraws | GridPlaceboDraws = generic
    if method != "generic":
        grid = grid_draws(generic, res)
        if grid is None and method == "grid":
            raise InvalidOptionError(
                "method='grid' needs a balanced panel with exactly county and year effects and "
                "iid or one-way clustered errors with clusters that nest counties."
            )
        batch = grid or generic
    root, entropy = seed_entropy(seed)
    parts = map_chunks(batch, int(draws), root, executor, chunk, progress=progress, desc="placebo")
    stats = np.vstack(parts)
    est = float(res.params.iloc[j])
    t_real = est / float(res.std_errors.iloc[j])
    tol = TIE_RTOL * max(abs(est), 1e-300)
    b = stats[:, 0]
    finite = assignment.cohort[np.isfinite(assignment.cohort)]
    sizes = pd.Series(finite).value_counts().sort_index()
    return PlaceboResult(
        param=param,
        estimate=est,
        t_stat=t_real,
        coefs=b,
        tstats=stats[:, 1],
        p_value=float(np.mean(np.abs(b) >= abs(est) - tol)),
        p_value_greater=float(np.mean(b >= est - tol)),
        p_value_less=float(np.mean(b <= est + tol)),
        p_value_t=float(np.mean(np.abs(stats[:, 1]) >= abs(t_real) * (1 - TIE_RTOL))),
        scheme=scheme,
        group=group,
        seed_entropy=entropy,
        n_counties=len(assignment.cohort),
        n_treated=len(finite),
        cohort_sizes={f"{k:g}": int(v) for k, v in sizes.items()},
    )


def _setup(
    result: object, param: str, draws: int, scheme: str, group: str | None
) -> tuple[LinearResultLike, int, Assignment, str]:
    _reject_staggered(result)
    res, j = linear_parts(result, param)
    scheme = check_option("scheme", scheme, PlaceboScheme)
    if scheme == "within_group" and group is None:
        raise InvalidOptionError("scheme='within_group' needs group=, e.g. group='province'.")
    if scheme != "within_group" and group is not None:
        raise InvalidOptionError(f"group= is only used with scheme='within_group', not {scheme!r}.")
    if not isinstance(draws, (int, np.integer)) or draws < 1:
        raise InvalidOptionError(f"draws must be a positive int, got {draws!r}.")
    if res.model.weights is not None:
        raise NotImplementedError("placebo_test supports unweighted fits only for now.")
    assignment = _assignment(res, param, scheme, group)
    _check_structure(assignment, scheme, group)
    return res, j, assignment, scheme


def placebo_assignments(
    result: object,
    param: str,
    *,
    draws: int = 1000,
    scheme: str = "permute_counties",
    group: str | None = None,
    seed: int | np.random.SeedSequence | None = None,
    chunk: int = 50,
) -> pd.DataFrame:
    """The placebo treatment columns :func:`placebo_test` uses with the same arguments.

    Rows are the result's estimation rows (index: their positions in the fitted data), one
    0/1 column per draw. Use it to refit any estimator on the same reassignments.
    """
    res, _, assignment, scheme = _setup(result, param, draws, scheme, group)
    root, _ = seed_entropy(seed)
    parts = map_chunks(Reassign(assignment, scheme), int(draws), root, None, chunk, progress=False)
    return pd.DataFrame(np.hstack(parts), index=pd.Index(res.model.rows, name="row"))
