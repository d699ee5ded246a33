"""Sun and Abraham (2021) interaction-weighted event study."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.errors import IdentificationError, RowsDroppedWarning
from countyeconomy.estimators._coefs import CoefTable
from countyeconomy.estimators.staggered._common import (
    EventResultBase,
    StaggeredInfo,
    check_outcome,
    cohort_by_row,
    cohort_sizes,
    no_never_treated_error,
    resolve_panel,
)
from countyeconomy.estimators.twfe import DEFAULT_VCOV, TWFEResult, twfe
from countyeconomy.inference import VcovSpec
from countyeconomy.panel import NEVER_TREATED, Panel

__all__ = ["SunAbrahamResult", "iw_aggregate", "sun_abraham"]

SAControl = Literal["never_treated", "last_treated"]


def iw_aggregate(
    cohort: np.ndarray, event_time: np.ndarray, count: np.ndarray
) -> tuple[list[int], FloatArray, FloatArray]:
    """Interaction weights of the cohort x event-time coefficients.

    Parameters
    ----------
    cohort, event_time, count
        ``(K,)`` cohort, event time and number of estimation rows of each coefficient's cell.

    Returns
    -------
    event_times, r, r_att
        The sorted event times; ``(L, K)`` weights ``Pr(E = e | event time l)`` so that
        ``nu = r @ delta``; ``(K,)`` weights of the overall post-period ATT (cells with
        ``l >= 0`` weighted by their row counts, as fixest's ``agg = "ATT"``).
    """
    times = sorted(set(event_time.tolist()))
    r = np.zeros((len(times), len(cohort)))
    for i, ell in enumerate(times):
        sel = event_time == ell
        r[i, sel] = count[sel] / count[sel].sum()
    post = event_time >= 0
    r_att = np.where(post, count, 0.0) / max(float(count[post].sum()), 1.0)
    return times, r, r_att


@dataclass(frozen=True, repr=False)
class SunAbrahamResult(EventResultBase):
    """Result of :func:`sun_abraham`: ``event_time::l`` (IW estimates) and the overall ``ATT``.

    Attributes
    ----------
    fit
        The saturated regression; its terms are ``cohort::e:event_time::l``.
    weights
        The cohort weights: cohort, event_time, n (estimation rows in the cell) and weight
        (share of the cohort among cells at that event time).
    """

    fit: TWFEResult
    weights: pd.DataFrame

    def with_vcov(self, vcov: str | VcovSpec, *, ssc: str | None = None) -> SunAbrahamResult:
        """A new result with another covariance of the saturated regression (delta method)."""
        fit = self.fit.with_vcov(vcov, ssc=ssc)
        coefs = _aggregate(fit, self.weights)
        info = replace(self.info, vcov=f"{fit.info.vcov}; ssc={fit.info.ssc}")
        return replace(self, fit=fit, coefs=coefs, info=info)


def _aggregate(fit: TWFEResult, weights: pd.DataFrame) -> CoefTable:
    names = list(fit.coefs.names)
    pos = [names.index(t) for t in weights["term"]]
    delta = fit.coefs.estimates[pos]
    v = fit.coefs.vcov[np.ix_(pos, pos)]
    times, r, r_att = iw_aggregate(
        weights["cohort"].to_numpy(), weights["event_time"].to_numpy(), weights["n"].to_numpy()
    )
    full = np.vstack([r, r_att[None, :]])
    labels = (*(f"event_time::{t}" for t in times), "ATT")
    return CoefTable(labels, full @ delta, full @ v @ full.T, fit.coefs.df_t)


def _sample(
    panel: Panel, g: np.ndarray, control: str
) -> tuple[Panel, np.ndarray, set[int], dict[str, int]]:
    years = panel.frame[panel.year].to_numpy(dtype=np.int64)
    dropped: dict[str, int] = {}
    always = (g != NEVER_TREATED) & (g <= years.min())
    keep = ~always
    if always.any():
        dropped["always-treated rows"] = int(always.sum())
    controls = {NEVER_TREATED}
    if control == "never_treated":
        if not (g == NEVER_TREATED).any():
            raise no_never_treated_error("sun_abraham")
    else:
        last = int(g[keep].max())
        controls.add(last)
        late = keep & (years >= last)
        if late.any():
            dropped[f"rows from {last} on (last-treated cohort as control)"] = int(late.sum())
        keep &= ~late
    if dropped:
        detail = "; ".join(f"{v} {k}" for k, v in dropped.items())
        warnings.warn(f"dropped rows ({detail}).", RowsDroppedWarning, stacklevel=3)
    if not keep.all():
        frame = panel.frame.loc[keep].reset_index(drop=True)
        panel = Panel.from_frame(frame, county=panel.county, year=panel.year)
        g = g[keep]
    return panel, g, controls, dropped


def sun_abraham(
    data: Panel | pd.DataFrame,
    outcome: str,
    cohort: str,
    *,
    control: SAControl = "never_treated",
    reference: int = -1,
    covariates: Sequence[str] = (),
    absorb: str = "county + year",
    vcov: str | VcovSpec = DEFAULT_VCOV,
    ssc: str = "fixest",
    county: str | None = None,
    year: str | None = None,
) -> SunAbrahamResult:
    """Interaction-weighted event study: saturated cohort x event-time TWFE, then IW averages.

    The regression is ``y = a_i + l_t + sum_{e not in C} sum_{l != ref} d_el 1{E=e} D^l + X'g``;
    ``nu_l = sum_e d_el Pr(E = e | l)`` with the shares estimated by row counts and treated as
    known (as fixest), so the delta-method covariance is ``R V R'``.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel` or DataFrame (with ``county=``, ``year=``).
    outcome, cohort
        Outcome and first-treated-year column (``0`` = never treated).
    control
        ``"never_treated"``: never-treated counties are the control cohort. ``"last_treated"``:
        the last-treated cohort (and any never treated) is the control; years from its adoption
        on are dropped.
    reference
        Omitted event time of every cohort.
    covariates, absorb, vcov, ssc
        As in :func:`~countyeconomy.twfe`.

    References
    ----------
    Sun, L. and Abraham, S. (2021). Estimating dynamic treatment effects in event studies with
    heterogeneous treatment effects. *Journal of Econometrics* 225(2), 175-199.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.estimators.staggered.sun_abraham import sun_abraham
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    >>> res = sun_abraham(sim.panel, "log_rural_income", "first_treated")
    >>> res.weights.groupby("event_time")["weight"].sum().round(12).eq(1).all()
    np.True_
    """
    check_option("control", control, SAControl)
    panel = resolve_panel(data, county, year)
    check_outcome(panel, outcome, [c for c in covariates if c.isidentifier()])
    n_input = panel.nobs
    g = cohort_by_row(panel, cohort)
    panel, g, controls, dropped = _sample(panel, g, control)
    rel = panel.frame[panel.year].to_numpy(dtype=np.int64) - g
    cols: dict[str, FloatArray] = {}
    cells: list[tuple[str, int, int]] = []
    for e in sorted(set(g.tolist()) - controls):
        for ell in sorted(set(rel[g == e].tolist()) - {reference}):
            col = f"_ce_sa_{e}_{'m' if ell < 0 else 'p'}{abs(ell)}"
            cols[col] = ((g == e) & (rel == ell)).astype(np.float64)
            cells.append((col, e, ell))
    if not cells:
        raise IdentificationError("no treated cohort outside the control group.")
    rhs = " + ".join([*cols, *covariates])
    fit = twfe(panel.assign(**cols), f"{outcome} ~ {rhs} | {absorb}", vcov=vcov, ssc=ssc)
    display = {c: f"cohort::{e}:event_time::{ell}" for c, e, ell in cells}
    names = tuple(display.get(n, n) for n in fit.coefs.names)
    fit = replace(fit, coefs=replace(fit.coefs, names=names))
    rows = fit.estimation_rows
    kept = [(c, e, ell) for c, e, ell in cells if display[c] in names]
    weights = pd.DataFrame(
        {
            "term": [display[c] for c, _, _ in kept],
            "cohort": [e for _, e, _ in kept],
            "event_time": [ell for _, _, ell in kept],
            "n": [int(cols[c][rows].sum()) for c, _, _ in kept],
        }
    )
    weights["weight"] = weights["n"] / weights.groupby("event_time")["n"].transform("sum")
    coefs = _aggregate(fit, weights)
    info = StaggeredInfo(
        method=f"Sun-Abraham IW (control: {control})",
        nobs=fit.info.nobs,
        nobs_input=n_input,
        n_counties=panel.frame[panel.county].nunique(),
        cohorts=cohort_sizes(g, panel.frame[panel.county].to_numpy()),
        dropped={**dropped, **fit.info.dropped},
        clusters=dict(fit.info.clusters),
        vcov=f"{fit.info.vcov}; ssc={fit.info.ssc}",
        formula=f"{outcome} ~ cohort x event-time dummies (ref {reference}) | {absorb}",
        extra={"control_cohorts": sorted(controls), "collinear": fit.info.collinear},
    )
    times = [int(n.split("::")[1]) for n in coefs.names[:-1]]
    return SunAbrahamResult(
        coefs=coefs,
        event_times=(*times, None),
        reference=reference,
        info=info,
        title="Sun-Abraham",
        fit=fit,
        weights=weights,
    )
