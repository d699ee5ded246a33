"""The coefficient table every linear result shares, and the printable summary."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from countyeconomy._typing import FloatArray

__all__ = ["COLUMNS", "CoefProtocol", "CoefTable", "Summary"]

COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "ci_low", "ci_high")
"""Columns of every result's ``to_frame()``."""


@dataclass(frozen=True)
class CoefTable:
    """Estimates, covariance and the reference distribution for tests.

    ``df_t`` is the t distribution's degrees of freedom; ``None`` means the normal distribution.
    """

    names: tuple[str, ...]
    estimates: FloatArray
    vcov: FloatArray
    df_t: int | None

    @property
    def params(self) -> pd.Series:
        return pd.Series(self.estimates, index=list(self.names), name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        se = np.sqrt(np.clip(np.diag(self.vcov), 0, None))
        return pd.Series(se, index=list(self.names), name="std_error")

    @property
    def tstats(self) -> pd.Series:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.params / self.std_errors).rename("statistic")

    def _dist(self) -> stats.rv_continuous | stats.rv_frozen:
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
        out = pd.DataFrame(
            {
                "term": list(self.names),
                "estimate": self.estimates,
                "std_error": self.std_errors.to_numpy(),
                "statistic": self.tstats.to_numpy(),
                "p_value": self.pvalues.to_numpy(),
                "ci_low": ci["ci_low"].to_numpy(),
                "ci_high": ci["ci_high"].to_numpy(),
            }
        )
        return out

    def vcov_frame(self) -> pd.DataFrame:
        names = list(self.names)
        return pd.DataFrame(self.vcov, index=names, columns=names)


@dataclass(frozen=True)
class Summary:
    """A printable summary: a title, a coefficient table and footer lines.

    ``as_text()``, ``as_html()`` and ``as_latex()`` render it; Jupyter shows the HTML.
    """

    title: str
    table: pd.DataFrame
    footer: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def _formatted(self) -> pd.DataFrame:
        t = self.table.set_index("term")
        return t.map(lambda v: f"{v:.4g}" if isinstance(v, float) else str(v))

    def as_text(self) -> str:
        body = self._formatted().to_string()
        width = max(len(line) for line in body.splitlines())
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


class CoefProtocol:
    """The coefficient half of the result protocol, delegated to a ``coefs`` :class:`CoefTable`.

    Result classes (frozen dataclasses with a ``coefs`` field) inherit it, so every estimator
    exposes the same ``params``, ``std_errors``, ``tstats``, ``pvalues``, ``vcov`` and
    ``conf_int``.
    """

    coefs: CoefTable

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
        """t (or z) statistics."""
        return self.coefs.tstats

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values."""
        return self.coefs.pvalues

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance matrix of the estimates."""
        return self.coefs.vcov_frame()

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals (columns ``ci_low``, ``ci_high``)."""
        return self.coefs.conf_int(level)
