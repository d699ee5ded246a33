"""The bad-input catalogue: one entry per (public function, bad input) pair.

Each :class:`Case` calls a public function on a deliberately broken input and names what must
happen: a ``CountyEconomyError`` subclass (or ``TypeError`` for a wrong argument type) whose message
names the column or argument, or a counted warning. A new public function joins by adding entries
to :data:`ENTRY_POINTS` (frame-based estimators) or to :func:`extra_cases`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

import countyeconomy as ce
from countyeconomy.errors import (
    CountyEconomyError,
    InvalidOptionError,
    PanelStructureError,
    RowsDroppedWarning,
    TreatmentTimingError,
)

Call = Callable[[pd.DataFrame], Any]


@dataclass(frozen=True)
class Case:
    """``call(frame)`` must raise ``error`` (or warn ``warning``) with ``match`` in the message."""

    id: str
    call: Call
    match: str
    error: type[BaseException] | None = None
    warning: type[Warning] | None = None
    frame: str = "staggered"
    mutate: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    seeds: tuple[Any, ...] = field(default_factory=tuple)


def staggered_frame(n_units: int = 60, n_years: int = 8, seed: int = 3) -> pd.DataFrame:
    """A balanced county x year panel with a staggered 0/1 policy, its cohort and covariates."""
    rng = np.random.default_rng(seed)
    county = np.repeat(np.arange(1, n_units + 1), n_years)
    year = np.tile(np.arange(2010, 2010 + n_years), n_units)
    first = {c: (2012 + c % 4 if c % 3 else 0) for c in range(1, n_units + 1)}
    g = np.array([first[c] for c in county])
    d = ((g > 0) & (year >= g)).astype("int64")
    alpha = rng.normal(size=n_units)[county - 1]
    x1 = rng.normal(size=len(county)) + 0.3 * alpha
    m = 0.5 * d + rng.normal(size=len(county))
    y = alpha + 0.1 * (year - 2010) + 0.4 * d + 0.3 * m + 0.5 * x1 + rng.normal(size=len(county))
    return pd.DataFrame(
        {
            "county": county,
            "year": year,
            "province": county % 5,
            "g": g,
            "d": d,
            "x1": x1,
            "z": x1 + rng.normal(size=len(county)),
            "m": m,
            "y": y,
            "w": rng.uniform(0.5, 2.0, len(county)),
        }
    )


KEYS = {"county": "county", "year": "year"}


def _eligible(df: Any) -> Any:
    """``df`` with an eligibility column ``q`` for triple_did (non-frames passed through)."""
    return df.assign(q=df["county"] // 4 % 2) if isinstance(df, pd.DataFrame) else df


def _dosed(df: Any) -> Any:
    """``df`` with a dose column for dose_did (non-frames passed through)."""
    if not isinstance(df, pd.DataFrame):
        return df
    return df.assign(dose=(df["g"] > 0) * (1.0 + df["county"] % 5))


# Frame-based entry points: name -> call(frame, outcome) using the conventions' argument names.
ENTRY_POINTS: dict[str, Callable[[pd.DataFrame, str], Any]] = {
    "twfe": lambda df, y: ce.twfe(df, f"{y} ~ x1 + d | county + year", **KEYS),
    "iv": lambda df, y: ce.iv(df, f"{y} ~ 1 | county + year | x1 ~ z", **KEYS),
    "event_study": lambda df, y: ce.event_study(df, y, "g", window=(-2, 2), **KEYS),
    "sun_abraham": lambda df, y: ce.sun_abraham(df, y, "g", **KEYS),
    "imputation_did": lambda df, y: ce.imputation_did(df, y, "g", **KEYS),
    "att_gt": lambda df, y: ce.att_gt(df, y, "g", **KEYS),
    "triple_did": lambda df, y: ce.triple_did(_eligible(df), y, cohort="g", eligible="q", **KEYS),
    "dose_did": lambda df, y: ce.dose_did(_dosed(df), y, "dose", cohort="g", **KEYS),
    "did_multiplegt": lambda df, y: ce.did_multiplegt(df, y, "d", effects=2, **KEYS),
    "bacon_decomposition": lambda df, y: ce.bacon_decomposition(df, y, "d", **KEYS),
    "psm_did": lambda df, y: ce.psm_did(df, y, "d", ["x1"], **KEYS),
    "mechanism": lambda df, y: ce.mechanism(df, "d", "m", y, theory="m carries d", **KEYS),
    "moderation": lambda df, y: ce.moderation(df, "d", "x1", y, **KEYS),
    "synthetic_did": lambda df, y: ce.synthetic_did(
        df, y, cohort="g", vcov="bootstrap", draws=19, seed=0, progress=False, **KEYS
    ),
    "synthetic_control": lambda df, y: ce.synthetic_control(
        df, y, 1, treat_year=2013, seed=0, progress=False, **KEYS
    ),
    "augmented_synthetic_control": lambda df, y: ce.augmented_synthetic_control(
        df, y, 1, treat_year=2013, inference="none", **KEYS
    ),
    "compare_event_studies": lambda df, y: ce.compare_event_studies(
        df, y, "g", estimators=("event_study", "sun_abraham"), window=(-2, 2), **KEYS
    ),
}

# Entry points whose outcome enters a regression or a 2x2 comparison (non-finite rows must be
# dropped and counted on every one of them).
ESTIMATOR_PATHS = (
    "twfe",
    "iv",
    "event_study",
    "sun_abraham",
    "imputation_did",
    "att_gt",
    "did_multiplegt",
    "bacon_decomposition",
)


def _set(col: str, value: Any, rows: slice | list[int] = slice(0, 3)) -> Callable[..., Any]:
    def mutate(df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        if not isinstance(value, float | int) or isinstance(value, bool):
            out[col] = out[col].astype(object)
        idx = out.index[rows]
        out.loc[idx, col] = value
        return out

    return mutate


def _duplicate_row(df: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([df, df.iloc[[5]]], ignore_index=True)


def _missing_key(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["county"] = out["county"].astype("float64")
    out.loc[out.index[7], "county"] = np.nan
    return out


def key_cases() -> list[Case]:
    """Duplicated county-years and missing keys, on every entry point."""
    out = []
    for name, fn in ENTRY_POINTS.items():
        out.append(
            Case(
                f"{name}-duplicate-county-year",
                lambda df, fn=fn: fn(df, "y"),
                "duplicate",
                error=PanelStructureError,
                mutate=_duplicate_row,
            )
        )
        out.append(
            Case(
                f"{name}-missing-county-key",
                lambda df, fn=fn: fn(df, "y"),
                "county",
                error=PanelStructureError,
                mutate=_missing_key,
            )
        )
    return out


def non_numeric_cases() -> list[Case]:
    """Cells such as "n/a" and "1,234.5" in the outcome: an error naming the column."""
    out = []
    for name, fn in ENTRY_POINTS.items():
        for token in ("n/a", "1,234.5"):
            out.append(
                Case(
                    f"{name}-non-numeric-{token}",
                    lambda df, fn=fn: fn(df, "y"),
                    "'y'",
                    error=CountyEconomyError,
                    mutate=_set("y", token),
                )
            )
    return out


def non_finite_cases() -> list[Case]:
    """±inf in the outcome: dropped, counted and announced on every estimator path."""
    out = []
    for name in ESTIMATOR_PATHS:
        fn = ENTRY_POINTS[name]
        for value, label in ((np.inf, "inf"), (-np.inf, "-inf")):
            out.append(
                Case(
                    f"{name}-non-finite-{label}",
                    lambda df, fn=fn: fn(df, "y"),
                    "non-finite",
                    warning=RowsDroppedWarning,
                    mutate=_set("y", value, [4]),
                )
            )
    return out


def missing_column_cases() -> list[Case]:
    """A misspelt outcome column: an error naming it."""
    return [
        Case(
            f"{name}-missing-column",
            lambda df, fn=fn: fn(df, "no_such_col"),
            "no_such_col",
            error=CountyEconomyError,
        )
        for name, fn in ENTRY_POINTS.items()
    ]


def data_type_cases() -> list[Case]:
    """``data`` that is not a Panel or DataFrame: an error naming ``data`` and the types accepted."""
    out = []
    for name, fn in ENTRY_POINTS.items():
        for label, bad in (("none", None), ("list", [1, 2, 3])):
            out.append(
                Case(
                    f"{name}-data-{label}",
                    lambda df, fn=fn, bad=bad: fn(bad, "y"),
                    "data",
                    error=(TypeError, CountyEconomyError),  # type: ignore[arg-type]
                )
            )
    return out


def timing_cases() -> list[Case]:
    """Cohorts that are not whole years, or that change within a county."""
    out = []
    cohort_fns = ("event_study", "sun_abraham", "imputation_did", "att_gt")
    for name in cohort_fns:
        fn = ENTRY_POINTS[name]
        out.append(
            Case(
                f"{name}-fractional-cohort",
                lambda df, fn=fn: fn(df, "y"),
                "'g'",
                error=TreatmentTimingError,
                mutate=_fractional_cohort,
            )
        )
        out.append(
            Case(
                f"{name}-cohort-changes-in-county",
                lambda df, fn=fn: fn(df, "y"),
                "'g'",
                error=TreatmentTimingError,
                mutate=_switching_cohort,
            )
        )
        out.append(
            Case(
                f"{name}-negative-cohort",
                lambda df, fn=fn: fn(df, "y"),
                "'g'",
                error=TreatmentTimingError,
                mutate=_negative_cohort,
            )
        )
    for name in ("bacon_decomposition", "psm_did"):  # dCDH takes non-binary treatments
        fn = ENTRY_POINTS[name]
        out.append(
            Case(
                f"{name}-treatment-not-binary",
                lambda df, fn=fn: fn(df, "y"),
                "'d'",
                error=CountyEconomyError,
                mutate=_set("d", 2, [10]),
            )
        )
    return out


def _fractional_cohort(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out["g"] = out["g"].astype(float)
    out.loc[out["county"] == 1, "g"] = 2013.5
    return out


def _switching_cohort(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.loc[(out["county"] == 1) & (out["year"] == 2011), "g"] = 2014
    return out


def _negative_cohort(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.loc[out["county"] == 2, "g"] = -2013
    return out


BAD_SEEDS: tuple[tuple[str, Any], ...] = (("negative", -1), ("string", "abc"), ("float", 1.5))


def _fitted(df: pd.DataFrame) -> Any:
    return ce.twfe(df, "y ~ d + x1 | county + year", **KEYS)


RESAMPLERS: dict[str, Callable[[pd.DataFrame, Any], Any]] = {
    "placebo_test": lambda df, s: ce.placebo_test(_fitted(df), "d", draws=99, seed=s),
    "wild_bootstrap": lambda df, s: ce.wild_bootstrap(_fitted(df), "d", draws=99, seed=s),
    "att_gt": lambda df, s: ce.att_gt(df, "y", "g", draws=99, seed=s, **KEYS),
    "triple_did": lambda df, s: ce.triple_did(
        _eligible(df), "y", cohort="g", eligible="q", draws=99, seed=s, **KEYS
    ),
    "mechanism": lambda df, s: ce.mechanism(
        df, "d", "m", "y", approach="baron_kenny", draws=99, seed=s, theory="t", **KEYS
    ),
    "heterogeneity": lambda df, s: ce.heterogeneity(
        (df.assign(half=df["county"] % 2), "y ~ d | county + year"),
        "half",
        draws=99,
        seed=s,
        **KEYS,
    ),
    "panel_threshold": lambda df, s: ce.panel_threshold(
        df, "y ~ d", threshold="x1", regime_dependent="z", draws=20, seed=s, **KEYS
    ),
    "robustness_battery": lambda df, s: ce.robustness_battery(
        ce.Design(df, "y", cohort="g", treatment="d", **KEYS), checks=("placebo",), seed=s
    ),
}


def seed_cases() -> list[Case]:
    """``seed=`` given something that is not a seed: an error naming ``seed``."""
    out = []
    for name, fn in RESAMPLERS.items():
        for label, bad in BAD_SEEDS:
            out.append(
                Case(
                    f"{name}-seed-{label}",
                    lambda df, fn=fn, bad=bad: fn(df, bad),
                    "seed",
                    error=(TypeError, InvalidOptionError),  # type: ignore[arg-type]
                )
            )
    return out


TOO_FEW_DRAWS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "wild_bootstrap": lambda df: ce.wild_bootstrap(_fitted(df), "d", draws=1, seed=1),
    "placebo_test": lambda df: ce.placebo_test(_fitted(df), "d", draws=1, seed=1),
    "wild_bootstrap-zero": lambda df: ce.wild_bootstrap(_fitted(df), "d", draws=0, seed=1),
    "placebo_test-zero": lambda df: ce.placebo_test(_fitted(df), "d", draws=0, seed=1),
    "att_gt-zero": lambda df: ce.att_gt(df, "y", "g", draws=0, seed=1, **KEYS),
    "mechanism-five": lambda df: ce.mechanism(
        df, "d", "m", "y", approach="baron_kenny", draws=5, seed=1, theory="t", **KEYS
    ),
    "panel_threshold-five": lambda df: ce.panel_threshold(
        df, "y ~ d", threshold="x1", regime_dependent="z", draws=5, seed=1, **KEYS
    ),
    "heterogeneity-five": lambda df: ce.heterogeneity(
        (df.assign(half=df["county"] % 2), "y ~ d | county + year"),
        "half",
        draws=5,
        seed=1,
        **KEYS,
    ),
    "att_gt-five": lambda df: ce.att_gt(df, "y", "g", draws=5, seed=1, **KEYS),
}


def draws_cases() -> list[Case]:
    """Too few resampling draws: an error naming ``draws``."""
    return [
        Case(f"{name}-too-few-draws", fn, "draws", error=InvalidOptionError)
        for name, fn in TOO_FEW_DRAWS.items()
    ]


def option_cases() -> list[Case]:
    """Options outside their vocabulary: an error listing the valid values."""
    k = KEYS
    return [
        Case(
            "att_gt-control",
            lambda df: ce.att_gt(df, "y", "g", control="everyone", **k),
            "control",
            error=InvalidOptionError,
        ),
        Case(
            "att_gt-method",
            lambda df: ce.att_gt(df, "y", "g", method="ols", **k),
            "method",
            error=InvalidOptionError,
        ),
        Case(
            "sun_abraham-control",
            lambda df: ce.sun_abraham(df, "y", "g", control="not_a_group", **k),
            "control",
            error=InvalidOptionError,
        ),
        Case(
            "twfe-ssc",
            lambda df: ce.twfe(df, "y ~ d | county + year", ssc="stata", **k),
            "ssc",
            error=InvalidOptionError,
        ),
        Case(
            "twfe-vcov-not-a-column",
            lambda df: ce.twfe(df, "y ~ d | county + year", vcov="no_such_cluster", **k),
            "no_such_cluster",
            error=CountyEconomyError,
        ),
        Case(
            "twfe-vcov-wrong-type",
            lambda df: ce.twfe(df, "y ~ d | county + year", vcov=3, **k),
            "vcov",
            error=(TypeError, InvalidOptionError),  # type: ignore[arg-type]
        ),
        Case(
            "twfe-weights-negative",
            lambda df: ce.twfe(df.assign(w=-df["w"]), "y ~ d | county + year", weights="w", **k),
            "w",
            error=CountyEconomyError,
        ),
        Case(
            "twfe-formula-unknown-column",
            lambda df: ce.twfe(df, "y ~ nothing_here | county + year", **k),
            "nothing_here",
            error=CountyEconomyError,
        ),
        Case(
            "twfe-formula-absorbed-regressor",
            lambda df: ce.twfe(df, "y ~ province | county + year", **k),
            "province",
            error=CountyEconomyError,
        ),
        Case(
            "event_study-window-reversed",
            lambda df: ce.event_study(df, "y", "g", window=(3, -3), **k),
            "window",
            error=InvalidOptionError,
        ),
        Case(
            "wild_bootstrap-distribution",
            lambda df: ce.wild_bootstrap(_fitted(df), "d", distribution="gauss", draws=99, seed=1),
            "distribution",
            error=InvalidOptionError,
        ),
        Case(
            "wild_bootstrap-param",
            lambda df: ce.wild_bootstrap(_fitted(df), "nope", draws=99, seed=1),
            "nope",
            error=InvalidOptionError,
        ),
        Case(
            "placebo_test-param",
            lambda df: ce.placebo_test(_fitted(df), "nope", draws=99, seed=1),
            "nope",
            error=InvalidOptionError,
        ),
        Case(
            "placebo_test-staggered-result",
            lambda df: ce.placebo_test(ce.sun_abraham(df, "y", "g", **k), "ATT", draws=99, seed=1),
            "placebo_refit",
            error=InvalidOptionError,
        ),
        Case(
            "mechanism-mediator-is-treatment",
            lambda df: ce.mechanism(df.assign(m2=df["d"]), "d", "m2", "y", theory="t", **k),
            "m2",
            error=ce.errors.IdentificationError,
        ),
        Case(
            "moderation-moderator-is-treatment",
            lambda df: ce.moderation(df.assign(m2=df["d"]), "d", "m2", "y", **k),
            "m2",
            error=ce.errors.IdentificationError,
        ),
        Case(
            "honest_did-not-an-event-study",
            lambda df: ce.honest_did(_fitted(df)),
            "event",
            error=CountyEconomyError,
        ),
        Case(
            "honest_did-method",
            lambda df: ce.honest_did(
                ce.event_study(df, "y", "g", window=(-3, 2), **k), method="magic"
            ),
            "method",
            error=InvalidOptionError,
        ),
        Case(
            "dose_did-method",
            lambda df: ce.dose_did(_dosed(df), "y", "dose", cohort="g", method="npiv", **k),
            "method",
            error=InvalidOptionError,
        ),
        Case(
            "dose_did-cck-discrete",
            lambda df: ce.dose_did(
                _dosed(df), "y", "dose", cohort="g", method="cck", discrete=True, **k
            ),
            "discrete",
            error=InvalidOptionError,
        ),
        Case(
            "psm_did-method",
            lambda df: ce.psm_did(df, "y", "d", ["x1"], method="best", **k),
            "method",
            error=InvalidOptionError,
        ),
        Case(
            "psm_did-covariate-missing",
            lambda df: ce.psm_did(df, "y", "d", ["nope"], **k),
            "nope",
            error=CountyEconomyError,
        ),
        Case(
            "robustness_battery-unknown-check",
            lambda df: ce.robustness_battery(
                ce.Design(df, "y", cohort="g", treatment="d", **k), checks=("astrology",)
            ),
            "astrology",
            error=InvalidOptionError,
        ),
        Case(
            "robustness_battery-cohort-disagrees",
            lambda df: ce.robustness_battery(
                ce.Design(
                    df.assign(g=np.where(df["g"] > 0, df["g"] + 1, 0)),
                    "y",
                    cohort="g",
                    treatment="d",
                    **k,
                ),
                checks=("pretrends",),
            ),
            "cohort",
            error=TreatmentTimingError,
        ),
        Case(
            "table-dataframe",
            lambda df: ce.table(df),
            "table",
            error=TypeError,
        ),
        Case(
            "coefplot-dataframe",
            lambda df: ce.coefplot(df),
            "coefplot",
            error=TypeError,
        ),
        Case(
            "panel-from_xarray-dataframe",
            lambda df: ce.Panel.from_xarray(df),
            "from_xarray",
            error=TypeError,
        ),
        Case(
            "panel-from_frame-missing-year",
            lambda df: ce.Panel.from_frame(df, county="county", year="yr"),
            "yr",
            error=CountyEconomyError,
        ),
        Case(
            "panel-from_frame-non-integer-year",
            lambda df: ce.Panel.from_frame(
                df.assign(year=df["year"] + 0.5), county="county", year="year"
            ),
            "year",
            error=PanelStructureError,
        ),
        Case(
            "panel-from_frame-duplicates",
            lambda df: ce.Panel.from_frame(_duplicate_row(df), county="county", year="year"),
            "duplicate",
            error=PanelStructureError,
        ),
        Case(
            "panel_threshold-threshold-missing",
            lambda df: ce.panel_threshold(df, "y ~ d", threshold="nope", regime_dependent="z", **k),
            "nope",
            error=CountyEconomyError,
        ),
        Case(
            "panel_threshold-n_thresholds",
            lambda df: ce.panel_threshold(
                df, "y ~ d", threshold="x1", regime_dependent="z", n_thresholds=7, **k
            ),
            "n_thresholds",
            error=InvalidOptionError,
        ),
    ]


def indicator_cases() -> list[Case]:
    """Indicators at 0/0: a warning counting and naming the undefined cells (or an error)."""
    from countyeconomy import indicators as ind
    from countyeconomy.errors import CountyEconomyWarning

    emp = xr.DataArray(
        np.array([[10.0, 5.0, 0.0], [0.0, 0.0, 0.0], [3.0, 4.0, 5.0]]),
        dims=("county", "sector"),
        coords={"county": [1, 2, 3], "sector": ["a", "b", "c"]},
    )
    income = xr.DataArray([1.0, 2.0, 3.0], dims="county", coords={"county": [1, 2, 3]})
    pop0 = xr.DataArray([0.0, 0.0, 0.0], dims="county", coords={"county": [1, 2, 3]})
    same = xr.DataArray(
        np.ones((3, 2)),
        dims=("county", "indicator"),
        coords={"county": [1, 2, 3], "indicator": ["p", "q"]},
    )
    zero = xr.DataArray([0.0, 0.5, 0.2], dims="county", coords={"county": [1, 2, 3]})
    series = xr.DataArray(
        np.arange(6.0).reshape(2, 3) + 1,
        dims=("year", "county"),
        coords={"year": [2010, 2011], "county": [1, 2, 3]},
    )
    w = CountyEconomyWarning
    return [
        Case("location_quotient-zero-county", lambda df: ind.location_quotient(emp), "", warning=w),
        Case("hhi-zero-county", lambda df: ind.hhi(emp), "", warning=w),
        Case(
            "theil-zero-weights",
            lambda df: ind.theil(income, weights=pop0),
            "weights",
            error=CountyEconomyError,
        ),
        Case(
            "topsis-identical",
            lambda df: ind.topsis(
                same, weights={"p": 0.5, "q": 0.5}, directions={"p": "+", "q": "+"}
            ),
            "",
            warning=w,
        ),
        Case(
            "coupling-all-zero",
            lambda df: ind.coupling_coordination(zero, zero * 0.0),
            "",
            warning=w,
        ),
        Case(
            "markov-too-many-classes",
            lambda df: ind.markov_transition(series, k=10),
            "",
            warning=w,
        ),
    ]


def reading_cases() -> list[Case]:
    """read_panel and describe: bad layout, unknown columns, non-numeric tokens."""
    from countyeconomy.panel import NonNumericCellsWarning

    def tokens(df: pd.DataFrame) -> Any:
        bad = df.astype({"y": object})
        bad.loc[:2, "y"] = "x?"
        return ce.read_panel(bad, county="county", year="year")

    return [
        Case(
            "read_panel-layout",
            lambda df: ce.read_panel(df, county="county", layout="tall"),
            "layout",
            error=InvalidOptionError,
        ),
        Case(
            "read_panel-county",
            lambda df: ce.read_panel(df, county="not_there"),
            "not_there",
            error=CountyEconomyError,
        ),
        Case("read_panel-tokens", tokens, "'y': 'x?' x3", warning=NonNumericCellsWarning),
        Case(
            "describe-column",
            lambda df: ce.describe(ce.Panel.from_frame(df, **KEYS), "not_there"),
            "not_there",
            error=CountyEconomyError,
        ),
        Case(
            "describe-stats",
            lambda df: ce.describe(ce.Panel.from_frame(df, **KEYS), "y", stats=("mode",)),
            "mode",
            error=InvalidOptionError,
        ),
        Case("describe-frame", lambda df: ce.describe(df), "Panel", error=TypeError),
        Case(
            "correlation_table-column",
            lambda df: ce.correlation_table(df, ["y", "not_there"]),
            "not_there",
            error=CountyEconomyError,
        ),
        Case(
            "balance_table-groups",
            lambda df: ce.balance_table(df, ["y"], by="g"),
            "groups",
            error=InvalidOptionError,
        ),
        Case(
            "aggregate_cells-column",
            lambda df: ce.aggregate_cells(df, ["not_there"]),
            "not_there",
            error=CountyEconomyError,
        ),
        Case(
            "aggregate_cells-how",
            lambda df: ce.aggregate_cells(df, ["y"], how="median"),
            "how",
            error=InvalidOptionError,
        ),
        Case(
            "aggregate_cells-weights",
            lambda df: ce.aggregate_cells(df.assign(w=-1.0), ["y"], weights="w"),
            "weights column 'w'",
            error=CountyEconomyError,
        ),
    ]


def spatial_cases() -> list[Case]:
    """Spatial weights and models: bad options, unbalanced panels, weights not fitting the data."""
    from countyeconomy import spatial

    xy = pd.DataFrame(
        {
            "code": [str(i) for i in range(12)],
            "lon": [100.0 + (i % 4) for i in range(12)],
            "lat": [30.0 + (i // 4) for i in range(12)],
        }
    )
    rng = np.random.default_rng(0)
    panel = pd.DataFrame(
        {
            "county": [str(i) for i in range(12)] * 3,
            "year": np.repeat([2000, 2001, 2002], 12),
            "y": rng.standard_normal(36),
            "x1": rng.standard_normal(36),
        }
    )
    w = spatial.knn_weights(xy, k=3)
    wo = spatial.knn_weights(xy, k=3, row_standardise=False)
    err = spatial.SpatialWeightsError
    return [
        Case(
            "knn-k-too-large",
            lambda df: spatial.knn_weights(xy, k=12),
            "k=",
            error=InvalidOptionError,
        ),
        Case(
            "distance-negative-cutoff",
            lambda df: spatial.distance_weights(xy, cutoff=-5.0),
            "cutoff",
            error=InvalidOptionError,
        ),
        Case(
            "morans-i-constant",
            lambda df: spatial.morans_i(np.ones(12), w, draws=0),
            "constant",
            error=err,
        ),
        Case(
            "sar-unbalanced",
            lambda df: ce.sar_panel(panel.iloc[1:], "y ~ x1 | county", w, draws=0, progress=False),
            "balanced",
            error=err,
        ),
        Case(
            "sar-weights-not-in-data",
            lambda df: ce.sar_panel(
                panel[panel["county"] != "0"], "y ~ x1 | county", w, draws=0, progress=False
            ),
            "not in the data",
            error=err,
        ),
        Case(
            "sdm-year-effects-unstandardised",
            lambda df: ce.sdm_panel(panel, "y ~ x1 | county + year", wo, draws=0, progress=False),
            "row-standardised",
            error=err,
        ),
        Case(
            "sem-fixed-effect-unknown",
            lambda df: ce.sem_panel(panel, "y ~ x1 | province", w),
            "province",
            error=CountyEconomyError,
        ),
        Case(
            "sdem-regressor-unknown",
            lambda df: ce.sdem_panel(panel, "y ~ x9 | county", w),
            "x9",
            error=CountyEconomyError,
        ),
        Case(
            "conley-coordinate-column-unknown",
            lambda df: ce.twfe(
                panel, "y ~ x1 | county + year", vcov=ce.Conley(50, lat="la", lon="lo")
            ),
            "'la'",
            error=CountyEconomyError,
        ),
        Case(
            "conley-codes-without-seats",
            lambda df: ce.twfe(panel, "y ~ x1 | county + year", vcov="conley:50"),
            "no county-seat coordinates",
            error=CountyEconomyError,
        ),
        Case(
            "conley-negative-cutoff",
            lambda df: ce.Conley(-1.0),
            "cutoff_km",
            error=InvalidOptionError,
        ),
        Case(
            "contiguity-no-geometry",
            lambda df: spatial.contiguity_weights(xy),
            "'geometry'",
            error=err,
        ),
        Case(
            "economic-weights-tied-values",
            lambda df: spatial.economic_weights(xy, dict.fromkeys(xy["code"], 1.0)),
            "same value",
            error=err,
        ),
    ]


def all_cases() -> list[Case]:
    return [
        *reading_cases(),
        *key_cases(),
        *non_numeric_cases(),
        *non_finite_cases(),
        *missing_column_cases(),
        *data_type_cases(),
        *timing_cases(),
        *seed_cases(),
        *draws_cases(),
        *option_cases(),
        *indicator_cases(),
        *spatial_cases(),
    ]
