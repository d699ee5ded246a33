"""The coefficient table, p-values at their resolution, and the printable summary."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.results._freeze import freeze, lock, same

__all__ = ["COLUMNS", "CoefTable", "Summary", "format_p_value"]

COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high")
"""Columns of every result's ``to_frame()``, in this order."""


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
            object.__setattr__(self, k, lock(v))

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
        from scipy import stats

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
