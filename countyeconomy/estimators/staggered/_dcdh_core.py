"""de Chaisemartin-D'Haultfoeuille DID_l kernel over a balanced ``(G, T)`` panel.

For a switcher ``g`` (first change of treatment at period ``F_g`` from its baseline
``D_g1``) and horizon ``l``, ``DID_{g,l} = Y_{g,F_g-1+l} - Y_{g,F_g-1}`` minus the same change
averaged over the not-yet-switchers with the same baseline (``F_g' > F_g - 1 + l``). ``DID_l``
averages ``S_g DID_{g,l}`` (``S_g = +1`` for switchers in, ``-1`` out) over switchers with such
controls. Placebo ``l`` uses ``Y_{g,F_g-1-l} - Y_{g,F_g-1}`` with the controls of effect ``l``.

The variance treats ``DID_l`` as a linear combination of outcome changes: each unit's
contribution is centred on the mean of its cohort (switchers: same baseline, first-switch period
and treatment at the switch; controls: the same control set), scaled by ``sqrt(n / (n - 1))`` (``n`` distinct clusters in the cohort), summed
within clusters and squared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray, IntArray

__all__ = ["DIDlArrays", "did_l"]


@dataclass(frozen=True)
class DIDlArrays:
    """One horizon's estimate.

    Attributes
    ----------
    estimate, variance
        ``DID_l`` (or placebo) and its variance.
    n_switchers
        Switchers used.
    n_obs
        Unit-period outcome changes used (switchers and controls).
    scores
        ``(C,)`` centred contributions summed by cluster, divided by ``n_switchers``: the
        covariance of two horizons is ``scores_a @ scores_b``.
    dose
        Average cumulative treatment change of the switchers used,
        ``mean S_g sum_{k=0}^{l-1} (D_{g,F_g+k} - D_{g,1})`` (the normaliser of ``delta^n_l``).
    """

    estimate: float
    variance: float
    n_switchers: int
    n_obs: int
    scores: FloatArray
    dose: float


def switch_timing(d: FloatArray) -> tuple[IntArray, FloatArray]:
    """First period index at which each unit's treatment leaves its baseline (``T`` = never),
    and the sign of that first change."""
    n_t = d.shape[1]
    changed = d != d[:, [0]]
    first = np.where(changed.any(1), changed.argmax(1), n_t)
    sign = np.zeros(d.shape[0])
    has = first < n_t
    sign[has] = np.sign(d[has, first[has]] - d[has, 0])
    return first.astype(np.intp), sign


def _centred(values: FloatArray, cohort: np.ndarray, cluster: IntArray) -> FloatArray:
    """``values`` minus their cohort mean, times ``sqrt(n / (n - 1))`` with ``n`` the number of
    distinct clusters in the cohort (0 when there is one)."""
    _, inv = np.unique(cohort, axis=0, return_inverse=True)
    inv = inv.ravel()
    counts = np.bincount(inv)
    means = np.bincount(inv, weights=values) / counts
    pairs = np.unique(np.column_stack([inv, cluster]), axis=0)
    n = np.bincount(pairs[:, 0], minlength=len(counts))[inv].astype(float)
    scale = np.where(n > 1, np.sqrt(n / np.maximum(n - 1, 1)), 0.0)
    out: FloatArray = (values - means[inv]) * scale
    return out


def did_l(
    y: FloatArray, d: FloatArray, ell: int, cluster: IntArray, *, placebo: bool = False
) -> DIDlArrays | None:
    """``DID_l`` (``placebo=False``) or placebo ``l`` with its variance; ``None`` if no switcher
    has a valid comparison at this horizon.

    Parameters
    ----------
    y, d
        ``(G, T)`` outcome and treatment, periods in order.
    ell
        Horizon ``l >= 1``.
    cluster
        ``(G,)`` cluster codes ``0..C-1``.
    """
    n_g, n_t = y.shape
    first, sign = switch_timing(d)
    base = d[:, 0]
    u = np.zeros(n_g)
    total, n_sw, n_obs, dose = 0.0, 0, 0, 0.0
    sw_rows: list[int] = []
    sw_vals: list[float] = []
    sw_keys: list[tuple[float, ...]] = []
    for f in sorted(set(first[first < n_t].tolist())):
        t_end, t_ref = f - 1 + ell, f - 1
        t_other = f - 1 - ell if placebo else t_end
        if t_ref < 0 or t_end >= n_t or t_other < 0:
            continue
        for b in np.unique(base[first == f]):
            sw = np.flatnonzero((first == f) & (base == b))
            ctrl = np.flatnonzero((base == b) & (first > t_end))
            if len(ctrl) == 0:
                continue
            dy_sw = y[sw, t_other] - y[sw, t_ref]
            dy_c = y[ctrl, t_other] - y[ctrl, t_ref]
            total += float(sign[sw] @ dy_sw) - float(sign[sw].sum()) * float(dy_c.mean())
            n_sw += len(sw)
            dose += float(sign[sw] @ (d[sw, f : f + ell] - b).sum(axis=1))
            n_obs += len(sw) + len(ctrl)
            sw_rows += sw.tolist()
            sw_vals += (sign[sw] * dy_sw).tolist()
            sw_keys += [(float(f), float(b), float(v)) for v in d[sw, f]]
            w = -float(sign[sw].sum()) / len(ctrl)
            u[ctrl] += w * _centred(dy_c, np.zeros(len(ctrl)), cluster[ctrl])
    if n_sw == 0:
        return None
    keys = np.asarray(sw_keys)
    rows = np.asarray(sw_rows)
    u[rows] += _centred(np.asarray(sw_vals), keys, cluster[rows])
    s = np.bincount(cluster, weights=u) / n_sw
    return DIDlArrays(total / n_sw, float(s @ s), n_sw, n_obs, s, dose / n_sw)
