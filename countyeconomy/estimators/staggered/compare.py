"""TWFE, Callaway-Sant'Anna, Sun-Abraham, BJS imputation and dCDH event studies side by side."""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import CountyEconomyWarning, InvalidOptionError
from countyeconomy.estimators._coefs import Summary
from countyeconomy.estimators.staggered._common import event_chart, resolve_panel
from countyeconomy.estimators.twfe import DEFAULT_VCOV
from countyeconomy.inference import VcovSpec
from countyeconomy.panel import NEVER_TREATED, Panel

__all__ = ["ComparisonResult", "compare_event_studies"]

ESTIMATORS = ("twfe", "cs", "sa", "bjs", "dcdh")
LABELS = {
    "twfe": "TWFE",
    "cs": "Callaway-Sant'Anna",
    "sa": "Sun-Abraham",
    "bjs": "BJS imputation",
    "dcdh": "dCDH",
}
_FRAME_COLUMNS = ["estimator", "event_time", "estimate", "std_error", "ci_low", "ci_high"]


@dataclass(frozen=True)
class ComparisonInfo:
    """What was run: estimators, the window, those skipped and why."""

    nobs: int
    window: tuple[int, int]
    estimators: tuple[str, ...]
    skipped: dict[str, str]


@dataclass(frozen=True, repr=False)
class ComparisonResult:
    """Event-time estimates of several estimators.

    Attributes
    ----------
    frame
        Long table: estimator, event_time, estimate, std_error, ci_low, ci_high (reference
        periods appear as 0 with zero width).
    results
        The underlying result of each estimator, by key (``"twfe"``, ``"cs"``, ...).
    """

    frame: pd.DataFrame
    results: dict[str, Any]
    info: ComparisonInfo
    level: float = 0.95

    @property
    def params(self) -> pd.Series:
        """Estimates indexed ``estimator:event_time``."""
        return pd.Series(self.frame["estimate"].to_numpy(), index=self._terms(), name="estimate")

    @property
    def std_errors(self) -> pd.Series:
        """Standard errors indexed like :attr:`params`."""
        return pd.Series(self.frame["std_error"].to_numpy(), index=self._terms(), name="std_error")

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
        f = self.frame
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = f["estimate"] / f["std_error"].replace(0.0, np.nan)
        from scipy import stats

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
        order = [LABELS[k] for k in self.info.estimators if LABELS[k] in wide.columns]
        return wide.loc[:, order].fillna("")

    def summary(self) -> Summary:
        """The wide table with the skipped estimators in the footer."""
        t = self.table().reset_index().rename(columns={"event_time": "term"})
        t["term"] = t["term"].astype(str)
        foot = [("Window", str(self.info.window))]
        foot += [(f"Skipped {k}", v) for k, v in self.info.skipped.items()]
        return Summary("Event studies compared", t, tuple(foot))

    def plot(self, *, truth: pd.DataFrame | None = None) -> Any:
        """One chart: each estimator's event-time estimates and CIs, dodged; ``truth`` as a line."""
        return event_chart(
            self.frame, title="Event studies compared", truth=truth, level=self.level
        )

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()


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


def _runners(
    panel: Panel,
    outcome: str,
    cohort: str,
    window: tuple[int, int],
    vcov: VcovSpec | str,
    covariates: Sequence[str],
) -> dict[str, Callable[[], Any]]:
    lo, hi = window

    def twfe() -> Any:
        from countyeconomy.estimators.staggered.event_study import event_study

        return event_study(panel, outcome, cohort, window=window, covariates=covariates, vcov=vcov)

    def cs() -> Any:
        mod = importlib.import_module("countyeconomy.estimators.staggered.att_gt")
        res = mod.att_gt(panel, outcome, cohort, covariates=covariates, base_period="universal")
        return res.aggregate("dynamic")

    def sa() -> Any:
        from countyeconomy.estimators.staggered.sun_abraham import sun_abraham

        return sun_abraham(panel, outcome, cohort, covariates=covariates, vcov=vcov)

    def bjs() -> Any:
        from countyeconomy.estimators.staggered.imputation import imputation_did

        k = panel.frame[panel.year].to_numpy() - panel.frame[cohort].to_numpy()
        treated = panel.frame[cohort].to_numpy() != NEVER_TREATED
        observed = sorted(set(k[treated & (k >= 0) & (k <= hi)].tolist()))
        return imputation_did(
            panel,
            outcome,
            cohort,
            horizons=observed,
            pretrends=max(-lo - 1, 0),
            covariates=covariates,
        )

    def dcdh() -> Any:
        mod = importlib.import_module("countyeconomy.estimators.staggered.dcdh")
        g = panel.frame[cohort].to_numpy()
        d = ((g != NEVER_TREATED) & (panel.frame[panel.year].to_numpy() >= g)).astype(float)
        name = "_ce_treatment"
        return mod.did_multiplegt(
            panel.assign(**{name: d}), outcome, name, effects=hi + 1, placebo=max(-lo - 1, 0)
        )

    return {"twfe": twfe, "cs": cs, "sa": sa, "bjs": bjs, "dcdh": dcdh}


def compare_event_studies(
    data: Panel | pd.DataFrame,
    outcome: str,
    cohort: str,
    *,
    estimators: Sequence[str] = ESTIMATORS,
    window: tuple[int, int] = (-5, 5),
    covariates: Sequence[str] = (),
    vcov: str | VcovSpec = DEFAULT_VCOV,
    level: float = 0.95,
    county: str | None = None,
    year: str | None = None,
) -> ComparisonResult:
    """Run several event-study estimators on one design and line them up.

    ``"twfe"`` is :func:`event_study` (binned endpoints, reference -1); ``"cs"`` is
    Callaway-Sant'Anna ``att_gt(..., base_period="universal").aggregate("dynamic")`` (a long
    difference to -1, comparable with the regression event studies); ``"sa"`` Sun-Abraham
    (never-treated control); ``"bjs"`` imputation with ``-lo - 1`` pre-trend leads; ``"dcdh"``
    :func:`did_multiplegt` on the implied 0/1 treatment (effect ``l`` drawn at event time
    ``l - 1``, placebo ``l`` at ``-l - 1``). An estimator that is not available (module not
    installed yet) is skipped with a warning naming it; so is one that fails on the design.

    References
    ----------
    Roth, J., Sant'Anna, P. H. C., Bilinski, A. and Poe, J. (2023). What's trending in
    difference-in-differences? *Journal of Econometrics* 235(2), 2218-2244.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.estimators.staggered.compare import compare_event_studies
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    >>> res = compare_event_studies(sim.panel, "log_rural_income", "first_treated",
    ...                             estimators=("twfe", "sa", "bjs"), window=(-3, 3))
    >>> list(res.table().columns)
    ['TWFE', 'Sun-Abraham', 'BJS imputation']
    """
    unknown = [e for e in estimators if e not in ESTIMATORS]
    if unknown or not estimators:
        raise InvalidOptionError(
            f"estimators={tuple(estimators)!r} is not valid; choose from {ESTIMATORS}."
        )
    panel = resolve_panel(data, county, year)
    runners = _runners(panel, outcome, cohort, window, vcov, covariates)
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    frames = []
    for key in estimators:
        try:
            res = runners[key]()
        except (ImportError, AttributeError) as exc:
            skipped[key] = f"not available ({exc})"
            warnings.warn(
                f"compare_event_studies: skipping {LABELS[key]!r}: not available ({exc}).",
                CountyEconomyWarning,
                stacklevel=2,
            )
            continue
        results[key] = res
        f = _frame_of(res, level)
        f = f[(f["event_time"] >= window[0]) & (f["event_time"] <= window[1])]
        frames.append(f.assign(estimator=LABELS[key]))
    frame = (
        pd.concat(frames, ignore_index=True)[_FRAME_COLUMNS]
        if frames
        else pd.DataFrame(columns=_FRAME_COLUMNS)
    )
    info = ComparisonInfo(panel.nobs, (int(window[0]), int(window[1])), tuple(estimators), skipped)
    return ComparisonResult(frame, results, info, level)
