from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._deprecate import renamed_kwargs, warn_renamed
from countyeconomy._typing import ControlGroup, SeedLike, check_option, resolve_seed
from countyeconomy.errors import IdentificationError, InvalidOptionError
from countyeconomy.estimators.staggered._cs_cells import (
    Cells,
    WideData,
    compute_cells,
    plan_cells,
)
from countyeconomy.estimators.staggered._cs_inference import PreTrend
from countyeconomy.estimators.staggered._cs_prepare import prepare
from countyeconomy.estimators.staggered._cs_results import (
    AggregateResult,
    ATTgtModel,
    ATTgtResult,
    cell_inference,
)
from countyeconomy.inference import HC1, IID, Cluster, DriscollKraay, VcovSpec, check_draws
from countyeconomy.panel import Panel
from countyeconomy.results import CoefTable, FitInfo

__all__ = [
    "ATTgtModel",
    "ATTgtResult",
    "AggregateResult",
    "BasePeriod",
    "CSControl",
    "CSMethod",
    "Distribution",
    "PreTrend",
    "att_gt",
]

CSMethod = Literal["dr", "ipw", "reg"]
CSControl = Literal["never_treated", "not_yet_treated"]
BasePeriod = Literal["varying", "universal"]
Distribution = Literal["mammen", "rademacher"]
DEFAULT_DRAWS = 999
"""Draws of the retired ``bootstrap=True`` (R ``did``'s ``biters`` is 1000; 999 makes the
resampling p-values fall on round numbers)."""


def _retired_bootstrap(fn: Callable[..., ATTgtResult]) -> Callable[..., ATTgtResult]:
    """Accept the retired ``bootstrap=`` (``True``: 999 draws, ``False``/``None``: analytic,
    an int: that many draws) with a ``FutureWarning`` naming ``draws=``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> ATTgtResult:
        if "bootstrap" in kwargs:
            if "draws" in kwargs:
                raise InvalidOptionError(
                    "att_gt() got both bootstrap= (retired) and draws=; pass draws= only."
                )
            warn_renamed("att_gt(bootstrap=...)", "draws=...")
            old = kwargs.pop("bootstrap")
            if old is True:
                kwargs["draws"] = DEFAULT_DRAWS
            elif old is False or old is None:
                kwargs["draws"] = None
            else:
                kwargs["draws"] = old
        return fn(*args, **kwargs)

    wrapper.__ce_renamed__ = {  # type: ignore[attr-defined]
        **getattr(fn, "__ce_renamed__", {}),
        "bootstrap": "draws",
    }
    return wrapper


def _cluster_column(vcov: object) -> str | None:
    """The clustering variable of ``vcov=`` (``None``: the county)."""
    if vcov is None:
        return None
    if isinstance(vcov, str):
        if vcov.lower() in ("iid", "hc1", "hetero", "robust"):
            vcov = IID() if vcov.lower() == "iid" else HC1()
        elif vcov.startswith("cluster:"):
            vcov = Cluster(*[v.strip() for v in vcov.split(":", 1)[1].split("+") if v.strip()])
        else:
            return None if vcov == "county" else vcov
    if isinstance(vcov, Cluster) and len(vcov.variables) == 1:
        name = vcov.variables[0]
        return None if name == "county" else name
    if isinstance(vcov, IID | HC1):
        why = (
            f"vcov={vcov!r} is not meaningful for att_gt: its standard errors come from influence "
            "functions summed within clusters, and each county is at least one cluster (its "
            "years are dependent by construction). "
        )
    elif isinstance(vcov, Cluster):
        why = f"vcov={vcov!r}: att_gt clusters by one variable constant within county. "
    elif isinstance(vcov, DriscollKraay):
        why = f"vcov={vcov!r} is not available for att_gt. "
    else:
        why = f"vcov={vcov!r} is not valid. "
    raise InvalidOptionError(
        why + 'Pass vcov="county" (the default), or Cluster("province") / "province" for a '
        "coarser level constant within county."
    )


@_retired_bootstrap
@renamed_kwargs("att_gt", cluster="vcov", bootstrap_weights="distribution")
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
    vcov: VcovSpec | str = "county",
    draws: int | None = None,
    distribution: Distribution = "mammen",
    seed: SeedLike = None,
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
        ``"never_treated"`` or ``"not_yet_treated"`` comparison units (``"last_treated"`` is not
        an option of this estimator: use ``"not_yet_treated"``).
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
        Optional unit weight column (constant within county, non-negative).
    vcov
        ``"county"`` / ``Cluster("county")`` (the default: influence functions clustered by
        county), or ``Cluster("province")`` / ``"province"`` to cluster at a coarser level
        constant within county. ``IID()`` and ``HC1()`` do not apply (an error says why).
    draws
        Number of multiplier-bootstrap draws (R ``did`` uses 999 or 1000); ``None`` (the
        default) gives analytic standard errors from the influence function.
    distribution
        Bootstrap weights: ``"mammen"`` (R ``did``) or ``"rademacher"``.
    seed
        Seed of the bootstrap: an int, a ``numpy.random.SeedSequence`` or ``Generator`` (never
        consumed), or ``None``. Aggregations repeat the fit's draws.
    executor
        Any :class:`concurrent.futures.Executor`: bootstrap chunks of
        :data:`~countyeconomy.estimators.staggered._cs_inference.BOOT_CHUNK` (100) draws are
        mapped over it by :func:`countyeconomy.inference.map_chunks`. The same seed gives the
        same numbers with or without it. It is not stored: pass it again to ``aggregate``.
    progress
        Show a tqdm bar during the bootstrap (``None``: when it is long).

    Notes
    -----
    Rows with a missing or infinite outcome, covariate or weight are dropped, counted in
    ``info.dropped`` (``"missing: col"``, ``"non-finite: col"``) and announced with a
    :class:`~countyeconomy.errors.RowsDroppedWarning`.

    Returns
    -------
    ATTgtResult
        Cells with ``to_frame()``, ``aggregate(...)``, ``pretrend``, ``plot()``, ``summary()``;
        ``info`` is a :class:`~countyeconomy.results.FitInfo` (``method="att_gt"``; the
        estimation method is ``info.estimation``).

    Raises
    ------
    IdentificationError
        No never-treated counties with ``control="never_treated"``, or no cohorts left.
    TreatmentTimingError
        The cohort is missing, not whole years, or changes within a county.
    InvalidOptionError
        An option outside the listed values.

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
    if control == "last_treated":
        raise InvalidOptionError(
            "control='last_treated' is not an option of att_gt: use 'not_yet_treated' (the "
            "last-treated cohort is then a comparison until it adopts) or 'never_treated'."
        )
    check_option("control", control, CSControl)
    check_option("method", method, CSMethod)
    check_option("base_period", base_period, BasePeriod)
    check_option("distribution", distribution, Distribution)
    if isinstance(anticipation, bool) or not isinstance(anticipation, int | np.integer):
        raise InvalidOptionError(f"anticipation={anticipation!r} must be a non-negative integer.")
    if anticipation < 0:
        raise InvalidOptionError(f"anticipation={anticipation!r} must be a non-negative integer.")
    if draws is not None and not isinstance(draws, bool) and isinstance(draws, int | np.integer):
        check_draws(int(draws), caller="att_gt", interval=True)
    if draws is not None and (
        isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1
    ):
        raise InvalidOptionError(
            f"draws={draws!r} must be None (analytic standard errors) or a positive integer."
        )
    cluster = _cluster_column(vcov)
    root = resolve_seed(seed)
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
    notes = list(prep.notes)
    cells = compute_cells(
        wide, specs, control=control, method=method, anticipation=int(anticipation), notes=notes
    )
    if len(cells.att) == 0:
        raise IdentificationError("no ATT(g,t) cell could be estimated; see the warnings.")
    n = len(prep.cohort)
    model = ATTgtModel(
        units=np.asarray(prep.units),
        inf=cells.inf,
        treated=cells.treated,
        cohort=prep.cohort,
        w=prep.w,
        periods=prep.periods,
        clustering=prep.clustering,
        draws=None if draws is None else int(draws),
        distribution=distribution,
        seed=root,
    )
    show = progress if progress is not None else (draws or 0) * n > 50_000_000
    post = cells.group <= cells.year
    names = _names(cells)
    cov, boot, test, vcov_label = cell_inference(
        cells.att,
        cells.inf,
        post,
        names,
        model,
        notes,
        executor=executor,
        progress=bool(show),
        stacklevel=5,
    )
    info = FitInfo(
        method="att_gt",
        nobs=prep.nobs,
        nobs_input=prep.nobs_input,
        dropped=prep.dropped,
        clusters={prep.clustering.name: prep.clustering.n_clusters},
        specification=f"{outcome} ~ {cohort}" + "".join(f" + {c}" for c in covariates),
        vcov=vcov_label,
        df_t=None,
        warnings=tuple(notes),
        extra={
            "n_units": n,
            "n_units_input": prep.n_units_input,
            "dropped_counties": prep.dropped_counties,
            "cohort_sizes": {int(g): int((prep.cohort == g).sum()) for g in np.unique(prep.cohort)},
            "control": control,
            "estimation": method,
            "base_period": base_period,
            "anticipation": int(anticipation),
            "covariates": tuple(covariates),
            "weights": weights,
            "balanced": prep.balanced,
            "draws": None if draws is None else int(draws),
            "distribution": distribution,
            "skipped_cells": cells.skipped,
        },
    )
    return ATTgtResult(
        coefs=CoefTable(names, cells.att, cov, None),
        info=info,
        title="Callaway-Sant'Anna ATT(g,t) (att_gt)",
        extra=_cell_labels(cells),
        boot=boot,
        pretrend=test,
        model=model,
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
