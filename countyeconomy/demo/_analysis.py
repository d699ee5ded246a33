"""The flagship analysis: every fit of ``countyeconomy demo``, on the embedded simulated panel."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy.datasets import simulate_county_panel
from countyeconomy.errors import CountyEconomyWarning
from countyeconomy.estimators import bacon_decomposition, compare_event_studies, imputation_did
from countyeconomy.estimators.staggered.att_gt import att_gt
from countyeconomy.estimators.twfe import twfe
from countyeconomy.indicators import gini, urban_rural_theil
from countyeconomy.robustness import Design, robustness_battery

__all__ = ["OUTCOME", "DemoAnalysis", "Overall", "analyse"]

OUTCOME = "log_rural_income"
COHORT = "first_treated"
WINDOW = (-5, 5)
LEVEL = 0.95

OVERALL_LABELS = {
    "twfe": "TWFE (static)",
    "att_gt": "Callaway-Sant'Anna (att_gt)",
    "sun_abraham": "Sun-Abraham (sun_abraham)",
    "imputation_did": "BJS imputation (imputation_did)",
}
"""Estimator key -> the label of its overall ATT in the demo's table and chart."""


@dataclass(frozen=True)
class Overall:
    """One overall-ATT estimate, in the shape :func:`countyeconomy.coefplot` draws."""

    model: str
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float

    @property
    def params(self) -> pd.Series:
        """The estimate as the term ``ATT``."""
        return pd.Series({"ATT": self.estimate}, name="estimate")

    def to_frame(self, level: float = LEVEL) -> pd.DataFrame:
        """One row: term ``ATT``, estimate, std_error, ci_low, ci_high (at the fit's level)."""
        del level  # the intervals were taken at LEVEL when fitting
        return pd.DataFrame(
            {
                "term": ["ATT"],
                "estimate": [self.estimate],
                "std_error": [self.std_error],
                "ci_low": [self.ci_low],
                "ci_high": [self.ci_high],
            }
        )


@dataclass(frozen=True)
class DemoAnalysis:
    """Everything the demo report and its text summary show.

    Attributes
    ----------
    sim
        The simulated panel and its truth (:func:`countyeconomy.datasets.simulate_county_panel`).
    overall
        Overall ATT by estimator key (``twfe``, ``att_gt``, ``sun_abraham``, ``imputation_did``).
    comparison
        :func:`~countyeconomy.compare_event_studies` over the window (TWFE event study, CS,
        Sun-Abraham, BJS), with each estimator's normalisation.
    bacon
        The Goodman-Bacon decomposition of the static TWFE estimate.
    battery
        The robustness battery's report (small draws).
    gap
        Urban-rural gap by year: median county urban-rural Theil-T and the population-weighted
        Gini of county per-capita income.
    trends
        Mean outcome by adoption batch and year (raw data).
    seconds
        Wall time of each step.
    """

    sim: Any
    overall: dict[str, Overall]
    comparison: Any
    bacon: Any
    battery: Any
    gap: pd.DataFrame
    trends: pd.DataFrame
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def truth(self) -> float:
        """The true average effect on treated county-years."""
        return float(self.sim.truth.simple)

    @property
    def event_study(self) -> Any:
        """The TWFE event study (with its joint pre-trend test ``.pretrend``)."""
        return self.comparison.results["event_study"]

    def overall_frame(self) -> pd.DataFrame:
        """Estimator, estimate, std_error, CI, bias against the truth, whether the CI covers it."""
        rows = [
            {
                "estimator": o.model,
                "estimate": o.estimate,
                "std_error": o.std_error,
                "ci_low": o.ci_low,
                "ci_high": o.ci_high,
                "bias": o.estimate - self.truth,
                "covers_truth": bool(o.ci_low <= self.truth <= o.ci_high),
            }
            for o in self.overall.values()
        ]
        return pd.DataFrame(rows)


def _overall(key: str, result: Any, term: str) -> Overall:
    row = result.to_frame(LEVEL).set_index("term").loc[term]
    return Overall(
        OVERALL_LABELS[key],
        float(row["estimate"]),
        float(row["std_error"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
    )


def _trends(frame: pd.DataFrame) -> pd.DataFrame:
    batch = frame[COHORT].map(lambda g: "never treated" if g == 0 else f"batch {int(g)}")
    means = frame.assign(batch=batch).groupby(["batch", "year"], as_index=False)[OUTCOME].mean()
    return pd.DataFrame(means)


def _gap(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["urban_income", "rural_income", "urban_population", "rural_population", "population"]
    ds = frame.set_index(["county", "year"])[cols].to_xarray()
    income = (
        ds.urban_income * ds.urban_population + ds.rural_income * ds.rural_population
    ) / ds.population
    theil_t = cast(
        xr.DataArray,  # xarray in, xarray out
        urban_rural_theil(
            ds.urban_income, ds.rural_income, ds.urban_population, ds.rural_population, kind="T"
        ),
    )
    g = cast(xr.DataArray, gini(income, weights=ds.population))
    ratio = (ds.urban_income / ds.rural_income).median("county")
    return pd.DataFrame(
        {
            "year": ds.year.to_numpy().astype(np.int64),
            "median urban-rural Theil-T": theil_t.median("county").to_numpy(),
            "Gini of county income per head": g.to_numpy(),
            "median urban/rural income ratio": ratio.to_numpy(),
        }
    )


def analyse(seed: int = 2024, *, draws: int = 99) -> DemoAnalysis:
    """Simulate the county panel and run every step of the demo (about 20 s on one core).

    ``draws`` is the number of placebo and wild-bootstrap draws of the robustness battery.
    """
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[name] = now - clock
        clock = now

    sim = simulate_county_panel(seed=seed)
    panel = sim.panel
    frame = panel.to_frame()
    lap("simulate")
    with warnings.catch_warnings():
        # small-cohort and few-cluster notes are expected on this design; the report names them
        warnings.simplefilter("ignore", CountyEconomyWarning)
        static = twfe(panel, f"{OUTCOME} ~ policy | county + year")
        cs = att_gt(panel, OUTCOME, COHORT).aggregate("simple")
        bjs = imputation_did(panel, OUTCOME, COHORT)
        lap("overall")
        comparison = compare_event_studies(
            panel,
            OUTCOME,
            COHORT,
            estimators=("event_study", "att_gt", "sun_abraham", "imputation_did"),
            window=WINDOW,
            level=LEVEL,
        )
        lap("event studies")
        bacon = bacon_decomposition(panel, OUTCOME, "policy")
        lap("bacon")
        design = Design(
            panel,
            outcome=OUTCOME,
            treatment="policy",
            cohort=COHORT,
            covariates=("log_gdp_pc",),
        )
        battery = robustness_battery(
            design,
            seed=seed,
            draws=draws,
            progress=False,
            sample_filters={"no municipal districts": "not name.str.endswith('区')"},
        )
        lap("robustness battery")
    overall = {
        "twfe": _overall("twfe", static, "policy"),
        "att_gt": _overall("att_gt", cs, "ATT"),
        "sun_abraham": _overall("sun_abraham", comparison.results["sun_abraham"], "ATT"),
        "imputation_did": _overall("imputation_did", bjs, "ATT"),
    }
    gap = _gap(frame)
    trends = _trends(frame)
    lap("indicators")
    return DemoAnalysis(sim, overall, comparison, bacon, battery, gap, trends, seconds)
