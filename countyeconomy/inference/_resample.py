"""Shared machinery of resampling routines: seeds, chunking, executors and progress bars.

Every resampling routine splits its ``n_draws`` draws into fixed-size chunks. Chunk ``c`` gets its
own generator, ``numpy.random.default_rng`` seeded by the ``c``-th child of
``numpy.random.SeedSequence(seed)``. The numbers therefore depend only on ``seed`` and the chunk
size, never on where or in which order the chunks run: serially, on a thread or process pool, or on
a dask cluster through ``Client.get_executor()``.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Protocol, TypeVar

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from countyeconomy._typing import FloatArray, SeedLike
from countyeconomy._typing import resolve_seed as _resolve_seed
from countyeconomy.errors import IdentificationError, InvalidOptionError
from countyeconomy.inference._specs import VcovSpec
from countyeconomy.linalg import Factor, factorize

__all__ = [
    "ChunkTask",
    "LinearResultLike",
    "LinearStateLike",
    "chunk_bounds",
    "cluster_factor",
    "linear_parts",
    "map_chunks",
    "resolve_seed",
    "seed_entropy",
]

T = TypeVar("T")

DEFAULT_CHUNK = 250


@dataclass(frozen=True)
class ChunkTask:
    """One chunk of draws: its position and its own random generator seed.

    Attributes
    ----------
    index
        Chunk number (0-based).
    start, stop
        Draws ``start .. stop-1`` of the run.
    seed
        The chunk's :class:`numpy.random.SeedSequence`.
    """

    index: int
    start: int
    stop: int
    seed: np.random.SeedSequence

    @property
    def size(self) -> int:
        """Number of draws in the chunk."""
        return self.stop - self.start

    def rng(self) -> np.random.Generator:
        """A fresh generator for this chunk (same numbers every call)."""
        return np.random.default_rng(self.seed)


def resolve_seed(seed: SeedLike) -> np.random.SeedSequence:
    """A fresh :class:`numpy.random.SeedSequence` for ``seed`` (see :func:`countyeconomy._typing.resolve_seed`)."""
    return _resolve_seed(seed)


def chunk_bounds(n_draws: int, chunk: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n_draws)`` in pieces of at most ``chunk``."""
    if n_draws < 1:
        raise InvalidOptionError(f"the number of draws must be at least 1, got {n_draws}.")
    if chunk < 1:
        raise InvalidOptionError(f"chunk must be at least 1, got {chunk}.")
    return [(s, min(s + chunk, n_draws)) for s in range(0, n_draws, chunk)]


def map_chunks(
    fn: Callable[[ChunkTask], T],
    n_draws: int,
    seed: SeedLike,
    executor: Executor | None = None,
    chunk: int = DEFAULT_CHUNK,
    *,
    progress: bool = True,
    desc: str = "draws",
) -> list[T]:
    """Run ``fn`` over chunks of ``n_draws`` draws; results in chunk order.

    Parameters
    ----------
    fn
        Called once per chunk with a :class:`ChunkTask`; must be picklable to run on a process
        pool or a dask cluster (a module-level function or a dataclass with ``__call__``).
    n_draws
        Total number of draws.
    seed
        Seeds the run; chunk ``c`` uses child ``c`` of ``SeedSequence(seed)``.
    executor
        Any :class:`concurrent.futures.Executor` (``Client.get_executor()`` for dask); ``None``
        runs serially.
    chunk
        Draws per chunk. The numbers depend on it, so keep it fixed to compare runs.
    progress
        Show a tqdm progress bar (``tqdm.auto``: a widget in notebooks).
    """
    bounds = chunk_bounds(n_draws, chunk)
    root = resolve_seed(seed)
    children = root.spawn(len(bounds))
    tasks = [ChunkTask(i, s, e, children[i]) for i, (s, e) in enumerate(bounds)]
    out: list[T] = []
    with tqdm(total=n_draws, desc=desc, disable=not progress, leave=False) as bar:
        if executor is None:
            for task in tasks:
                out.append(fn(task))
                bar.update(task.size)
            return out
        futures = [executor.submit(fn, task) for task in tasks]
        for task, fut in zip(tasks, futures, strict=True):
            out.append(fut.result())
            bar.update(task.size)
    return out


def seed_entropy(seed: SeedLike) -> tuple[np.random.SeedSequence, int]:
    """The seed sequence to use and its entropy (to report for reproducibility)."""
    root = resolve_seed(seed)
    ent = root.entropy
    return root, int(ent) if isinstance(ent, (int, np.integer)) else 0


class ModelDataLike(Protocol):
    """What resampling needs from a fit's data: the frame and the panel key names."""

    @property
    def frame(self) -> pd.DataFrame: ...

    @property
    def county(self) -> str | None: ...

    @property
    def year(self) -> str | None: ...

    def resolve(self, name: str) -> str: ...


class LinearStateLike(Protocol):
    """Arrays a linear fit keeps (``LinearState`` of the estimators layer)."""

    @property
    def data(self) -> ModelDataLike: ...

    @property
    def rows(self) -> np.ndarray: ...

    @property
    def xd(self) -> FloatArray: ...

    @property
    def resid(self) -> FloatArray: ...

    @property
    def weights(self) -> FloatArray | None: ...

    @property
    def bread(self) -> FloatArray: ...

    @property
    def fixed_effects(self) -> tuple[Factor, ...]: ...


class InfoLike(Protocol):
    """Fit information used here."""

    @property
    def formula(self) -> str: ...

    @property
    def ssc(self) -> str: ...


class LinearResultLike(Protocol):
    """The part of ``LinearResultBase`` that resampling routines use (duck-typed)."""

    @property
    def params(self) -> pd.Series: ...

    @property
    def std_errors(self) -> pd.Series: ...

    @property
    def info(self) -> InfoLike: ...

    @property
    def vcov_spec(self) -> VcovSpec: ...

    @property
    def model(self) -> LinearStateLike: ...


def linear_parts(result: object, param: str) -> tuple[LinearResultLike, int]:
    """Check ``result`` is a fitted linear model and return it with the position of ``param``."""
    state = getattr(result, "model", None)
    if state is None or not hasattr(state, "xd") or not hasattr(result, "params"):
        raise InvalidOptionError(
            f"expected a fitted linear result (e.g. from countyeconomy.twfe), got "
            f"{type(result).__name__}."
        )
    res: LinearResultLike = result  # type: ignore[assignment]
    names = list(res.params.index)
    if param not in names:
        raise InvalidOptionError(f"param={param!r} is not a coefficient; the model has {names}.")
    return res, names.index(param)


def cluster_factor(state: LinearStateLike, name: str) -> Factor:
    """The factor of cluster variable ``name`` on the estimation rows."""
    data = state.data
    col = data.resolve(name)
    for fe in state.fixed_effects:
        if fe.name == col:
            return Factor(fe.codes, fe.n_levels, name)
    if col not in data.frame.columns:
        raise IdentificationError(
            f"cluster variable {name!r} is not a column; the data has "
            f"{list(data.frame.columns)[:20]}."
        )
    values = data.frame[col].to_numpy()[state.rows]
    if pd.isna(values).any():
        raise IdentificationError(
            f"cluster variable {name!r} is missing in {int(pd.isna(values).sum())} estimation "
            "row(s)."
        )
    f = factorize(values, name=name)
    return Factor(f.codes, f.n_levels, name)
