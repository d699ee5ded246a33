"""The public result contract: protocols, the one info type, and the shared frozen base.

Every estimator returns a result that satisfies :class:`EstimateResult`; every post-estimation
routine (placebo test, wild bootstrap, HonestDiD, the robustness battery) returns one that satisfies
:class:`PostEstimationResult`. Shared behaviour lives here, so a new estimator's result is a frozen
dataclass that inherits :class:`CoefResult` (coefficients) or :class:`FrozenResult` (anything else):

>>> from dataclasses import dataclass
>>> import numpy as np
>>> from countyeconomy.results import CoefResult, CoefTable, FitInfo
>>> @dataclass(frozen=True, repr=False)
... class MyResult(CoefResult):
...     coefs: CoefTable
...     info: FitInfo
...     title: str = "My estimator"
>>> r = MyResult(CoefTable(("ATT",), np.array([0.5]), np.array([[0.01]]), None),
...              FitInfo(method="my_estimator", nobs=100))
>>> float(r.params["ATT"]), float(r.std_errors["ATT"])
(0.5, 0.1)
>>> r.coefs.estimates.flags.writeable
False

Results are deeply immutable: arrays are read-only copies, mappings are read-only
:class:`FrozenDict` views that pickle, lists become tuples, and data frames are handed out as
copy-on-write copies, so changing what a result returns never changes the result.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

import numpy as np
import pandas as pd
from scipy import stats

from countyeconomy._typing import FloatArray

__all__ = [
    "COLUMNS",
    "CoefResult",
    "CoefTable",
    "EstimateResult",
    "FitInfo",
    "FrozenDict",
    "FrozenResult",
    "PostEstimationResult",
    "Summary",
    "format_p_value",
    "freeze",
    "same",
]

COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high")
"""Columns of every result's ``to_frame()``, in this order."""

_K = TypeVar("_K")
_V = TypeVar("_V")


class FrozenDict(Mapping[_K, _V]):
    """A read-only mapping that pickles (unlike :class:`types.MappingProxyType`).

    >>> d = FrozenDict({"county": 80})
    >>> d["county"]
    80
    >>> d["year"] = 8
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenDict' object does not support item assignment
    """

    __slots__ = ("_data",)
    _data: dict[_K, _V]

    def __init__(self, data: Mapping[_K, _V] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, key: _K) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._data.items(), key=repr)))

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError("'FrozenDict' object is read-only")

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (self._data,))


def freeze(value: Any) -> Any:
    """A deeply read-only version of ``value``.

    numpy arrays become read-only copies, dicts become :class:`FrozenDict` (values frozen too),
    lists and tuples become tuples of frozen items, and pandas objects become copy-on-write
    copies (so the caller's object and the result never share mutable state). Other values are
    returned as they are.
    """
    if isinstance(value, np.ndarray):
        if not value.flags.writeable and value.base is None:
            return value
        out = np.array(value, copy=True)
        out.flags.writeable = False
        return out
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return tuple(freeze(v) for v in value)
    if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        return value.copy(deep=False)
    return value


def _lock(value: Any) -> Any:
    """Make an unpickled value read-only again (arrays lose their write lock in a pickle)."""
    if isinstance(value, np.ndarray):
        if value.flags.writeable:
            if value.base is None:
                value.flags.writeable = False
                return value
            return freeze(value)
        return value
    if isinstance(value, dict) and not isinstance(value, FrozenDict):
        return freeze(value)
    if isinstance(value, list):
        return freeze(value)
    return value


def same(a: Any, b: Any) -> bool:
    """Structural equality: arrays and frames by value (NaN equal to NaN), mappings, sequences
    and dataclasses field by field. ``==`` on every result uses it, so a pickled and restored
    result equals the original.

    >>> same(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    True
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, pd.DataFrame | pd.Series | pd.Index):
        return bool(a.equals(b))
    if isinstance(a, np.random.SeedSequence):
        return bool(
            a.entropy == b.entropy
            and a.spawn_key == b.spawn_key
            and a.pool_size == b.pool_size
            and a.n_children_spawned == b.n_children_spawned
        )
    if isinstance(a, Mapping):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return all(
            same(object.__getattribute__(a, f.name), object.__getattribute__(b, f.name))
            for f in dataclasses.fields(a)
        )
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


class FrozenResult:
    """Base of every result: deep immutability, pickling and the protocol's rendering defaults.

    A subclass is a ``@dataclass(frozen=True, repr=False)``. On construction every field is passed
    through :func:`freeze`; on attribute access pandas objects are handed out as copy-on-write
    copies. Subclasses that need their own ``__post_init__`` call ``super().__post_init__()``.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # keep structural equality: @dataclass only adds __eq__/__hash__ when the class lacks them
        if "__eq__" not in cls.__dict__:
            cls.__eq__ = FrozenResult.__eq__  # type: ignore[method-assign]
            cls.__hash__ = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            object.__setattr__(self, f.name, freeze(object.__getattribute__(self, f.name)))

    def __eq__(self, other: object) -> bool:
        return same(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, _lock(v))

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if isinstance(value, pd.DataFrame | pd.Series):
            return value.copy(deep=False)
        return value

    def summary(self) -> Summary:
        """A printable summary (text, HTML, LaTeX)."""
        raise NotImplementedError  # pragma: no cover - every concrete result overrides it

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


@dataclass(frozen=True, repr=False)
class FitInfo(FrozenResult):
    """What happened in a fit: the one info type every result carries as ``.info``.

    Attributes
    ----------
    method
        The estimator's public name (``"twfe"``, ``"att_gt"``, ...).
    nobs
        Rows (observations) used.
    nobs_input
        Rows in the input (``nobs`` plus everything dropped); ``0`` when not recorded.
    dropped
        Rows dropped, by reason (``"missing: y"``, ``"non-finite: y"``, ``"singletons"``, ...).
    clusters
        Number of clusters per cluster variable.
    specification
        The model as the user wrote it: a formula, or ``"outcome ~ cohort"`` style text.
    vcov
        Label of the covariance (``"cluster (county)"``).
    ssc
        Small-sample convention used.
    df_t
        Degrees of freedom of the t reference distribution (``None``: normal).
    fixed_effects
        Levels absorbed per fixed effect.
    warnings
        Diagnostic messages recorded during the fit (also issued as warnings).
    extra
        Estimator-specific facts. Each key is also readable as an attribute
        (``info.r2`` is ``info.extra["r2"]``).
    """

    method: str
    nobs: int
    nobs_input: int = 0
    dropped: Mapping[str, int] = field(default_factory=dict)
    clusters: Mapping[str, int] = field(default_factory=dict)
    specification: str = ""
    vcov: str = ""
    ssc: str = ""
    df_t: int | None = None
    fixed_effects: Mapping[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # only called when normal lookup fails: estimator-specific facts live in ``extra``
        if name.startswith("__"):
            raise AttributeError(name)
        extra = object.__getattribute__(self, "extra")
        if name in extra:
            return extra[name]
        raise AttributeError(
            f"FitInfo has no field {name!r}; fields: "
            f"{[f.name for f in dataclasses.fields(self)]}, extra: {sorted(extra)}"
        )

    def __getstate__(self) -> dict[str, Any]:
        return {f.name: object.__getattribute__(self, f.name) for f in dataclasses.fields(self)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, _lock(v))

    @property
    def formula(self) -> str:
        """Alias of :attr:`specification` (the formula for regression estimators)."""
        return self.specification

    def summary(self) -> Summary:
        rows = [
            ("method", self.method),
            ("observations", f"{self.nobs:,}"),
            ("specification", self.specification),
            ("std. errors", self.vcov),
        ]
        return Summary("Fit information", pd.DataFrame({"term": [], "value": []}), tuple(rows))

    def __repr__(self) -> str:
        parts = [
            f"{f.name}={object.__getattribute__(self, f.name)!r}" for f in dataclasses.fields(self)
        ]
        return f"FitInfo({', '.join(parts)})"


@dataclass(frozen=True, eq=False)
class CoefTable:
    """Estimates, covariance and the reference distribution for tests.

    ``df_t`` is the t distribution's degrees of freedom; ``None`` means the normal distribution.
    Arrays are stored as read-only copies.
    """

    names: tuple[str, ...]
    estimates: FloatArray
    vcov: FloatArray
    df_t: int | None

    def __eq__(self, other: object) -> bool:
        return same(self, other)

    __hash__ = None  # type: ignore[assignment]

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, _lock(v))

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", tuple(self.names))
        object.__setattr__(self, "estimates", freeze(np.asarray(self.estimates, dtype=float)))
        object.__setattr__(self, "vcov", freeze(np.asarray(self.vcov, dtype=float)))

    @property
    def params(self) -> pd.Series:
        return pd.Series(self.estimates.copy(), index=list(self.names), name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        se = np.sqrt(np.clip(np.diag(self.vcov), 0, None))
        return pd.Series(se, index=list(self.names), name="std_error")

    @property
    def tstats(self) -> pd.Series:
        with np.errstate(divide="ignore", invalid="ignore"):
            se = self.std_errors.to_numpy()
            t = np.where(se > 0, self.estimates / np.where(se > 0, se, 1.0), np.nan)
        return pd.Series(t, index=list(self.names), name="statistic")

    def _dist(self) -> Any:
        return stats.norm() if self.df_t is None else stats.t(self.df_t)

    @property
    def pvalues(self) -> pd.Series:
        p = 2 * self._dist().sf(np.abs(self.tstats.to_numpy()))
        return pd.Series(p, index=list(self.names), name="p_value")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        q = float(self._dist().ppf(0.5 + level / 2))
        se = self.std_errors
        return pd.DataFrame({"ci_low": self.params - q * se, "ci_high": self.params + q * se})

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        ci = self.conf_int(level)
        return pd.DataFrame(
            {
                "term": list(self.names),
                "estimate": self.estimates.copy(),
                "std_error": self.std_errors.to_numpy(),
                "statistic": self.tstats.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
                "ci_low": ci["ci_low"].to_numpy(),
                "ci_high": ci["ci_high"].to_numpy(),
            }
        )

    def vcov_frame(self) -> pd.DataFrame:
        names = list(self.names)
        return pd.DataFrame(self.vcov.copy(), index=names, columns=names)


def format_p_value(p: float, draws: int | None = None) -> str:
    """A p-value printed at its resolution.

    With ``draws`` (a resampling p-value from ``B`` draws) the smallest attainable value is
    ``1/(B+1)``; smaller values print as ``"p ≤ 1/(B+1)"``, never as ``"< 0.001"``.

    >>> format_p_value(0.0, draws=19)
    'p ≤ 0.05 (=1/(19+1))'
    >>> format_p_value(0.0312)
    'p = 0.0312'
    >>> format_p_value(float("nan"))
    'p = n/a'
    """
    if p is None or not math.isfinite(p):
        return "p = n/a"
    if draws is not None:
        floor = 1.0 / (draws + 1)
        if p <= floor * (1 + 1e-12):
            return f"p ≤ {floor:.3g} (=1/({draws}+1))"
        return f"p = {p:.{max(2, math.ceil(math.log10(draws + 1)))}f}"
    if p < 0.0001:
        return "p < 0.0001"
    return f"p = {p:.4f}"


@dataclass(frozen=True)
class Summary:
    """A printable summary: a title, a table and footer lines.

    ``as_text()``, ``as_html()`` and ``as_latex()`` render it; Jupyter shows the HTML.
    """

    title: str
    table: pd.DataFrame
    footer: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def _formatted(self) -> pd.DataFrame:
        t = self.table.set_index(self.table.columns[0]) if len(self.table.columns) else self.table
        return t.map(lambda v: f"{v:.4g}" if isinstance(v, float) else str(v))

    def as_text(self) -> str:
        body = self._formatted().to_string()
        width = max((len(line) for line in body.splitlines()), default=20)
        foot = "\n".join(f"{k}: {v}" for k, v in self.footer)
        rule = "=" * width
        return f"{self.title}\n{rule}\n{body}\n{rule}\n{foot}"

    def as_html(self) -> str:
        body = self._formatted().to_html(classes="ce-summary", border=0)
        foot = "".join(
            f"<tr><td>{html.escape(k)}</td><td>{html.escape(v)}</td></tr>" for k, v in self.footer
        )
        return f"<h4>{html.escape(self.title)}</h4>{body}<table class='ce-footer'>{foot}</table>"

    def as_latex(self) -> str:
        body = self._formatted().to_latex(escape=True)
        foot = " \\\\\n".join(f"{k}: {v}" for k, v in self.footer)
        return f"% {self.title}\n{body}\n{foot}"

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


class CoefResult(FrozenResult):
    """The coefficient half of the result protocol, delegated to a ``coefs`` :class:`CoefTable`.

    A result class (a frozen dataclass with ``coefs``, ``info`` and ``title`` fields) inherits it
    and gets ``params``, ``std_errors``, ``tstats``, ``pvalues``, ``vcov``, ``conf_int``,
    ``to_frame``, a default ``summary``, ``__repr__``, ``_repr_html_`` and a coefficient ``plot``.
    """

    coefs: CoefTable
    info: Any
    title: str

    @property
    def params(self) -> pd.Series:
        """Point estimates."""
        return self.coefs.params

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors."""
        return self.coefs.std_errors

    @property
    def tstats(self) -> pd.Series:
        """t (or z) statistics; NaN where the standard error is 0 or missing."""
        return self.coefs.tstats

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values; NaN where the standard error is 0 or missing."""
        return self.coefs.pvalues

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the estimates."""
        return self.coefs.vcov_frame()

    @property
    def nobs(self) -> int:
        """Rows used."""
        return int(self.info.nobs)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals (columns ``ci_low``, ``ci_high``)."""
        return self.coefs.conf_int(level)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: term, estimate, std_error, statistic, p_value, ci_low, ci_high."""
        return self.coefs.to_frame(level)

    def _footer(self) -> list[tuple[str, str]]:
        i = self.info
        rows = [("Observations", f"{i.nobs:,}")]
        if i.specification:
            rows.insert(0, ("Specification", i.specification))
        if i.vcov:
            rows.append(("Std. errors", i.vcov))
        if i.clusters:
            rows.append(("Clusters", ", ".join(f"{k}: {v:,}" for k, v in i.clusters.items())))
        if i.dropped:
            rows.append(("Dropped", "; ".join(f"{v:,} {k}" for k, v in i.dropped.items())))
        return rows

    def summary(self) -> Summary:
        """Coefficient table with the fit information in the footer."""
        return Summary(self.title, self.to_frame(), tuple(self._footer()))

    def plot(self, *, level: float = 0.95) -> Any:
        """Coefficient plot with confidence intervals (an altair chart)."""
        from countyeconomy.report import coefplot  # charts live in the report layer

        return coefplot(self, level=level)


@runtime_checkable
class EstimateResult(Protocol):
    """What every estimator's result offers (``isinstance(res, EstimateResult)`` checks it).

    ``to_frame()`` has the columns :data:`COLUMNS`; ``info`` is a :class:`FitInfo`. Results whose
    covariance can be recomputed also offer ``with_vcov(vcov)``.
    """

    @property
    def params(self) -> pd.Series: ...

    @property
    def std_errors(self) -> pd.Series: ...

    @property
    def vcov(self) -> pd.DataFrame: ...

    @property
    def pvalues(self) -> pd.Series: ...

    @property
    def info(self) -> FitInfo: ...

    def conf_int(self, level: float = 0.95) -> pd.DataFrame: ...

    def to_frame(self, level: float = 0.95) -> pd.DataFrame: ...

    def summary(self) -> Summary: ...

    def _repr_html_(self) -> str: ...


@runtime_checkable
class PostEstimationResult(Protocol):
    """What post-estimation results offer: placebo and wild-bootstrap tests, HonestDiD bounds, the
    robustness battery's report. ``to_frame()`` is the result as a table."""

    def to_frame(self) -> pd.DataFrame: ...

    def summary(self) -> Summary: ...

    def _repr_html_(self) -> str: ...
