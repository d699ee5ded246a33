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
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from countyeconomy.results._freeze import FrozenDict, freeze, lock, same
from countyeconomy.results._table import COLUMNS, CoefTable, Summary, format_p_value

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
    "lock",
    "same",
]


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
            object.__setattr__(self, k, lock(v))

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
            object.__setattr__(self, k, lock(v))

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
