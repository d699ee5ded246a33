"""Goodman-Bacon (2021) decomposition kernel over a balanced ``(N, T)`` outcome matrix."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray, IntArray

__all__ = ["BaconArrays", "bacon_arrays", "twfe_did_balanced"]

TREATED_VS_NEVER = "Treated vs Never treated"
EARLIER_VS_LATER = "Earlier vs Later treated"
LATER_VS_EARLIER = "Later vs Earlier treated"
LATER_VS_ALWAYS = "Later vs Always treated"


@dataclass(frozen=True)
class BaconArrays:
    """All 2x2 comparisons.

    Attributes
    ----------
    treated, control
        ``(m,)`` timing index (first treated period, ``T`` = never) of the treated and the
        control group of each comparison.
    kind
        ``(m,)`` comparison type labels.
    estimate, weight
        ``(m,)`` 2x2 DID estimates and their weights in the TWFE coefficient (they sum to 1).
    var_d
        Variance of the two-way demeaned treatment, ``V^D``.
    """

    treated: IntArray
    control: IntArray
    kind: tuple[str, ...]
    estimate: FloatArray
    weight: FloatArray
    var_d: float


def twfe_did_balanced(y: FloatArray, d: FloatArray) -> float:
    """TWFE coefficient of ``d`` on ``y`` with unit and period effects; both ``(N, T)``."""
    dd = d - d.mean(1, keepdims=True) - d.mean(0, keepdims=True) + d.mean()
    return float((dd * y).sum() / (dd * dd).sum())


def _mean(y: FloatArray, cols: np.ndarray) -> float:
    return float(y[cols].mean())


def bacon_arrays(y: FloatArray, timing: IntArray) -> BaconArrays:
    """Decompose the TWFE DID coefficient into 2x2 comparisons (Goodman-Bacon 2021, Theorem 1).

    Parameters
    ----------
    y
        ``(N, T)`` outcome of a balanced panel, periods in order.
    timing
        ``(N,)`` index of each unit's first treated period in ``0..T-1``; ``T`` for never treated
        (``0`` = treated in every period: "always treated").
    """
    n_units, n_t = y.shape
    groups, inverse = np.unique(timing, return_inverse=True)
    share = np.bincount(inverse).astype(float) / n_units
    ybar = np.vstack([y[inverse == j].mean(0) for j in range(len(groups))])  # (G, T)
    dbar = (n_t - groups) / n_t  # share of periods treated
    d = (np.arange(n_t)[None, :] >= timing[:, None]).astype(float)
    dd = d - d.mean(1, keepdims=True) - d.mean(0, keepdims=True) + d.mean()
    var_d = float((dd * dd).mean())
    t_idx = np.arange(n_t)
    rows: list[tuple[int, int, str, float, float]] = []
    never = [j for j, g in enumerate(groups) if g == n_t]
    for k, gk in enumerate(groups):
        if gk == n_t:
            continue
        pre_k, post_k = t_idx < gk, t_idx >= gk
        for u in never:
            if gk == 0:
                continue  # always treated vs never treated: no pre-period, zero weight
            est = (_mean(ybar[k], post_k) - _mean(ybar[k], pre_k)) - (
                _mean(ybar[u], post_k) - _mean(ybar[u], pre_k)
            )
            nk, nu = share[k], share[u]
            nku = nk / (nk + nu)
            w = (nk + nu) ** 2 * nku * (1 - nku) * dbar[k] * (1 - dbar[k]) / var_d
            rows.append((int(gk), int(groups[u]), TREATED_VS_NEVER, est, w))
        for ll, gl in enumerate(groups):
            if gl <= gk or gl == n_t:
                continue
            nk, nl = share[k], share[ll]
            nkl = nk / (nk + nl)
            mid, post_l = (t_idx >= gk) & (t_idx < gl), t_idx >= gl
            if gk > 0:  # earlier k treated, later l as control before l adopts
                est = (_mean(ybar[k], mid) - _mean(ybar[k], pre_k)) - (
                    _mean(ybar[ll], mid) - _mean(ybar[ll], pre_k)
                )
                w = (
                    ((nk + nl) * (1 - dbar[ll])) ** 2
                    * nkl
                    * (1 - nkl)
                    * ((dbar[k] - dbar[ll]) / (1 - dbar[ll]))
                    * ((1 - dbar[k]) / (1 - dbar[ll]))
                    / var_d
                )
                rows.append((int(gk), int(gl), EARLIER_VS_LATER, est, w))
            # later l treated, already-treated k as control
            est = (_mean(ybar[ll], post_l) - _mean(ybar[ll], mid)) - (
                _mean(ybar[k], post_l) - _mean(ybar[k], mid)
            )
            w = (
                ((nk + nl) * dbar[k]) ** 2
                * nkl
                * (1 - nkl)
                * (dbar[ll] / dbar[k])
                * ((dbar[k] - dbar[ll]) / dbar[k])
                / var_d
            )
            kind = LATER_VS_ALWAYS if gk == 0 else LATER_VS_EARLIER
            rows.append((int(gl), int(gk), kind, est, w))
    return BaconArrays(
        treated=np.asarray([r[0] for r in rows], dtype=np.intp),
        control=np.asarray([r[1] for r in rows], dtype=np.intp),
        kind=tuple(r[2] for r in rows),
        estimate=np.asarray([r[3] for r in rows], dtype=np.float64),
        weight=np.asarray([r[4] for r in rows], dtype=np.float64),
        var_d=var_d,
    )
