"""Triple differences (DDD) with staggered adoption: :func:`triple_did` (Ortiz-Villavicencio and
Sant'Anna 2025), built on the Callaway-Sant'Anna machinery of :func:`~countyeconomy.att_gt`."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import ControlGroup, SeedLike, check_option, resolve_seed
from countyeconomy.errors import (
    CountyEconomyWarning,
    IdentificationError,
    InvalidOptionError,
    PanelStructureError,
)
from countyeconomy.estimators.staggered._cs_cells import WideData, plan_cells
from countyeconomy.estimators.staggered._cs_prepare import prepare
from countyeconomy.estimators.staggered._cs_results import (
    AggregateResult,
    ATTgtModel,
    ATTgtResult,
    cell_inference,
)
from countyeconomy.estimators.staggered._ddd_cells import compute_ddd_cells
from countyeconomy.estimators.staggered.att_gt import (
    BasePeriod,
    CSControl,
    CSMethod,
    Distribution,
    _cluster_column,
)
from countyeconomy.inference import VcovSpec, check_draws
from countyeconomy.panel import Panel
from countyeconomy.results import CoefTable, FitInfo

__all__ = ["TripleDiDResult", "triple_did"]


@dataclass(frozen=True, repr=False, eq=False)
class TripleDiDResult(ATTgtResult):
    """Triple-difference ATT(g,t) cells of :func:`triple_did`.

    The same interface as :class:`~countyeconomy.estimators.staggered.ATTgtResult`: ``to_frame()``
    (one row per cell, plus ``n_comparisons``: how many comparison cohorts were combined),
    ``aggregate("simple" | "group" | "dynamic" | "calendar")``, ``pretrend``, ``plot()``.
    Aggregations weight cells by the share of units in the cell's cohort (eligible or not), as
    the authors' R package ``triplediff`` and moderndid do.
    """

    def aggregate(self, kind: str = "simple", **kwargs: Any) -> AggregateResult:
        """Aggregate the cells as :meth:`ATTgtResult.aggregate` does (same options)."""
        out = super().aggregate(kind, **kwargs)
        return dataclasses.replace(out, title=f"Triple-difference aggregate ATT ({kind})")


def _eligibility(panel: Panel, eligible: str) -> None:
    """Check the eligibility column: 0/1 (or bool), constant within county."""
    frame = panel.frame
    if eligible not in frame.columns:
        raise PanelStructureError(
            f"eligible={eligible!r} is not a column; the data has {list(frame.columns)[:20]}."
        )
    raw = pd.to_numeric(frame[eligible], errors="coerce")
    vals = set(raw.dropna().unique().tolist())
    if not vals <= {0, 1} or (raw.isna() & frame[eligible].notna()).any():
        raise PanelStructureError(
            f"eligible column {eligible!r} must hold 0/1 (or True/False); found "
            f"{sorted(map(str, frame[eligible].dropna().unique()[:5]))}."
        )
    changes = raw.groupby(frame[panel.county].to_numpy()).nunique() > 1
    if changes.any():
        raise PanelStructureError(
            f"eligible column {eligible!r} changes within unit {changes.index[changes][0]!r}; "
            "eligibility must be constant within each unit of the panel."
        )


def triple_did(
    data: pd.DataFrame | Panel,
    outcome: str,
    *,
    cohort: str,
    eligible: str,
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
) -> TripleDiDResult:
    r"""Triple-difference group-time effects DDD(g,t) of Ortiz-Villavicencio and Sant'Anna (2025).

    The policy reaches units in counties of cohort ``S = g`` (first treated year) that belong to
    an eligible group ``Q = 1`` (tobacco farmers, poor households, a designated industry). The
    target is ``ATT(g,t) = E[Y_t(g) - Y_t(0) | S = g, Q = 1]``. Each cell combines three DiD
    comparisons of the treated eligible units with the treated ineligible units, the comparison
    eligible units and the comparison ineligible units,

    .. math::

        DDD(g,t) = DiD_{4v3}(g,t) + DiD_{4v2}(g,t) - DiD_{4v1}(g,t),

    each by outcome regression (``"reg"``), inverse probability weighting (``"ipw"``) or the
    doubly robust estimator (``"dr"``) on its own pair of subgroups. Identification needs only
    that the *gap* in untreated trends between eligible and ineligible units is the same in
    treated and comparison counties (DDD parallel trends), not DiD parallel trends.

    Unlike a regression with the triple interaction and three-way fixed effects, this compares
    each cohort only with valid comparison units and lets covariates enter each comparison
    separately: with staggered adoption or covariates that regression is a weighted mix of
    comparisons, some using already-treated units as controls, and is biased when effects vary.

    Without covariates the estimate equals ``att_gt`` on the eligible units minus ``att_gt`` on
    the ineligible units (same cohorts and comparison group): the identity the tests check.

    Parameters
    ----------
    data
        A long DataFrame (with ``county`` and ``year`` naming the unit and time keys) or a
        :class:`Panel`. The "county" key is the panel unit (a household in Cai 2016).
    outcome
        Outcome column.
    cohort
        First treated year of the unit's region (constant within unit; ``0`` = never treated).
    eligible
        0/1 column constant within unit: 1 = in the group the policy targets.
    control
        ``"never_treated"`` or ``"not_yet_treated"``. With not-yet-treated comparisons every
        available comparison cohort gives one DDD and they are combined by optimal GMM weights.
    method
        ``"dr"`` (default), ``"ipw"`` or ``"reg"``; identical without covariates.
    covariates
        Pre-treatment covariates. A covariate that varies over time enters each comparison of
        years ``b`` (base) and ``t`` at its value in the earlier of the two (as in ``att_gt``
        and R ``did``): the base year ``g - 1`` (universal) or ``t - 1`` (varying) in every
        post-treatment cell, as R ``triplediff`` ("Ypre is always the baseline") and the
        paper's conditioning on pre-treatment covariates; year ``t`` in the universal base
        period's earlier pre-treatment cells. moderndid 0.2.0 takes year ``t`` in every cell,
        i.e. post-treatment values (which the policy may move) in post-treatment cells; the
        tests pin both conventions against it.
    anticipation, base_period, weights, draws, distribution, seed, executor, progress
        As in :func:`~countyeconomy.att_gt` (``base_period="universal"`` is the default of
        moderndid and R ``triplediff``; ``"varying"`` that of ``att_gt``). ``weights`` (a
        column constant within unit) weight every subgroup mean, regression and propensity
        fit: estimates and influence functions equal moderndid 0.2.0 ``ddd(weightsname=)``
        (two periods; its multi-period path ignores the weights).
    vcov
        ``"county"`` (the panel unit, default) or a coarser cluster column constant within unit,
        e.g. ``Cluster("county_id")``. Standard errors come from the influence functions, or
        from a multiplier bootstrap with ``draws=``.

    Returns
    -------
    TripleDiDResult
        Cells ``DDD(g,t)`` (terms ``"ATT(g,t)"``), with ``aggregate(...)`` as ``att_gt``;
        ``info.method == "triple_did"``.

    Raises
    ------
    IdentificationError
        No cell has treated and comparison units in both eligibility groups.

    References
    ----------
    Ortiz-Villavicencio, M. and Sant'Anna, P. H. C. (2025). Better understanding triple
    differences estimators. arXiv:2505.09942.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import countyeconomy as ce
    >>> rng = np.random.default_rng(0)
    >>> n = 400
    >>> unit = np.repeat(np.arange(n), 2)
    >>> s = np.repeat(np.where(np.arange(n) % 2 == 0, 2011, 0), 2)
    >>> q = np.repeat((np.arange(n) // 2) % 2, 2)
    >>> t = np.tile([2010, 2011], n)
    >>> y = 0.3 * q * (t == 2011) + 0.2 * (s > 0) * (t == 2011) + 1.0 * (s > 0) * q * (t == 2011)
    >>> df = pd.DataFrame({"id": unit, "year": t, "g": s, "q": q, "y": y + rng.normal(size=2 * n)})
    >>> res = ce.triple_did(df, "y", cohort="g", eligible="q", county="id", year="year")
    >>> bool(abs(res.params.iloc[0] - 1.0) < 3 * res.std_errors.iloc[0])
    True
    """
    check_option("control", control, CSControl)
    check_option("method", method, CSMethod)
    check_option("base_period", base_period, BasePeriod)
    check_option("distribution", distribution, Distribution)
    if isinstance(anticipation, bool) or not isinstance(anticipation, int | np.integer):
        raise InvalidOptionError(f"anticipation={anticipation!r} must be a non-negative integer.")
    if anticipation < 0:
        raise InvalidOptionError(f"anticipation={anticipation!r} must be a non-negative integer.")
    if draws is not None and (
        isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1
    ):
        raise InvalidOptionError(
            f"draws={draws!r} must be None (analytic standard errors) or a positive integer."
        )
    if draws is not None:
        check_draws(int(draws), caller="triple_did", interval=True)
    panel = (
        data
        if isinstance(data, Panel)
        else Panel.from_frame(data, county=county or "county", year=year or "year")
    )
    _eligibility(panel, eligible)
    covs = tuple(covariates)
    if eligible in covs:
        raise InvalidOptionError(f"eligible={eligible!r} cannot also be a covariate.")
    cluster = _cluster_column(vcov)
    root = resolve_seed(seed)
    prep = prepare(
        panel,
        outcome=outcome,
        cohort=cohort,
        county=None,
        year=None,
        covariates=(*covs, eligible),
        weights=weights,
        cluster=cluster,
        control=control,
        anticipation=int(anticipation),
    )
    q = np.nanmax(prep.x[:, :, -1], axis=1) > 0.5
    notes = [m for m in prep.notes if f"covariate {eligible!r}" not in m]
    wide = WideData(prep.y, prep.x[:, :, :-1], prep.cohort, prep.w, prep.periods)
    groups = np.unique(prep.cohort[prep.cohort > 0])
    specs, _ = plan_cells(
        prep.periods, groups, base_period=base_period, anticipation=int(anticipation)
    )
    cells = compute_ddd_cells(
        wide, q, specs, control=control, method=method, anticipation=int(anticipation)
    )
    if len(cells.att) == 0:
        raise IdentificationError(
            "no DDD(g,t) cell could be estimated: every cell needs treated and comparison units "
            f"both with {eligible}=1 and {eligible}=0."
        )
    if cells.skipped:
        g0, t0, why = cells.skipped[0]
        message = (
            f"{len(cells.skipped)} DDD(g,t) cell(s) skipped, e.g. (g={g0}, t={t0}): {why} "
            "(subgroups: 4 treated eligible, 3 treated ineligible, 2 comparison eligible, "
            "1 comparison ineligible)."
        )
        notes.append(message)
        warnings.warn(message, CountyEconomyWarning, stacklevel=2)
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
    names = tuple(f"ATT({g},{t})" for g, t in zip(cells.group, cells.year, strict=True))
    cov, boot, test, vcov_label = cell_inference(
        cells.att,
        cells.inf,
        post,
        names,
        model,
        notes,
        executor=executor,
        progress=bool(show),
        stacklevel=3,
    )
    info = FitInfo(
        method="triple_did",
        nobs=prep.nobs,
        nobs_input=prep.nobs_input,
        dropped=prep.dropped,
        clusters={prep.clustering.name: prep.clustering.n_clusters},
        specification=f"{outcome} ~ {cohort} x {eligible}" + "".join(f" + {c}" for c in covs),
        vcov=vcov_label,
        df_t=None,
        warnings=tuple(notes),
        extra={
            "n_units": n,
            "n_units_input": prep.n_units_input,
            "n_eligible": int(q.sum()),
            "eligible": eligible,
            "control": control,
            "estimation": method,
            "base_period": base_period,
            "anticipation": int(anticipation),
            "covariates": covs,
            "weights": weights,
            "balanced": prep.balanced,
            "draws": None if draws is None else int(draws),
            "distribution": distribution,
            "skipped_cells": cells.skipped,
        },
    )
    labels = pd.DataFrame(
        {
            "cohort": cells.group,
            "year": cells.year,
            "event_time": cells.year - cells.group,
            "base_year": cells.base_year,
            "post": post,
            "n_treated": cells.n_treated,
            "n_control": cells.n_control,
            "n_comparisons": cells.n_comparisons,
        }
    )
    return TripleDiDResult(
        coefs=CoefTable(names, cells.att, cov, None),
        info=info,
        title="Triple differences DDD(g,t) (triple_did)",
        extra=labels,
        boot=boot,
        pretrend=test,
        model=model,
    )
