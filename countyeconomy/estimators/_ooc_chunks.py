"""Out-of-core fits, memory: a partition is worked on in row chunks of whole partition-effect
levels, and the Arrow buffers of its Parquet read are handed back before the work starts.

A pass's kernels need about three times the memory of the rows they work on. Running them on
chunks of about :data:`CHUNK_ROWS` rows (each holding every row of its cells or firms) keeps
that working set small whatever the partitions' size (a Parquet file written with
1-million-row groups is read one group at a time); the per-chunk outputs are added up exactly as
per-partition outputs are.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import IntArray

__all__ = ["CHUNK_ROWS", "in_chunks", "row_chunks", "sorted_codes"]

CHUNK_ROWS = 250_000
"""Rows per chunk a pass works on (a chunk ends at a partition-effect level boundary)."""


def release_arrow() -> None:
    """Return the pages of the Arrow buffers a Parquet read just freed (mimalloc keeps them)."""
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


def sorted_codes(values: np.ndarray) -> tuple[IntArray, np.ndarray] | None:
    """``pd.factorize`` of sorted integer keys without its hash table (``None`` if unsorted)."""
    if values.dtype.kind not in "iu" or len(values) < 2:
        return None
    change = values[1:] != values[:-1]
    if (values[1:][change] < values[:-1][change]).any():
        return None
    codes = np.zeros(len(values), dtype=np.intp)
    np.cumsum(change, out=codes[1:])
    first = np.concatenate([[0], np.flatnonzero(change) + 1])
    return codes, values[first]


def row_chunks(part: pd.DataFrame, a_cols: tuple[str, ...], size: int | None = None) -> list[slice]:
    """Row ranges of about ``size`` rows that end at a change of the partition effect's key.

    Only when the key is one sorted integer column (cells or firms stored in order); otherwise
    the whole partition is one chunk.
    """
    size = CHUNK_ROWS if size is None else size
    n = len(part)
    whole = [slice(0, n)]
    if n <= 2 * size or len(a_cols) != 1:
        return whole
    values = part[a_cols[0]].to_numpy()
    if values.dtype.kind not in "iu":
        return whole
    change = values[1:] != values[:-1]
    if (values[1:][change] < values[:-1][change]).any():
        return whole
    starts = np.flatnonzero(change) + 1
    at = np.searchsorted(starts, np.arange(size, n, size))
    cuts = np.unique(starts[at[at < len(starts)]])
    bounds = [0, *(int(c) for c in cuts), n]
    return [slice(lo, hi) for lo, hi in pairwise(bounds) if hi > lo]


def in_chunks(
    part: pd.DataFrame, func: Callable[..., Any], a_cols: tuple[str, ...], *args: Any
) -> list[Any]:
    """``[func(chunk, *args) for chunk in row_chunks(part)]`` after releasing Arrow's pages."""
    release_arrow()
    chunks = row_chunks(part, a_cols)
    if len(chunks) == 1:
        return [func(part, *args)]
    return [func(part.iloc[s], *args) for s in chunks]
