"""The frozen result of :func:`countyeconomy.estimators.mechanism.mechanism`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.errors import InvalidOptionError
from countyeconomy.estimators._mech_mediation import SobelTest
from countyeconomy.estimators.twfe import TWFEResult
from countyeconomy.results import COLUMNS, CoefResult, CoefTable, FitInfo, Summary

__all__ = ["JIANG_2022", "MechanismResult"]

JIANG_2022 = (
    "Jiang Ting (2022), 因果推断经验研究中的中介效应与调节效应, 中国工业经济 2022(5): 100-120"
)


@dataclass(frozen=True, repr=False)
class MechanismResult(CoefResult):
    """Result of :func:`mechanism`.

    ``info`` is a :class:`~countyeconomy.FitInfo` (``method="mechanism"``) whose ``extra`` holds
    ``approach``, ``formulas`` (by equation), ``theory``, ``draws``, ``bootstrap_unit`` and
    ``seed_entropy`` (the entropy of the seed used: pass it as ``seed=`` to repeat the draws).
    ``vcov`` is diagonal: the equations are fitted separately and their covariances across
    equations are not estimated.

    Attributes
    ----------
    total
        Baseline treatment -> outcome regression (coefficient ``c``).
    first_stage
        Treatment -> mediator regression with the same design (coefficient ``a``).
    outcome_model
        Outcome on treatment and mediator (``c'`` and ``b``); ``None`` under ``"jiang2022"``.
    sobel
        Sobel, Aroian and Goodman tests; ``None`` under ``"jiang2022"``.
    boot_draws
        ``(B, 2)`` bootstrap draws of ``a`` and ``b`` (``baron_kenny`` with ``draws > 0``).
    """

    total: TWFEResult
    first_stage: TWFEResult
    outcome_model: TWFEResult | None
    sobel: SobelTest | None
    boot_draws: FloatArray | None
    treatment: str
    mediator: str
    outcome: str
    info: FitInfo
    labels: Mapping[str, str] = field(default_factory=dict)
    title: str = "Mechanism analysis"

    @property
    def coefs(self) -> CoefTable:  # type: ignore[override]
        """Estimates with a diagonal covariance (one equation per effect)."""
        names, est, se = self._raw()
        return CoefTable(tuple(names), np.asarray(est), np.diag(np.square(se)), self.info.df_t)

    # ---------------------------------------------------------------- estimates
    def _raw(self) -> tuple[list[str], list[float], list[float]]:
        d, m = self.treatment, self.mediator
        names = ["a", "c"]
        est = [float(self.first_stage.params[d]), float(self.total.params[d])]
        se = [float(self.first_stage.std_errors[d]), float(self.total.std_errors[d])]
        if self.outcome_model is not None and self.sobel is not None:
            om = self.outcome_model
            names += ["b", "c_prime", "indirect"]
            est += [float(om.params[m]), float(om.params[d]), est[0] * float(om.params[m])]
            se += [float(om.std_errors[m]), float(om.std_errors[d])]
            se.append(float(self.sobel.table["std_error"].iloc[0]))
        return names, est, se

    @property
    def params(self) -> pd.Series:
        """``a`` (treatment -> mediator) and ``c`` (total); with Baron-Kenny also ``b``,
        ``c_prime`` (direct) and ``indirect`` (``a*b``)."""
        names, est, _ = self._raw()
        return pd.Series(est, index=names, name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors (``indirect``: the Sobel delta-method error)."""
        names, _, se = self._raw()
        return pd.Series(se, index=names, name="std_error")

    @property
    def indirect_effect(self) -> float | None:
        """``a*b`` (Baron-Kenny only)."""
        return float(self.params["indirect"]) if self.outcome_model is not None else None

    @property
    def share_mediated(self) -> float | None:
        """``a*b / c`` (Baron-Kenny only)."""
        p = self.params
        return float(p["indirect"] / p["c"]) if self.outcome_model is not None else None

    def bootstrap_ci(
        self, level: float = 0.95, kind: Literal["percentile", "bc"] = "percentile"
    ) -> tuple[float, float]:
        """Cluster-bootstrap interval for ``a*b``: percentile or bias-corrected (``"bc"``)."""
        from scipy import stats

        check_option("kind", kind, ("percentile", "bc"))
        if self.boot_draws is None or len(self.boot_draws) == 0:
            raise InvalidOptionError(
                "no bootstrap draws: use approach='baron_kenny' with draws > 0."
            )
        ab = self.boot_draws[:, 0] * self.boot_draws[:, 1]
        lo, hi = (1 - level) / 2, (1 + level) / 2
        if kind == "bc":
            est = float(self.params["indirect"])
            prop = (np.sum(ab < est) + 0.5 * np.sum(ab == est)) / len(ab)
            z0 = float(stats.norm.ppf(np.clip(prop, 1e-12, 1 - 1e-12)))
            lo = float(stats.norm.cdf(2 * z0 + stats.norm.ppf(lo)))
            hi = float(stats.norm.cdf(2 * z0 + stats.norm.ppf(hi)))
        q = np.quantile(ab, [lo, hi])
        return float(q[0]), float(q[1])

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Intervals: t (regression coefficients) and, for ``indirect``, the bootstrap
        percentile interval (the Sobel normal interval when there are no draws)."""
        from scipy import stats

        names, est, se = self._raw()
        dist = stats.norm() if self.info.df_t is None else stats.t(self.info.df_t)
        q = float(dist.ppf(0.5 + level / 2))
        lo = [e - q * s for e, s in zip(est, se, strict=True)]
        hi = [e + q * s for e, s in zip(est, se, strict=True)]
        if "indirect" in names:
            i = names.index("indirect")
            if self.boot_draws is not None and len(self.boot_draws):
                lo[i], hi[i] = self.bootstrap_ci(level)
            else:
                z = float(stats.norm.ppf(0.5 + level / 2))
                lo[i], hi[i] = est[i] - z * se[i], est[i] + z * se[i]
        return pd.DataFrame({"ci_low": lo, "ci_high": hi}, index=names)

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values (t for the regression coefficients, normal for the Sobel test of
        ``indirect``); NaN where the standard error is 0 or missing."""
        from scipy import stats

        names, est, se = self._raw()
        e, s = np.asarray(est), np.asarray(se)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.where(s > 0, e / np.where(s > 0, s, 1.0), np.nan)
        dist = stats.norm() if self.info.df_t is None else stats.t(self.info.df_t)
        p = 2 * dist.sf(np.abs(stat))
        if "indirect" in names:  # the Sobel test is a normal test
            p[names.index("indirect")] = 2 * stats.norm.sf(abs(stat[names.index("indirect")]))
        return pd.Series(p, index=names, name="p_value")

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: term, estimate, std_error, statistic, p_value, ci_low, ci_high."""
        names, est, se = self._raw()
        ci = self.conf_int(level)
        e, s = np.asarray(est), np.asarray(se)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = np.where(s > 0, e / np.where(s > 0, s, 1.0), np.nan)
        p = self.pvalues.to_numpy()
        out = pd.DataFrame(
            {
                "term": names,
                "estimate": est,
                "std_error": se,
                "statistic": stat,
                "p_value": p,
                "ci_low": ci["ci_low"].to_numpy(),
                "ci_high": ci["ci_high"].to_numpy(),
            }
        )
        return out[list(COLUMNS)]

    def summary(self) -> Summary:
        """The effects with their meaning, the theory argument and (Baron-Kenny) the tests."""
        table = self.to_frame()
        table["term"] = [self.labels.get(t, t) for t in table["term"]]
        i = self.info
        footer: list[tuple[str, str]] = [
            ("Approach", i.approach),
            ("Observations", f"{i.nobs:,} (of {i.nobs_input:,})"),
            ("Std. errors", i.vcov),
            (
                "Mediator -> outcome",
                i.theory
                if i.theory
                else "NOT ARGUED: supply theory= (prior evidence for the mediator's effect)",
            ),
        ]
        if i.clusters:
            footer.append(("Clusters", ", ".join(f"{k}: {v:,}" for k, v in i.clusters.items())))
        if self.sobel is not None:
            for _, r in self.sobel.table.iterrows():
                footer.append(
                    (f"{r['test'].title()} z", f"{r['statistic']:.4f} (p={r['p_value']:.4g})")
                )
            footer.append(("Share mediated (ab/c)", f"{self.share_mediated:.4f}"))
            if self.boot_draws is not None and len(self.boot_draws):
                pc, bc = self.bootstrap_ci(), self.bootstrap_ci(kind="bc")
                footer.append(
                    (
                        f"Bootstrap 95% CI of ab ({i.draws} draws by {i.bootstrap_unit})",
                        f"percentile [{pc[0]:.4g}, {pc[1]:.4g}]; bias-corrected "
                        f"[{bc[0]:.4g}, {bc[1]:.4g}]",
                    )
                )
            footer.append(("Caution", f"b and c' have no causal reading; see {JIANG_2022}"))
        footer += [("Warning", m) for m in i.warnings]
        return Summary(self.title, table, tuple(footer))

    def plot(self, *, level: float = 0.95) -> Any:
        """Coefficient plot of the effects (an altair chart)."""
        from countyeconomy.report import coefplot

        return coefplot(self, level=level, title="Mechanism")
