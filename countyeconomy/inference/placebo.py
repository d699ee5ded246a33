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

from countyeconomy._typing import SeedLike, check_option
from countyeconomy.errors import InvalidOptionError
from countyeconomy.inference._draws import check_draws
from countyeconomy.inference._model import FittedLinearResult, linear_parts
from countyeconomy.inference._placebo_assign import Assignment, _assignment, _check_structure
from countyeconomy.inference._placebo_draws import (
    GridPlaceboDraws,
    PlaceboDraws,
    Reassign,
    _vcov_parts,
    grid_draws,
)
from countyeconomy.inference._placebo_refit import placebo_refit
from countyeconomy.inference._placebo_result import PlaceboResult
from countyeconomy.inference._placebo_shared import TIE_RTOL, PlaceboScheme
from countyeconomy.inference._resample import map_chunks, seed_entropy

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
    seed: SeedLike = None,
    executor: Executor | None = None,
    chunk: int = 50,
    progress: bool = True,
    method: Literal["auto", "grid", "generic"] = "auto",
) -> PlaceboResult:
    """Randomization (permutation) placebo test of a 0/1 treatment in a fixed-effects OLS.

    Parameters
    ----------
    result
        A fitted :func:`countyeconomy.twfe` result (weighted or not) whose ``param`` is a 0/1
        absorbing treatment column of the panel. Other estimators (staggered DID): see Raises.
    param
        The treatment coefficient.
    draws
        Number of placebo reassignments: at least 19, a
        :class:`~countyeconomy.inference.FewDrawsWarning` below 99.
    scheme
        ``"permute_counties"``: each county gets another county's whole adoption path (its
        cohort; never treated stays a cohort), so cohort sizes are kept exactly.
        ``"permute_timing"``: the treated counties stay treated and their adoption years are
        permuted among them. ``"within_group"``: counties' cohorts are permuted within each level
        of ``group`` (e.g. ``"province"``).
    group
        The grouping column for ``scheme="within_group"`` (constant within county).
    seed, executor, chunk, progress
        Reproducibility and scale-out: the same seed (int, ``SeedSequence`` or ``Generator``,
        never consumed) and chunk give the same numbers serially or on any
        :class:`concurrent.futures.Executor` (a dask ``Client.get_executor()``).
    method
        ``"generic"``: demean the ``(n, chunk)`` placebo columns in one batched call per chunk.
        ``"grid"``: on a balanced panel with county and year effects and iid or county-nesting
        clustered errors, every statistic reduces to county-level tables of the outcome and
        controls indexed by the adoption year, so a draw costs ``O(counties)`` not
        ``O(rows)`` (unweighted fits only). ``"auto"`` (default) uses the grid path where it
        applies. Both give the same draws; tests check they agree to 1e-10.

    Returns
    -------
    PlaceboResult
        Placebo coefficients and t-statistics, randomization p-values: two-sided
        ``share(|b_p| >= |b|)``, ``greater`` ``share(b_p >= b)``, ``less`` ``share(b_p <= b)``
        and on ``|t|``; ``plot()`` draws the kernel density with the real estimate marked.

    Raises
    ------
    InvalidOptionError
        For results that are not a linear fit with ``.model`` (staggered estimators: use
        :func:`placebo_refit` with a function refitting the estimator), and for fewer than 19
        draws.

    References
    ----------
    Fisher, R. A. (1935). The Design of Experiments. Young, A. (2019). Channeling Fisher:
    randomization tests and the statistical insignificance of seemingly significant experimental
    results. Quarterly Journal of Economics 134(2), 557-598.
    """
    res, j, assignment, scheme = _setup(result, param, scheme, group, "placebo_test")
    n_draws = check_draws(draws, caller="placebo_test", interval=False)
    check_option("method", method, ("auto", "grid", "generic"))
    model = res.model
    kind, clusters, factors, dof = _vcov_parts(res)
    w = model.weights
    sw = None if w is None else np.sqrt(w)
    xd = model.xd if sw is None else model.xd * sw[:, None]
    yd = xd @ res.params.to_numpy() + (model.resid if sw is None else model.resid * sw)
    others = np.delete(xd, j, axis=1)
    q_w = np.asfortranarray(np.linalg.qr(others)[0] if others.shape[1] else np.empty((len(yd), 0)))
    my = yd - q_w @ (q_w.T @ yd) if q_w.shape[1] else yd
    generic = PlaceboDraws(
        assignment, scheme, model.fixed_effects, w, q_w, my, kind, clusters, factors, dof
    )
    batch: PlaceboDraws | GridPlaceboDraws = generic
    if method != "generic":
        grid = grid_draws(generic)
        if grid is None and method == "grid":
            raise InvalidOptionError(
                "method='grid' needs an unweighted fit on a balanced panel with exactly county "
                "and year effects and iid or one-way clustered errors with clusters that nest "
                "counties; use method='generic'."
            )
        batch = grid or generic
    root, entropy = seed_entropy(seed)
    parts = map_chunks(batch, n_draws, root, executor, chunk, progress=progress, desc="placebo")
    stats = np.vstack(parts)
    est = float(res.params.iloc[j])
    se = float(res.std_errors.iloc[j])
    t_real = est / se
    tol = TIE_RTOL * max(abs(est), 1e-300)
    b = stats[:, 0]
    finite = assignment.cohort[np.isfinite(assignment.cohort)]
    sizes = pd.Series(finite).value_counts().sort_index()
    return PlaceboResult(
        param=param,
        estimate=est,
        std_error=se,
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
    result: object, param: str, scheme: str, group: str | None, caller: str
) -> tuple[FittedLinearResult, int, Assignment, str]:
    res, j = linear_parts(result, param, caller=caller)
    scheme = check_option("scheme", scheme, PlaceboScheme)
    if scheme == "within_group" and group is None:
        raise InvalidOptionError("scheme='within_group' needs group=, e.g. group='province'.")
    if scheme != "within_group" and group is not None:
        raise InvalidOptionError(f"group= is only used with scheme='within_group', not {scheme!r}.")
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
    seed: SeedLike = None,
    chunk: int = 50,
) -> pd.DataFrame:
    """The placebo treatment columns :func:`placebo_test` uses with the same arguments.

    Rows are the result's estimation rows (index: their positions in the fitted data), one
    0/1 column per draw. Use it to refit any estimator on the same reassignments. No p-value is
    computed here, so any positive number of draws is accepted.
    """
    res, _, assignment, scheme = _setup(result, param, scheme, group, "placebo_assignments")
    n_draws = check_draws(
        draws, caller="placebo_assignments", interval=False, minimum=1, warn=False
    )
    root, _ = seed_entropy(seed)
    parts = map_chunks(Reassign(assignment, scheme), n_draws, root, None, chunk, progress=False)
    return pd.DataFrame(np.hstack(parts), index=pd.Index(res.model.rows, name="row"))
