"""Mechanism analysis done right: the treatment -> mediator effect with the baseline design
(Jiang 2022), and the Baron-Kenny three-step procedure as an explicit opt-in."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.estimators._coefs import COLUMNS, Summary
from countyeconomy.estimators._mech_kernels import common_sample, needed_columns, run_chunked
from countyeconomy.estimators._mech_mediation import (
    SobelTest,
    boot_chunk,
    resample_design,
    sobel_table,
)
from countyeconomy.estimators.twfe import DEFAULT_VCOV, TWFEResult, twfe
from countyeconomy.inference import Cluster, VcovSpec, resolve_vcov
from countyeconomy.panel import Panel

__all__ = ["MechanismResult", "MediationWarning", "SobelTest", "mechanism"]

Approach = Literal["jiang2022", "baron_kenny"]

JIANG_2022 = (
    "Jiang Ting (2022), 因果推断经验研究中的中介效应与调节效应, 中国工业经济 2022(5): 100-120"
)


class MediationWarning(CountyEconomyWarning):
    """A mechanism analysis whose causal reading rests on assumptions the data cannot check."""


@dataclass(frozen=True)
class MechanismInfo:
    """What a mechanism analysis did: sample, formulas, covariance, approach, bootstrap."""

    approach: str
    formulas: dict[str, str]
    nobs: int
    nobs_input: int
    dropped: dict[str, int]
    clusters: dict[str, int]
    vcov: str
    theory: str | None
    bootstrap: int
    bootstrap_unit: str
    seed: int | None
    df_t: int | None


@dataclass(frozen=True, repr=False)
class MechanismResult:
    """Result of :func:`mechanism`.

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
        ``(B, 2)`` bootstrap draws of ``a`` and ``b`` (``baron_kenny`` with ``bootstrap > 0``).
    """

    total: TWFEResult
    first_stage: TWFEResult
    outcome_model: TWFEResult | None
    sobel: SobelTest | None
    boot_draws: FloatArray | None
    treatment: str
    mediator: str
    outcome: str
    info: MechanismInfo
    _labels: dict[str, str] = field(default_factory=dict)

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
                "no bootstrap draws: use approach='baron_kenny' with bootstrap > 0."
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

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: term, estimate, std_error, statistic, p_value, ci_low, ci_high."""
        names, est, se = self._raw()
        ci = self.conf_int(level)
        stat = np.asarray(est) / np.asarray(se)
        dist = stats.norm() if self.info.df_t is None else stats.t(self.info.df_t)
        p = 2 * dist.sf(np.abs(stat))
        if "indirect" in names:  # the Sobel test is a normal test
            p[names.index("indirect")] = 2 * stats.norm.sf(abs(stat[names.index("indirect")]))
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
        table["term"] = [self._labels.get(t, t) for t in table["term"]]
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
                        f"Bootstrap 95% CI of ab ({i.bootstrap} draws by {i.bootstrap_unit})",
                        f"percentile [{pc[0]:.4g}, {pc[1]:.4g}]; bias-corrected "
                        f"[{bc[0]:.4g}, {bc[1]:.4g}]",
                    )
                )
            footer.append(("Caution", f"b and c' have no causal reading; see {JIANG_2022}"))
        return Summary("Mechanism analysis", table, tuple(footer))

    def plot(self, *, level: float = 0.95) -> Any:
        """Coefficient plot of the effects (an altair chart)."""
        from countyeconomy.report import coefplot

        return coefplot(self, level=level, title="Mechanism")

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


def mechanism(
    data: Panel | pd.DataFrame,
    treatment: str,
    mediator: str,
    outcome: str,
    *,
    controls: Sequence[str] = (),
    absorb: str | None = "county + year",
    vcov: str | VcovSpec = DEFAULT_VCOV,
    approach: Approach = "jiang2022",
    theory: str | None = None,
    bootstrap: int = 1000,
    seed: int | None = None,
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
        Column names. ``controls`` are extra right-hand-side terms (formulaic syntax).
    absorb
        Absorbed fixed effects as after ``|`` in :func:`~countyeconomy.twfe`; ``None`` for none
        (then an intercept is included).
    vcov
        Covariance of every equation (default ``Cluster("county")``).
    theory
        The argument for mediator -> outcome (prior studies, mechanism); shown in the summary.
    bootstrap
        Cluster-bootstrap draws for ``a*b`` (Baron-Kenny only; 0 to skip). Whole clusters of the
        first ``Cluster`` variable (rows otherwise) are drawn with replacement, indices from
        ``numpy.random.default_rng(seed).integers(0, G, size=(bootstrap, G))`` with clusters in
        sorted order; each resampled copy of a county is a new county for the fixed effects.
    seed, executor, progress
        Random seed; a :class:`concurrent.futures.Executor` for chunks of 50 draws (same numbers
        as serially); a tqdm progress bar.

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
    if not isinstance(bootstrap, int) or bootstrap < 0:
        raise InvalidOptionError(f"bootstrap={bootstrap!r} must be a non-negative int.")
    spec = resolve_vcov(vcov)
    fe_part = f" | {absorb}" if absorb else ""
    fe_cols = [c.strip() for c in (absorb or "").replace("^", "+").split("+") if c.strip()]
    ctrl = "".join(f" + {c}" for c in controls)
    clusters = list(spec.variables) if isinstance(spec, Cluster) else []
    cols = needed_columns([treatment, mediator, outcome, *controls]) + fe_cols + clusters
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
    sob = draws_ab = None
    unit = ""
    if om is not None:
        sob = sobel_table(
            float(first.params[treatment]),
            float(first.std_errors[treatment]),
            float(om.params[mediator]),
            float(om.std_errors[mediator]),
        )
        if bootstrap:
            rd, d_col, m_col, a_cols, unit = resample_design(
                md, formulas["outcome_model"], spec, treatment, mediator
            )
            idx = np.random.default_rng(seed).integers(
                0, rd.n_clusters, size=(bootstrap, rd.n_clusters)
            )
            draws_ab = run_chunked(
                boot_chunk,
                (rd, d_col, m_col, a_cols),
                idx,
                executor=executor,
                progress=progress,
                desc="mediation bootstrap",
            )
    info = MechanismInfo(
        approach=approach,
        formulas=formulas,
        nobs=total.info.nobs,
        nobs_input=total.info.nobs_input + n_drop,
        dropped={"missing (common sample)": n_drop, **total.info.dropped}
        if n_drop
        else dict(total.info.dropped),
        clusters=total.info.clusters,
        vcov=total.info.vcov,
        theory=theory,
        bootstrap=bootstrap if om is not None else 0,
        bootstrap_unit=unit,
        seed=seed,
        df_t=total.info.df_t,
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
