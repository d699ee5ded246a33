"""de Chaisemartin-D'Haultfoeuille event-study estimator DID_l (did_multiplegt_dyn)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy.errors import IdentificationError, InvalidOptionError, PanelStructureError
from countyeconomy.estimators.staggered._common import (
    EventResultBase,
    WaldTest,
    announce_dropped,
    check_outcome,
    cluster_vcov,
    declined,
    drop_counties_with_unusable_rows,
    fit_info,
    key_column,
    resolve_panel,
    wald_test,
)
from countyeconomy.estimators.staggered._dcdh_core import did_l, switch_timing
from countyeconomy.inference import VcovSpec
from countyeconomy.linalg import factorize
from countyeconomy.panel import Panel
from countyeconomy.results import CoefTable

__all__ = ["DCDHResult", "did_multiplegt"]


@dataclass(frozen=True, repr=False, eq=False)
class DCDHResult(EventResultBase):
    """Result of :func:`did_multiplegt`: effect ``l`` is the term ``event_time::{l-1}`` and
    placebo ``l`` the term ``event_time::{-l-1}``; the period before the first switch (``-1``)
    is the reference.

    Attributes
    ----------
    counts
        Per term: ``n_switchers`` and ``n_obs`` (outcome changes used).
    pretrend
        Joint Wald (chi2) test that all placebos are zero; with ``placebo=0`` a test with NaN
        statistic whose ``note`` says so.
    """

    counts: pd.DataFrame

    @property
    def placebo_test(self) -> WaldTest:
        """Retired name of :attr:`pretrend` (``FutureWarning``)."""
        warnings.warn(
            "DCDHResult.placebo_test is renamed .pretrend; the old spelling is removed in the "
            "next release.",
            FutureWarning,
            stacklevel=2,
        )
        return self.pretrend

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Protocol columns, ``event_time``, then ``n_switchers`` and ``n_obs``."""
        out = super().to_frame(level)
        return out.assign(
            n_switchers=self.counts["n_switchers"].to_numpy(), n_obs=self.counts["n_obs"].to_numpy()
        )


def _balanced_rows(panel: Panel, outcome: str, treatment: str) -> tuple[Panel, dict[str, int]]:
    """Drop counties with a non-finite outcome or treatment (the estimator needs a balanced
    panel, so a county loses all its rows); missing values and gaps are errors."""
    if not panel.is_balanced:
        raise PanelStructureError(
            f"did_multiplegt needs a balanced panel; {len(panel.gaps())} county-year rows are "
            "absent (see Panel.gaps())."
        )
    for col in (outcome, treatment):
        if panel.frame[col].isna().any():
            raise PanelStructureError(
                f"column {col!r} has {int(panel.frame[col].isna().sum())} missing value(s)."
            )
    return drop_counties_with_unusable_rows(panel, [outcome, treatment])


def _wide(panel: Panel, outcome: str, treatment: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    y = panel.frame.pivot(index=panel.county, columns=panel.year, values=outcome)
    d = panel.frame.pivot(index=panel.county, columns=panel.year, values=treatment)
    return y, d


@renamed_kwargs("did_multiplegt", cluster="vcov")
def did_multiplegt(
    data: Panel | pd.DataFrame,
    outcome: str,
    treatment: str,
    *,
    effects: int = 1,
    placebo: int = 0,
    normalized: bool = False,
    vcov: str | VcovSpec = "county",
    county: str | None = None,
    year: str | None = None,
) -> DCDHResult:
    """Effects of having switched treatment ``l`` periods ago, ``DID_l``, and placebos.

    Works for binary or non-binary treatments that switch on and off. Switchers (units whose
    treatment leaves its first-period value at ``F_g``) are compared with units that have the
    same first-period treatment and have not switched yet; ``DID_l`` averages
    ``S_g [(Y_{g,F_g-1+l} - Y_{g,F_g-1}) - mean of the same change among those controls]`` with
    ``S_g = +1`` (treatment went up) or ``-1``. Placebo ``l`` replaces period ``F_g - 1 + l`` by
    ``F_g - 1 - l`` with the same controls. Standard errors: the analytic, cohort-centred
    variance of the estimator (cohorts = baseline treatment x first-switch period x treatment at
    the switch), clustered by county unless ``vcov`` names another column.

    Parameters
    ----------
    data
        A balanced :class:`~countyeconomy.Panel` or DataFrame (with ``county=``, ``year=``).
    outcome, treatment
        Outcome and (non-negative, possibly non-binary) treatment columns.
    effects, placebo
        Number of dynamic effects ``l = 1..effects`` and placebos ``l = 1..placebo``.
    normalized
        Divide each effect (and placebo ``l``) by the switchers' average cumulative treatment
        change over the ``l`` periods, ``delta^n_l = DID_l / delta^D_l``: a weighted average of
        the effects of the current and ``l - 1`` lagged treatments per unit of treatment (placebo
        ``l`` uses the dose of its own switchers).
    vcov
        The cluster-robust covariance: a column name (``"county"``, the default) or
        ``Cluster("name")``; clusters must nest counties. (Formerly ``cluster=``, still accepted
        with a ``FutureWarning``.)

    Notes
    -----
    Terms are ``event_time::{l-1}`` for effect ``l`` and ``event_time::{-l-1}`` for placebo
    ``l`` (formerly ``effect_l`` and ``placebo_l``). ``pretrend`` is the joint test of the
    placebos. Counties with a non-finite (``±inf``) outcome or treatment are dropped whole (the
    estimator needs a balanced panel), counted in ``info.dropped`` and announced with a
    :class:`~countyeconomy.errors.RowsDroppedWarning`.

    References
    ----------
    de Chaisemartin, C. and D'Haultfoeuille, X. (2024). Difference-in-differences estimators of
    intertemporal treatment effects. *Review of Economics and Statistics* 106(6), 1723-1736.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.estimators.staggered.dcdh import did_multiplegt
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    >>> res = did_multiplegt(sim.panel, "log_rural_income", "policy", effects=2, placebo=1)
    >>> list(res.params.index)
    ['event_time::-2', 'event_time::0', 'event_time::1']
    """
    if not isinstance(effects, int) or effects < 1 or not isinstance(placebo, int) or placebo < 0:
        raise InvalidOptionError(
            f"effects must be an int >= 1 and placebo an int >= 0; got {effects!r}, {placebo!r}."
        )
    spec = cluster_vcov("did_multiplegt", vcov)
    cluster = spec.variables[0]
    panel = resolve_panel(data, county, year)
    check_outcome(panel, outcome, [treatment])
    n_input = panel.nobs
    panel, dropped = _balanced_rows(panel, outcome, treatment)
    notes = announce_dropped("did_multiplegt", dropped, n_input, stacklevel=3)
    y_w, d_w = _wide(panel, outcome, treatment)
    y, d = y_w.to_numpy(dtype=float), d_w.to_numpy(dtype=float)
    first, _ = switch_timing(d)
    if not (first < d.shape[1]).any():
        raise IdentificationError(f"treatment {treatment!r} never changes; there is no switcher.")
    ccol = key_column(panel, cluster)
    by_unit = panel.frame.groupby(panel.county, sort=True)[ccol]
    if (by_unit.nunique() > 1).any():
        raise IdentificationError(
            f"cluster column {ccol!r} varies within a county; counties must be nested in clusters."
        )
    per_unit = by_unit.first().reindex(y_w.index)
    cl = factorize(per_unit.to_numpy())
    plan = [(f"event_time::{-k - 1}", k, True, -k - 1) for k in range(placebo, 0, -1)]
    plan += [(f"event_time::{k - 1}", k, False, k - 1) for k in range(1, effects + 1)]
    names, times, est, scores, counts = [], [], [], [], []
    for name, ell, is_pl, t in plan:
        r = did_l(y, d, ell, cl.codes, placebo=is_pl)
        if r is None:
            continue
        scale = 1.0 / r.dose if normalized else 1.0
        names.append(name)
        times.append(t)
        est.append(r.estimate * scale)
        scores.append(r.scores * scale)
        counts.append((r.n_switchers, r.n_obs))
    if not names:
        raise IdentificationError("no switcher has a not-yet-switched control at any horizon.")
    s = np.column_stack(scores)
    coefs = CoefTable(tuple(names), np.asarray(est), s.T @ s, None)
    pl = [j for j, t in enumerate(times) if t < 0]
    if pl:
        test = wald_test(
            [names[j] for j in pl], coefs.estimates[pl], coefs.vcov[np.ix_(pl, pl)], None
        )
    elif placebo:
        test = declined((), None, "no placebo could be estimated")
    else:
        test = declined((), None, "not estimated: pass placebo=k to test k placebos")
    years = y_w.columns.to_numpy()
    switch_year = np.where(first < d.shape[1], years[np.minimum(first, d.shape[1] - 1)], 0)
    info = fit_info(
        "did_multiplegt",
        warnings=notes,
        nobs=panel.nobs,
        nobs_input=n_input,
        dropped=dropped,
        clusters={cluster: cl.n_levels},
        specification=f"{outcome} ~ switches of {treatment}",
        vcov=f"cluster ({cluster}); analytic, cohort-centred",
        label="de Chaisemartin-D'Haultfoeuille DID_l",
        n_counties=y.shape[0],
        cohort_sizes={int(v): int((switch_year == v).sum()) for v in np.unique(switch_year)},
        n_switchers=int((first < d.shape[1]).sum()),
        normalized=normalized,
    )
    return DCDHResult(
        coefs=coefs,
        event_times=tuple(times),
        reference=-1,
        info=info,
        title="de Chaisemartin-D'Haultfoeuille",
        counts=pd.DataFrame(counts, columns=["n_switchers", "n_obs"]),
        pretrend=test,
    )
