"""Likelihood-ratio and Wald tests of the spatial Durbin model against SAR and SEM."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy.errors import InvalidOptionError
from countyeconomy.results import FrozenResult, Summary, format_p_value
from countyeconomy.spatial._models import SpatialPanelResult

__all__ = ["SpatialTestResult", "durbin_tests", "lr_test"]


@dataclass(frozen=True, repr=False)
class SpatialTestResult(FrozenResult):
    """Tests as a table: ``test, hypothesis, statistic, df, p_value``."""

    table: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The tests."""
        return self.table

    def summary(self) -> Summary:
        """The tests with formatted p-values."""
        t = self.table.assign(p_value=[format_p_value(p) for p in self.table["p_value"]])
        return Summary(title="Spatial model tests", table=t)


def _row(test: str, hyp: str, stat: float, df: int) -> dict[str, object]:
    from scipy import stats

    return {
        "test": test,
        "hypothesis": hyp,
        "statistic": stat,
        "df": df,
        "p_value": float(stats.chi2.sf(stat, df)),
    }


def lr_test(restricted: SpatialPanelResult, unrestricted: SpatialPanelResult) -> SpatialTestResult:
    """``2 (loglik_u - loglik_r)`` against chi-squared with the difference in parameters.

    Both fits must be on the same data with the same effects and bias correction (e.g. SAR
    against SDM, or SEM against SDEM).
    """
    for r in (restricted, unrestricted):
        if not isinstance(r, SpatialPanelResult):
            raise InvalidOptionError(
                f"lr_test takes spatial panel results, got {type(r).__name__}."
            )
    a, b = restricted.info, unrestricted.info
    if (a.nobs, a.extra["effects"], a.extra["bias_correction"]) != (
        b.nobs,
        b.extra["effects"],
        b.extra["bias_correction"],
    ):
        raise InvalidOptionError(
            "lr_test: the two fits differ in observations, fixed effects or bias correction."
        )
    df = len(unrestricted.params) - len(restricted.params)
    if df <= 0:
        raise InvalidOptionError("lr_test: the unrestricted model must have more parameters.")
    stat = 2.0 * (unrestricted.loglik - restricted.loglik)
    row = _row("LR", f"{a.method} against {b.method}", float(stat), df)
    return SpatialTestResult(table=pd.DataFrame([row]))


def durbin_tests(sdm: SpatialPanelResult) -> SpatialTestResult:
    """Wald tests of an SDM fit: ``theta = 0`` (SAR) and ``theta + rho beta = 0`` (SEM,
    the common-factor restriction, by the delta method)."""
    if not isinstance(sdm, SpatialPanelResult) or sdm.info.method != "sdm_panel":
        raise InvalidOptionError("durbin_tests takes an sdm_panel result.")
    p = sdm.params
    v = sdm.vcov.to_numpy()
    names = list(p.index)
    xs = [n for n in names if not n.startswith("W*") and n != "rho"]
    ib = [names.index(x) for x in xs]
    it = [names.index(f"W*{x}") for x in xs]
    ir = names.index("rho")
    theta = p.to_numpy()[it]
    w_sar = float(theta @ np.linalg.solve(v[np.ix_(it, it)], theta))
    est = p.to_numpy()
    g = est[it] + est[ir] * est[ib]
    jac = np.zeros((len(xs), len(names)))
    for j in range(len(xs)):
        jac[j, it[j]] = 1.0
        jac[j, ib[j]] = est[ir]
        jac[j, ir] = est[ib[j]]
    w_sem = float(g @ np.linalg.solve(jac @ v @ jac.T, g))
    rows = [
        _row("Wald", "SDM reduces to SAR (theta = 0)", w_sar, len(xs)),
        _row("Wald", "SDM reduces to SEM (theta = -rho beta)", w_sem, len(xs)),
    ]
    return SpatialTestResult(table=pd.DataFrame(rows))
