"""Shared pieces of the regression-based staggered estimators.

Input checks (panel, cohort column, outcome and covariate columns), the rows dropped for missing
or non-finite values, the clustered-covariance argument, the event-time result base and the
event-study chart. Never-treated counties have cohort ``0`` (:data:`countyeconomy.panel.NEVER_TREATED`).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import (
    FormulaError,
    IdentificationError,
    InvalidOptionError,
    RowsDroppedWarning,
)
from countyeconomy.estimators.staggered._normalisation import NORMALISATION
from countyeconomy.estimators.staggered._wald import (
    WaldTest,
    WaldTestWarning,
    declined,
    wald_test,
)
from countyeconomy.inference import Cluster, VcovSpec, resolve_vcov
from countyeconomy.panel import (
    NEVER_TREATED,
    Panel,
    SmallCohortWarning,
    as_panel,
    check_numeric,
    cohort_by_row,
)
from countyeconomy.results import CoefResult, CoefTable, FitInfo, Summary

__all__ = [
    "EventResultBase",
    "FitInfo",
    "SmallCohortWarning",
    "WaldTest",
    "WaldTestWarning",
    "announce_dropped",
    "cluster_vcov",
    "cohort_by_row",
    "declined",
    "drop_unusable_rows",
    "event_chart",
    "resolve_panel",
    "vcov_spec",
    "wald_test",
]

_VCOV_ALIASES = ("iid", "hc1", "hetero", "robust")


def describe_values(values: Iterable[object], limit: int = 5) -> str:
    """Up to ``limit`` values, comma-separated, with a count of the rest."""
    items = [v.item() if isinstance(v, np.generic) else v for v in values]
    shown = ", ".join(repr(v) for v in items[:limit])
    rest = len(items) - limit
    return shown + (f" and {rest} more" if rest > 0 else "")


def cohort_sizes(g: np.ndarray, county: np.ndarray) -> dict[int, int]:
    """Number of counties per cohort (``0`` = never treated)."""
    per_unit = pd.Series(g, index=county).groupby(level=0).first()
    counts = per_unit.value_counts().sort_index()
    return {int(k): int(v) for k, v in zip(counts.index.to_numpy(), counts.to_numpy(), strict=True)}


@dataclass(frozen=True, repr=False, eq=False)
class EventResultBase(CoefResult):
    """Event-time estimates with the result protocol.

    ``event_times[j]`` is the relative period of coefficient ``j`` (``None`` for covariates and
    overall effects). ``reference`` is the normalised period drawn at 0 (``None`` if none).
    ``pretrend`` is the joint Wald test that the pre-treatment effects are zero (NaN statistic
    and a note when it cannot be computed).
    """

    coefs: CoefTable
    event_times: tuple[int | None, ...]
    reference: int | None
    info: FitInfo
    title: str
    pretrend: WaldTest

    def _event_index(self) -> np.ndarray:
        return np.asarray([j for j, e in enumerate(self.event_times) if e is not None], dtype=int)

    @property
    def event_vcov(self) -> pd.DataFrame:
        """Full covariance of the event-time coefficients (e.g. for HonestDiD sensitivity)."""
        idx = self._event_index()
        labels = [self.event_times[j] for j in idx]
        return pd.DataFrame(self.coefs.vcov[np.ix_(idx, idx)], index=labels, columns=labels)

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: term, estimate, std_error, statistic, p_value, ci_low, ci_high, event_time."""
        out = self.coefs.to_frame(level)
        out["event_time"] = pd.array(list(self.event_times), dtype="Int64")
        return out

    def event_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Event-time rows sorted by event time, with the reference period as a 0 row."""
        f = self.to_frame(level)
        f = f[f["event_time"].notna()].copy()
        if self.reference is not None and self.reference not in set(f["event_time"].tolist()):
            ref: dict[str, object] = {
                c: 0.0 for c in ("estimate", "std_error", "ci_low", "ci_high")
            }
            ref |= {"term": "reference", "event_time": self.reference}
            f = pd.concat([f, pd.DataFrame([ref])], ignore_index=True)
        f["event_time"] = f["event_time"].astype("int64")
        return f.sort_values("event_time").reset_index(drop=True)

    def _footer(self) -> list[tuple[str, str]]:
        i = self.info
        sizes = i.extra.get("cohort_sizes", {})
        rows = [
            ("Method", str(i.extra.get("label", i.method))),
            ("Observations", f"{i.nobs:,} (of {i.nobs_input:,})"),
            ("Cohorts (counties)", ", ".join(f"{k}: {v}" for k, v in sizes.items())),
            ("Std. errors", str(i.vcov)),
        ]
        if i.dropped:
            rows.append(("Dropped", "; ".join(f"{v:,} {k}" for k, v in i.dropped.items())))
        rows.append(("Pre-trend test", str(self.pretrend)))
        return rows

    def summary(self) -> Summary:
        """Coefficient table with fit information in the footer."""
        return Summary(self.title, self.coefs.to_frame(), tuple(self._footer()))

    def plot(self, *, level: float = 0.95, truth: pd.DataFrame | None = None) -> Any:
        """Event-study chart (altair): estimates with CIs, the reference period at 0.

        The subtitle and the tooltip state what the estimates are measured against (the
        estimator's entry of ``compare.NORMALISATION``: event time -1 for most, all untreated
        periods for ``imputation_did``), as in the comparison chart. ``truth`` (columns
        ``event_time``, ``att``) is drawn as a line when given.
        """
        frame = self.event_frame(level).assign(estimator=self.title)
        norm = NORMALISATION.get(self.info.method)
        if norm is None:
            return event_chart(frame, title=self.title, truth=truth, level=level)
        import altair as alt

        title = alt.TitleParams(self.title, subtitle=[norm[1]], subtitleFontSize=10)
        frame = frame.assign(normalisation=norm[0])
        return event_chart(frame, title=title, truth=truth, level=level)


def event_chart(
    frame: pd.DataFrame,
    *,
    title: Any = "",
    truth: pd.DataFrame | None = None,
    level: float = 0.95,
) -> Any:
    """Points and CI bars over event time, one colour (and x offset) per ``estimator`` value.

    Estimators take their colour from :func:`countyeconomy.report.color_scale` (the same in every
    chart); the axis is chosen from the data; zero and the onset are marked.
    """
    import altair as alt

    from countyeconomy.report import TRUTH_COLOR, color_scale, data_scale, themed

    data = frame.copy()
    if "estimator" not in data:
        data["estimator"] = "estimate"
    names = list(dict.fromkeys(data["estimator"]))
    several = len(names) > 1
    x = alt.X(
        "event_time:Q",
        title="Years since adoption",
        axis=alt.Axis(tickMinStep=1, format="d"),
        scale=alt.Scale(nice=False, padding=14),
    )
    color = alt.Color(
        "estimator:N",
        title="Estimator",
        scale=color_scale(names),
        legend=alt.Legend(orient="bottom", columns=2, labelLimit=320) if several else None,
    )
    if several:
        step = 0.6 / max(len(names), 1)
        shift = {n: (i - (len(names) - 1) / 2) * step for i, n in enumerate(names)}
        data["event_time"] = data["event_time"] + data["estimator"].map(shift)
    base = alt.Chart(data).encode(x=x, color=color)
    rules = base.mark_rule(strokeWidth=2).encode(
        y=alt.Y("ci_low:Q", title=f"Estimate ({int(level * 100)}% CI)", scale=data_scale()),
        y2="ci_high:Q",
    )
    tip = [c for c in ("estimator", "normalisation") if c in data.columns]
    tip_full = [*tip, "event_time", alt.Tooltip("estimate:Q", format=".4f")]
    shape: Any = alt.Shape()
    if "normalisation" in data.columns:
        kinds = list(dict.fromkeys(data["normalisation"]))
        marks = ["circle", "diamond", "square", "triangle-up"]
        shape = alt.Shape(
            "normalisation:N",
            title="Normalisation",
            scale=alt.Scale(domain=kinds, range=marks[: len(kinds)]),
            legend=alt.Legend(orient="bottom"),
        )
    points = base.mark_point(filled=True, size=50).encode(
        y="estimate:Q", tooltip=tip_full, shape=shape
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#888").encode(y="y:Q")
    onset = (
        alt.Chart(pd.DataFrame({"x": [-0.5]}))
        .mark_rule(strokeDash=[4, 4], color="#888")
        .encode(x="x:Q")
    )
    layers = [zero, onset, rules, points]
    if truth is not None:
        t = truth.rename(columns={"att": "truth"})[["event_time", "truth"]]
        line = (
            alt.Chart(t)
            .mark_line(color=TRUTH_COLOR, strokeDash=[2, 2], point=True)
            .encode(x="event_time:Q", y="truth:Q", tooltip=["event_time", "truth"])
        )
        layers.append(line)
    chart = alt.layer(*layers).properties(title=title)
    if not several:
        return themed(chart)
    n_times = int(frame["event_time"].nunique())
    return themed(chart, width=min(720, max(420, 16 * len(names) * n_times)))


def no_never_treated_error(method: str) -> IdentificationError:
    """The error for a design without never-treated counties when a method needs them."""
    return IdentificationError(
        f"{method} with control='never_treated' needs never-treated counties (cohort "
        f"{NEVER_TREATED}); none found. Use control='last_treated' or add never-treated units."
    )


def check_outcome(panel: Panel, outcome: str, covariates: Sequence[str] = ()) -> None:
    """Raise :class:`FormulaError` naming a missing outcome or covariate column, and
    :class:`~countyeconomy.errors.NonNumericError` naming one that holds text such as ``"n/a"``."""
    missing = [c for c in [outcome, *covariates] if c not in panel.frame.columns]
    if missing:
        raise FormulaError(
            f"unknown column {describe_values(missing)}; the data has columns "
            f"{describe_values(list(panel.frame.columns), limit=25)}."
        )
    check_numeric(panel, [outcome, *covariates])


def key_column(panel: Panel, name: str) -> str:
    """A column of the panel, with ``"county"`` and ``"year"`` as aliases of its keys."""
    if name in panel.frame.columns:
        return name
    if name == "county":
        return panel.county
    if name == "year":
        return panel.year
    raise FormulaError(
        f"unknown column {name!r}; the data has columns "
        f"{describe_values(list(panel.frame.columns), limit=25)}."
    )


def drop_unusable_rows(
    panel: Panel, columns: Sequence[str]
) -> tuple[Panel, np.ndarray, dict[str, int]]:
    """Drop rows with a missing or non-finite (``±inf``) value in ``columns``.

    Each dropped row is counted once, under the first offending column in ``columns`` order:
    ``"missing: col"`` or ``"non-finite: col"``. Returns the kept panel, the boolean mask of kept
    rows (in the input's row order) and the counts. Columns absent from the panel are skipped
    (formula terms are checked by the regression).
    """
    frame = panel.frame
    n = len(frame)
    bad = np.zeros(n, dtype=bool)
    dropped: dict[str, int] = {}
    for col in dict.fromkeys(columns):
        if col not in frame.columns:
            continue
        values = frame[col]
        na = values.isna().to_numpy()
        inf = np.zeros(n, dtype=bool)
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            inf = np.isinf(values.to_numpy(dtype=float, na_value=np.nan))
        for reason, mask in (("missing", na), ("non-finite", inf & ~na)):
            new = mask & ~bad
            if new.any():
                dropped[f"{reason}: {col}"] = int(new.sum())
                bad |= new
    if not bad.any():
        return panel, ~bad, dropped
    kept = Panel.from_frame(
        frame.loc[~bad].reset_index(drop=True), county=panel.county, year=panel.year
    )
    return kept, ~bad, dropped


def announce_dropped(
    method: str, dropped: dict[str, int], n_input: int, stacklevel: int
) -> tuple[str, ...]:
    """One :class:`RowsDroppedWarning` listing every reason and count, if anything was dropped;
    returns the message (for ``info.warnings``) or an empty tuple."""
    total = sum(dropped.values())
    if not total:
        return ()
    detail = "; ".join(f"{v} {k}" for k, v in dropped.items() if v)
    message = f"{method}: dropped {total} of {n_input} rows ({detail})."
    warnings.warn(message, RowsDroppedWarning, stacklevel=stacklevel + 1)
    return (message,)


def vcov_spec(vcov: str | VcovSpec) -> VcovSpec:
    """``vcov=`` as a spec: ``"iid"``, ``"hc1"`` (``"hetero"``, ``"robust"``), ``"cluster:a+b"``,
    a spec object, or any other string ``"name"`` as shorthand for ``Cluster("name")``."""
    if isinstance(vcov, str) and vcov not in _VCOV_ALIASES and not vcov.startswith("cluster:"):
        return Cluster(vcov)
    return resolve_vcov(vcov)


def cluster_vcov(method: str, vcov: object) -> Cluster:
    """The one-way :class:`Cluster` a cluster-robust estimator uses.

    ``vcov`` is ``Cluster("name")`` or a string: ``"cluster:name"``, or any column name as
    shorthand for ``Cluster(name)`` (``None`` means the county). Other covariances are rejected.
    """
    if vcov is None:
        return Cluster("county")
    spec = vcov_spec(vcov)  # type: ignore[arg-type]  # raises a listing error if invalid
    if not isinstance(spec, Cluster) or len(spec.variables) != 1:
        raise InvalidOptionError(
            f"{method}: vcov={vcov!r} is not supported; its variance is cluster-robust by "
            'construction: pass one cluster column, e.g. vcov="county" or Cluster("province").'
        )
    return spec


def fit_info(
    method: str,
    *,
    nobs: int,
    nobs_input: int,
    dropped: dict[str, int],
    clusters: dict[str, int],
    specification: str,
    vcov: str,
    ssc: str = "",
    df_t: int | None = None,
    fixed_effects: dict[str, int] | None = None,
    warnings: tuple[str, ...] = (),
    **extra: Any,
) -> FitInfo:
    """A :class:`FitInfo` with the estimator-specific facts in ``extra``."""
    return FitInfo(
        method=method,
        nobs=int(nobs),
        nobs_input=int(nobs_input),
        dropped=dict(dropped),
        clusters=dict(clusters),
        specification=specification,
        vcov=vcov,
        ssc=ssc,
        df_t=df_t,
        fixed_effects=dict(fixed_effects or {}),
        warnings=tuple(warnings),
        extra=extra,
    )


def resolve_panel(data: Panel | pd.DataFrame, county: str | None, year: str | None) -> Panel:
    """:func:`countyeconomy.panel.as_panel` (the one ingestion step)."""
    return as_panel(data, county, year)


def drop_counties_with_unusable_rows(
    panel: Panel, columns: Sequence[str]
) -> tuple[Panel, dict[str, int]]:
    """For estimators that need a balanced panel: drop every county with a missing or
    non-finite value in ``columns`` whole, counting the offending rows by reason and the
    county's other rows separately."""
    _, keep, dropped = drop_unusable_rows(panel, list(columns))
    if keep.all():
        return panel, dropped
    bad = set(panel.frame.loc[~keep, panel.county])
    whole = panel.frame[panel.county].isin(bad).to_numpy()
    rest = int(whole.sum()) - int((~keep).sum())
    if rest:
        dropped["other rows of those counties (balanced panel)"] = rest
    frame = panel.frame.loc[~whole].reset_index(drop=True)
    if frame.empty:
        names = " and ".join(repr(c) for c in columns)
        raise IdentificationError(f"no county has finite {names} in every year.")
    return Panel.from_frame(frame, county=panel.county, year=panel.year), dropped
