"""Relative-magnitudes restriction of Rambachan and Roth (2023) and its robust confidence set.

``Delta^RM(Mbar) = {delta : |delta_{t+1} - delta_t| <= Mbar * max_{s<0} |delta_{s+1} - delta_s|,
t >= 0}`` is a finite union of polyhedra: fix where the largest pre-period first difference sits
(``s``) and its sign; then every pre-period difference is at most that one in absolute value and
every post-period difference at most ``Mbar`` times it. The confidence set is the union of the
ARP confidence sets over the pieces (Rambachan and Roth 2023, Section 5.3).
"""

from __future__ import annotations

import numpy as np

from countyeconomy._typing import FloatArray
from countyeconomy.robustness._honest_arp import arp_accept, least_favorable_cv, moment_set

__all__ = ["first_differences", "rm_accept", "rm_pieces"]


def first_differences(num_pre: int, num_post: int) -> FloatArray:
    """``(T, T + 1)`` first differences of ``(delta_{-Tpre}, ..., delta_{-1}, 0, delta_1, ...)``;
    row ``r`` is ``delta~_{r+1} - delta~_r`` on the vector with the reference period inserted."""
    t = num_pre + num_post
    out = np.zeros((t, t + 1))
    idx = np.arange(t)
    out[idx, idx] = -1.0
    out[idx, idx + 1] = 1.0
    return out


def rm_pieces(num_pre: int, num_post: int, mbar: float) -> list[FloatArray]:
    """``A`` matrices (``A delta <= 0``, columns ``delta`` without the reference period) of the
    ``2 * num_pre`` polyhedra whose union is ``Delta^RM(mbar)``."""
    diff = first_differences(num_pre, num_post)
    pieces = []
    for s_row in range(num_pre):  # pre-period difference r = s_row holds the maximum
        for sign in (1.0, -1.0):
            bound = sign * diff[s_row]
            scale = np.r_[np.ones(num_pre), np.full(num_post, mbar)][:, None]
            a_full = np.vstack([diff - scale * bound, -diff - scale * bound])
            keep = (a_full**2).sum(axis=1) > 1e-10
            a_full = a_full[keep]
            pieces.append(np.delete(a_full, num_pre, axis=1))
    return pieces


def rm_accept(
    betahat: FloatArray,
    sigma: FloatArray,
    num_pre: int,
    l_vec: FloatArray,
    mbar: float,
    grid: FloatArray,
    *,
    alpha: float,
    hybrid: bool,
    kappa: float,
    sims: int,
    seed: int | np.random.SeedSequence,
) -> np.ndarray:
    """Accept region ``(g,)`` on ``grid`` of the ARP (hybrid) test for ``Delta^RM(mbar)``.

    ``theta`` is accepted when some piece of the union accepts it."""
    num_post = len(betahat) - num_pre
    accept = np.zeros(grid.shape, dtype=bool)
    for a_mat in rm_pieces(num_pre, num_post, mbar):
        ms = moment_set(a_mat, np.zeros(a_mat.shape[0]), betahat, sigma, l_vec, num_pre)
        cv = least_favorable_cv(ms, kappa, sims, seed) if hybrid else None
        accept |= arp_accept(ms, grid, alpha, lf_cv=cv, kappa=kappa)
    return accept
