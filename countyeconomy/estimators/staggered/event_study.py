"""TWFE event study with binned endpoints, a -1 reference period and a joint pre-trend test."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import InvalidOptionError
from countyeconomy.estimators._ooc_engine import is_out_of_core
from countyeconomy.estimators.staggered._common import (
    EventResultBase,
    WaldTest,
    announce_dropped,
    check_outcome,
    cohort_by_row,
    cohort_sizes,
    drop_unusable_rows,
    fit_info,
    resolve_panel,
    vcov_spec,
    wald_test,
)
from countyeconomy.estimators.twfe import DEFAULT_VCOV, TWFEResult, twfe
from countyeconomy.inference import VcovSpec
from countyeconomy.panel import NEVER_TREATED, Panel

__all__ = ["EventStudyResult", "event_dummies", "event_study"]


def _label(k: int) -> str:
    return f"event_time::{k}"


def _column(k: int) -> str:
    return f"_ce_es_{'m' if k < 0 else 'p'}{abs(k)}"


def event_dummies(
    rel: np.ndarray,
    treated: np.ndarray,
    window: tuple[int, int],
    reference: int,
    bin_endpoints: bool,
) -> dict[int, np.ndarray]:
    """Relative-time dummies ``{k: (n,) 0/1 array}`` for ``k`` in the window, ``k != reference``.

    ``rel`` is ``year - cohort`` (ignored where ``treated`` is false: never-treated rows have every
    dummy 0). With ``bin_endpoints`` the end dummies are ``1{rel <= lo}`` and ``1{rel >= hi}``
    (Schmidheiny and Siegloch 2023); otherwise rows outside the window get no dummy.
    """
    lo, hi = window
    r = np.where(treated, rel, reference)
    if bin_endpoints:
        r = np.clip(r, lo, hi)
    out: dict[int, np.ndarray] = {}
    for k in range(lo, hi + 1):
        if k != reference:
            out[k] = (treated & (r == k)).astype(np.float64)
    return out


@dataclass(frozen=True, repr=False, eq=False)
class EventStudyResult(EventResultBase):
    """Result of :func:`event_study`.

    Attributes
    ----------
    fit
        The underlying :class:`~countyeconomy.estimators.twfe.TWFEResult` (event-time terms are
        named ``event_time::k``; with binned endpoints the end terms pool ``k`` and beyond).
    pretrend
        Joint Wald test that every pre-period coefficient (``k < reference`` and
        ``reference < k < 0``) is zero (F on the regression's degrees of freedom).
    """

    fit: TWFEResult

    def with_vcov(self, vcov: str | VcovSpec, *, ssc: str | None = None) -> EventStudyResult:
        """A new result with another covariance; this one is unchanged."""
        fit = self.fit.with_vcov(vcov_spec(vcov), ssc=ssc)
        info = replace(
            self.info,
            vcov=f"{fit.info.vcov}; ssc={fit.info.ssc}",
            ssc=str(fit.info.ssc),
            clusters=dict(fit.info.clusters),
            df_t=fit.info.df_t,
        )
        return replace(
            self, coefs=fit.coefs, fit=fit, info=info, pretrend=_pretrend(fit, self.event_times)
        )


def _pretrend(fit: TWFEResult, event_times: tuple[int | None, ...]) -> WaldTest:
    idx = [j for j, e in enumerate(event_times) if e is not None and e < 0]
    names = [fit.coefs.names[j] for j in idx]
    beta = fit.coefs.estimates[idx]
    v = fit.coefs.vcov[np.ix_(idx, idx)]
    return wald_test(names, beta, v, fit.info.df_t)


def _check_window(window: tuple[int, int], reference: int) -> tuple[int, int]:
    if len(window) != 2 or not all(isinstance(w, int | np.integer) for w in window):
        raise InvalidOptionError(f"window must be two integers (lo, hi), got {window!r}.")
    lo, hi = int(window[0]), int(window[1])
    if not lo <= reference <= hi or lo >= hi:
        raise InvalidOptionError(
            f"window={window!r} must satisfy lo <= reference ({reference}) <= hi and lo < hi."
        )
    return lo, hi


def event_study(
    data: Panel | pd.DataFrame | Any,
    outcome: str,
    cohort: str,
    *,
    covariates: Sequence[str] = (),
    window: tuple[int, int] = (-5, 5),
    bin_endpoints: bool = True,
    reference: int = -1,
    absorb: str = "county + year",
    vcov: str | VcovSpec = DEFAULT_VCOV,
    ssc: str = "fixest",
    county: str | None = None,
    year: str | None = None,
) -> EventStudyResult:
    """TWFE event study: ``y ~ sum_{k != ref} beta_k D^k + X'g | county + year``.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel` or a DataFrame with ``county=`` and ``year=``; or a
        ``dask.dataframe.DataFrame`` / Parquet path, fitted out of core with the same numbers
        in 3 passes over the data (``county=`` names the unit, e.g. the grid cell).
    outcome, cohort
        Outcome column and first-treated-year column (``0`` = never treated: all dummies 0).
    covariates
        Extra regressors (column names or formulaic terms).
    window
        ``(lo, hi)`` event times with their own coefficient.
    bin_endpoints
        ``True`` (default): ``D^lo = 1{t - E <= lo}`` and ``D^hi = 1{t - E >= hi}`` pool the
        periods beyond the window. ``False``: treated county-years outside the window are
        dropped (counted and announced), which avoids imposing zero effects on them.
    reference
        Omitted (normalised) event time, ``-1`` by default.
    absorb
        Absorbed fixed effects in :func:`~countyeconomy.twfe` syntax.
    vcov, ssc
        Covariance and small-sample convention, as in :func:`~countyeconomy.twfe`.

    Returns
    -------
    EventStudyResult
        Event-time coefficients (``event_vcov`` is their full covariance), the pre-trend test
        ``pretrend``, ``plot()``, ``with_vcov()``.

    References
    ----------
    Schmidheiny, K. and Siegloch, S. (2023). On event studies and distributed-lags in two-way
    fixed effects models: identification, equivalence, and generalization. *Journal of Applied
    Econometrics* 38(5), 695-713.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.estimators.staggered.event_study import event_study
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    >>> res = event_study(sim.panel, "log_rural_income", "first_treated", window=(-3, 3))
    >>> res.event_frame()["event_time"].tolist()
    [-3, -2, -1, 0, 1, 2, 3]
    """
    if is_out_of_core(data):  # dask DataFrame or Parquet path: 1 scan + the out-of-core twfe
        from countyeconomy.estimators.staggered._event_ooc import event_study_out_of_core

        return event_study_out_of_core(  # type: ignore[no-any-return]
            data, outcome, cohort, covariates=covariates, window=_check_window(window, reference),
            bin_endpoints=bin_endpoints, reference=reference, absorb=absorb,
            vcov=vcov_spec(vcov), ssc=ssc, county=county, year=year,
        )  # fmt: skip
    panel = resolve_panel(data, county, year)
    check_outcome(panel, outcome, [c for c in covariates if c.isidentifier()])
    lo, hi = _check_window(window, reference)
    n_input = panel.nobs
    g = cohort_by_row(panel, cohort)
    panel, keep, dropped = drop_unusable_rows(
        panel, [outcome, *(c for c in covariates if c.isidentifier())]
    )
    g = g[keep]
    treated = g != NEVER_TREATED
    rel = panel.frame[panel.year].to_numpy(dtype=np.int64) - g
    if not bin_endpoints:
        outside = treated & ((rel < lo) | (rel > hi))
        if outside.any():
            dropped["treated rows outside the window"] = int(outside.sum())
            keep = ~outside
            panel = Panel.from_frame(
                panel.frame.loc[keep].reset_index(drop=True), county=panel.county, year=panel.year
            )
            g, treated, rel = g[keep], treated[keep], rel[keep]
    notes = announce_dropped("event_study", dropped, n_input, stacklevel=2)
    dummies = event_dummies(rel, treated, (lo, hi), reference, bin_endpoints)
    empty = tuple(k for k, d in dummies.items() if not d.any())
    used = [k for k in dummies if k not in empty]
    cols = {_column(k): dummies[k] for k in used}
    rhs = " + ".join([*cols, *covariates]) or "1"
    formula = f"{outcome} ~ {rhs} | {absorb}"
    fit = twfe(panel.assign(**cols), formula, vcov=vcov_spec(vcov), ssc=ssc)
    return event_study_result(
        fit,
        used,
        reference=reference,
        notes=notes,
        n_input=n_input,
        dropped=dropped,
        specification=f"{outcome} ~ event-time dummies {lo}..{hi} (ref {reference})"
        + (f" + {' + '.join(covariates)}" if covariates else "")
        + f" | {absorb}",
        n_counties=panel.frame[panel.county].nunique(),
        cohort_sizes=cohort_sizes(g, panel.frame[panel.county].to_numpy()),
        window=(lo, hi),
        bin_endpoints=bin_endpoints,
        empty_event_times=empty,
    )


def event_study_result(
    fit: TWFEResult,
    used: Sequence[int],
    *,
    reference: int,
    notes: tuple[str, ...],
    n_input: int,
    dropped: dict[str, int],
    specification: str,
    **extra: Any,
) -> EventStudyResult:
    """The result of an event-study regression ``fit`` on the dummies of ``used`` event times
    (in memory or out of core): coefficients named by event time, the shared info fields plus
    ``extra``, and the pre-trend test."""
    display = {_column(k): _label(k) for k in used}
    names = tuple(display.get(n, n) for n in fit.coefs.names)
    fit = replace(fit, coefs=replace(fit.coefs, names=names))
    by_label = {_label(k): k for k in used}
    event_times = tuple(by_label.get(n) for n in names)
    info = fit_info(
        "event_study",
        warnings=notes,
        nobs=fit.info.nobs,
        nobs_input=n_input,
        dropped={**dropped, **fit.info.dropped},
        clusters=dict(fit.info.clusters),
        specification=specification,
        vcov=f"{fit.info.vcov}; ssc={fit.info.ssc}",
        ssc=str(fit.info.ssc),
        df_t=fit.info.df_t,
        fixed_effects=dict(fit.info.fixed_effects),
        label="TWFE event study",
        collinear=tuple(fit.info.collinear),
        **extra,
    )
    return EventStudyResult(
        coefs=fit.coefs,
        event_times=event_times,
        reference=reference,
        info=info,
        title="TWFE event study",
        fit=fit,
        pretrend=_pretrend(fit, event_times),
    )
