"""Shared helpers for the indicator modules: pandas <-> xarray, dim checks, lazy value checks.

Every helper works on numpy- and dask-backed :class:`xarray.DataArray` alike and never pulls a
dask-backed array into memory: value checks (negative, zero, non-finite) are attached to the
task graph block by block and raise when the result is computed.

Stable API (shared by structure, composite, inequality and convergence):

- :data:`ArrayInput`, :data:`PandasInput`, :data:`ZeroPolicy`
- :func:`as_dataarray` / :func:`restore`: accept pandas, give pandas back
- :func:`require_dims`, :func:`check_distinct_dims`, :func:`align_like`
- :func:`check_values` (generic lazy elementwise check), :func:`check_nonnegative`,
  :func:`check_weights`, :func:`apply_zero_policy`
- :func:`shares`, :func:`xlogy`, :func:`is_dask`, :func:`employment_array`
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._typing import check_option
from countyeconomy.errors import CountyEconomyError, DimensionError, WeightsError

__all__ = [
    "ArrayInput",
    "PandasInput",
    "ValueCheckError",
    "ZeroPolicy",
    "align_like",
    "apply_zero_policy",
    "as_dataarray",
    "check_distinct_dims",
    "check_nonnegative",
    "check_values",
    "check_weights",
    "employment_array",
    "is_dask",
    "require_dims",
    "restore",
    "shares",
    "xlogy",
]

PandasInput: TypeAlias = "pd.Series[Any] | pd.DataFrame"
ArrayInput: TypeAlias = "xr.DataArray | pd.Series[Any] | pd.DataFrame"

ZeroPolicy = Literal["raise", "mask", "allow"]
"""What to do with zeros where a formula takes a log or divides by the value.

``"raise"`` raises :class:`ValueCheckError` naming the first zero; ``"mask"`` turns zeros into
missing values (NaN), which the reductions then skip; ``"allow"`` keeps them and the formula's
own limit (``0 * ln 0 = 0``) or ``inf``/``nan`` applies. Negative values always raise.
"""


class ValueCheckError(CountyEconomyError, ValueError):
    """Values are outside the valid domain (negative employment, zero income, ...)."""


def is_dask(da: xr.DataArray) -> bool:
    """Return True if ``da`` is backed by a dask array."""
    return da.chunks is not None


def as_dataarray(
    x: object, *, name: str, column_dim: str | None = None
) -> tuple[xr.DataArray, bool]:
    """Return ``(DataArray, came_from_pandas)`` for a DataArray, Series or wide DataFrame.

    A Series becomes an array with one dim per index level (levels must be named). A DataFrame's
    index levels become dims and its columns become the dim ``columns.name`` or, when that is unset,
    ``column_dim``. The caller's object is never modified.
    """
    if isinstance(x, xr.DataArray):
        return x, False
    if isinstance(x, pd.DataFrame):
        col_name = str(x.columns.name) if x.columns.name is not None else column_dim
        if col_name is None:
            raise DimensionError(
                f"{name} is a DataFrame whose columns have no name; set df.columns.name to the "
                "dimension the columns hold (e.g. 'sector' or 'indicator')."
            )
        stacked = x.rename_axis(columns=col_name).stack()
        if isinstance(stacked, pd.DataFrame):  # pragma: no cover - multi-level columns
            raise DimensionError(f"{name} has multi-level columns; pass a long Series instead.")
        return _series_to_dataarray(stacked, name=name), True
    if isinstance(x, pd.Series):
        return _series_to_dataarray(x, name=name), True
    raise DimensionError(
        f"{name} must be an xarray.DataArray, a pandas Series with a named index, or a wide "
        f"pandas DataFrame; got {type(x).__name__}."
    )


def _series_to_dataarray(s: pd.Series[Any], *, name: str) -> xr.DataArray:
    names = list(s.index.names)
    if any(n is None for n in names):
        raise DimensionError(
            f"{name} has unnamed index level(s) {names}; name every level after a dimension "
            "(e.g. s.rename_axis(['county', 'sector']))."
        )
    if s.index.has_duplicates:
        dup = s.index[s.index.duplicated()][:3].tolist()
        raise DimensionError(
            f"{name} has duplicated index labels, e.g. {dup}; labels must be unique."
        )
    return xr.DataArray.from_series(s)


def restore(result: xr.DataArray, from_pandas: bool) -> xr.DataArray | pd.Series[Any]:
    """Return ``result`` as given, or as a long pandas Series when the input was pandas.

    A result without dims becomes a one-element Series.
    """
    if not from_pandas:
        return result
    if result.ndim == 0:
        return pd.Series([result.item()], name=result.name)
    return result.to_series()


def require_dims(da: xr.DataArray, dims: Sequence[Hashable], *, name: str, hint: str = "") -> None:
    """Raise :class:`DimensionError` naming every dim of ``dims`` that ``da`` lacks."""
    missing = [d for d in dims if d not in da.dims]
    if missing:
        extra = f" {hint}" if hint else ""
        raise DimensionError(
            f"dimension(s) {tuple(missing)} not found in {name} with dims {tuple(da.dims)}.{extra}"
        )


def check_distinct_dims(**dims: Hashable) -> None:
    """Raise :class:`DimensionError` if two of the keyword dim arguments name the same dim."""
    seen: dict[Hashable, str] = {}
    for arg, dim in dims.items():
        if dim in seen:
            raise DimensionError(f"{seen[dim]}={dim!r} and {arg}={dim!r} must name different dims.")
        seen[dim] = arg


def align_like(
    other: xr.DataArray, like: xr.DataArray, *, name: str, like_name: str
) -> xr.DataArray:
    """Check that ``other``'s dims are a subset of ``like``'s and that shared labels match."""
    extra = [d for d in other.dims if d not in like.dims]
    if extra:
        raise DimensionError(
            f"{name} has dimension(s) {tuple(extra)} that {like_name} (dims {tuple(like.dims)}) "
            "does not have."
        )
    for dim in other.dims:
        if dim in other.indexes and dim in like.indexes:
            if not other.indexes[dim].equals(like.indexes[dim]):
                raise DimensionError(
                    f"labels of dimension {dim!r} differ between {name} and {like_name}; "
                    "reindex one to the other first."
                )
        elif other.sizes[dim] != like.sizes[dim]:
            raise DimensionError(
                f"dimension {dim!r} has size {other.sizes[dim]} in {name} but "
                f"{like.sizes[dim]} in {like_name}."
            )
    return other


def _label_of(
    dims: tuple[Hashable, ...],
    labels: dict[Hashable, pd.Index],
    flat_index: int,
    block_shape: tuple[int, ...],
    offsets: Sequence[int],
) -> str:
    local = np.unravel_index(flat_index, block_shape)
    parts = []
    for dim, i, off in zip(dims, local, offsets, strict=True):
        pos = int(i) + int(off)
        label = labels[dim][pos] if dim in labels else pos
        parts.append(f"{dim}={label!r}")
    return ", ".join(parts)


def check_values(
    da: xr.DataArray,
    bad: Callable[[Any], Any],
    *,
    name: str,
    problem: str,
    error: type[CountyEconomyError] = ValueCheckError,
) -> xr.DataArray:
    """Return ``da`` with an elementwise check that raises ``error`` where ``bad(block)`` is True.

    numpy-backed arrays are checked now; dask-backed arrays get the check in their task graph, so
    nothing is computed until the result is. The message names ``problem`` and the first offending
    labels of the block, e.g. ``"employment has negative value(s), first at county='A'"``.
    """
    dims = tuple(da.dims)
    labels = {d: da.indexes[d] for d in dims if d in da.indexes}

    def _check(block: Any, block_info: dict[Any, Any] | None = None) -> Any:
        mask = np.asarray(bad(block))
        if mask.any():
            offsets: Sequence[int] = [0] * np.ndim(block)
            if block_info and None in block_info:
                offsets = [lo for lo, _ in block_info[None]["array-location"]]
            flat = int(np.flatnonzero(mask)[0])
            where = _label_of(dims, labels, flat, np.shape(block), offsets)
            raise error(f"{name} has {problem}" + (f", first at {where}." if where else "."))
        return block

    if is_dask(da):
        checked = da.data.map_blocks(_check, dtype=da.dtype, meta=np.array((), dtype=da.dtype))
        return da.copy(data=checked)
    _check(da.values)
    return da


def check_nonnegative(da: xr.DataArray, *, name: str) -> xr.DataArray:
    """Return ``da`` (lazily) checked for negative and infinite values; NaN passes as missing."""
    return check_values(
        da,
        lambda b: (b < 0) | np.isinf(b),
        name=name,
        problem="negative or infinite value(s); only non-negative finite values are valid",
    )


def check_weights(weights: object, *, like: xr.DataArray, name: str = "weights") -> xr.DataArray:
    """Return ``weights`` as a DataArray whose dims are a subset of ``like``'s, lazily non-negative.

    Raises :class:`countyeconomy.errors.WeightsError` for negative or infinite weights.
    """
    w, _ = as_dataarray(weights, name=name)
    align_like(w, like, name=name, like_name="the values")
    return check_values(
        w,
        lambda b: (b < 0) | np.isinf(b),
        name=name,
        problem="negative or infinite weight(s); weights must be non-negative and finite",
        error=WeightsError,
    )


def apply_zero_policy(da: xr.DataArray, policy: str, *, name: str) -> xr.DataArray:
    """Apply a :data:`ZeroPolicy` to ``da``; negative values always raise.

    ``"raise"``: zero or negative values raise :class:`ValueCheckError`. ``"mask"``: zeros become
    NaN. ``"allow"``: zeros are kept.
    """
    check_option("zero_policy", policy, ZeroPolicy)
    if policy == "raise":
        return check_values(
            da,
            lambda b: (b <= 0) | np.isinf(b),
            name=name,
            problem="zero, negative or infinite value(s); pass zero_policy='mask' to treat zeros "
            "as missing or zero_policy='allow' to keep them",
        )
    checked = check_nonnegative(da, name=name)
    if policy == "mask":
        return checked.where(checked != 0)
    return checked


def shares(da: xr.DataArray, dim: str) -> xr.DataArray:
    """Return ``da / da.sum(dim)``: shares along ``dim`` (NaN where the total is zero)."""
    total = da.sum(dim)
    return da / total.where(total != 0)


def xlogy(x: xr.DataArray, y: xr.DataArray) -> xr.DataArray:
    """Return ``x * ln(y)`` with ``0 * ln(0) = 0``, lazily on dask-backed arrays."""
    from scipy import special

    result = special.xlogy(x, y)
    if not isinstance(result, xr.DataArray):  # pragma: no cover - xarray always wraps ufuncs
        raise TypeError("xlogy expects DataArray inputs")
    return result


def employment_array(
    x: object, region_dim: str | None, sector_dim: str, name: str = "x"
) -> tuple[xr.DataArray, bool]:
    """Convert ``x``, check its region and sector dims, and attach the non-negativity check."""
    da, from_pandas = as_dataarray(x, name=name, column_dim=sector_dim)
    dims = [sector_dim] if region_dim is None else [region_dim, sector_dim]
    if region_dim is not None:
        check_distinct_dims(region_dim=region_dim, sector_dim=sector_dim)
    require_dims(da, dims, name=name, hint="Name them with region_dim= and sector_dim=.")
    return check_nonnegative(da, name=name), from_pandas
