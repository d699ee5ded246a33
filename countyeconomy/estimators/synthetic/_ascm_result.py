"""The result of :func:`~countyeconomy.augmented_synthetic_control`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import InvalidOptionError
from countyeconomy.results import CoefResult, CoefTable, FitInfo

__all__ = ["AugmentedSyntheticControlResult"]


@dataclass(frozen=True, repr=False)
class AugmentedSyntheticControlResult(CoefResult):
    """Result of :func:`augmented_synthetic_control`.

    Terms: ``ATT`` (the mean post-period effect) and ``event_time::k`` (the effect ``k`` years
    after ``treat_year``). There is no standard error (NaN); ``conf_int``, ``pvalues`` and
    ``to_frame`` give the conformal intervals and p-values (the jackknife+ intervals when only
    those were asked for) at the ``level`` of the fit. A conformal p-value is never below
    ``1 / (T0 + 1)`` for one year and ``1 / T`` for the ATT (``T0`` pre-period years, ``T`` years).

    Attributes
    ----------
    weights
        ``county, weight, scm_weight``: the augmented weights (they sum to one and may be
        negative) and the plain SCM weights of the same fit.
    paths
        ``year, treated, synthetic, gap, synthetic_scm, gap_scm, bias_correction``; the bias
        correction is ``gap_scm - gap``, the ridge estimate of the SCM's bias in each year.
    intervals
        ``term, method, ci_low, ci_high, p_value`` of every inference asked for.
    cv
        ``lambda, cv_error, cv_se``: the cross-validation curve (empty when ``penalty`` was given).
    level
        The confidence level of the intervals.
    """

    coefs: CoefTable
    info: FitInfo
    weights: pd.DataFrame
    paths: pd.DataFrame
    intervals: pd.DataFrame
    cv: pd.DataFrame
    level: float
    title: str = "Augmented synthetic control"

    @property
    def att(self) -> float:
        """The mean post-period effect."""
        return float(self.coefs.estimates[0])

    def _primary(self) -> pd.DataFrame:
        iv = self.intervals
        if iv.empty:
            return pd.DataFrame(
                {
                    "term": list(self.coefs.names),
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "p_value": np.nan,
                }
            )
        method = "conformal" if (iv["method"] == "conformal").any() else "jackknife+"
        return (
            iv[iv["method"] == method].set_index("term").loc[list(self.coefs.names)].reset_index()
        )

    def _check_level(self, level: float) -> None:
        if not np.isclose(level, self.level):
            raise InvalidOptionError(
                f"level={level!r}: the intervals of this fit are at level={self.level}; refit "
                f"augmented_synthetic_control(..., level={level!r}) for others."
            )

    @property
    def pvalues(self) -> pd.Series:
        """Conformal p-values of a zero effect (NaN with jackknife+ only)."""
        p = self._primary()["p_value"].to_numpy(dtype=float)
        return pd.Series(p, index=list(self.coefs.names), name="p_value")

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """The intervals of the fit (only at the fit's ``level``)."""
        self._check_level(level)
        prim = self._primary()
        return pd.DataFrame(
            {"ci_low": prim["ci_low"].to_numpy(float), "ci_high": prim["ci_high"].to_numpy(float)},
            index=list(self.coefs.names),
        )

    def to_frame(self, level: float | None = None) -> pd.DataFrame:
        """Tidy table with the fit's intervals and p-values."""
        ci = self.conf_int(self.level if level is None else level)
        frame = self.coefs.to_frame(self.level)
        frame["p_value"] = self.pvalues.to_numpy()
        frame["ci_low"] = ci["ci_low"].to_numpy()
        frame["ci_high"] = ci["ci_high"].to_numpy()
        return frame

    def plot(self, *, level: float = 0.95) -> Any:
        """Treated, ASCM and SCM paths (an altair chart)."""
        from countyeconomy.estimators.synthetic._ascm_plot import paths_chart

        return paths_chart(self)
