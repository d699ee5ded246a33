"""Callaway and Sant'Anna (2021) group-time average treatment effects for staggered adoption."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import ControlGroup, check_option
from countyeconomy.errors import IdentificationError, InvalidOptionError
from countyeconomy.estimators._coefs import CoefTable
from countyeconomy.estimators.staggered._cs_cells import (
    Cells,
    WideData,
    compute_cells,
    plan_cells,
)
from countyeconomy.estimators.staggered._cs_inference import wald_pretest
from countyeconomy.estimators.staggered._cs_prepare import prepare
from countyeconomy.estimators.staggered._cs_results import (
    AggregateResult,
    ATTgtResult,
    CSInfo,
    CSState,
    _inference,
)
from countyeconomy.panel import Panel

__all__ = [
    "ATTgtResult",
    "AggregateResult",
    "BasePeriod",
    "BootstrapWeights",
    "CSMethod",
    "att_gt",
]

CSMethod = Literal["dr", "ipw", "reg"]
BasePeriod = Literal["varying", "universal"]
BootstrapWeights = Literal["mammen", "rademacher"]


def att_gt(
    data: pd.DataFrame | Panel,
    outcome: str,
    cohort: str,
    *,
    county: str | None = None,
    year: str | None = None,
    control: ControlGroup = "never_treated",
    method: CSMethod = "dr",
    covariates: Sequence[str] = (),
    anticipation: int = 0,
    base_period: BasePeriod = "varying",
    weights: str | None = None,
    cluster: str | None = "county",
    bootstrap: int | None = None,
    bootstrap_weights: BootstrapWeights = "mammen",
    seed: int | None = None,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> ATTgtResult:
    r"""Group-time average treatment effects ATT(g,t) of Callaway and Sant'Anna (2021).

    For every adoption cohort ``g`` and year ``t`` the estimator compares the outcome change of
    cohort ``g`` between a base year and ``t`` with that of a comparison group,

    .. math::

        ATT(g,t) = E[Y_t - Y_{b} \mid G = g] - E[Y_t - Y_{b} \mid C = 1],

    where ``b = g - 1 - anticipation`` after adoption (and ``t - 1`` before it with
    ``base_period="varying"``). With covariates the comparison is adjusted by outcome regression
    (``"reg"``), inverse probability weighting (``"ipw"``) or the doubly robust estimator of
    Sant'Anna and Zhao (2020) (``"dr"``, R ``did``'s default ``DRDID::drdid_panel``). Covariates
    are taken in the base (earlier) year of each comparison. Without covariates all three methods
    give the same numbers.

    Parameters
    ----------
    data
        A long DataFrame (then ``county`` and ``year`` name the keys) or a :class:`Panel`.
        Unbalanced panels are allowed: each cell uses the units observed in both of its years.
    outcome
        Outcome column.
    cohort
        First treated year of each county, constant within county; ``0`` = never treated.
        Counties treated in the first year (plus ``anticipation``) are dropped with a warning;
        cohorts after the last year count as never treated.
    control
        ``"never_treated"`` or ``"not_yet_treated"`` comparison units.
    method
        ``"dr"``, ``"ipw"`` or ``"reg"``.
    covariates
        Pre-treatment covariates (values in each comparison's base year are used).
    anticipation
        Years of anticipation before adoption.
    base_period
        ``"varying"`` (R ``did``'s default) or ``"universal"`` (all cells against
        ``g - 1 - anticipation``; the reference cell is reported as 0 with a missing SE).
    weights
        Optional unit weight column (constant within county).
    cluster
        ``"county"`` (the default: influence functions clustered by unit) or a column constant
        within county (e.g. province) to cluster at a coarser level.
    bootstrap
        Number of multiplier-bootstrap draws (R ``did`` uses 999); ``None`` gives analytic
        standard errors from the influence function.
    bootstrap_weights
        ``"mammen"`` (R ``did``) or ``"rademacher"``.
    seed
        Seed of the bootstrap (:func:`numpy.random.default_rng` through ``SeedSequence``).
    executor
        Any :class:`concurrent.futures.Executor`: bootstrap chunks are mapped over it. The same
        seed gives the same numbers with or without it.
    progress
        Show a tqdm bar during the bootstrap (default: when it is long).

    Returns
    -------
    ATTgtResult
        Cells with ``to_frame()``, ``aggregate(...)``, ``pretest``, ``plot()``, ``summary()``.

    Raises
    ------
    IdentificationError
        No never-treated counties with ``control="never_treated"``, or no cohorts left.
    TreatmentTimingError
        The cohort changes within a county.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. *Journal of Econometrics* 225(2), 200-230.

    Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences estimators.
    *Journal of Econometrics* 219(1), 101-122.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200, effect=0.05)
    >>> res = att_gt(sim.panel, outcome="log_rural_income", cohort="first_treated")
    >>> agg = res.aggregate("simple")
    >>> bool(abs(agg.overall - sim.att) < 3 * agg.overall_std_error)
    True
    >>> res.aggregate("dynamic").to_frame().columns[:8].tolist()[-1]
    'event_time'
    """
    check_option("control", control, ControlGroup)
    check_option("method", method, CSMethod)
    check_option("base_period", base_period, BasePeriod)
    check_option("bootstrap_weights", bootstrap_weights, BootstrapWeights)
    if not isinstance(anticipation, int | np.integer) or anticipation < 0:
        raise InvalidOptionError(f"anticipation={anticipation!r} must be a non-negative integer.")
    if bootstrap is not None and (not isinstance(bootstrap, int | np.integer) or bootstrap < 1):
        raise InvalidOptionError(f"bootstrap={bootstrap!r} must be None or a positive integer.")
    prep = prepare(
        data,
        outcome=outcome,
        cohort=cohort,
        county=county,
        year=year,
        covariates=tuple(covariates),
        weights=weights,
        cluster=cluster,
        control=control,
        anticipation=int(anticipation),
    )
    wide = WideData(prep.y, prep.x, prep.cohort, prep.w, prep.periods)
    groups = np.unique(prep.cohort[prep.cohort > 0])
    specs, _ = plan_cells(
        prep.periods, groups, base_period=base_period, anticipation=int(anticipation)
    )
    cells = compute_cells(
        wide, specs, control=control, method=method, anticipation=int(anticipation)
    )
    if len(cells.att) == 0:
        raise IdentificationError("no ATT(g,t) cell could be estimated; see the warnings.")
    n = len(prep.cohort)
    state = CSState(
        units=prep.units,
        inf=cells.inf,
        treated=cells.treated,
        cohort=prep.cohort,
        w=prep.w,
        periods=prep.periods,
        clustering=prep.clustering,
        bootstrap=None if bootstrap is None else int(bootstrap),
        boot_weights=bootstrap_weights,
        seed=seed,
        executor=executor,
    )
    show = progress if progress is not None else (bootstrap or 0) * n > 50_000_000
    vcov, boot, analytic = _inference(cells.att, cells.inf, state, progress=bool(show))
    post = cells.group <= cells.year
    if bootstrap:
        how = f"multiplier bootstrap ({bootstrap} draws, {bootstrap_weights} weights)"
    else:
        how = "influence function"
    info = CSInfo(
        nobs=prep.nobs,
        n_units=n,
        n_units_input=prep.n_units_input,
        dropped=prep.dropped,
        clusters={prep.clustering.name: prep.clustering.n_clusters},
        cohort_sizes={int(g): int((prep.cohort == g).sum()) for g in np.unique(prep.cohort)},
        control=control,
        method=method,
        base_period=base_period,
        anticipation=int(anticipation),
        covariates=tuple(covariates),
        balanced=prep.balanced,
        vcov=f"{how}; clustered by {prep.clustering.name}",
        skipped_cells=cells.skipped,
    )
    return ATTgtResult(
        coefs=CoefTable(_names(cells), cells.att, vcov, None),
        extra=_cell_labels(cells),
        info=info,
        boot=boot,
        title="Callaway-Sant'Anna ATT(g,t)",
        pretest=wald_pretest(cells.att, analytic, ~post),
        _state=state,
    )


def _names(cells: Cells) -> tuple[str, ...]:
    return tuple(f"ATT({g},{t})" for g, t in zip(cells.group, cells.year, strict=True))


def _cell_labels(cells: Cells) -> pd.DataFrame:
    """The columns that follow the standard ones in ``to_frame()``."""
    return pd.DataFrame(
        {
            "cohort": cells.group,
            "year": cells.year,
            "event_time": cells.year - cells.group,
            "base_year": cells.base_year,
            "post": cells.group <= cells.year,
            "n_treated": cells.n_treated,
            "n_control": cells.n_control,
        }
    )
