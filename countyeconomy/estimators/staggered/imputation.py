"""Imputation DID (Borusyak, Jaravel and Spiess 2024) and Gardner's two-stage DID."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy._typing import IntArray, check_option
from countyeconomy.errors import IdentificationError, InvalidOptionError, RowsDroppedWarning
from countyeconomy.estimators.staggered._common import (
    EventResultBase,
    WaldTest,
    announce_dropped,
    check_outcome,
    cluster_vcov,
    declined,
    drop_unusable_rows,
    fit_info,
    key_column,
    resolve_panel,
    wald_test,
)
from countyeconomy.estimators.staggered._imputation_core import impute_twoway, twoway_vcov
from countyeconomy.estimators.staggered._rows import (
    RowCodes,
    cohort_codes,
    cohort_counts,
    row_codes,
)
from countyeconomy.inference import Cluster, VcovSpec
from countyeconomy.linalg import factorize
from countyeconomy.panel import NEVER_TREATED, Panel
from countyeconomy.results import CoefTable

__all__ = ["ImputationResult", "imputation_did"]

ImputationMethod = Literal["bjs", "gardner"]


@dataclass(frozen=True, repr=False, eq=False)
class ImputationResult(EventResultBase):
    """Result of :func:`imputation_did`: effects by horizon (``event_time::h``) and ``ATT``.

    Attributes
    ----------
    effects
        Row-level imputed effects: county, year, cohort, event_time, tau.
    pretrend
        Joint Wald (chi2) test of the leads in the untreated sample (``pretrends=k``); with
        ``pretrends=0`` a test with NaN statistic whose ``note`` says so.
    pretrend_coefs
        The lead coefficients ``event_time::-k`` of that test (an empty table without
        ``pretrends``). They are estimated separately, so :attr:`event_vcov` covers the
        post-treatment horizons only.
    """

    effects: pd.DataFrame
    pretrend_coefs: CoefTable

    def event_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Post-treatment horizons, plus the pre-trend lead coefficients when estimated."""
        post = super().event_frame(level)
        if not self.pretrend_coefs.names:
            return post
        pre = self.pretrend_coefs.to_frame(level)
        pre["event_time"] = [int(n.split("::")[1]) for n in pre["term"]]
        return pd.concat([pre, post], ignore_index=True).sort_values("event_time")


def _identifiable(codes: RowCodes, treated: np.ndarray) -> tuple[np.ndarray, dict[str, int]]:
    """Drop treated rows whose county or year has no untreated observation."""
    untreated_c = np.bincount(codes.county[~treated], minlength=codes.n_counties) > 0
    untreated_y = np.bincount(codes.year[~treated], minlength=codes.n_years) > 0
    no_c = treated & ~untreated_c[codes.county]
    no_y = treated & ~no_c & ~untreated_y[codes.year]
    dropped = {}
    if no_c.any():
        dropped["treated rows of counties never observed untreated"] = int(no_c.sum())
    if no_y.any():
        dropped["treated rows in years without untreated counties"] = int(no_y.sum())
    return ~(no_c | no_y), dropped


def _horizon_codes(k: np.ndarray, horizons: Sequence[int]) -> tuple[IntArray, list[str]]:
    """The position in ``horizons`` of each treated row's event time (``-1``: not reported)."""
    code = np.full(len(k), -1, dtype=np.intp)
    names = []
    for j, h in enumerate(horizons):
        sel = k == h
        if not sel.any():
            raise IdentificationError(f"no treated observation at horizon {h}.")
        code[sel] = j
        names.append(f"event_time::{h}")
    return code, [*names, "ATT"]


def _pretrend_test(
    panel: Panel,
    outcome: str,
    covariates: Sequence[str],
    g: np.ndarray,
    treated: np.ndarray,
    leads: int,
    vcov: Cluster,
) -> tuple[WaldTest, CoefTable, dict[str, int]]:
    from countyeconomy.estimators.twfe import twfe

    frame = panel.frame.loc[~treated].copy()
    gg = g[~treated]
    rel = frame[panel.year].to_numpy(dtype=np.int64) - gg
    cols = {}
    for k in range(1, leads + 1):
        d = ((gg != NEVER_TREATED) & (rel == -k)).astype(float)
        if d.any():
            cols[f"_ce_lead{k}"] = d
    if not cols:
        raise IdentificationError("no pre-treatment observations of treated counties to test.")
    sub = Panel.from_frame(frame.assign(**cols), county=panel.county, year=panel.year)
    rhs = " + ".join([*cols, *covariates])
    with warnings.catch_warnings():  # rows it drops are counted and announced by the caller
        warnings.simplefilter("ignore", RowsDroppedWarning)
        fit = twfe(sub, f"{outcome} ~ {rhs} | county + year", vcov=vcov, ssc="none")
    dropped = {f"{k} (pre-trend regression)": int(v) for k, v in fit.info.dropped.items() if v}
    names = tuple(f"event_time::-{n.removeprefix('_ce_lead')}" for n in fit.coefs.names)
    coefs = CoefTable(names, fit.coefs.estimates, fit.coefs.vcov, None)
    idx = [j for j, n in enumerate(fit.coefs.names) if n in cols]
    test = wald_test(
        [names[j] for j in idx], coefs.estimates[idx], coefs.vcov[np.ix_(idx, idx)], None
    )
    sub_coefs = CoefTable(
        tuple(names[j] for j in idx),
        coefs.estimates[idx],
        coefs.vcov[np.ix_(idx, idx)],
        None,
    )
    return test, sub_coefs, dropped


def _sample(
    panel: Panel, outcome: str, cohort: str, covariates: Sequence[str]
) -> tuple[Panel, RowCodes, np.ndarray, np.ndarray, dict[str, int]]:
    """Drop rows with missing or non-finite values and treated rows that cannot be imputed."""
    codes = row_codes(panel)
    g = cohort_codes(panel, cohort, codes, stacklevel=5)
    panel, kept, dropped = drop_unusable_rows(panel, [outcome, *covariates])
    if not kept.all():
        g, codes = g[kept], row_codes(panel)
    treated = (g != NEVER_TREATED) & (codes.years >= g)
    if not treated.any():
        raise IdentificationError(f"no treated county-years in cohort column {cohort!r}.")
    keep, more = _identifiable(codes, treated)
    dropped |= more
    if not keep.all():
        panel = Panel.from_frame(
            panel.frame.loc[keep].reset_index(drop=True), county=panel.county, year=panel.year
        )
        g, treated, codes = g[keep], treated[keep], row_codes(panel)
    return panel, codes, g, treated, dropped


@renamed_kwargs("imputation_did", cluster="vcov")
def imputation_did(
    data: Panel | pd.DataFrame,
    outcome: str,
    cohort: str,
    *,
    horizons: Sequence[int] | None = None,
    pretrends: int = 0,
    method: ImputationMethod = "bjs",
    covariates: Sequence[str] = (),
    vcov: str | VcovSpec = "county",
    county: str | None = None,
    year: str | None = None,
) -> ImputationResult:
    """Imputation DID: fit ``y = a_i + l_t + X'b`` on untreated rows, impute ``Y(0)``, average.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel` or DataFrame (with ``county=``, ``year=``); unbalanced
        panels are fine.
    outcome, cohort
        Outcome and first-treated-year column (``0`` = never treated).
    horizons
        Event times ``h >= 0`` to report (default: all observed). ``ATT`` averages all treated
        county-years at these horizons.
    pretrends
        Number of leads ``k = 1..pretrends`` in BJS's pre-trend test: ``y`` regressed on lead
        dummies with unit and year effects in the untreated sample, cluster-robust Wald test.
    method
        ``"bjs"``: BJS conservative standard errors (treated residuals net of cohort x horizon
        means). ``"gardner"``: two-stage DID (did2s) GMM standard errors. Point estimates agree.
    covariates
        Time-varying controls in the untreated fit.
    vcov
        The cluster-robust covariance: a column name (``"county"``, the default, or e.g.
        ``"province"``) or ``Cluster("name")``. The variance is clustered by construction, so
        other covariances are rejected. (Formerly ``cluster=``, still accepted with a
        ``FutureWarning``.)

    Notes
    -----
    Rows with a missing or non-finite (``±inf``) outcome or covariate, and treated rows that
    cannot be imputed, are dropped, counted in ``info.dropped`` and announced with a
    :class:`~countyeconomy.errors.RowsDroppedWarning`; so are rows the pre-trend regression
    drops (singletons), under keys ending in ``"(pre-trend regression)"``.

    References
    ----------
    Borusyak, K., Jaravel, X. and Spiess, J. (2024). Revisiting event-study designs: robust and
    efficient estimation. *Review of Economic Studies* 91(6), 3253-3285. Gardner, J. (2021).
    Two-stage differences in differences. Working paper, arXiv:2207.05943.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.estimators.staggered.imputation import imputation_did
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=300)
    >>> res = imputation_did(sim.panel, "log_rural_income", "first_treated", horizons=[0, 1, 2])
    >>> list(res.params.index)
    ['event_time::0', 'event_time::1', 'event_time::2', 'ATT']
    """
    check_option("method", method, ImputationMethod)
    if not isinstance(pretrends, int) or pretrends < 0:
        raise InvalidOptionError(f"pretrends must be a non-negative int, got {pretrends!r}.")
    spec = cluster_vcov("imputation_did", vcov)
    cluster = spec.variables[0]
    panel = resolve_panel(data, county, year)
    check_outcome(panel, outcome, covariates)
    n_input = panel.nobs
    panel, codes, g, treated, dropped = _sample(panel, outcome, cohort, covariates)
    main_dropped = dict(dropped)
    years = codes.years
    k1 = (years - g)[treated]
    hs = sorted(set(np.unique(k1).tolist())) if horizons is None else [int(h) for h in horizons]
    if any(h < 0 for h in hs):
        raise InvalidOptionError(f"horizons must be >= 0 (use pretrends= for leads), got {hs}.")
    horizon, names = _horizon_codes(k1, hs)
    frame = panel.frame
    x = frame[list(covariates)].to_numpy(dtype=float).reshape(len(years), -1)
    y = frame[outcome].to_numpy(dtype=float)
    unit, period = codes.county, codes.year
    arrays = impute_twoway(
        y, x, treated, unit, codes.n_counties, period, codes.n_years, horizon, len(hs)
    )
    if method == "bjs":  # each row's cohort x horizon mean
        gt = g[treated]
        cell = factorize((gt - gt.min()) * (int(k1.max()) + 1) + k1)
        sums = np.bincount(cell.codes, weights=arrays.tau, minlength=cell.n_levels)
        centre = (sums / cell.counts())[cell.codes]
    else:
        centre = arrays.estimates
    cl_col = key_column(panel, cluster)
    if cl_col == panel.county:
        cl_codes, n_cl = unit, codes.n_counties
    elif cl_col == panel.year:
        cl_codes, n_cl = period, codes.n_years
    else:
        cl = factorize(frame[cl_col].to_numpy())
        cl_codes, n_cl = cl.codes, cl.n_levels
    cov = twoway_vcov(
        arrays, centre, treated, x, unit, period, horizon, cl_codes, n_cl, cl_col == panel.county
    )
    pre_coefs = CoefTable((), np.empty(0), np.empty((0, 0)), None)
    if pretrends:
        pre_test, pre_coefs, pre_dropped = _pretrend_test(
            panel, outcome, covariates, g, treated, pretrends, spec
        )
        dropped |= pre_dropped
    else:
        pre_test = declined((), None, "not estimated: pass pretrends=k to test k leads")
    notes = announce_dropped("imputation_did", dropped, n_input, stacklevel=3)
    rows = np.flatnonzero(treated)
    effects = pd.DataFrame(
        {
            panel.county: frame[panel.county].take(rows).reset_index(drop=True),
            panel.year: years[treated],
            "cohort": g[treated],
            "event_time": k1,
            "tau": arrays.tau,
        }
    )
    label = "BJS imputation" if method == "bjs" else "Gardner two-stage DID"
    info = fit_info(
        "imputation_did",
        warnings=notes,
        nobs=len(y),
        nobs_input=n_input,
        dropped=dropped,
        clusters={cluster: n_cl},
        specification=f"{outcome} ~ 0 | county + year" + "".join(f" + {c}" for c in covariates),
        vcov=f"cluster ({cluster}); " + ("BJS conservative" if method == "bjs" else "GMM"),
        fixed_effects={panel.county: codes.n_counties, panel.year: codes.n_years},
        label=label,
        variant=method,
        n_counties=codes.n_counties,
        cohort_sizes=cohort_counts(g, codes),
        n_treated=int(treated.sum()),
        n_untreated=int((~treated).sum()),
        rows_dropped_from_estimate=sum(main_dropped.values()),
    )
    return ImputationResult(
        coefs=CoefTable(tuple(names), arrays.estimates, cov, None),
        event_times=(*hs, None),
        reference=None,
        info=info,
        title=label,
        effects=effects,
        pretrend=pre_test,
        pretrend_coefs=pre_coefs,
    )
