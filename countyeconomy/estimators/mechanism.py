"""Mechanism analysis done right: the treatment -> mediator effect with the baseline design
(Jiang 2022), and the Baron-Kenny three-step procedure as an explicit opt-in."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy._typing import FloatArray, SeedLike, check_option, resolve_seed
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.estimators._mech_kernels import CHUNK, common_sample, needed_columns
from countyeconomy.estimators._mech_mediation import (
    BootChunk,
    SobelTest,
    resample_design,
    sobel_table,
)
from countyeconomy.estimators.twfe import DEFAULT_VCOV, TWFEResult, twfe
from countyeconomy.inference import Cluster, VcovSpec, map_chunks, resolve_vcov
from countyeconomy.panel import Panel
from countyeconomy.results import COLUMNS, CoefResult, CoefTable, FitInfo, Summary

__all__ = ["MechanismResult", "MediationWarning", "SobelTest", "mechanism"]

Approach = Literal["jiang2022", "baron_kenny"]

JIANG_2022 = (
    "Jiang Ting (2022), 因果推断经验研究中的中介效应与调节效应, 中国工业经济 2022(5): 100-120"
)


class MediationWarning(CountyEconomyWarning):
    """A mechanism analysis whose causal reading rests on assumptions the data cannot check."""


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


@renamed_kwargs("mechanism", bootstrap="draws", controls="covariates")
def _check_mediator(
    first: TWFEResult, om: TWFEResult | None, treatment: str, mediator: str
) -> None:
    """The mediator must vary given the treatment, covariates and fixed effects."""
    within = float(first.info.extra.get("within_r2", float("nan")))
    exact = within > 1 - 1e-10 or not np.isfinite(first.std_errors.get(treatment, np.nan))
    dropped = om is not None and (
        mediator not in om.params.index or treatment not in om.params.index
    )
    if exact or dropped:
        raise IdentificationError(
            f"mediator {mediator!r} is an exact linear function of treatment {treatment!r} (with "
            "the covariates and fixed effects): its effect a and the mediator's effect b are not "
            "identified. Use a mediator that varies beyond the treatment."
        )


def mechanism(
    data: Panel | pd.DataFrame,
    treatment: str,
    mediator: str,
    outcome: str,
    *,
    covariates: Sequence[str] = (),
    absorb: str | None = "county + year",
    vcov: str | VcovSpec = DEFAULT_VCOV,
    approach: Approach = "jiang2022",
    theory: str | None = None,
    draws: int = 1000,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = True,
    county: str | None = None,
    year: str | None = None,
) -> MechanismResult:
    """Mechanism analysis: does the treatment move the mediator, with the baseline's design?

    The default (``approach="jiang2022"``) follows Jiang (2022): it estimates treatment ->
    mediator with exactly the design of the baseline treatment -> outcome regression (same fixed
    effects, controls, clustering and sample) and reports both, together with the user's
    theory-based argument for mediator -> outcome (``theory=``). It runs no regression of the
    outcome on the mediator: the mediator is post-treatment and endogenous, so that regression has
    no causal reading. ``approach="baron_kenny"`` (opt-in, with a warning) adds the three-step
    procedure: ``b`` and ``c'`` from the outcome on treatment and mediator, Sobel / Aroian /
    Goodman tests, a cluster-bootstrap interval for ``a*b`` and the share mediated ``ab/c``.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel` or DataFrame (``county=``, ``year=`` name its keys).
    treatment, mediator, outcome
        Column names; the mediator must not be a linear function of the treatment (and the
        covariates and fixed effects).
    covariates
        Extra right-hand-side terms (formulaic syntax) in every equation; formerly ``controls=``.
    absorb
        Absorbed fixed effects as after ``|`` in :func:`~countyeconomy.twfe`; ``None`` for none
        (then an intercept is included).
    vcov
        Covariance of every equation (default ``Cluster("county")``).
    theory
        The argument for mediator -> outcome (prior studies, mechanism); shown in the summary.
    draws
        Cluster-bootstrap draws for ``a*b`` (Baron-Kenny only; 0 to skip); formerly
        ``bootstrap=``. Whole clusters of the first ``Cluster`` variable (rows otherwise) are
        drawn with replacement through :func:`countyeconomy.inference.map_chunks`: chunk ``c`` of
        50 draws takes ``default_rng(child c of seed).integers(0, G, size=(50, G))`` with clusters
        in sorted order; each resampled copy of a county is a new county for the fixed effects.
    seed, executor, progress
        Random seed (int, ``SeedSequence`` or ``Generator``; never consumed); a
        :class:`concurrent.futures.Executor` for the chunks (same numbers as serially); a tqdm
        progress bar.

    Returns
    -------
    MechanismResult
        ``params`` (``a``, ``c``; Baron-Kenny adds ``b``, ``c_prime``, ``indirect``),
        ``summary()``, ``bootstrap_ci()``, ``plot()``.

    References
    ----------
    Jiang, T. (2022). 因果推断经验研究中的中介效应与调节效应 (Mediating and moderating effects
    in empirical studies of causal inference). *China Industrial Economics* 2022(5), 100-120.
    Baron, R. M. and Kenny, D. A. (1986). The moderator-mediator variable distinction.
    *Journal of Personality and Social Psychology* 51(6), 1173-1182.
    Sobel, M. E. (1982). Asymptotic confidence intervals for indirect effects in structural
    equation models. *Sociological Methodology* 13, 290-312.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.estimators.mechanism import mechanism
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    >>> res = mechanism(
    ...     sim.panel, "policy", "log_gdp_pc", "log_rural_income",
    ...     theory="GDP per head raises rural wages (prior literature).")
    >>> list(res.params.index)
    ['a', 'c']
    """
    check_option("approach", approach, Approach)
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 0:
        raise InvalidOptionError(f"draws={draws!r} must be a non-negative int.")
    if mediator == treatment:
        raise IdentificationError(
            f"mediator and treatment are the same column ({treatment!r}); a mediator is a "
            "different variable the treatment moves."
        )
    spec = resolve_vcov(vcov)
    root = resolve_seed(seed)
    fe_part = f" | {absorb}" if absorb else ""
    fe_cols = [c.strip() for c in (absorb or "").replace("^", "+").split("+") if c.strip()]
    ctrl = "".join(f" + {c}" for c in covariates)
    clusters = list(spec.variables) if isinstance(spec, Cluster) else []
    cols = needed_columns([treatment, mediator, outcome, *covariates]) + fe_cols + clusters
    obj, md, n_drop = common_sample(data, cols, county, year, what="mechanism")
    if len(set(md.frame[md.resolve(treatment)].dropna())) < 2:
        raise IdentificationError(f"treatment {treatment!r} has no variation.")
    formulas = {
        "total": f"{outcome} ~ {treatment}{ctrl}{fe_part}",
        "first_stage": f"{mediator} ~ {treatment}{ctrl}{fe_part}",
    }
    if approach == "jiang2022" and not theory:
        warnings.warn(
            "mechanism(): no theory= given. Under Jiang (2022) the mediator -> outcome link must "
            "be argued from theory or prior evidence; the summary will flag it as not argued.",
            MediationWarning,
            stacklevel=2,
        )
    if approach == "baron_kenny":
        warnings.warn(
            f"approach='baron_kenny': the regression of {outcome!r} on {mediator!r} and "
            f"{treatment!r} has no causal reading (the mediator is post-treatment and endogenous; "
            f"{JIANG_2022}). Report the treatment -> mediator effect as the evidence.",
            MediationWarning,
            stacklevel=2,
        )
        formulas["outcome_model"] = f"{outcome} ~ {treatment} + {mediator}{ctrl}{fe_part}"
    fits = {k: twfe(obj, f, county=county, year=year, vcov=spec) for k, f in formulas.items()}
    total, first = fits["total"], fits["first_stage"]
    om = fits.get("outcome_model")
    _check_mediator(first, om, treatment, mediator)
    sob = draws_ab = None
    unit = ""
    if om is not None:
        sob = sobel_table(
            float(first.params[treatment]),
            float(first.std_errors[treatment]),
            float(om.params[mediator]),
            float(om.std_errors[mediator]),
        )
        if draws:
            rd, d_col, m_col, a_cols, unit = resample_design(
                md, formulas["outcome_model"], spec, treatment, mediator
            )
            parts = map_chunks(
                BootChunk(rd, d_col, m_col, tuple(a_cols)),
                draws,
                root,
                executor,
                CHUNK,
                progress=progress,
                desc="mediation bootstrap",
            )
            draws_ab = np.concatenate(parts, axis=0)
    dropped = dict(total.info.dropped)
    if n_drop:
        dropped = {"missing (common sample)": n_drop, **dropped}
    info = FitInfo(
        method="mechanism",
        nobs=total.info.nobs,
        nobs_input=total.info.nobs_input + n_drop,
        dropped=dropped,
        clusters=total.info.clusters,
        specification=formulas["first_stage"],
        vcov=total.info.vcov,
        ssc=total.info.ssc,
        df_t=total.info.df_t,
        fixed_effects=total.info.fixed_effects,
        warnings=tuple(dict.fromkeys(m for f in fits.values() for m in f.info.warnings)),
        extra={
            "approach": approach,
            "formulas": formulas,
            "theory": theory,
            "draws": draws if om is not None else 0,
            "bootstrap_unit": unit,
            "seed_entropy": root.entropy,
            "treatment": treatment,
            "mediator": mediator,
            "outcome": outcome,
        },
    )
    labels = {
        "a": f"a: {treatment} -> {mediator}",
        "c": f"c: {treatment} -> {outcome} (total)",
        "b": f"b: {mediator} -> {outcome} | {treatment}",
        "c_prime": f"c': {treatment} -> {outcome} | {mediator}",
        "indirect": "a*b (indirect)",
    }
    return MechanismResult(
        total, first, om, sob, draws_ab, treatment, mediator, outcome, info, labels
    )
