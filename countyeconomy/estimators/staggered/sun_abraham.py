"""Sun and Abraham (2021) interaction-weighted event study."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.errors import IdentificationError
from countyeconomy.estimators.staggered._common import (
    EventResultBase,
    WaldTest,
    announce_dropped,
    check_outcome,
    drop_unusable_rows,
    fit_info,
    no_never_treated_error,
    resolve_panel,
    vcov_spec,
    wald_test,
)
from countyeconomy.estimators.staggered._rows import cohort_codes, cohort_counts, row_codes
from countyeconomy.estimators.staggered._sa_fit import (
    SADesign,
    Saturated,
    dense_fit,
    estimate,
    term,
)
from countyeconomy.estimators.twfe import DEFAULT_VCOV, TWFEResult
from countyeconomy.inference import VcovSpec, resolve_ssc
from countyeconomy.panel import NEVER_TREATED, Panel
from countyeconomy.results import CoefTable

__all__ = ["SunAbrahamResult", "iw_aggregate", "sun_abraham"]

SAControl = Literal["never_treated", "last_treated"]
"""The subset of :data:`countyeconomy._typing.ControlGroup` that :func:`sun_abraham` supports."""


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


@dataclass(frozen=True, repr=False, eq=False)
class SunAbrahamResult(EventResultBase):
    """Result of :func:`sun_abraham`: ``event_time::l`` (IW estimates) and the overall ``ATT``.

    Attributes
    ----------
    weights
        The cohort weights: term, cohort, event_time, n (estimation rows in the cell) and weight
        (share of the cohort among cells at that event time).
    pretrend
        Joint Wald test (F) that the IW estimates before the reference period and between it
        and 0 are zero.
    vcov_spec
        The covariance specification in use.
    design
        The estimation sample and model (what :attr:`fit` and :meth:`with_vcov` refit).
    """

    weights: pd.DataFrame
    vcov_spec: VcovSpec
    design: SADesign

    @cached_property
    def fit(self) -> TWFEResult:
        """The saturated regression as a :class:`~countyeconomy.estimators.twfe.TWFEResult`
        (terms ``cohort::e:event_time::l``), fitted on first access with one dense column per
        dummy; the estimates themselves never need it."""
        return dense_fit(self.design, self.vcov_spec, self.info.ssc)

    def with_vcov(self, vcov: str | VcovSpec, *, ssc: str | None = None) -> SunAbrahamResult:
        """A new result with another covariance of the saturated regression (delta method)."""
        spec = vcov_spec(vcov)
        sat = estimate(self.design, spec, resolve_ssc(ssc if ssc is not None else self.info.ssc))
        coefs = _aggregate(sat, self.weights)
        info = replace(
            self.info,
            vcov=f"{sat.vcov_label}; ssc={sat.ssc}",
            ssc=sat.ssc,
            clusters=dict(sat.clusters),
            df_t=sat.df_t,
        )
        pretrend = _pretrend(coefs, self.event_times)
        return replace(self, coefs=coefs, info=info, pretrend=pretrend, vcov_spec=spec)


def _pretrend(coefs: CoefTable, event_times: tuple[int | None, ...]) -> WaldTest:
    idx = [j for j, e in enumerate(event_times) if e is not None and e < 0]
    names = [coefs.names[j] for j in idx]
    return wald_test(names, coefs.estimates[idx], coefs.vcov[np.ix_(idx, idx)], coefs.df_t)


def _aggregate(sat: Saturated, weights: pd.DataFrame) -> CoefTable:
    names = list(sat.names)
    pos = [names.index(t) for t in weights["term"]]
    delta = sat.estimates[pos]
    v = sat.vcov[np.ix_(pos, pos)]
    times, r, r_att = iw_aggregate(
        weights["cohort"].to_numpy(), weights["event_time"].to_numpy(), weights["n"].to_numpy()
    )
    full = np.vstack([r, r_att[None, :]])
    labels = (*(f"event_time::{t}" for t in times), "ATT")
    return CoefTable(labels, full @ delta, full @ v @ full.T, sat.df_t)


def _cells(
    g: np.ndarray, rel: np.ndarray, controls: set[int], reference: int
) -> tuple[tuple[int, int], ...]:
    """``(cohort, event time)`` of every dummy, sorted: each treated cohort's observed event
    times but the reference."""
    treated = np.ones(len(g), dtype=bool)
    for c in controls:
        treated &= g != c
    g, rel = g[treated], rel[treated]
    if not len(g):
        return ()
    lo, g0 = int(rel.min()), int(g.min())
    stride = int(rel.max()) - lo + 1
    seen = np.flatnonzero(np.bincount((g - g0) * stride + (rel - lo)))
    return tuple(
        (int(e), int(ell))
        for e, ell in zip(seen // stride + g0, seen % stride + lo, strict=True)
        if ell != reference
    )


def _sample(
    panel: Panel, g: np.ndarray, control: str, dropped: dict[str, int]
) -> tuple[Panel, np.ndarray, set[int], dict[str, int]]:
    years = panel.frame[panel.year].to_numpy(dtype=np.int64)
    dropped = dict(dropped)
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

    Notes
    -----
    Rows with a missing or non-finite (``±inf``) outcome or covariate are dropped, counted in
    ``info.dropped`` (``"missing: col"``, ``"non-finite: col"``) and announced with a
    :class:`~countyeconomy.errors.RowsDroppedWarning`, as are always-treated rows and, with
    ``control="last_treated"``, the years from the last cohort's adoption on.

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
    g = cohort_codes(panel, cohort, row_codes(panel))
    panel, usable, dropped = drop_unusable_rows(
        panel, [outcome, *(c for c in covariates if c.isidentifier())]
    )
    panel, g, controls, dropped = _sample(panel, g[usable], control, dropped)
    notes = announce_dropped("sun_abraham", dropped, n_input, stacklevel=2)
    rel = panel.frame[panel.year].to_numpy(dtype=np.int64) - g
    cells = _cells(g, rel, controls, reference)
    if not cells:
        raise IdentificationError("no treated cohort outside the control group.")
    design = SADesign(panel, outcome, tuple(covariates), absorb, g, cells)
    spec = vcov_spec(vcov)
    sat = estimate(design, spec, resolve_ssc(ssc))
    kept = [(e, ell) for e, ell in cells if term(e, ell) in sat.cell_rows]
    weights = pd.DataFrame(
        {
            "term": [term(e, ell) for e, ell in kept],
            "cohort": [e for e, _ in kept],
            "event_time": [ell for _, ell in kept],
            "n": [sat.cell_rows[term(e, ell)] for e, ell in kept],
        }
    )
    weights["weight"] = weights["n"] / weights.groupby("event_time")["n"].transform("sum")
    coefs = _aggregate(sat, weights)
    codes = row_codes(panel)
    info = fit_info(
        "sun_abraham",
        warnings=notes,
        nobs=sat.nobs,
        nobs_input=n_input,
        dropped={**dropped, **sat.dropped},
        clusters=dict(sat.clusters),
        specification=f"{outcome} ~ cohort x event-time dummies (ref {reference}) | {absorb}",
        vcov=f"{sat.vcov_label}; ssc={sat.ssc}",
        ssc=sat.ssc,
        df_t=sat.df_t,
        fixed_effects=sat.fixed_effects,
        label=f"Sun-Abraham IW (control: {control})",
        control=control,
        n_counties=codes.n_counties,
        cohort_sizes=cohort_counts(g, codes),
        control_cohorts=sorted(controls),
        collinear=sat.collinear,
    )
    times = [int(n.split("::")[1]) for n in coefs.names[:-1]]
    event_times = (*times, None)
    return SunAbrahamResult(
        coefs=coefs,
        event_times=event_times,
        pretrend=_pretrend(coefs, event_times),
        reference=reference,
        info=info,
        title="Sun-Abraham",
        weights=weights,
        vcov_spec=spec,
        design=design,
    )
