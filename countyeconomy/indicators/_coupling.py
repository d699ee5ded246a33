"""Coupling coordination degree (耦合协调度) and Martin's regional resilience.

Re-exported from :mod:`countyeconomy.indicators.composite`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, overload

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._typing import check_option
from countyeconomy.errors import DimensionError, WeightsError
from countyeconomy.indicators._common import (
    PandasInput,
    align_like,
    as_dataarray,
    check_nonnegative,
    check_values,
    require_dims,
    restore,
)
from countyeconomy.indicators._undefined import announce_undefined

__all__ = [
    "COUPLING_LEVELS",
    "CouplingCoordination",
    "ResilienceKind",
    "coupling_coordination",
    "resilience",
]

ResilienceKind = Literal["sensitivity", "resistance"]
LevelLanguage = Literal["en", "zh"]

COUPLING_LEVELS: tuple[tuple[float, float, str, str], ...] = (
    (0.0, 0.1, "extreme imbalance", "极度失调"),
    (0.1, 0.2, "serious imbalance", "严重失调"),
    (0.2, 0.3, "moderate imbalance", "中度失调"),
    (0.3, 0.4, "mild imbalance", "轻度失调"),
    (0.4, 0.5, "near imbalance", "濒临失调"),
    (0.5, 0.6, "barely coordinated", "勉强协调"),
    (0.6, 0.7, "primary coordination", "初级协调"),
    (0.7, 0.8, "intermediate coordination", "中级协调"),
    (0.8, 0.9, "good coordination", "良好协调"),
    (0.9, 1.0, "quality coordination", "优质协调"),
)
"""The 10 classes of D: ``(low, high, English, Chinese)``; class *k* covers (low, high], class 1
also D = 0."""

_UPPER_EDGES = np.array([band[1] for band in COUPLING_LEVELS[:-1]])


def _level_code(d: Any) -> Any:
    code = np.digitize(d, _UPPER_EDGES, right=True) + 1
    return np.where(np.isnan(d), 0, code)


def _level_label(code: Any, column: int) -> Any:
    names = np.array([None] + [band[column] for band in COUPLING_LEVELS], dtype=object)
    return names[code]


@dataclass(frozen=True)
class CouplingCoordination:
    """Coupling degree C, development index T, coordination degree D and D's class.

    Attributes
    ----------
    coupling : DataArray
        C in [0, 1].
    development : DataArray
        :math:`T = \\sum_i \\alpha_i U_i`.
    coordination : DataArray
        :math:`D = \\sqrt{C T}` in [0, 1].
    level : DataArray
        Class 1-10 of D (see :data:`COUPLING_LEVELS`); 0 where D is missing.
    label : DataArray
        The class name (object dtype; missing where D is missing).
    """

    coupling: xr.DataArray
    development: xr.DataArray
    coordination: xr.DataArray
    level: xr.DataArray
    label: xr.DataArray

    def to_frame(self) -> pd.DataFrame:
        """One row per observation: coupling, development, coordination, level, label."""
        ds = xr.Dataset(
            {
                "coupling": self.coupling,
                "development": self.development,
                "coordination": self.coordination,
                "level": self.level,
                "label": self.label,
            }
        )
        return ds.to_dataframe()


def _subsystems(subsystems: Sequence[object]) -> xr.DataArray:
    if len(subsystems) < 2:
        raise DimensionError(f"coupling needs at least 2 subsystems; got {len(subsystems)}.")
    arrays: list[xr.DataArray] = []
    for i, s in enumerate(subsystems, start=1):
        u, _ = as_dataarray(s, name=f"subsystem {i}")
        if arrays:
            if set(u.dims) != set(arrays[0].dims):
                raise DimensionError(
                    f"subsystem {i} has dims {tuple(u.dims)} but subsystem 1 has "
                    f"{tuple(arrays[0].dims)}; all subsystems need the same dims."
                )
            align_like(u, arrays[0], name=f"subsystem {i}", like_name="subsystem 1")
        arrays.append(
            check_values(
                u,
                lambda b: ~((b >= 0) & (b <= 1)),
                name=f"subsystem {i}",
                problem="value(s) outside [0, 1] or missing; U scores must lie in [0, 1] "
                "(standardise first, e.g. with entropy_weights(...).scores)",
            )
        )
    return xr.concat(arrays, dim="_subsystem", join="exact")


def _root_of_product(v: xr.DataArray, m: int) -> xr.DataArray:
    """``prod(v) ** (1 / m)`` over the subsystems, through logs so tiny scores do not underflow."""
    positive = (v > 0).all("_subsystem")
    logs = cast(xr.DataArray, np.log(v.where(v > 0, 1.0)))
    root = cast(xr.DataArray, np.exp(logs.sum("_subsystem") / m))
    return root.where(positive, 0.0)


def _alpha(weights: Sequence[float] | None, n: int) -> xr.DataArray:
    if weights is None:
        return xr.DataArray(np.full(n, 1.0 / n), dims="_subsystem")
    values = np.asarray(weights, dtype=float)
    if values.shape != (n,) or not np.all(np.isfinite(values)) or np.any(values < 0):
        raise WeightsError(
            f"weights must be {n} non-negative numbers, one per subsystem; got {weights}."
        )
    if not np.isclose(values.sum(), 1.0, atol=1e-9):
        raise WeightsError(f"weights must sum to 1; they sum to {values.sum():.10g}.")
    return xr.DataArray(values, dims="_subsystem")


def coupling_coordination(
    *subsystems: xr.DataArray | PandasInput,
    weights: Sequence[float] | None = None,
    corrected: bool = False,
    language: str = "en",
) -> CouplingCoordination:
    r"""Coupling coordination degree model for *n* subsystems.

    Standard model (``corrected=False``):

    .. math:: C = n\Big[\frac{\prod_i U_i}{(\sum_i U_i)^n}\Big]^{1/n}
              = \frac{\text{geometric mean}}{\text{arithmetic mean}},\qquad
              T = \sum_i \alpha_i U_i,\qquad D = \sqrt{C T}

    Wang et al. (2021) correction (``corrected=True``), which spreads C out of its pile-up near 1:

    .. math:: C = \sqrt{\Big[1 - \frac{\sum_{i>j}|U_i - U_j|}{\sum_{m=1}^{n-1} m}\Big]
              \Big(\prod_i \frac{U_i}{\max_i U_i}\Big)^{\frac{1}{n-1}}}

    D's class follows the 10-band scale of :data:`COUPLING_LEVELS` ((0, 0.1] extreme imbalance ...
    (0.9, 1] quality coordination). C is NaN where every U is 0 (0/0); those cells are counted
    and named in an :class:`~countyeconomy.errors.UndefinedValueWarning`.

    Parameters
    ----------
    *subsystems : DataArray or Series
        Two or more scores :math:`U_i \in [0, 1]` with the same dims and labels.
    weights : sequence of float, optional
        :math:`\alpha_i`, non-negative and summing to 1; default :math:`1/n` each.
    corrected : bool
        Use the Wang et al. (2021) C.
    language : {"en", "zh"}
        Language of the class labels.

    References
    ----------
    王淑佳, 孔伟, 任亮, 治丹丹, 戴彬婷 (2021). 国内耦合协调度模型的误区及修正. 自然资源学报
    36(3), 793-810. R ``mathmodels::coupling_degree``.

    Examples
    --------
    >>> import xarray as xr
    >>> u1 = xr.DataArray([0.5, 0.2], dims="county")
    >>> u2 = xr.DataArray([0.5, 0.8], dims="county")
    >>> res = coupling_coordination(u1, u2)
    >>> res.coupling.round(4).values.tolist(), res.coordination.round(4).values.tolist()
    ([1.0, 0.8], [0.7071, 0.6325])
    >>> res.label.values.tolist()
    ['intermediate coordination', 'primary coordination']
    """
    check_option("language", language, LevelLanguage)
    u = _subsystems(subsystems)
    n = u.sizes["_subsystem"]
    alpha = _alpha(weights, n)
    if corrected:
        pick = [u.isel(_subsystem=i, drop=True) for i in range(n)]
        diffs = [abs(pick[i] - pick[j]) for i in range(n) for j in range(i)]
        spread = sum(diffs[1:], diffs[0]) / (n * (n - 1) / 2)
        top = u.max("_subsystem")
        ratio = _root_of_product(u / top.where(top != 0), n - 1).where(top != 0)
        c = ((1 - spread) * ratio) ** 0.5
    else:
        mean = u.mean("_subsystem")
        c = _root_of_product(u, n) / mean.where(mean != 0)
    c = announce_undefined(
        c,
        c.isnull(),
        subject="coupling_coordination coupling C",
        reason="every subsystem score U is 0",
    )
    t = (alpha * u).sum("_subsystem")
    d = (c * t) ** 0.5
    kwargs: dict[str, Any] = {"dask": "parallelized"}
    code = xr.apply_ufunc(_level_code, d, output_dtypes=[np.int64], **kwargs)
    column = 2 if language == "en" else 3
    label = xr.apply_ufunc(
        _level_label, code, kwargs={"column": column}, output_dtypes=[object], **kwargs
    )
    return CouplingCoordination(
        coupling=c.rename("coupling"),
        development=t.rename("development"),
        coordination=d.rename("coordination"),
        level=code.rename("level"),
        label=label.rename("label"),
    )


@overload
def resilience(
    x: xr.DataArray,
    *,
    start: object,
    end: object,
    kind: str = ...,
    region_dim: str = ...,
    time_dim: str = ...,
    sector_dim: str | None = ...,
    reference: object = ...,
) -> xr.DataArray: ...
@overload
def resilience(
    x: PandasInput,
    *,
    start: object,
    end: object,
    kind: str = ...,
    region_dim: str = ...,
    time_dim: str = ...,
    sector_dim: str | None = ...,
    reference: object = ...,
) -> pd.Series[Any]: ...
def resilience(
    x: xr.DataArray | PandasInput,
    *,
    start: object,
    end: object,
    kind: str = "sensitivity",
    region_dim: str = "county",
    time_dim: str = "year",
    sector_dim: str | None = None,
    reference: object = None,
) -> xr.DataArray | pd.Series[Any]:
    r"""Martin's regional resilience over one phase (contraction or recovery) ``start`` -> ``end``.

    .. math:: \beta_r = \frac{\Delta E_r / E_r}{\Delta E_N / E_N} \quad (\text{kind="sensitivity"})

    In a contraction :math:`\beta_r > 1` means the region is more sensitive (less resistant) than
    the nation. ``kind="resistance"`` gives
    :math:`(\Delta E_r - \widehat{\Delta E}_r) / |\widehat{\Delta E}_r|` with the expected change
    :math:`\widehat{\Delta E}_r = \sum_k g_{N,k} E_{kr}` (shift-share over ``sector_dim``; without
    sectors :math:`g_N E_r`). NaN where the national change or a base value is 0.

    Parameters
    ----------
    x : DataArray, Series or DataFrame
        Non-negative employment (or GDP) with dims ``region_dim`` and ``time_dim``.
    start, end : label
        ``time_dim`` labels of the phase's first and last year.
    sector_dim : str, optional
        Sector dim: sums sectors for the sensitivity index and gives the shift-share expected change
        for resistance.
    reference : DataArray or Series, optional
        National series with dim ``time_dim`` (and ``sector_dim``); default: sum over
        ``region_dim``.

    References
    ----------
    Martin, R. (2012). Regional economic resilience, hysteresis and recessionary shocks. *Journal of
    Economic Geography* 12(1), 1-32. Martin, R., Sunley, P., Gardiner, B. & Tyler, P. (2016). How
    regions react to recessions. *Regional Studies* 50(4), 561-585.

    Examples
    --------
    >>> import xarray as xr
    >>> e = xr.DataArray([[100, 80], [100, 95]], dims=("county", "year"),
    ...                  coords={"county": ["A", "B"], "year": [2019, 2020]})
    >>> resilience(e, start=2019, end=2020).round(4).values.tolist()
    [1.6, 0.4]
    """
    check_option("kind", kind, ResilienceKind)
    da, from_pandas = as_dataarray(x, name="x", column_dim=time_dim)
    require_dims(
        da, [region_dim, time_dim], name="x", hint="Name them with region_dim=, time_dim=."
    )
    years = da.indexes[time_dim] if time_dim in da.indexes else pd.Index([])
    missing = [lab for lab in (start, end) if lab not in years]
    if missing:
        raise DimensionError(f"{time_dim} label(s) {missing} not in x; it has {list(years)}.")
    if sector_dim is not None:
        require_dims(da, [sector_dim], name="x")
    da = check_nonnegative(da, name="x")
    if reference is None:
        nat = da.sum(region_dim, skipna=False)
    else:
        nat, _ = as_dataarray(reference, name="reference", column_dim=time_dim)
        require_dims(nat, [time_dim], name="reference")
        align_like(nat, da, name="reference", like_name="x")
        nat = check_nonnegative(nat, name="reference")
    e0, e1 = da.sel({time_dim: start}, drop=True), da.sel({time_dim: end}, drop=True)
    n0, n1 = nat.sel({time_dim: start}, drop=True), nat.sel({time_dim: end}, drop=True)
    if kind == "resistance":
        g_nat = (n1 - n0) / n0.where(n0 != 0)
        expected = g_nat * e0
        actual = e1 - e0
        if sector_dim is not None:
            expected = expected.sum(sector_dim, skipna=False)
            actual = actual.sum(sector_dim, skipna=False)
        out = (actual - expected) / abs(expected).where(expected != 0)
    else:
        if sector_dim is not None:
            e0, e1 = e0.sum(sector_dim, skipna=False), e1.sum(sector_dim, skipna=False)
            if sector_dim in n0.dims:
                n0, n1 = n0.sum(sector_dim, skipna=False), n1.sum(sector_dim, skipna=False)
        g_reg = (e1 - e0) / e0.where(e0 != 0)
        g_nat = (n1 - n0) / n0.where(n0 != 0)
        out = g_reg / g_nat.where(g_nat != 0)
    return restore(out.rename(f"resilience_{kind}"), from_pandas)
