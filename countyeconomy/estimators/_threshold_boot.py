"""Sequential threshold search for many outcome columns at once, and Hansen's (1999) bootstrap of
the F test for the number of thresholds, vectorised over draws and chunked over an executor.

The bootstrap of ``H0: k - 1 thresholds`` against ``H1: k`` keeps the regressors and ``q`` fixed,
draws ``N`` counties with replacement and gives county ``i`` the ``T`` within residuals of the
drawn county (residuals of the ``k``-threshold fit), added to the fitted values of the
``(k - 1)``-threshold fit. On every bootstrap sample the thresholds are searched stage by stage
exactly as on the data, and ``F_k* = (S_{k-1}* - S_k*) / (S_k* / df)``.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, IntArray, SeedLike, resolve_seed
from countyeconomy.estimators._threshold_grid import (
    ThresholdProblem,
    grid_ssr,
    orthonormal_basis,
    regressors_given,
    residualise,
)
from countyeconomy.inference import map_chunks

__all__ = [
    "BOOT_CHUNK",
    "ChunkLike",
    "FTests",
    "Stagewise",
    "bootstrap_f",
    "bootstrap_indices",
    "draw_seed",
    "f_tests",
    "fit_given",
    "stagewise",
]

BOOT_CHUNK = 50
"""Bootstrap draws per chunk of :func:`countyeconomy.inference.map_chunks`; fixed, so the numbers
do not depend on the executor."""


@dataclass(frozen=True)
class Stagewise:
    """Stage-by-stage threshold search on ``B`` outcome columns.

    Attributes
    ----------
    ssr
        ``(k + 1, B)``: row ``j`` is the SSR with ``j`` thresholds (row 0: linear model).
    thresholds
        ``(k, B)``: the threshold found at each stage, given the earlier ones.
    """

    ssr: FloatArray
    thresholds: FloatArray


def stagewise(problem: ThresholdProblem, y: FloatArray, k: int) -> Stagewise:
    """Search ``k`` thresholds stage by stage for every column of ``y (n, B)``.

    Stage ``j`` minimises the SSR over the grid given the thresholds of stages ``1..j-1`` of the
    same column. Columns that share those thresholds are searched together (one projection, one
    pass over the grid).
    """
    n_cols = y.shape[1]
    ssr = np.empty((k + 1, n_cols))
    found = np.empty((k, n_cols))
    groups: dict[tuple[float, ...], IntArray] = {(): np.arange(n_cols)}
    for stage in range(1, k + 1):
        nxt: dict[tuple[float, ...], list[int]] = {}
        for fixed, cols in groups.items():
            basis = orthonormal_basis(regressors_given(problem, fixed))
            yt = residualise(y[:, cols], basis)
            if stage == 1:
                ssr[0, cols] = np.einsum("ib,ib->b", yt, yt)
            curve = grid_ssr(problem, fixed, yt, basis)
            if not np.isfinite(curve).any():
                raise ValueError(f"no valid threshold candidate at stage {stage}")
            best = np.argmin(curve, axis=0)
            ssr[stage, cols] = curve[best, np.arange(len(cols))]
            found[stage - 1, cols] = problem.grid[best]
            for col, g in zip(cols.tolist(), best.tolist(), strict=True):
                key = (*fixed, float(problem.grid[g]))
                nxt.setdefault(key, []).append(col)
        groups = {key: np.asarray(v, dtype=np.intp) for key, v in nxt.items()}
    return Stagewise(ssr, found)


def fit_given(problem: ThresholdProblem, thresholds: tuple[float, ...]) -> FloatArray:
    """``(n,)`` within residuals of the model with the given thresholds."""
    basis = orthonormal_basis(regressors_given(problem, thresholds))
    return residualise(problem.y[:, None], basis)[:, 0]


def draw_seed(seed: SeedLike, k: int) -> np.random.SeedSequence:
    """The seed sequence of the bootstrap of test ``k`` (``k - 1`` against ``k`` thresholds):
    child ``k - 1`` of ``seed`` (never consuming the caller's object)."""
    return resolve_seed(seed).spawn(k)[k - 1]


def bootstrap_indices(seed: SeedLike, n_draws: int, n_units: int) -> IntArray:
    """``(n_draws, N)`` counties drawn with replacement, exactly as :func:`bootstrap_f` draws them:
    chunk ``c`` of :data:`BOOT_CHUNK` draws uses child ``c`` of ``seed``.

    Examples
    --------
    >>> bootstrap_indices(1, 3, 4).shape
    (3, 4)
    """
    root = resolve_seed(seed)
    sizes = [min(BOOT_CHUNK, n_draws - i) for i in range(0, n_draws, BOOT_CHUNK)]
    parts = [
        np.random.default_rng(ss).integers(0, n_units, size=(size, n_units))
        for size, ss in zip(sizes, root.spawn(len(sizes)), strict=True)
    ]
    out: IntArray = np.concatenate(parts, axis=0) if parts else np.zeros((0, n_units), np.intp)
    return out


class ChunkLike(Protocol):
    """What a chunk function reads from :func:`~countyeconomy.inference.map_chunks`' task."""

    @property
    def size(self) -> int: ...

    def rng(self) -> np.random.Generator: ...


@dataclass(frozen=True)
class _Chunk:
    """The bootstrap F statistics of one chunk of draws (picklable for process executors);
    all draws of a chunk are evaluated together, vectorised over the outcome columns."""

    problem: ThresholdProblem
    fitted: FloatArray
    resid: FloatArray
    k: int

    def __call__(self, task: ChunkLike) -> FloatArray:
        p = self.problem
        n, t = p.n_units, p.n_periods
        idx = task.rng().integers(0, n, size=(task.size, n))
        blocks = self.resid.reshape(n, t)
        # (n*t, size): column b is fitted + the residual blocks of the drawn counties
        draws = blocks[idx.T].transpose(0, 2, 1).reshape(n * t, task.size)
        ystar = self.fitted[:, None] + draws
        if p.two_way:
            ystar = p.within(ystar)
        res = stagewise(p, ystar, self.k)
        s0, s1 = res.ssr[self.k - 1], res.ssr[self.k]
        f: FloatArray = (s0 - s1) / (s1 / p.df)
        return f


def bootstrap_f(
    problem: ThresholdProblem,
    k: int,
    null: tuple[float, ...],
    alternative: tuple[float, ...],
    *,
    n_draws: int,
    seed: SeedLike,
    executor: Executor | None = None,
    progress: bool = False,
) -> FloatArray:
    """``(n_draws,)`` bootstrap F statistics of ``k - 1`` against ``k`` thresholds.

    ``null`` are the ``k - 1`` thresholds of the data's stage-wise fit (its fitted values generate
    the bootstrap outcomes), ``alternative`` the ``k`` thresholds (its residuals are resampled by
    county). The draws run through :func:`countyeconomy.inference.map_chunks` in chunks of
    :data:`BOOT_CHUNK` seeded by the children of ``seed``, so the statistics are the same serially
    and on any ``executor``.
    """
    resid_null = fit_given(problem, null)
    chunk = _Chunk(problem, problem.y - resid_null, fit_given(problem, alternative), k)
    parts = map_chunks(
        chunk,
        n_draws,
        seed,
        executor,
        BOOT_CHUNK,
        progress=progress,
        desc=f"threshold bootstrap F{k}",
    )
    return np.concatenate(parts) if parts else np.zeros(0)


@dataclass(frozen=True)
class FTests:
    """F statistics of ``k - 1`` against ``k`` thresholds (keys ``k``), bootstrap p-values,
    10/5/1% critical values and the ``(B,)`` bootstrap draws."""

    f_stats: dict[int, float]
    p_values: dict[int, float]
    crit_values: dict[int, tuple[float, float, float]]
    draws: dict[int, FloatArray]

    def frame(self) -> pd.DataFrame:
        """One row per test: test, f_stat, p_value, crit10, crit5, crit1."""
        ks = list(self.f_stats)
        crit = [self.crit_values.get(k, (np.nan, np.nan, np.nan)) for k in ks]
        return pd.DataFrame(
            {
                "test": [f"{k - 1} vs {k}" for k in ks],
                "f_stat": [self.f_stats[k] for k in ks],
                "p_value": [self.p_values.get(k, np.nan) for k in ks],
                "crit10": [c[0] for c in crit],
                "crit5": [c[1] for c in crit],
                "crit1": [c[2] for c in crit],
            }
        )


def f_tests(
    problem: ThresholdProblem,
    sw: Stagewise,
    *,
    draws: int,
    seed: SeedLike,
    executor: Executor | None = None,
    progress: bool = False,
) -> FTests:
    """F test of ``k - 1`` against ``k`` thresholds for every stage of the data's search ``sw``
    (one column), with :func:`bootstrap_f` p-values when ``draws > 0``."""
    ssr, found = sw.ssr[:, 0], [float(v) for v in sw.thresholds[:, 0]]
    f_stats: dict[int, float] = {}
    p_values: dict[int, float] = {}
    crits: dict[int, tuple[float, float, float]] = {}
    boot: dict[int, FloatArray] = {}
    root = resolve_seed(seed)
    for k in range(1, len(found) + 1):
        f_stats[k] = float((ssr[k - 1] - ssr[k]) / (ssr[k] / problem.df))
        if not draws:
            continue
        fs = bootstrap_f(
            problem,
            k,
            tuple(found[: k - 1]),
            tuple(found[:k]),
            n_draws=draws,
            seed=draw_seed(root, k),
            executor=executor,
            progress=progress,
        )
        boot[k] = fs
        p_values[k] = float(np.mean(fs >= f_stats[k]))
        q90, q95, q99 = np.quantile(fs, [0.90, 0.95, 0.99])
        crits[k] = (float(q90), float(q95), float(q99))
    return FTests(f_stats, p_values, crits, boot)
