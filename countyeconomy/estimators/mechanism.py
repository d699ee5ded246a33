"""Mechanism analysis done right: the treatment -> mediator effect with the baseline design
(Jiang 2022), and the Baron-Kenny three-step procedure as an explicit opt-in."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Literal

import numpy as np
import pandas as pd

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy._typing import SeedLike, check_option, resolve_seed
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.estimators._mech_kernels import CHUNK, common_sample, needed_columns
from countyeconomy.estimators._mech_mediation import (
    BootChunk,
    SobelTest,
    resample_design,
    sobel_table,
)
from countyeconomy.estimators._mech_result import JIANG_2022, MechanismResult
from countyeconomy.estimators.twfe import DEFAULT_VCOV, TWFEResult, twfe
from countyeconomy.inference import Cluster, VcovSpec, check_draws, map_chunks, resolve_vcov
from countyeconomy.panel import Panel
from countyeconomy.results import FitInfo

__all__ = ["MechanismResult", "MediationWarning", "SobelTest", "mechanism"]

Approach = Literal["jiang2022", "baron_kenny"]


class MediationWarning(CountyEconomyWarning):
    """A mechanism analysis whose causal reading rests on assumptions the data cannot check."""


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


@renamed_kwargs("mechanism", bootstrap="draws", controls="covariates")
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
    if draws and approach == "baron_kenny":
        check_draws(draws, caller="mechanism", interval=True)
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
