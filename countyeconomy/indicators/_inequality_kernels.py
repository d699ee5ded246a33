"""Shared plumbing for the inequality and convergence indicators.

Input coercion (pandas to xarray and back), dimension and label checks, lazy value checks that run
inside the dask graph, and numpy kernels applied over one core dimension with
``xr.apply_ufunc(..., dask="parallelized")``. Nothing here is public API.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import DimensionError, WeightsError
from countyeconomy.indicators._common import (
    apply_zero_policy,
    as_dataarray,
    check_values,
    check_weights,
    require_dims,
)

__all__ = [
    "Groups",
    "group_codes",
    "make_groups",
    "over_core",
    "prepare",
    "theil_terms",
    "tidy_frame",
    "weighted_gini_kernel",
    "xlogx_ratio",
]


def prepare(
    values: object,
    weights: object | None,
    dim: str,
    zero_policy: str,
    *,
    skipna: bool,
    name: str = "values",
) -> tuple[xr.DataArray, xr.DataArray, bool, xr.DataArray]:
    """Validated ``(y, w, from_pandas, complete)``; units left out get weight 0 (and y = 1).

    ``y`` is checked lazily for zeros and negatives (``zero_policy``), ``w`` for negative, infinite
    and missing weights; ``w`` has ``y``'s shape. Zeros masked by ``zero_policy="mask"`` are left
    out. Missing values (NaN) are left out too, but unless ``skipna`` the boolean ``complete``
    (``dim`` reduced) is False wherever one occurred: callers return NaN there, so a missing county
    never silently changes the sample.
    """
    y, from_pandas = as_dataarray(values, name=name)
    require_dims(y, [dim], name=name, hint="Pass dim= naming the axis to measure across.")
    y = y.astype(float)
    complete = y.notnull().all(dim) | skipna
    y = apply_zero_policy(y, zero_policy, name=name)
    if weights is None:
        w = xr.ones_like(y)
    else:
        w = check_weights(weights, like=y)
        require_dims(w, [dim], name="weights", hint="Weights must vary along the same dim.")
        w = check_values(
            w.astype(float),
            np.isnan,
            name="weights",
            problem="missing value(s); every unit needs a weight",
            error=WeightsError,
        )
        w = w.broadcast_like(y)
    present = y.notnull()
    return y.where(present, 1.0), w.where(present, 0.0), from_pandas, complete


def group_codes(groups: object, values: xr.DataArray, dim: str, name: str) -> xr.DataArray:
    """Return ``groups`` as a 1-D, eager DataArray over ``dim`` aligned to ``values``."""
    if isinstance(groups, pd.Series):
        if groups.index.name is None:
            groups = groups.rename_axis(dim)
        g = xr.DataArray.from_series(groups)
    elif isinstance(groups, xr.DataArray):
        g = groups.compute()
    else:
        raise DimensionError(f"{name} must be a DataArray or Series over {dim!r}.")
    if g.dims != (dim,):
        raise DimensionError(f"{name} must have the single dim {dim!r}; it has {tuple(g.dims)}.")
    if dim in values.coords:
        try:
            g = g.reindex({dim: values[dim].values})
        except (ValueError, KeyError) as exc:
            raise DimensionError(
                f"{name} cannot be aligned to the values along {dim!r}: {exc}"
            ) from None
    if g.sizes[dim] != values.sizes[dim]:
        raise DimensionError(f"{name} has {g.sizes[dim]} labels; the values have {values.sizes}.")
    missing = pd.isna(g.values)
    if missing.any():
        raise DimensionError(f"{name} is missing for {int(missing.sum())} unit(s) along {dim!r}.")
    return g


def over_core(
    func: Callable[..., Any],
    *arrays: xr.DataArray,
    dim: str,
    out_core: list[list[Hashable]] | None = None,
    out_sizes: dict[Hashable, int] | None = None,
    kwargs: dict[str, Any] | None = None,
) -> Any:
    """Apply a numpy kernel whose last axis is ``dim``, lazily over every other dim."""
    core = [[dim] for _ in arrays]
    outs = out_core if out_core is not None else [[]]
    res = xr.apply_ufunc(
        func,
        *arrays,
        input_core_dims=core,
        output_core_dims=outs,
        dask="parallelized",
        output_dtypes=[float] * len(outs),
        kwargs=kwargs or {},
        dask_gufunc_kwargs={"allow_rechunk": True, "output_sizes": out_sizes or {}},
    )
    return res


def weighted_gini_kernel(y: FloatArray, w: FloatArray | None = None) -> FloatArray:
    """Gini along the last axis by the sorted cumulative-weight formula (no pair loop).

    ``G = sum_i w_i y_i (2 C_{i-1} + w_i - W) / (W sum_i w_i y_i)`` with units sorted by ``y``,
    ``C`` the running weight and ``W`` the total weight. Equals the double-sum definition exactly.
    """
    if w is None:
        w = np.ones_like(y)
    w = np.broadcast_to(w, y.shape)
    order = np.argsort(y, axis=-1, kind="stable")
    ys = np.take_along_axis(y, order, axis=-1)
    ws = np.take_along_axis(w, order, axis=-1)
    cum = np.cumsum(ws, axis=-1)
    total_w = cum[..., -1:]
    below = cum - ws
    wy = ws * ys
    num = np.sum(wy * (2.0 * below + ws - total_w), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = num / (total_w[..., 0] * np.sum(wy, axis=-1))
    nan = np.isnan(y).any(axis=-1) | np.isnan(w).any(axis=-1)
    return np.where(nan, np.nan, out)


def _bincount_kernel(x: FloatArray, codes: IntArray, k: int) -> FloatArray:
    """Sum the last axis of ``x`` by group code: (..., n) -> (..., k); NaN stays in its group."""
    batch = x.shape[:-1]
    flat = x.reshape(-1, x.shape[-1])
    rows = flat.shape[0]
    index = (codes[None, :] + k * np.arange(rows)[:, None]).ravel()
    out = np.bincount(index, weights=flat.ravel(), minlength=rows * k)
    return out.reshape((*batch, k))


@dataclass(frozen=True)
class Groups:
    """Integer group codes of the units along ``dim``; labels are sorted where sortable.

    ``sum`` and ``expand`` are lazy and O(n) in memory (no one-hot matrix).
    """

    codes: IntArray
    labels: np.ndarray
    dim: str

    @property
    def k(self) -> int:
        """Number of groups."""
        return int(self.labels.size)

    def sum(self, x: xr.DataArray, group_dim: str = "group") -> xr.DataArray:
        """Sum ``x`` over ``dim`` within each group; the result has dim ``group_dim``."""
        out = xr.apply_ufunc(
            _bincount_kernel,
            x,
            input_core_dims=[[self.dim]],
            output_core_dims=[[group_dim]],
            dask="parallelized",
            output_dtypes=[float],
            kwargs={"codes": self.codes, "k": self.k},
            dask_gufunc_kwargs={"allow_rechunk": True, "output_sizes": {group_dim: self.k}},
        )
        return cast(xr.DataArray, out).assign_coords({group_dim: self.labels})

    def expand(self, g: xr.DataArray, group_dim: str = "group") -> xr.DataArray:
        """Each unit's value of its group: dim ``group_dim`` replaced by ``dim``."""
        out = xr.apply_ufunc(
            np.take,
            g,
            input_core_dims=[[group_dim]],
            output_core_dims=[[self.dim]],
            dask="parallelized",
            output_dtypes=[float],
            kwargs={"indices": self.codes, "axis": -1},
            dask_gufunc_kwargs={"output_sizes": {self.dim: self.codes.size}},
        )
        return cast(xr.DataArray, out).drop_vars(group_dim, errors="ignore")


def make_groups(groups: object, values: xr.DataArray, dim: str, name: str) -> Groups:
    """Validated :class:`Groups` for ``values`` along ``dim`` (labels are read eagerly)."""
    g = group_codes(groups, values, dim, name)
    labels, codes = np.unique(np.asarray(g.values), return_inverse=True)
    return Groups(codes=codes.astype(np.intp), labels=labels, dim=dim)


def tidy_frame(
    parts: dict[str, xr.DataArray], total: xr.DataArray, group_dims: tuple[str, ...] = ()
) -> pd.DataFrame:
    """Long table: one row per component (and group / pair), columns value and share of total."""
    frames = []
    for comp, da in parts.items():
        ds = xr.Dataset({"value": da, "share": da / total}).compute()
        df = ds.expand_dims("_row").to_dataframe().reset_index().drop(columns="_row")
        df.insert(0, "component", comp)
        frames.append(df)
    out = pd.concat(frames, ignore_index=True)
    front = ["component", *[g for g in group_dims if g in out.columns]]
    rest = [c for c in out.columns if c not in front and c not in ("value", "share")]
    return out[[*front, *rest, "value", "share"]]


def xlog(x: xr.DataArray) -> xr.DataArray:
    """Natural log of a DataArray (typed wrapper; lazy on dask)."""
    return cast(xr.DataArray, np.log(x))


def xsqrt(x: xr.DataArray) -> xr.DataArray:
    """Square root of a DataArray (typed wrapper; lazy on dask)."""
    return cast(xr.DataArray, np.sqrt(x))


def xwhere(cond: xr.DataArray, a: Any, b: Any) -> xr.DataArray:
    """``xr.where`` with a typed result."""
    return cast(xr.DataArray, xr.where(cond, a, b))  # type: ignore[no-untyped-call]


def xlogx_ratio(a: xr.DataArray, b: xr.DataArray) -> xr.DataArray:
    """``a * ln(a / b)`` with the limit 0 at ``a = 0`` (zero incomes under zero_policy='allow')."""
    return xwhere(a == 0, 0.0, a * xlog(a / b))


def theil_terms(y: xr.DataArray, w: xr.DataArray, dim: str, kind: str) -> xr.DataArray:
    """Theil-T or Theil-L of ``y`` with weights ``w`` across ``dim`` (0/0 where weights sum to 0)."""
    total_w = w.sum(dim, skipna=False)
    mu = (w * y).sum(dim, skipna=False) / total_w
    if kind == "T":
        return xlogx_ratio(w * y, w * mu).sum(dim, skipna=False) / (mu * total_w)
    return (w * xlog(mu / y)).sum(dim, skipna=False) / total_w
