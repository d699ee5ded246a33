"""Integer coding of key columns, shared by the panel layer and the kernels."""

from __future__ import annotations

import numpy as np
import pandas as pd

from countyeconomy._typing import IntArray

__all__ = ["dense_int_codes", "sorted_codes"]


def dense_int_codes(arr: np.ndarray) -> tuple[IntArray, int] | None:
    """Codes in value order for integers whose range is at most a few times their count.

    One counting pass, no hashing or sorting; ``None`` when the values are not such integers.
    """
    if arr.dtype.kind not in "iub" or arr.size == 0:
        return None
    lo, hi = int(arr.min()), int(arr.max())
    span = hi - lo + 1
    if span > 4 * arr.size + 1024:
        return None
    shifted = arr.astype(np.intp, copy=False) - lo
    present = np.bincount(shifted, minlength=span) > 0
    rank = np.cumsum(present, dtype=np.intp) - 1
    return rank[shifted], int(present.sum())


def sorted_codes(values: pd.Series | np.ndarray) -> tuple[IntArray, int]:
    """Codes ``0..n_levels-1`` in sorted value order (missing values are not allowed)."""
    if isinstance(values, pd.Series) and pd.api.types.is_string_dtype(values.dtype):
        # string keys (pandas' Arrow-backed str): factorise the column itself, without an
        # object-array copy of every row (same sorted codes, a fraction of the memory)
        str_codes, str_uniques = pd.factorize(values, sort=True)
        return np.asarray(str_codes, dtype=np.intp), len(str_uniques)
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    dense = dense_int_codes(arr)
    if dense is not None:
        return dense
    codes, uniques = pd.factorize(arr, sort=True)
    return codes.astype(np.intp, copy=False), len(uniques)
