"""Integer-coded factors (fixed-effect and cluster ids): factorising, crossing, singletons."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._codes import dense_int_codes
from countyeconomy._typing import FloatArray, IntArray

__all__ = ["BATCH_COLUMNS", "Factor", "cross", "factorize", "group_sums", "singleton_mask"]


@dataclass(frozen=True)
class Factor:
    """A categorical variable coded ``0..n_levels-1``.

    Attributes
    ----------
    codes
        ``(n,)`` integer codes.
    n_levels
        Number of distinct levels.
    name
        Label for messages.
    """

    codes: IntArray
    n_levels: int
    name: str = ""

    def counts(self) -> IntArray:
        """``(n_levels,)`` number of rows per level."""
        return np.bincount(self.codes, minlength=self.n_levels)

    def subset(self, keep: np.ndarray) -> Factor:
        """The factor on rows ``keep`` (boolean mask), recoded to consecutive levels."""
        return factorize(self.codes[keep], name=self.name)


def factorize(values: object, name: str = "") -> Factor:
    """Code any 1-D array-like as a :class:`Factor`.

    Integers in a compact range are coded in value order in one counting pass (no hashing);
    other values are coded by :func:`pandas.factorize` in order of first appearance.
    """
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    dense = dense_int_codes(arr)
    if dense is not None:
        return Factor(dense[0], dense[1], name)
    codes, uniques = pd.factorize(arr)
    if (codes < 0).any():
        # missing keys are handled by the caller; keep a clear failure if they slip through
        raise ValueError(f"factor {name!r} has missing values")
    return Factor(codes.astype(np.intp, copy=False), len(uniques), name)


def cross(a: Factor, b: Factor, name: str = "") -> Factor:
    """The interaction ``a^b``: one level per observed pair of levels."""
    combined = a.codes.astype(np.int64) * np.int64(b.n_levels) + b.codes
    return factorize(combined, name=name or f"{a.name}^{b.name}")


def singleton_mask(factors: list[Factor]) -> np.ndarray:
    """Rows that belong to a level observed once in some factor, found iteratively.

    Dropping a singleton can create new singletons in another factor, so the search repeats until
    none is left (as fixest and reghdfe do). Returns a boolean ``(n,)`` mask of rows to drop.
    """
    if not factors:
        return np.zeros(0, dtype=bool)
    n = len(factors[0].codes)
    drop: np.ndarray | None = None
    keep = np.ones(n, dtype=bool)
    while True:
        changed = False
        for f in factors:
            counts = np.bincount(f.codes if drop is None else f.codes[keep], minlength=f.n_levels)
            if not (counts == 1).any():
                continue
            single = (counts[f.codes] == 1) & keep
            if single.any():
                drop = single if drop is None else drop | single
                keep = ~drop
                changed = True
        if not changed:
            return np.zeros(n, dtype=bool) if drop is None else drop


BATCH_COLUMNS = 16
"""From this many columns on, rows sorted by level are summed by one segment reduction."""


def group_sums(x: FloatArray, codes: np.ndarray, n_levels: int) -> FloatArray:
    """``(n_levels, k)`` sums of the columns of ``(n, k)`` ``x`` within each level of ``codes``.

    The one cluster-sum kernel (sandwich meats, demeaning, the wild bootstrap and the batched
    placebo draws). With at least :data:`BATCH_COLUMNS` columns and rows grouped by level in
    order (every level present, as in a sorted panel), all columns are summed in one
    ``numpy.add.reduceat`` pass; otherwise one ``numpy.bincount`` per column.

    >>> import numpy as np
    >>> group_sums(np.array([[1.0], [2.0], [4.0]]), np.array([0, 1, 0]), 2).ravel().tolist()
    [5.0, 2.0]
    """
    k = x.shape[1]
    if k >= BATCH_COLUMNS and len(codes) and n_levels:
        starts = _segment_starts(codes, n_levels)
        if starts is not None:
            return np.asarray(np.add.reduceat(x, starts, axis=0), dtype=float)
    out = np.empty((n_levels, k))
    for j in range(k):
        out[:, j] = np.bincount(codes, weights=x[:, j], minlength=n_levels)
    return out


def _segment_starts(codes: np.ndarray, n_levels: int) -> np.ndarray | None:
    """First row of each level if the rows are ``0..0, 1..1, ..., (L-1)..(L-1)``, else None."""
    if codes[0] != 0 or codes[-1] != n_levels - 1:
        return None
    step = np.diff(codes)
    if np.any((step != 0) & (step != 1)):
        return None
    return np.concatenate([[0], np.flatnonzero(step) + 1])
