"""One conformance case per public estimator and post-estimation function.

The suite finds the public functions itself (``countyeconomy.__all__``); this file says how to
call each one on a small panel. A public function without a case here, and not in
:data:`NOT_ESTIMATORS`, fails ``test_every_public_estimator_has_a_case``.

Adding an estimator: add one :class:`Case` to :data:`CASES` (see docs/guides/contributing.md).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

import countyeconomy as ce
from tests.estimators._sim import unbalanced_panel

Fit = Callable[[pd.DataFrame, str], Any]

MISSING = "not_there"
"""The column (or term) name the bad-input check passes; the error must name it."""

NOT_ESTIMATORS: dict[str, str] = {
    "table": "renders fitted results as a regression table",
    "coefplot": "draws fitted results as a chart",
    "harmonise": "data preparation: recodes a panel to one year's county codes",
    "read_panel": "data input: reads a user's table into a Panel",
    "describe": "data inspection: summary statistics with suspicious-value flags",
    "correlation_table": "a paper table: correlations with stars (corr2docx)",
    "balance_table": "a paper table: group means and their t-test (t2docx)",
    "aggregate_cells": "data preparation: sums or averages cell-level data to county x year",
}
"""Public callables of ``countyeconomy.__all__`` that are neither estimators nor post-estimation
routines, with the reason. Everything else callable (and not a class or a module) needs a case."""

POST_ESTIMATION = frozenset({"placebo_test", "wild_bootstrap", "honest_did", "robustness_battery"})
"""Functions that take a fitted result (or a design) and return a
``countyeconomy.results.PostEstimationResult``; every other case returns an ``EstimateResult``."""


@dataclass(frozen=True)
class Case:
    """How to call one public function.

    Attributes
    ----------
    function
        Its name in ``countyeconomy.__all__`` (several cases may exercise one function).
    fit
        ``fit(data, outcome)``: the result on ``data`` with ``outcome`` as the outcome column.
    kind
        ``"estimate"`` (an ``EstimateResult``) or ``"post"`` (a ``PostEstimationResult``).
    bad
        ``bad(data)`` must raise a ``CountyEconomyError`` naming :data:`MISSING`; by default
        ``fit(data, MISSING)`` (an outcome column that does not exist).
    vcov
        A covariance for ``result.with_vcov(vcov)``, where a covariance applies (else ``None``).
    columns
        Whether the function reads columns at all (``False``: the bad-input check is skipped).
    """

    function: str
    fit: Fit
    kind: Literal["estimate", "post"] = "estimate"
    bad: Callable[[pd.DataFrame], Any] | None = None
    vcov: Any = None
    columns: bool = True

    def raise_bad(self, data: pd.DataFrame) -> Any:
        if self.bad is not None:
            return self.bad(data)
        return self.fit(data, MISSING)


def panel() -> pd.DataFrame:
    """The shared small, unbalanced panel (80 counties x 8 years, ~15% rows missing)."""
    return unbalanced_panel(21, n_units=80, n_years=8)


def staggered(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with a staggered 0/1 policy ``d`` and its cohort ``g`` (0 = never treated)."""
    first = {c: (2007 + c % 4 if c % 3 else 0) for c in df["county"].unique()}
    cohort = df["county"].map(first)
    treated = (cohort > 0) & (df["year"] >= cohort)
    return df.assign(g=cohort, d=treated.astype("int64"), y=df["y"] + 0.3 * treated)


def balanced(df: pd.DataFrame) -> pd.DataFrame:
    """Counties observed in every year (dCDH and Bacon need a balanced panel)."""
    full = df.groupby("county")["year"].transform("size") == df["year"].nunique()
    return df.loc[full]


KEYS: dict[str, str] = {"county": "county", "year": "year"}
SEED = np.random.SeedSequence(20261207)
"""One SeedSequence object passed to every seeded call: it must never be consumed."""


def _twfe(df: pd.DataFrame, y: str) -> Any:
    return ce.twfe(staggered(df), f"{y} ~ d + x1 | county + year", **KEYS)


def _event_study(df: pd.DataFrame, y: str) -> Any:
    return ce.event_study(staggered(df), y, "g", window=(-3, 3), **KEYS)


def _spatial(function: str) -> Fit:
    """A spatial panel fit on the balanced counties, placed on a grid of pseudo county seats."""

    def fit(df: pd.DataFrame, y: str) -> Any:
        data = balanced(df)
        codes = sorted(data["county"].unique())
        xy = pd.DataFrame(
            {
                "code": [str(c) for c in codes],
                "lon": [100.0 + (i % 8) * 0.5 for i in range(len(codes))],
                "lat": [30.0 + (i // 8) * 0.5 for i in range(len(codes))],
            }
        )
        w = ce.spatial.knn_weights(xy, k=4)
        data = data.assign(county=data["county"].astype(str))
        kw: dict[str, Any] = {"draws": 99, "seed": SEED, "progress": False}
        if function in ("sem_panel", "sdem_panel"):
            kw = {}
        return getattr(ce, function)(data, f"{y} ~ x1 + x2 | county + year", w, **KEYS, **kw)

    return fit


def _design(df: pd.DataFrame, y: str) -> Any:
    return ce.Design(
        staggered(df), outcome=y, treatment="d", cohort="g", covariates=("x1",), **KEYS
    )


CASES: dict[str, Case] = {
    c.function if key is None else key: c
    for key, c in [
        (None, Case("twfe", lambda df, y: ce.twfe(df, f"{y} ~ x1 + x2 | county + year", **KEYS),
                    vcov=ce.HC1())),
        ("twfe_hc1", Case("twfe", lambda df, y: ce.twfe(df, f"{y} ~ x1 | county", vcov="hc1",
                                                        **KEYS), vcov=ce.Cluster("county"))),
        ("twfe_conley", Case("twfe", lambda df, y: ce.twfe(
            df.assign(lat=30 + df["county"] % 7 * 0.5, lon=110 + df["county"] // 7 * 0.5),
            f"{y} ~ x1 | county + year", vcov=ce.Conley(200, lat="lat", lon="lon"), **KEYS),
            vcov=ce.Cluster("county"))),
        (None, Case("iv", lambda df, y: ce.iv(df, f"{y} ~ x2 | county + year | x1 ~ w", **KEYS),
                    vcov=ce.HC1())),
        (None, Case("event_study", _event_study, vcov=ce.HC1())),
        (None, Case("sun_abraham", lambda df, y: ce.sun_abraham(staggered(df), y, "g", **KEYS),
                    vcov=ce.HC1())),
        (None, Case("imputation_did",
                    lambda df, y: ce.imputation_did(staggered(df), y, "g", **KEYS))),
        (None, Case("att_gt", lambda df, y: ce.att_gt(staggered(df), y, "g", **KEYS))),
        ("att_gt_bootstrap", Case("att_gt", lambda df, y: ce.att_gt(
            staggered(df), y, "g", draws=49, seed=SEED, progress=False, **KEYS))),
        ("att_gt_dynamic", Case("att_gt", lambda df, y: ce.att_gt(
            staggered(df), y, "g", **KEYS).aggregate("dynamic"))),
        (None, Case("triple_did", lambda df, y: ce.triple_did(
            staggered(df).assign(q=lambda f: f["county"] // 4 % 2), y, cohort="g", eligible="q",
            **KEYS))),
        ("triple_did_bootstrap", Case("triple_did", lambda df, y: ce.triple_did(
            staggered(df).assign(q=lambda f: f["county"] // 4 % 2), y, cohort="g", eligible="q",
            draws=49, seed=SEED, progress=False, **KEYS))),
        (None, Case("dose_did", lambda df, y: ce.dose_did(
            staggered(df).assign(dose=lambda f: (f["g"] > 0) * (1.0 + f["county"] % 5)), y,
            "dose", cohort="g", **KEYS))),
        ("dose_did_bootstrap", Case("dose_did", lambda df, y: ce.dose_did(
            staggered(df).assign(dose=lambda f: (f["g"] > 0) * (1.0 + f["county"] % 5)), y,
            "dose", cohort="g", draws=49, seed=SEED, progress=False, **KEYS))),
        (None, Case("did_multiplegt", lambda df, y: ce.did_multiplegt(
            balanced(staggered(df)), y, "d", effects=2, **KEYS))),
        (None, Case("bacon_decomposition", lambda df, y: ce.bacon_decomposition(
            balanced(staggered(df)), y, "d", **KEYS))),
        (None, Case("compare_event_studies", lambda df, y: ce.compare_event_studies(
            balanced(staggered(df)), y, "g", window=(-2, 2), **KEYS))),
        (None, Case("panel_threshold", lambda df, y: ce.panel_threshold(
            df, f"{y} ~ x2", threshold="x1", regime_dependent="w", balance=True, draws=20,
            seed=SEED, **KEYS), vcov=ce.HC1())),
        (None, Case("mechanism", lambda df, y: ce.mechanism(
            df, "x1", "x2", y, theory="x2 raises y (cited)", draws=49, seed=SEED,
            progress=False, **KEYS))),
        (None, Case("synthetic_did", lambda df, y: ce.synthetic_did(
            balanced(staggered(df)), y, cohort="g", vcov="bootstrap", draws=19, seed=SEED,
            **KEYS))),
        (None, Case("synthetic_control", lambda df, y: ce.synthetic_control(
            balanced(df), y, int(balanced(df)["county"].min()), treat_year=2010, seed=SEED,
            **KEYS))),
        (None, Case("augmented_synthetic_control", lambda df, y: ce.augmented_synthetic_control(
            balanced(df), y, int(balanced(df)["county"].min()), treat_year=2010,
            inference="both", **KEYS))),
        (None, Case("moderation", lambda df, y: ce.moderation(df, "x1", "x2", y, **KEYS))),
        (None, Case("heterogeneity", lambda df, y: ce.heterogeneity(
            (df.assign(half=(df["county"] % 2).map({0: "even", 1: "odd"})),
             f"{y} ~ x1 | county + year"), "half", test="seemingly_unrelated", seed=SEED,
            **KEYS))),
        (None, Case("psm_did", lambda df, y: ce.psm_did(
            staggered(df), y, "d", ["x1"], **KEYS), vcov=ce.HC1())),
        (None, Case("placebo_test", lambda df, y: ce.placebo_test(
            _twfe(df, y), "d", draws=19, seed=SEED, progress=False), kind="post",
            bad=lambda df: ce.placebo_test(_twfe(df, "y"), MISSING, draws=19, progress=False))),
        (None, Case("wild_bootstrap", lambda df, y: ce.wild_bootstrap(
            _twfe(df, y), "d", draws=99, seed=SEED, progress=False), kind="post",
            bad=lambda df: ce.wild_bootstrap(_twfe(df, "y"), MISSING, draws=99,
                                             progress=False))),
        (None, Case("honest_did", lambda df, y: ce.honest_did(
            _event_study(df, y), mbar=(0.0, 1.0), seed=SEED), kind="post", columns=False)),
        (None, Case("sar_panel", _spatial("sar_panel"))),
        (None, Case("sdm_panel", _spatial("sdm_panel"))),
        (None, Case("sem_panel", _spatial("sem_panel"))),
        (None, Case("sdem_panel", _spatial("sdem_panel"))),
        (None, Case("robustness_battery", lambda df, y: ce.robustness_battery(
            _design(df, y), checks=["pretrends", "placebo"], draws=99, seed=SEED,
            progress=False), kind="post")),
    ]
}  # fmt: skip


def _registry_cases() -> dict[str, Case]:
    """A case for every entry of ``countyeconomy.estimators.registry.ESTIMATORS`` without one.

    A comparable event-study estimator therefore needs only its registry entry: it is fitted here
    through the entry's own ``run`` on the balanced staggered panel, window ``(-2, 2)``.
    """
    try:
        from countyeconomy.estimators.registry import ESTIMATORS, EventStudyDesign
    except ImportError:  # the registry is not there yet
        return {}
    covered = {c.function for c in CASES.values()}

    def through(entry: Any) -> Fit:
        def fit(df: pd.DataFrame, y: str) -> Any:
            data = ce.Panel.from_frame(balanced(staggered(df)), **KEYS)
            return entry.fit(EventStudyDesign(data, y, "g", window=(-2, 2)))

        return fit

    return {
        f"registry:{key}": Case(key, through(entry))
        for key, entry in ESTIMATORS.items()
        if key not in covered
    }


CASES |= _registry_cases()


def public_functions() -> dict[str, Callable[..., Any]]:
    """Every callable in ``countyeconomy.__all__`` that is neither a class nor a module."""
    out = {}
    for name in ce.__all__:
        obj = getattr(ce, name)
        if callable(obj) and not inspect.isclass(obj) and not inspect.ismodule(obj):
            out[name] = obj
    return out
