"""Kernels of the wild cluster bootstrap: weight draws, per-cluster sums, p-values and the
test-inversion interval. See :func:`countyeconomy.inference.wild_bootstrap` for the algebra."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError
from countyeconomy.inference._compute import is_nested
from countyeconomy.inference._resample import ChunkTask
from countyeconomy.linalg import Factor, demean, group_sums

__all__ = [
    "ENUMERATE_MAX_G",
    "MIN_DISTINCT",
    "WildDraws",
    "WildWeights",
    "draw_weights",
    "enumerated_weights",
    "invert",
    "p_value_at",
    "prepare_draws",
    "t_boot_at",
]

WildWeights = Literal["rademacher", "webb", "mammen"]
ENUMERATE_MAX_G = 12
MIN_DISTINCT = 20
MAX_DUMMY_LEVELS = 2000
TIE_RTOL = 1e-9
_SQ5 = math.sqrt(5.0)
_WEBB = np.array([-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)])
_MAMMEN = np.array([(1 - _SQ5) / 2, (1 + _SQ5) / 2])
_MAMMEN_P = (_SQ5 + 1) / (2 * _SQ5)


def draw_weights(kind: str, size: tuple[int, int], rng: np.random.Generator) -> FloatArray:
    """``size`` matrix of wild weights (mean 0, variance 1)."""
    if kind == "rademacher":
        return rng.integers(0, 2, size=size).astype(float) * 2.0 - 1.0
    if kind == "webb":
        return np.asarray(_WEBB[rng.integers(0, 6, size=size)])
    return np.asarray(np.where(rng.random(size=size) < _MAMMEN_P, _MAMMEN[0], _MAMMEN[1]), float)


def enumerated_weights(start: int, stop: int, n_clusters: int) -> FloatArray:
    """Rows ``start..stop-1`` of the ``2^G x G`` matrix of all Rademacher sign vectors."""
    idx = np.arange(start, stop, dtype=np.int64)[:, None]
    bits = (idx >> np.arange(n_clusters, dtype=np.int64)[None, :]) & 1
    return np.asarray(1.0 - 2.0 * bits, dtype=float)


@dataclass(frozen=True)
class WildDraws:
    """Per-cluster sums for the bootstrap; ``__call__`` gives five numbers per draw.

    Attributes
    ----------
    au0, ar
        ``(G,)`` ``a_g'u_g`` and ``a_g'r_g`` (``ar`` is zero for WCU).
    zu0, zr
        ``(G, m)`` ``Z_g'u_g`` and ``Z_g'r_g``.
    h
        ``(m, G)`` ``(Z'Z)^+ (a_h'Z_h)'``.
    kind
        Weight distribution; ``enumerate`` draws the sign vectors in order instead.
    """

    au0: FloatArray
    ar: FloatArray
    zu0: FloatArray
    zr: FloatArray
    h: FloatArray
    kind: str
    enumerate: bool

    def __call__(self, task: ChunkTask) -> FloatArray:
        g = len(self.au0)
        if self.enumerate:
            v = enumerated_weights(task.start, task.stop, g)
        else:
            v = draw_weights(self.kind, (task.size, g), task.rng())
        n0, n1 = v @ self.au0, v @ self.ar
        s0 = v * self.au0 - (v @ self.zu0) @ self.h
        s1 = v * self.ar - (v @ self.zr) @ self.h
        out = np.empty((task.size, 5))
        out[:, 0], out[:, 1] = n0, n1
        out[:, 2] = np.einsum("bg,bg->b", s0, s0)
        out[:, 3] = np.einsum("bg,bg->b", s0, s1)
        out[:, 4] = np.einsum("bg,bg->b", s1, s1)
        return out


def t_boot_at(stats: FloatArray, d: float, factor: float) -> FloatArray:
    """Bootstrap t-statistics at ``d = estimate - null``."""
    num = stats[:, 0] + d * stats[:, 1]
    den = stats[:, 2] + 2.0 * d * stats[:, 3] + d * d * stats[:, 4]
    with np.errstate(divide="ignore", invalid="ignore"):
        out: FloatArray = num / np.sqrt(factor * np.maximum(den, 0.0))
    return out


def p_value_at(stats: FloatArray, estimate: float, se: float, null: float, factor: float) -> float:
    """Share of draws with ``|t*| > |t|`` (ties, within a relative 1e-9, do not count)."""
    t = abs((estimate - null) / se)
    tb = np.abs(t_boot_at(stats, estimate - null, factor))
    return float(np.mean(tb > t * (1.0 + TIE_RTOL)))


def _span_other(
    xd: FloatArray, fes: tuple[Factor, ...], cl: Factor, weights: FloatArray | None
) -> tuple[FloatArray, list[str]]:
    """Columns spanning the regressors after the fixed effects nested in the clusters.

    With ``weights`` everything is in the transformed model ``sqrt(w) y = sqrt(w) X b + ...``:
    ``xd`` is already multiplied by ``sqrt(w)``, and the dummies of the other effects are
    demeaned with the weights on the nested ones and multiplied by ``sqrt(w)``.
    """
    nested = [f for f in fes if is_nested(f, cl)]
    other = [f for f in fes if not is_nested(f, cl)]
    if not other:
        return xd, []
    levels = sum(f.n_levels for f in other)
    if levels > MAX_DUMMY_LEVELS:
        names = [f.name for f in other]
        raise IdentificationError(
            f"fixed effects {names} are not nested in cluster {cl.name!r} and have {levels:,} "
            f"levels (at most {MAX_DUMMY_LEVELS:,} are supported by the wild bootstrap); cluster "
            "at a level that nests them."
        )
    n = len(xd)
    dummies = np.zeros((n, levels), order="F")
    at = 0
    for f in other:
        dummies[np.arange(n), at + f.codes] = 1.0
        at += f.n_levels
    dd = demean(dummies, nested, weights).values if nested else dummies
    if weights is not None:
        dd = dd * np.sqrt(weights)[:, None]
    return np.hstack([xd, dd]), [f.name for f in other]


def prepare_draws(
    xd: FloatArray,
    resid: FloatArray,
    bread: FloatArray,
    j: int,
    fes: tuple[Factor, ...],
    cl: Factor,
    *,
    weights: FloatArray | None,
    impose_null: bool,
    kind: str,
    enumerate_all: bool,
) -> tuple[WildDraws, FloatArray]:
    """Per-cluster sums for coefficient ``j``; also returns ``a_g'u_g`` at the estimate.

    A weighted fit is bootstrapped as the transformed model ``sqrt(w) y = sqrt(w) X b + e``
    (``xd`` and ``resid`` multiplied by ``sqrt(w)``; ``bread`` is already ``(X'WX)^{-1}``), whose
    cluster scores are the weighted fit's scores ``w x u``.
    """
    if weights is not None:
        sw = np.sqrt(weights)
        xd, resid = xd * sw[:, None], resid * sw
    a = xd @ bread[:, j]
    r = a / bread[j, j]
    z, _ = _span_other(xd, fes, cl, weights)
    g, codes = cl.n_levels, cl.codes
    gram_inv = np.linalg.pinv(z.T @ z, rcond=1e-10, hermitian=True)
    az = group_sums(z * a[:, None], codes, g)
    h = gram_inv @ az.T
    au0 = group_sums((a * resid)[:, None], codes, g)[:, 0]
    zu0 = group_sums(z * resid[:, None], codes, g)
    if impose_null:
        ar = group_sums((a * r)[:, None], codes, g)[:, 0]
        zr = group_sums(z * r[:, None], codes, g)
    else:
        ar, zr = np.zeros(g), np.zeros_like(zu0)
    return WildDraws(au0, ar, zu0, zr, h, kind, enumerate_all), au0


def invert(
    stats: FloatArray, est: float, se: float, factor: float, alpha: float
) -> tuple[float, float]:
    """The set ``{b0: p(b0) > alpha}`` bounds by root-finding outward from the estimate."""

    from scipy import optimize

    def f(b0: float) -> float:
        return p_value_at(stats, est, se, b0, factor) - alpha

    if f(est) <= 0:
        return est, est
    bounds = []
    for sign in (-1.0, 1.0):
        step, inner = se, est
        outer = est + sign * step
        tries = 0
        while f(outer) > 0:
            inner, step = outer, step * 2.0
            outer = est + sign * step
            tries += 1
            if tries > 60:
                return -math.inf, math.inf
        root = optimize.brentq(f, min(inner, outer), max(inner, outer), xtol=1e-10 * se)
        bounds.append(float(root))
    return bounds[0], bounds[1]
