"""Shared machinery of resampling routines: seeds, chunking, executors and progress bars.

Every resampling routine splits its ``n_draws`` draws into fixed-size chunks. Chunk ``c`` gets its
own generator, ``numpy.random.default_rng`` seeded by the ``c``-th child of
``numpy.random.SeedSequence(seed)``. The numbers therefore depend only on ``seed`` and the chunk
size, never on where or in which order the chunks run: serially, on a thread or process pool, or on
a dask cluster through ``Client.get_executor()``.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from tqdm.std import TqdmWarning, tqdm

from countyeconomy._typing import SeedLike, resolve_seed
from countyeconomy.errors import InvalidOptionError

__all__ = [
    "DEFAULT_CHUNK",
    "ChunkTask",
    "chunk_bounds",
    "map_chunks",
    "progress_bar",
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


def chunk_bounds(n_draws: int, chunk: int) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` covering ``range(n_draws)`` in pieces of at most ``chunk``."""
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1:
        raise InvalidOptionError(f"the number of draws must be an int >= 1, got {n_draws!r}.")
    if isinstance(chunk, bool) or not isinstance(chunk, int | np.integer) or chunk < 1:
        raise InvalidOptionError(f"chunk must be an int >= 1, got {chunk!r}.")
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
        Seeds the run: an int (>= 0), a ``SeedSequence``, a ``Generator`` (its seed sequence) or
        ``None``; chunk ``c`` uses child ``c`` of it. The caller's object is never consumed, so
        the same object twice gives the same numbers.
    executor
        Any :class:`concurrent.futures.Executor` (``Client.get_executor()`` for dask); ``None``
        runs serially.
    chunk
        Draws per chunk. The numbers depend on it, so keep it fixed to compare runs.
    progress
        Show a tqdm progress bar: a widget in Jupyter when ipywidgets is installed (``make
        lab`` installs it), else a text bar (see :func:`progress_bar`).
    """
    bounds = chunk_bounds(n_draws, chunk)
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise InvalidOptionError(
            f"executor={executor!r} is not valid; pass a concurrent.futures.Executor "
            "(distributed.Client.get_executor() for dask) or None."
        )
    root = resolve_seed(seed)
    children = root.spawn(len(bounds))
    tasks = [ChunkTask(i, s, e, children[i]) for i, (s, e) in enumerate(bounds)]
    out: list[T] = []
    bar_class = progress_bar() if progress else tqdm
    with bar_class(total=n_draws, desc=desc, disable=not progress, leave=False) as bar:
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


def progress_bar() -> type[tqdm[Any]]:
    """The progress-bar class: ``tqdm.auto`` (a widget in Jupyter) only when ipywidgets is
    importable, else the text bar ``tqdm.std.tqdm``.

    ``tqdm.auto`` in a Jupyter kernel without ipywidgets warns ``TqdmWarning: IProgress not
    found``; choosing the class here means no kernel, console or script ever sees that warning.
    Nothing is imported until a bar is first shown.
    """
    if "ipykernel" not in sys.modules:  # a script or console: tqdm.auto is the text bar anyway
        return tqdm
    try:
        if importlib.util.find_spec("ipywidgets") is None:
            return tqdm
    except (ImportError, ValueError):  # a broken or half-imported ipywidgets
        return tqdm
    with warnings.catch_warnings():  # an ipywidgets too old for tqdm: fall back silently
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm as auto

    return auto


def seed_entropy(seed: SeedLike) -> tuple[np.random.SeedSequence, int]:
    """The seed sequence to use (a fresh copy) and its entropy (to report for reproducibility)."""
    root = resolve_seed(seed)
    ent = root.entropy
    return root, int(ent) if isinstance(ent, (int, np.integer)) else 0
