"""PSM-DID: propensity-score matching on pre-treatment covariates, then DID on the matched sample."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import (
    IdentificationError,
    InvalidOptionError,
    RowsDroppedWarning,
    TreatmentTimingError,
)
from countyeconomy.estimators.twfe import twfe
from countyeconomy.inference import Cluster, VcovSpec
from countyeconomy.panel import Panel
from countyeconomy.results import FitInfo, FrozenResult, Summary
from countyeconomy.robustness._common import as_panel, describe_values
from countyeconomy.robustness._psm_args import MatchMethod, check_data, check_options
from countyeconomy.robustness._psm_balance import balance_chart, balance_table
from countyeconomy.robustness._psm_match import (
    MatchWeights,
    kernel_weights,
    nearest_neighbour,
    radius_match,
)

__all__ = ["PSMDIDResult", "psm_did"]

_W = "_ce_psm_weight"
DEFAULT_VCOV = Cluster("county")


@dataclass(frozen=True, repr=False)
class PSMDIDResult(FrozenResult):
    """Result of :func:`psm_did`; its coefficients are those of the DID on the matched sample.

    Attributes
    ----------
    did
        The :class:`~countyeconomy.estimators.TWFEResult` on the matched (weighted) sample.
    matched
        Rows used by the DID with their weight (column ``weight``) and propensity score.
    scores
        One row per matching unit (a county, or a county-year with ``by_year``): ``treated``,
        ``pscore``, ``on_support``, ``weight`` (0 if unmatched).
    balance
        Balance table: standardised bias, variance ratio and t-tests before and after matching.
    info
        A :class:`~countyeconomy.results.FitInfo` (``method="psm_did"``): DID rows, rows dropped
        and why, clusters; ``extra`` holds the counts of treated and control units, those off
        support below / above the control range, treated units without a match, and the
        matching options (readable as attributes: ``info.treated_matched``).
    """

    did: Any
    matched: pd.DataFrame
    scores: pd.DataFrame
    balance: pd.DataFrame
    info: FitInfo
    title: str = "PSM-DID"

    @property
    def att(self) -> float:
        """The DID coefficient on the treatment column."""
        return float(self.did.params[self.info.treatment])

    @property
    def params(self) -> pd.Series:
        """DID estimates."""
        return self.did.params  # type: ignore[no-any-return]

    @property
    def std_errors(self) -> pd.Series:
        """DID standard errors."""
        return self.did.std_errors  # type: ignore[no-any-return]

    @property
    def pvalues(self) -> pd.Series:
        """DID p-values."""
        return self.did.pvalues  # type: ignore[no-any-return]

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance of the DID estimates."""
        return self.did.vcov  # type: ignore[no-any-return]

    @property
    def nobs(self) -> int:
        """Rows used by the DID."""
        return int(self.info.nobs)

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals of the DID estimates."""
        return self.did.conf_int(level)  # type: ignore[no-any-return]

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy DID table: term, estimate, std_error, statistic, p_value, ci_low, ci_high."""
        return self.did.to_frame(level)  # type: ignore[no-any-return]

    def with_vcov(self, vcov: str | VcovSpec, *, ssc: str | None = None) -> PSMDIDResult:
        """A new result with another covariance for the DID; this one is unchanged."""
        did = self.did.with_vcov(vcov, ssc=ssc)
        info = replace(self.info, vcov=_vcov_label(did), clusters=dict(did.info.clusters))
        return replace(self, did=did, info=info)

    def summary(self) -> Summary:
        """The DID table with the matching facts in the footer."""
        i = self.info
        when = "by year" if i.by_year else f"base year {i.base_year}"
        foot = (
            ("Matching", f"{i.matching} ({when})"),
            ("Treated matched", f"{i.treated_matched:,} of {i.treated:,}"),
            ("Off support", f"{i.off_support_below:,} below, {i.off_support_above:,} above"),
            ("Max |bias| after", f"{self.balance['bias_after'].abs().max():.2f}%"),
            ("DID rows", f"{i.nobs:,} (dropped {i.rows_dropped:,})"),
        )
        return Summary(self.title, self.to_frame(), foot)

    def plot(self) -> Any:
        """Balance chart: standardised bias before and after matching."""
        return balance_chart(self.balance)


def _vcov_label(did: Any) -> str:
    return str(getattr(did.info, "vcov", ""))


def _units(
    panel: Panel, treatment: str, covariates: Sequence[str], by_year: bool, base_year: int | None
) -> tuple[pd.DataFrame, int | None]:
    f = panel.frame
    c, y = panel.county, panel.year
    d = pd.to_numeric(f[treatment], errors="coerce")
    bad = f[treatment][~(d.isin((0, 1)) | f[treatment].isna())]
    if len(bad):
        raise TreatmentTimingError(
            f"treatment={treatment!r} must be a 0/1 column; found "
            f"{describe_values(pd.unique(bad).tolist())}."
        )
    group = f.groupby(c)[treatment].transform("max").fillna(0).astype(bool)
    frame = f[[c, y, *covariates]].assign(treated=group.to_numpy())
    if by_year:
        return frame, None
    if base_year is None:
        first = f.loc[f[treatment] == 1, y]
        if first.empty:
            raise IdentificationError(f"no treated rows: {treatment!r} is never 1.")
        earlier = f.loc[f[y] < first.min(), y]
        base_year = int(earlier.max()) if not earlier.empty else int(f[y].min())
    base = frame[frame[y] == base_year]
    if base.empty:
        years = sorted(int(v) for v in pd.unique(f[y]))
        raise InvalidOptionError(
            f"base_year={base_year!r} is not a year of the panel ({years[0]}-{years[-1]})."
        )
    return base, int(base_year)


def _match(
    ps: np.ndarray, treated: np.ndarray, method: str, k: int, caliper: float | None,
    replacement: bool, bandwidth: float,
) -> tuple[np.ndarray, np.ndarray, dict[str, int], MatchWeights]:  # fmt: skip
    """Unit weights (treated 1 if matched), support flags and off-support counts."""
    lo, hi = ps[~treated].min(), ps[~treated].max()
    below = treated & (ps < lo)
    above = treated & (ps > hi)
    support = ~(below | above)
    t_idx = np.flatnonzero(treated & support)
    c_idx = np.flatnonzero(~treated)
    cal = None if caliper is None else caliper * float(np.std(ps, ddof=1))
    if method == "nearest":
        mw = nearest_neighbour(ps[t_idx], ps[c_idx], k=k, caliper=cal, replacement=replacement)
    elif method == "radius":
        if cal is None:
            raise InvalidOptionError(
                "method='radius' needs caliper= (in standard deviations of the score)."
            )
        mw = radius_match(ps[t_idx], ps[c_idx], caliper=cal)
    else:
        mw = kernel_weights(ps[t_idx], ps[c_idx], bandwidth=bandwidth)
    w = np.zeros(len(ps))
    w[t_idx[mw.matched]] = 1.0
    w[c_idx] = mw.control
    counts = {"off_support_below": int(below.sum()), "off_support_above": int(above.sum())}
    return w, support, counts, mw


def _pscore(units: pd.DataFrame, covariates: Sequence[str]) -> np.ndarray:
    # statsmodels costs ~0.5 s to import: loaded on the first propensity score, not with the package
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.tools import add_constant

    x = add_constant(units[list(covariates)].to_numpy(dtype=np.float64), has_constant="add")
    model = Logit(units["treated"].to_numpy(dtype=np.float64), x)
    try:
        fit = model.fit(disp=0, maxiter=200)
        ps = np.asarray(fit.predict(x), dtype=np.float64)
    except (np.linalg.LinAlgError, ValueError) as err:
        raise IdentificationError(
            f"the propensity-score logit on covariates={list(covariates)} cannot be fitted "
            f"({type(err).__name__}: {err}); drop collinear or constant covariates."
        ) from None
    if not np.isfinite(ps).all():
        raise IdentificationError(
            f"the propensity-score logit on covariates={list(covariates)} gives non-finite scores."
        )
    return ps


def psm_did(
    data: Panel | pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: Sequence[str],
    *,
    method: MatchMethod = "nearest",
    k: int = 1,
    caliper: float | None = None,
    replacement: bool = True,
    bandwidth: float = 0.06,
    by_year: bool = False,
    base_year: int | None = None,
    absorb: str = "county + year",
    vcov: str | VcovSpec = DEFAULT_VCOV,
    county: str | None = None,
    year: str | None = None,
) -> PSMDIDResult:
    """Propensity-score matching, then two-way fixed-effects DID on the matched sample.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel` or a DataFrame with ``county=`` and ``year=``.
    outcome
        Outcome column.
    treatment
        0/1 DID regressor (treated county x post period). A county is in the treated group if
        it is ever 1.
    covariates
        Pre-treatment covariates of the logit propensity score (statsmodels ``Logit``).
    method
        ``"nearest"`` (``k`` neighbours, optional ``caliper``, with or without replacement),
        ``"kernel"`` (Epanechnikov, ``bandwidth`` in score units; Heckman, Ichimura and Todd
        1997) or ``"radius"`` (all controls within ``caliper``).
    caliper
        Maximum score distance in standard deviations of the score (e.g. 0.05).
    by_year
        ``False``: one cross-section at ``base_year`` (default the last year before the first
        treated year); the county weights apply to all its years. ``True``: match year by year
        (逐年匹配) on that year's covariates; weights are per county-year.
    absorb, vcov
        Fixed effects and covariance of the DID, as in :func:`~countyeconomy.twfe`.

    Returns
    -------
    PSMDIDResult
        DID result, matched sample, scores, balance table, ``plot()`` (balance chart).

    Notes
    -----
    Common support: treated units with a score below the smallest or above the largest control
    score are dropped (counted in ``info``). Matched controls carry the number of treated
    units they stand for (``1/k`` per match), used as regression weights; the DID runs on rows
    with positive weight, and the rows dropped are counted and announced.

    References
    ----------
    Rosenbaum, P. R. and Rubin, D. B. (1985). Constructing a control group using multivariate
    matched sampling methods. *The American Statistician* 39(1), 33-38.
    Heckman, J. J., Ichimura, H. and Todd, P. E. (1997). Matching as an econometric evaluation
    estimator. *Review of Economic Studies* 64(4), 605-654.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from countyeconomy.robustness import psm_did
    >>> rng = np.random.default_rng(0)
    >>> n = 200
    >>> x = rng.normal(size=n)
    >>> treated = rng.random(n) < 1 / (1 + np.exp(-x))
    >>> df = pd.DataFrame({"county": np.repeat(np.arange(n), 4), "year": np.tile(range(2010, 2014), n),
    ...                    "x": np.repeat(x, 4)})
    >>> df["d"] = (np.repeat(treated, 4) & (df["year"] >= 2012)).astype(int)
    >>> df["y"] = 0.5 * df["x"] + 0.2 * df["d"] + rng.normal(scale=0.1, size=len(df))
    >>> res = psm_did(df, "y", "d", ["x"], county="county", year="year")
    >>> abs(res.att - 0.2) < 0.1
    True
    """
    covs = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    check_options(method, k, caliper, bandwidth, by_year)
    panel = as_panel(data, county, year, who="psm_did")
    check_data(panel, outcome, treatment, covs)
    covariates = covs
    units, base = _units(panel, treatment, covariates, by_year, base_year)
    ok = units[list(covariates)].notna().all(axis=1)
    if not ok.all():
        warnings.warn(
            f"dropped {int((~ok).sum())} matching units with missing covariates.",
            RowsDroppedWarning,
            stacklevel=2,
        )
        units = units[ok]
    n_units_missing = int((~ok).sum())
    groups = [units] if not by_year else [g for _, g in units.groupby(panel.year)]
    parts, counts = [], {"off_support_below": 0, "off_support_above": 0}
    for g in groups:
        tr = g["treated"].to_numpy(dtype=bool)
        if tr.all() or not tr.any():
            raise IdentificationError(
                f"matching needs treated and control units; got {int(tr.sum())} treated and "
                f"{int((~tr).sum())} controls"
                + (f" in {g[panel.year].iloc[0]}." if by_year else ".")
            )
        ps = _pscore(g, covariates)
        w, support, cnt, _ = _match(ps, tr, method, k, caliper, replacement, bandwidth)
        if not (tr & support).any():
            raise IdentificationError(
                f"no common support: all {int(tr.sum())} treated scores lie outside the control range "
                f"[{ps[~tr].min():.4f}, {ps[~tr].max():.4f}] ({cnt['off_support_below']} below, "
                f"{cnt['off_support_above']} above)."
            )
        counts = {key: counts[key] + cnt[key] for key in counts}
        parts.append(g.assign(pscore=ps, on_support=support | ~tr, weight=w))
    scores = pd.concat(parts, ignore_index=True)
    keys = [panel.county, panel.year] if by_year else [panel.county]
    frame = panel.frame.merge(scores[[*keys, "pscore", "weight"]], on=keys, how="left")
    frame["weight"] = frame["weight"].fillna(0.0)
    keep = frame["weight"] > 0
    n_drop = int((~keep).sum())
    if n_drop:
        warnings.warn(
            f"PSM-DID dropped {n_drop:,} of {len(frame):,} rows: unmatched or off-support units.",
            RowsDroppedWarning,
            stacklevel=2,
        )
    matched = frame[keep].reset_index(drop=True)
    sub = Panel.from_frame(
        matched.rename(columns={"weight": _W}), county=panel.county, year=panel.year
    )
    did = twfe(sub, f"{outcome} ~ {treatment} | {absorb}", weights=_W, vcov=vcov)
    tr_all = scores["treated"].to_numpy(dtype=bool)
    bal = balance_table(
        scores[list(covariates)],
        tr_all,
        scores["weight"].to_numpy(),
        np.ones(len(scores), dtype=bool),
    )
    extra = {
        "matching": method,
        "by_year": by_year,
        "base_year": base,
        "treatment": treatment,
        "treated": int(tr_all.sum()),
        "controls": int((~tr_all).sum()),
        "treated_matched": int((tr_all & (scores["weight"] > 0)).sum()),
        "controls_matched": int((~tr_all & (scores["weight"] > 0)).sum()),
        "units_missing_covariates": n_units_missing,
        "rows_dropped": n_drop,
        "k": int(k),
        "caliper": caliper,
        "replacement": bool(replacement),
        "bandwidth": float(bandwidth),
        **counts,
    }
    info = FitInfo(
        method="psm_did",
        nobs=int(did.info.nobs),
        nobs_input=len(frame),
        dropped={"unmatched or off support": n_drop} if n_drop else {},
        clusters=dict(did.info.clusters),
        specification=f"{outcome} ~ {treatment} | {absorb}",
        vcov=_vcov_label(did),
        fixed_effects=dict(did.info.fixed_effects),
        extra=extra,
    )
    return PSMDIDResult(did=did, matched=matched, scores=scores, balance=bal, info=info)
