"""Counting and announcing cells where an indicator is undefined (0/0).

An indicator that divides by a total (a share, a mean, a distance sum) is undefined where that
total is zero. Such cells are NaN, as the docs promise, and never silently so: they are counted
and named in an :class:`~countyeconomy.errors.UndefinedValueWarning`.

On numpy-backed arrays the warning is issued at once with the count and the first labels. On
dask-backed arrays nothing is computed when the graph is built: a check is attached to the
result's task graph, and each chunk holding undefined cells warns with its own count when the
result is computed (labels are not named, since a chunk does not know them).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import xarray as xr

from countyeconomy.errors import CountyEconomyError, UndefinedValueWarning

__all__ = ["announce_undefined", "first_labels"]


def first_labels(mask: xr.DataArray, limit: int = 3) -> list[str]:
    """``dim=label`` descriptions of the first ``limit`` True cells of a numpy-backed mask."""
    values = np.asarray(mask.values, dtype=bool)
    if values.ndim == 0:
        return []
    out = []
    for pos in np.argwhere(values)[:limit]:
        parts = []
        for dim, i in zip(mask.dims, pos, strict=True):
            label = mask[dim].values[int(i)] if dim in mask.coords else int(i)
            label = label.item() if isinstance(label, np.generic) else label
            parts.append(f"{dim}={label!r}")
        out.append(", ".join(parts))
    return out


def _warn_block(block: Any, undefined: Any, *, subject: str, reason: str) -> Any:
    mask = np.broadcast_to(np.asarray(undefined, dtype=bool), np.shape(block))
    n = int(mask.sum())
    if n:
        warnings.warn(
            f"{subject}: {n} cell(s) of one chunk are undefined (0/0: {reason}) and are NaN "
            "(dask input: counted per chunk when computed).",
            UndefinedValueWarning,
            stacklevel=2,
        )
    return block


def announce_undefined(
    result: xr.DataArray,
    undefined: xr.DataArray,
    *,
    subject: str,
    reason: str,
    unit: str = "cell(s)",
    all_error: type[CountyEconomyError] | None = None,
    stacklevel: int = 3,
) -> xr.DataArray:
    """Warn about the cells of ``result`` that are undefined; return ``result``.

    ``undefined`` is a boolean array whose dims are a subset of ``result``'s (for example one
    flag per county for a county x sector result). numpy: warn now with the count, the total
    and the first labels. dask: return ``result`` with a lazy per-chunk check (nothing is
    computed here). With ``all_error``, numpy input undefined in every cell raises that error
    instead of warning.
    """
    if result.chunks is None and undefined.chunks is None:
        mask = np.asarray(undefined.values, dtype=bool)
        n = int(mask.sum())
        if all_error is not None and n and n == mask.size:
            raise all_error(
                f"{subject} is undefined (0/0: {reason}) in all {n} {unit}; nothing can be "
                "computed from these inputs."
            )
        if n:
            where = first_labels(undefined)
            first = f" First: {'; '.join(where)}." if where else ""
            warnings.warn(
                f"{subject} is undefined (0/0: {reason}) in {n} of {mask.size} {unit}; they "
                f"are NaN.{first}",
                UndefinedValueWarning,
                stacklevel=stacklevel,
            )
        return result
    flags = undefined.broadcast_like(result)
    out: xr.DataArray = xr.apply_ufunc(
        _warn_block,
        result,
        flags,
        dask="parallelized",
        output_dtypes=[result.dtype],
        kwargs={"subject": subject, "reason": reason},
        keep_attrs=True,
    )
    return out.rename(result.name)
