"""Joint Wald tests of event-time coefficients, with a rank check of the covariance they invert.

A covariance that is singular (more tested coefficients than clusters, collinear leads) or not
positive semi-definite would give a meaningless statistic through a plain inverse: a negative
value, or one in the billions from dividing by round-off. :func:`wald_test` measures the rank of
the covariance on the correlation scale (so the tolerance does not depend on units), tests on its
non-null space with the rank as the degrees of freedom, and declines (NaN statistic and p-value,
a :class:`WaldTestWarning` naming the cause) when nothing testable is left.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import CountyEconomyWarning
from countyeconomy.results import FrozenResult, Summary, format_p_value, same

__all__ = ["RANK_RTOL", "WaldTest", "WaldTestWarning", "same", "wald_test"]

RANK_RTOL = 1e-8
"""Relative tolerance of the rank check: eigenvalues of the tested coefficients' correlation
matrix below ``RANK_RTOL`` times the largest are treated as zero."""


class WaldTestWarning(CountyEconomyWarning):
    """A Wald test was computed on fewer degrees of freedom than coefficients, or declined."""


@dataclass(frozen=True, repr=False, eq=False)
class WaldTest(FrozenResult):
    """A joint Wald test that the coefficients ``terms`` are zero.

    Attributes
    ----------
    terms
        The tested coefficients.
    statistic
        ``W / df`` for ``distribution="F"`` (on ``(df, df_denom)`` degrees of freedom), ``W`` for
        ``"chi2"`` (on ``df``). ``NaN`` when the test could not be computed.
    df
        Degrees of freedom: the rank of the tested coefficients' covariance (less than
        ``len(terms)`` when it is singular).
    df_denom
        Denominator degrees of freedom of the F test; ``None`` for chi2.
    p_value
        ``NaN`` when the test could not be computed.
    distribution
        ``"F"`` or ``"chi2"``.
    note
        Why the test was declined or computed on reduced rank (empty when neither).
    """

    terms: tuple[str, ...]
    statistic: float
    df: int
    df_denom: int | None
    p_value: float
    distribution: str
    note: str = ""

    def __str__(self) -> str:
        dof = f"{self.df}, {self.df_denom}" if self.df_denom is not None else f"{self.df}"
        if not math.isfinite(self.statistic):
            return f"not computed ({self.note})" if self.note else "not computed"
        out = f"{self.distribution}({dof}) = {self.statistic:.4g}, {format_p_value(self.p_value)}"
        return f"{out} [{self.note}]" if self.note else out

    def to_frame(self) -> pd.DataFrame:
        """One row: statistic, df, df_denom, p_value, distribution, terms, note."""
        return pd.DataFrame(
            {
                "statistic": [self.statistic],
                "df": [self.df],
                "df_denom": [np.nan if self.df_denom is None else float(self.df_denom)],
                "p_value": [self.p_value],
                "distribution": [self.distribution],
                "terms": [", ".join(self.terms)],
                "note": [self.note],
            }
        )

    def summary(self) -> Summary:
        """The test as a one-row table."""
        table = self.to_frame().assign(term="joint test")
        table = table[["term", "statistic", "df", "df_denom", "p_value", "distribution"]]
        foot = [("Terms", ", ".join(self.terms) or "(none)")]
        if self.note:
            foot.append(("Note", self.note))
        return Summary("Joint Wald test", table, tuple(foot))


def declined(
    names: Sequence[str], df_t: int | None, reason: str, *, warn: bool = False
) -> WaldTest:
    """A test that could not be computed: NaN statistic and p-value, ``reason`` as the note."""
    if warn:
        warnings.warn(f"Wald test not computed: {reason}.", WaldTestWarning, stacklevel=3)
    nan = float("nan")
    return WaldTest(tuple(names), nan, 0, df_t, nan, "F" if df_t is not None else "chi2", reason)


def wald_test(
    names: Sequence[str], beta: FloatArray, vcov: FloatArray, df_t: int | None
) -> WaldTest:
    """Joint test of ``beta == 0``: F with ``df_t`` denominator df, chi2 when ``df_t`` is None.

    The rank ``r`` of ``vcov`` is measured on the correlation scale with relative tolerance
    :data:`RANK_RTOL`. Full rank: ``W = b' V^{-1} b`` on ``len(b)`` degrees of freedom. Reduced
    rank: ``W`` uses the pseudo-inverse on the non-null space and ``r`` degrees of freedom (a
    :class:`WaldTestWarning` says so). Rank 0, non-finite entries or a covariance that is not
    positive semi-definite: the test is declined (NaN, with a warning naming the cause).
    """
    from scipy import stats

    b = np.asarray(beta, dtype=float).ravel()
    v = np.asarray(vcov, dtype=float)
    q = len(b)
    if q == 0:
        return declined((), df_t, "no coefficients to test")
    if v.shape != (q, q) or not (np.isfinite(b).all() and np.isfinite(v).all()):
        return declined(names, df_t, "the estimates or their covariance are not finite", warn=True)
    v = (v + v.T) / 2
    var = np.diag(v)
    if (var < 0).any():
        return declined(names, df_t, "the covariance has a negative variance", warn=True)
    scale = np.sqrt(var)
    live = scale > 0
    if not live.any():
        return declined(names, df_t, "every tested coefficient has zero variance", warn=True)
    s = scale[live]
    corr = v[np.ix_(live, live)] / np.outer(s, s)
    evals, evecs = np.linalg.eigh(corr)
    top = float(evals.max())
    tol = RANK_RTOL * top
    if float(evals.min()) < -max(tol, 1e-12):
        return declined(names, df_t, "the covariance is not positive semi-definite", warn=True)
    rank = int(np.linalg.matrix_rank(corr, tol=tol, hermitian=True))
    if rank == 0:  # pragma: no cover - excluded above (a live variance gives rank >= 1)
        return declined(names, df_t, "the covariance has rank 0", warn=True)
    note = ""
    if rank == q:
        w = float(b @ np.linalg.solve(v, b))
    else:
        z = b[live] / s
        keep = evals > tol
        proj = evecs[:, keep].T @ z
        w = float(np.sum(proj**2 / evals[keep]))
        note = f"covariance of the {q} tested coefficients has rank {rank}; tested on {rank} df"
        warnings.warn(f"Wald test: {note}.", WaldTestWarning, stacklevel=2)
    w = max(w, 0.0)
    if df_t is None:
        return WaldTest(tuple(names), w, rank, None, float(stats.chi2.sf(w, rank)), "chi2", note)
    f = w / rank
    return WaldTest(tuple(names), f, rank, df_t, float(stats.f.sf(f, rank, df_t)), "F", note)
