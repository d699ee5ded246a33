"""The data-driven sieve of Chen, Christensen and Kankanala (2025) for :func:`dose_did`.

CCK choose the dimension ``J`` of a B-spline sieve by a Lepski-type rule and build uniform
confidence bands that are honest over that choice. For a regression (the dose is its own
instrument, as in Callaway, Goodman-Bacon and Sant'Anna 2024) the rule is:

1. **Grid.** Splines of degree ``r`` with ``s = 1, 2, 4, ..., 2^L`` segments (``s - 1`` interior
   knots at quantiles of the treated doses), ``J = r + s``; ``J_max`` is the largest ``J`` with
   ``J sqrt(log J) max(1, (0.1 log n)^4) <= 10 sqrt(n)`` (``n`` treated units; CCK eq. 3.3 with
   ``s_J = 1`` for a regression, as R ``npiv``) and ``alpha_hat = min(0.5, sqrt(log J_max /
   J_max))``.
2. **Lepski test.** For each pair ``J < J2`` of the grid, the sup-t statistic of the difference of
   the two ATT(d) curves over the dose grid, each standardized by the standard error of the
   difference; ``theta*`` is the ``1 - alpha_hat`` quantile of the multiplier-bootstrap draws of
   the largest of these statistics over all pairs. ``J_hat`` is the smallest ``J`` whose
   statistics against every larger ``J2`` are at most ``1.1 theta*`` (the largest ``J`` if none
   passes), and ``J_tilde = min(J_hat, J_n)``, ``J_n`` the second largest ``J`` of the grid.
3. **Band.** ``ATT(d) +- cv sigma_J_tilde(d)`` with ``cv = z* + max(0, log log J_tilde) theta*``,
   ``z*`` the ``1 - alpha`` quantile of the bootstrap sup-t statistic taken over the dose grid *and*
   over the dimensions ``J <= max(J_tilde, J_(-3))`` (``J_(-3)`` the third largest), which makes the
   band honest over the dimension choice (CCK Theorem 3.2 and R ``npiv``). ACRT(d) gets its own
   ``z*`` with the same ``theta*``.

The kernels here take the bootstrap draws as input; :func:`draw_errors` makes them through
:func:`countyeconomy.inference.map_chunks`.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.estimators.staggered._cs_inference import BOOT_CHUNK, SE_FLOOR, _Draws
from countyeconomy.inference import map_chunks

__all__ = [
    "CCKChoice",
    "CCKSummary",
    "cck_critical",
    "cck_grid",
    "draw_errors",
    "lepski",
    "run_cck",
]

_LEPSKI_SLACK = 1.1
_CONSTANT = 10.0


@dataclass(frozen=True)
class CCKChoice:
    """Outcome of the Lepski step: the index of ``J_tilde`` in the grid, ``theta*`` and the
    statistics ``z`` of the pairs ``(i, j)`` (``i < j``) in ``pairs`` order."""

    index: int
    theta: float
    stats: FloatArray
    pairs: tuple[tuple[int, int], ...]


def cck_grid(n: int, degree: int, max_dim: int | None = None) -> tuple[IntArray, float]:
    """Segment counts ``1, 2, 4, ...`` of the CCK grid for ``n`` treated units (dimensions up to
    ``J_max``; at most ``max_dim`` basis functions when given) and ``alpha_hat``.

    >>> segs, alpha = cck_grid(500, 3)
    >>> segs.tolist(), round(alpha, 4)
    ([1, 2, 4, 8, 16, 32, 64], 0.2505)
    """
    l_max = max(int(np.floor(np.log(n) / np.log(2))), 3)
    segs = 2 ** np.arange(l_max + 1)
    dims = degree + segs
    scale = max(1.0, (0.1 * np.log(n)) ** 4)
    test = dims * np.sqrt(np.log(dims)) * scale
    bound = _CONSTANT * np.sqrt(n)
    cross = np.flatnonzero((test[:-1] <= bound) & (bound < test[1:]))
    keep = segs[: int(cross[0]) + 1 if len(cross) else l_max]
    if max_dim is not None:
        keep = keep[degree + keep <= max_dim]
        if len(keep) == 0:
            keep = segs[:1]
    j_max = degree + int(keep[-1])
    alpha = min(0.5, float(np.sqrt(np.log(j_max) / j_max)))
    return keep.astype(np.int64), alpha


def _se(sums: FloatArray) -> FloatArray:
    """Standard errors of columns whose variance is ``sums.T @ sums`` (diagonal)."""
    se = np.sqrt(np.einsum("ij,ij->j", sums, sums))
    return np.where(se > SE_FLOOR, se, np.inf)


def lepski(
    curves: list[FloatArray], sums: list[FloatArray], boot: list[FloatArray], alpha: float
) -> CCKChoice:
    """The Lepski step over the grid.

    Parameters
    ----------
    curves
        ``(m,)`` estimated curve at each dimension of the grid (increasing).
    sums
        ``(G, m)`` influence functions summed within clusters and divided by ``n``, so that the
        variance of a linear combination ``c`` of curves is ``|sums @ c|**2``.
    boot
        ``(B, m)`` bootstrap draws of each curve's estimation error (same multipliers for all).
    alpha
        ``alpha_hat`` of :func:`cck_grid`.
    """
    k = len(curves)
    pairs = tuple((a, b) for a in range(k) for b in range(a + 1, k))
    if not pairs:
        return CCKChoice(0, 0.0, np.zeros(0), ())
    stats = np.empty(len(pairs))
    boot_max = np.zeros(boot[0].shape[0])
    for p, (a, b) in enumerate(pairs):
        se = _se(sums[a] - sums[b])
        stats[p] = float(np.max(np.abs(curves[a] - curves[b]) / se))
        boot_max = np.maximum(boot_max, np.max(np.abs(boot[a] - boot[b]) / se, axis=1))
    theta = float(np.quantile(boot_max, 1 - alpha, method="lower"))
    chosen = k - 1
    for a in range(k - 1):
        own = [p for p, (i, _) in enumerate(pairs) if i == a]
        if np.all(stats[own] <= _LEPSKI_SLACK * theta):
            chosen = a
            break
    return CCKChoice(min(chosen, k - 2), theta, stats, pairs)


def band_set(k: int, index: int) -> list[int]:
    """Indices of the grid over which the band's ``z*`` is taken: ``J <= max(J_tilde, J_(-3))``."""
    if k <= 2:
        return list(range(k))
    return list(range(max(index, k - 3) + 1))


def cck_critical(
    sums: list[FloatArray],
    boot: list[FloatArray],
    level: float,
    dimension: int,
    theta: float,
) -> float:
    """``cv = z* + max(0, log log J_tilde) theta*`` of the honest band; ``sums`` and ``boot`` are
    those of the dimensions of :func:`band_set`."""
    t_max = np.zeros(boot[0].shape[0])
    for s, b in zip(sums, boot, strict=True):
        t_max = np.maximum(t_max, np.max(np.abs(b) / _se(s), axis=1))
    z = float(np.quantile(t_max, level, method="lower"))
    return z + max(0.0, float(np.log(np.log(dimension)))) * theta


def draw_errors(
    blocks: list[FloatArray],
    draws: int,
    seed: np.random.SeedSequence,
    distribution: str,
    *,
    executor: Executor | None,
    progress: bool,
) -> list[FloatArray]:
    """``(draws, K_b)`` multiplier draws ``sum_c v_c sums_c`` of the estimation errors of the
    columns of each block ``sums`` ``(G, K_b)`` (as in :func:`lepski`), with the same multipliers
    ``v`` for every block, through ``map_chunks``. Each block is drawn on a thin factor of its
    own (its rank is about its basis size), so the cost grows with the total rank only."""
    n_cl = blocks[0].shape[0]
    factors, backs = [], []
    for sums in blocks:
        ev, vec = np.linalg.eigh(sums.T @ sums)
        keep = ev > max(float(ev.max(initial=0.0)), 1e-300) * 1e-13
        factors.append(sums @ vec[:, keep])
        backs.append(vec[:, keep].T)
    parts = map_chunks(
        _Draws(np.ascontiguousarray(np.hstack(factors)), distribution),
        draws,
        seed,
        executor,
        BOOT_CHUNK,
        progress=progress,
        desc="CCK multiplier bootstrap",
    )
    sample = np.concatenate(parts, axis=0) * np.sqrt(n_cl)
    out = []
    start = 0
    for f, back in zip(factors, backs, strict=True):
        out.append(sample[:, start : start + f.shape[1]] @ back)
        start += f.shape[1]
    return out


@dataclass(frozen=True)
class CCKSummary:
    """What :func:`run_cck` chose: the grid position and facts recorded in ``info.extra``."""

    index: int
    segments: tuple[int, ...]
    theta: float
    alpha: float
    crit: tuple[float, float]
    stats: tuple[float, ...]


def run_cck(
    fits: list[tuple[FloatArray, FloatArray]],
    segments: IntArray,
    alpha: float,
    *,
    degree: int,
    cluster_sums: Callable[[FloatArray], FloatArray],
    offset: int,
    m: int,
    draws: int,
    seed: np.random.SeedSequence,
    distribution: str,
    executor: Executor | None,
    progress: bool,
    level: float = 0.95,
) -> CCKSummary:
    """Choose the dimension and the honest band's critical values from the aggregated fits
    ``(estimates, influence functions (n, q))`` of each grid dimension; the ATT(d) curve is in
    columns ``offset:offset + m`` and ACRT(d) in the next ``m``."""
    n = fits[0][1].shape[0]
    sums = [cluster_sums(inf[:, offset : offset + 2 * m]) / n for _, inf in fits]
    boot = draw_errors(sums, draws, seed, distribution, executor=executor, progress=progress)
    att = slice(offset, offset + m)  # the test compares ATT(d) curves, as R npiv's
    choice = lepski(
        [est[att] for est, _ in fits],
        [s[:, :m] for s in sums],
        [b[:, :m] for b in boot],
        alpha,
    )
    chosen = band_set(len(fits), choice.index)
    dimension = degree + int(segments[choice.index])
    crit = tuple(
        cck_critical(
            [sums[k][:, cols] for k in chosen],
            [boot[k][:, cols] for k in chosen],
            level,
            dimension,
            choice.theta,
        )
        for cols in (slice(0, m), slice(m, 2 * m))
    )
    return CCKSummary(
        choice.index,
        tuple(int(s) for s in segments),
        choice.theta,
        alpha,
        (crit[0], crit[1]),
        tuple(float(s) for s in choice.stats),
    )
