"""Propensity-score matching kernels over arrays: nearest neighbour, radius and kernel weights.

Each kernel takes the scores of treated units ``ps_t (nt,)`` and of controls ``ps_c (nc,)`` and
returns a :class:`MatchWeights`: ``control (nc,)`` the total weight each control receives (each
matched treated unit spreads weight 1 over its controls) and ``matched (nt,)`` whether a treated
unit found a control. No pandas, no ``self``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray

__all__ = ["MatchWeights", "kernel_weights", "nearest_neighbour", "radius_match"]


@dataclass(frozen=True)
class MatchWeights:
    """``control (nc,)`` weights of controls, ``matched (nt,)`` boolean for treated units and
    ``pairs`` the ``(treated index, control index, weight)`` triples."""

    control: FloatArray
    matched: np.ndarray
    pairs: tuple[tuple[int, int, float], ...]


def _collect(nt: int, nc: int, pairs: list[tuple[int, int, float]]) -> MatchWeights:
    control = np.zeros(nc)
    matched = np.zeros(nt, dtype=bool)
    for i, j, w in pairs:
        control[j] += w
        matched[i] = True
    return MatchWeights(control, matched, tuple(pairs))


def nearest_neighbour(
    ps_t: FloatArray, ps_c: FloatArray, *, k: int, caliper: float | None, replacement: bool
) -> MatchWeights:
    """``k`` nearest controls by ``|ps_t - ps_c|`` (ties to the control listed first).

    Treated units are processed in their given order; without replacement a control is used
    once (greedy matching). ``caliper`` is in score units; neighbours beyond it are discarded and
    a treated unit with none left is unmatched.
    """
    available = np.ones(len(ps_c), dtype=bool)
    pairs: list[tuple[int, int, float]] = []
    for i, p in enumerate(ps_t):
        cand = np.flatnonzero(available)
        dist = np.abs(ps_c[cand] - p)
        order = cand[np.argsort(dist, kind="stable")][:k]
        if caliper is not None:
            order = order[np.abs(ps_c[order] - p) <= caliper]
        if order.size == 0:
            continue
        if not replacement:
            available[order] = False
        pairs.extend((i, int(j), 1.0 / order.size) for j in order)
    return _collect(len(ps_t), len(ps_c), pairs)


def radius_match(ps_t: FloatArray, ps_c: FloatArray, *, caliper: float) -> MatchWeights:
    """Every control within ``caliper`` of a treated unit, equally weighted."""
    pairs: list[tuple[int, int, float]] = []
    for i, p in enumerate(ps_t):
        idx = np.flatnonzero(np.abs(ps_c - p) <= caliper)
        pairs.extend((i, int(j), 1.0 / idx.size) for j in idx)
    return _collect(len(ps_t), len(ps_c), pairs)


def epanechnikov(u: FloatArray) -> FloatArray:
    """``0.75 (1 - u^2)`` on ``|u| < 1``, else 0."""
    return np.where(np.abs(u) < 1.0, 0.75 * (1.0 - u**2), 0.0)


def kernel_weights(ps_t: FloatArray, ps_c: FloatArray, *, bandwidth: float) -> MatchWeights:
    """Epanechnikov kernel weights ``K((ps_c - ps_t) / h)``, normalised to 1 per treated unit."""
    kmat = epanechnikov((ps_c[None, :] - ps_t[:, None]) / bandwidth)
    pairs: list[tuple[int, int, float]] = []
    for i in range(len(ps_t)):
        tot = kmat[i].sum()
        if tot <= 0:
            continue
        idx = np.flatnonzero(kmat[i] > 0)
        pairs.extend((i, int(j), float(kmat[i, j] / tot)) for j in idx)
    return _collect(len(ps_t), len(ps_c), pairs)
