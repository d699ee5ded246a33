"""Sandwich pieces: scores, meats for heteroskedasticity, clustering and Driscoll-Kraay."""

from __future__ import annotations

import numpy as np

from countyeconomy._typing import FloatArray
from countyeconomy.linalg._factors import group_sums

__all__ = ["cluster_meat", "driscoll_kraay_meat", "hc_meat", "sandwich", "scores"]


def scores(x: FloatArray, residuals: FloatArray, weights: FloatArray | None = None) -> FloatArray:
    """``(n, k)`` score contributions ``w_i x_i u_i``."""
    s = x * residuals[:, None]
    return s if weights is None else s * weights[:, None]


def hc_meat(score: FloatArray) -> FloatArray:
    """``(k, k)`` heteroskedasticity-robust meat ``sum_i s_i s_i'``."""
    out: FloatArray = score.T @ score
    return out


def cluster_meat(score: FloatArray, codes: np.ndarray, n_levels: int) -> FloatArray:
    """``(k, k)`` one-way cluster meat ``sum_g (sum_{i in g} s_i)(sum_{i in g} s_i)'``."""
    sums = group_sums(score, codes, n_levels)
    out: FloatArray = sums.T @ sums
    return out


def driscoll_kraay_meat(
    score: FloatArray, time_codes: np.ndarray, n_times: int, lags: int
) -> FloatArray:
    """``(k, k)`` Driscoll-Kraay meat: Newey-West (Bartlett weights) over cross-sectional sums.

    With ``h_t = sum_i s_it`` the meat is ``G_0 + sum_{l=1}^{L} (1 - l/(L+1)) (G_l + G_l')`` and
    ``G_l = sum_t h_t h_{t-l}'``. Time codes must be in chronological order.
    """
    h = group_sums(score, time_codes, n_times)
    meat = h.T @ h
    for lag in range(1, lags + 1):
        weight = 1.0 - lag / (lags + 1.0)
        gamma = h[lag:].T @ h[:-lag]
        meat += weight * (gamma + gamma.T)
    out: FloatArray = meat
    return out


def sandwich(bread: FloatArray, meat: FloatArray) -> FloatArray:
    """``B M B``, symmetrised."""
    v = bread @ meat @ bread
    out: FloatArray = (v + v.T) / 2.0
    return out
