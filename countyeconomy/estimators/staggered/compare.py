"""Several event-study estimators on one design, side by side (from the estimator registry)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import ControlGroup, check_option
from countyeconomy.errors import CountyEconomyWarning, InvalidOptionError
from countyeconomy.estimators.staggered._common import (
    SmallCohortWarning,
    check_outcome,
    cohort_by_row,
    event_chart,
    resolve_panel,
)
from countyeconomy.estimators.staggered._normalisation import (
    NORMALISATION,
    REFERENCE_MINUS_ONE,
)
from countyeconomy.estimators.twfe import DEFAULT_VCOV
from countyeconomy.inference import VcovSpec
from countyeconomy.panel import Panel
from countyeconomy.results import FitInfo, FrozenResult, Summary

__all__ = [
    "DEFAULT_ESTIMATORS",
    "NORMALISATION",
    "ComparisonResult",
    "EstimatorSkippedWarning",
    "compare_event_studies",
]

DEFAULT_ESTIMATORS = ("event_study", "att_gt", "sun_abraham", "imputation_did", "did_multiplegt")
"""The keys run by default: the registry's heterogeneity-robust event studies and the TWFE event
study. ``"triple_did"`` (which needs ``eligible=``) and any other registry entry run when named in
``estimators=``."""

_FRAME_COLUMNS = ["estimator", "event_time", "estimate", "std_error", "ci_low", "ci_high"]


class EstimatorSkippedWarning(CountyEconomyWarning):
    """An estimator does not apply to the design and was left out of a comparison."""


@dataclass(frozen=True, repr=False, eq=False)
class ComparisonResult(FrozenResult):
    """Event-time estimates of several estimators.

    Attributes
    ----------
    frame
        Long table: estimator, event_time, estimate, std_error, ci_low, ci_high (reference
        periods appear as 0 with zero width).
    results
        The underlying result of each estimator, by key (``"event_study"``, ``"att_gt"``, ...).
    info
        :class:`~countyeconomy.results.FitInfo` with ``extra``: ``window``, ``estimators`` (the
        keys requested), ``titles`` (key -> label), ``skipped`` (key -> reason), ``control``,
        ``normalisation`` (key -> (short label, statement); see :data:`NORMALISATION`).
    level
        Confidence level of the intervals.
    """

    frame: pd.DataFrame
    results: Mapping[str, Any]
    info: FitInfo
    level: float = 0.95

    @property
    def params(self) -> pd.Series:
        """Estimates indexed ``estimator:event_time``."""
        return pd.Series(self.frame["estimate"].to_numpy(), index=self._terms(), name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors indexed like :attr:`params`."""
        return pd.Series(self.frame["std_error"].to_numpy(), index=self._terms(), name="std_error")

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided normal p-values indexed like :attr:`params` (NaN where the SE is 0)."""
        return pd.Series(self.to_frame()["p_value"].to_numpy(), index=self._terms(), name="p_value")

    @property
    def vcov(self) -> pd.DataFrame:
        """Variances on the diagonal; covariances are NaN here (not estimated across estimators;
        each estimator's own ``results[key].vcov`` has its event-time covariances)."""
        terms = self._terms()
        v = np.full((len(terms), len(terms)), np.nan)
        np.fill_diagonal(v, self.frame["std_error"].to_numpy(dtype=float) ** 2)
        return pd.DataFrame(v, index=terms, columns=terms)

    def _terms(self) -> list[str]:
        return [
            f"{e}:{t}"
            for e, t in zip(self.frame["estimator"], self.frame["event_time"], strict=True)
        ]

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals at the level used when fitting."""
        return pd.DataFrame(
            {
                "ci_low": self.frame["ci_low"].to_numpy(),
                "ci_high": self.frame["ci_high"].to_numpy(),
            },
            index=self._terms(),
        )

    def to_frame(self) -> pd.DataFrame:
        """Protocol columns (term = ``estimator:event_time``), then estimator and event_time."""
        from scipy import stats

        f = self.frame
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = f["estimate"] / f["std_error"].replace(0.0, np.nan)

        return pd.DataFrame(
            {
                "term": self._terms(),
                "estimate": f["estimate"].to_numpy(),
                "std_error": f["std_error"].to_numpy(),
                "statistic": stat.to_numpy(),
                "p_value": 2 * stats.norm.sf(np.abs(stat.to_numpy())),
                "ci_low": f["ci_low"].to_numpy(),
                "ci_high": f["ci_high"].to_numpy(),
                "estimator": f["estimator"].to_numpy(),
                "event_time": f["event_time"].to_numpy(),
            }
        )

    def table(self, *, digits: int = 4) -> pd.DataFrame:
        """Event time x estimator: ``estimate (std_error)`` strings."""
        f = self.frame.assign(
            cell=[
                f"{e:.{digits}f} ({s:.{digits}f})"
                for e, s in zip(self.frame["estimate"], self.frame["std_error"], strict=True)
            ]
        )
        wide = f.pivot(index="event_time", columns="estimator", values="cell")
        titles = self.info.extra["titles"]
        order = [titles[k] for k in self.info.extra["estimators"] if titles[k] in wide.columns]
        return wide.loc[:, order].fillna("")

    def summary(self) -> Summary:
        """The wide table with the skipped estimators in the footer."""
        t = self.table().reset_index().rename(columns={"event_time": "term"})
        t["term"] = t["term"].astype(str)
        foot = [("Window", str(tuple(self.info.extra["window"])))]
        norm = self.info.extra.get("normalisation", {})
        foot += [(f"Normalisation {k}", v[1]) for k, v in norm.items() if k in self.results]
        foot += [(f"Skipped {k}", v) for k, v in self.info.extra["skipped"].items()]
        return Summary("Event studies compared", t, tuple(foot))

    def plot(self, *, truth: pd.DataFrame | None = None) -> Any:
        """One chart: each estimator's event-time estimates and CIs, dodged; ``truth`` as a line.

        Each estimator keeps its own normalisation (see :data:`NORMALISATION`): the marker shape
        says which (``vs event time -1`` or ``vs all untreated periods``), the tooltip and the
        subtitle state it in full. Colours are the estimators' colours of
        :data:`countyeconomy.report.ESTIMATOR_COLORS`.
        """
        import altair as alt

        titles = self.info.extra["titles"]
        norm = self.info.extra.get("normalisation", {})
        short = {titles[k]: norm[k][0] for k in norm}
        data = self.frame.assign(normalisation=self.frame["estimator"].map(short))
        shown = [k for k in self.info.extra["estimators"] if k in self.results and k in norm]
        same = [k for k in shown if norm[k][0] == REFERENCE_MINUS_ONE]
        subtitle = [f"{', '.join(same)}: relative to event time -1 (set to 0)"] if same else []
        subtitle += [f"{k}: {norm[k][1]}" for k in shown if k not in same]
        title = alt.TitleParams("Event studies compared", subtitle=subtitle, subtitleFontSize=10)
        if truth is not None and not data.empty:
            t = truth["event_time"]
            truth = truth[(t >= data["event_time"].min()) & (t <= data["event_time"].max())]
        return event_chart(data, title=title, truth=truth, level=self.level)


def _frame_of(result: Any, level: float) -> pd.DataFrame:
    """Event-time rows of any of the results, in the common long layout."""
    if hasattr(result, "event_frame"):
        f = result.event_frame(level)
    else:  # Callaway-Sant'Anna aggregate: rows with an event_time column
        f = result.to_frame(level)
        f = f[f["event_time"].notna()].copy()
        f["event_time"] = f["event_time"].astype("int64")
        ref = f["std_error"].isna() & (f["estimate"] == 0)
        f.loc[ref, ["std_error", "ci_low", "ci_high"]] = 0.0
    out: pd.DataFrame = f[["event_time", "estimate", "std_error", "ci_low", "ci_high"]]
    return out


def _keys(estimators: Sequence[str] | str, known: Sequence[str]) -> list[str]:
    from countyeconomy._deprecate import warn_renamed
    from countyeconomy.estimators.registry import RETIRED_KEYS

    if isinstance(estimators, str):
        estimators = (estimators,)
    keys = []
    for e in estimators:
        if e in RETIRED_KEYS:
            warn_renamed(f"comparison key {e!r}", repr(RETIRED_KEYS[e]), stacklevel=4)
            e = RETIRED_KEYS[e]
        keys.append(e)
    unknown = [e for e in keys if e not in known]
    if unknown or not keys:
        raise InvalidOptionError(
            f"estimators={tuple(estimators)!r} is not valid; choose from {tuple(known)}."
        )
    return list(dict.fromkeys(keys))


def compare_event_studies(
    data: Panel | pd.DataFrame,
    outcome: str,
    cohort: str,
    *,
    estimators: Sequence[str] = DEFAULT_ESTIMATORS,
    window: tuple[int, int] = (-5, 5),
    control: ControlGroup | None = None,
    covariates: Sequence[str] = (),
    vcov: str | VcovSpec = DEFAULT_VCOV,
    level: float = 0.95,
    county: str | None = None,
    year: str | None = None,
    eligible: str | None = None,
) -> ComparisonResult:
    """Run several event-study estimators on one design and line them up.

    The estimators come from :data:`countyeconomy.estimators.registry.ESTIMATORS`, by key (the
    public function name): ``"event_study"`` (binned endpoints, reference -1); ``"att_gt"``
    (Callaway-Sant'Anna ``att_gt(..., base_period="universal").aggregate("dynamic")``, a long
    difference to -1, comparable with the regression event studies); ``"sun_abraham"``;
    ``"imputation_did"`` (with ``-lo - 1`` pre-trend leads); ``"did_multiplegt"`` (on the implied
    0/1 treatment; effect ``l`` at event time ``l - 1``, placebo ``l`` at ``-l - 1``);
    ``"triple_did"`` (when named, with ``eligible=`` the 0/1 eligible-group column: the DDD event
    study of Ortiz-Villavicencio and Sant'Anna, long differences to -1). The former
    keys ``"twfe"``, ``"cs"``, ``"sa"``, ``"bjs"``, ``"dcdh"`` still work with a ``FutureWarning``.

    The estimates keep each estimator's own normalisation (:data:`NORMALISATION`, also in
    ``info.normalisation``): all but ``imputation_did`` are relative to event time -1; BJS effects
    and leads are measured against all untreated periods and are not re-normalised. The chart
    (``.plot()``) marks the two kinds with different shapes and states them in its subtitle.

    ``control``, ``covariates`` and ``vcov`` are passed to every estimator that accepts them
    (``control=None``: each estimator's default comparison group). An estimator that does not
    apply to the design is skipped, with the reason in ``info.skipped`` and an
    :class:`EstimatorSkippedWarning`: a ``control`` value it does not support, ``covariates`` it
    cannot take (``did_multiplegt``), no never-treated counties for a never-treated comparison
    (``att_gt``, ``sun_abraham``), an unbalanced panel (``did_multiplegt``), or a covariance other
    than a one-way cluster (``imputation_did``, ``did_multiplegt``). Any other error raised by
    an estimator propagates.

    References
    ----------
    Roth, J., Sant'Anna, P. H. C., Bilinski, A. and Poe, J. (2023). What's trending in
    difference-in-differences? *Journal of Econometrics* 235(2), 2218-2244.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy import compare_event_studies
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    >>> res = compare_event_studies(sim.panel, "log_rural_income", "first_treated",
    ...     estimators=("event_study", "sun_abraham", "imputation_did"), window=(-3, 3))
    >>> list(res.table().columns)
    ['event_study (TWFE)', 'sun_abraham (Sun-Abraham)', 'imputation_did (BJS)']
    """
    from countyeconomy.estimators import registry  # the registry sits above this subpackage

    keys = _keys(estimators, list(registry.ESTIMATORS))
    if control is not None:
        check_option("control", control, ControlGroup)
    panel = resolve_panel(data, county, year)
    check_outcome(panel, outcome, [cohort])
    with warnings.catch_warnings():  # each estimator announces small cohorts itself
        warnings.simplefilter("ignore", SmallCohortWarning)
        cohort_by_row(panel, cohort)  # whole years, constant within county (else an error)
    lo, hi = int(window[0]), int(window[1])
    design = registry.EventStudyDesign(
        panel, outcome, cohort, (lo, hi), control, tuple(covariates), vcov, eligible
    )
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    titles: dict[str, str] = {}
    frames = []
    for key in keys:
        entry = registry.ESTIMATORS[key]
        titles[key] = entry.title
        reason = entry.applicable(design)
        if reason is not None:
            skipped[key] = reason
            warnings.warn(
                f"compare_event_studies: skipping {entry.title!r}: {reason}.",
                EstimatorSkippedWarning,
                stacklevel=2,
            )
            continue
        res = entry.fit(design)
        results[key] = res
        f = _frame_of(res, level)
        f = f[(f["event_time"] >= lo) & (f["event_time"] <= hi)]
        frames.append(f.assign(estimator=entry.title))
    frame = (
        pd.concat(frames, ignore_index=True)[_FRAME_COLUMNS]
        if frames
        else pd.DataFrame(columns=_FRAME_COLUMNS)
    )
    info = FitInfo(
        method="compare_event_studies",
        nobs=panel.nobs,
        nobs_input=panel.nobs,
        specification=f"{outcome} ~ event time (cohort {cohort!r}), window {(lo, hi)}",
        extra={
            "window": (lo, hi),
            "estimators": tuple(keys),
            "titles": titles,
            "skipped": skipped,
            "control": control,
            "normalisation": {k: NORMALISATION[k] for k in keys if k in NORMALISATION},
        },
    )
    return ComparisonResult(frame, results, info, level)
