"""The flagship analysis on the embedded simulated county panel (``countyeconomy demo``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from countyeconomy.datasets import simulate_county_panel
from countyeconomy.estimators.twfe import twfe
from countyeconomy.inference import Cluster
from countyeconomy.report import Section, coefplot, table, trend_chart, write_html_page

__all__ = ["run_demo"]


def run_demo(out_dir: str | Path = "build/demo", *, seed: int = 2024) -> Path:
    """Simulate a county panel with a staggered policy, estimate it, and write an HTML report.

    Returns the path of ``report.html``. Needs no download and no internet.
    """
    sim = simulate_county_panel(seed=seed)
    panel = sim.panel
    att = sim.truth.simple
    formula = "log_rural_income ~ policy + log_gdp_pc | county + year"
    models = {
        "TWFE": twfe(panel, "log_rural_income ~ policy | county + year"),
        "+ covariate": twfe(panel, formula),
        "+ province x year FE": twfe(
            panel, "log_rural_income ~ policy + log_gdp_pc | county + province^year"
        ),
        "province clusters": twfe(panel, formula, vcov=Cluster("province")),
    }
    tab = table(*models.values(), model_names=list(models), keep=["policy", "log_gdp_pc"])
    coef = coefplot(
        *models.values(),
        model_names=list(models),
        keep=["policy"],
        title=f"Policy effect (true ATT = {att:.3f})",
    )
    frame = panel.to_frame()
    frame["batch"] = frame["first_treated"].map(lambda g: "never treated" if g == 0 else str(g))
    means = pd.DataFrame(
        frame.groupby(["batch", "year"], as_index=False)["log_rural_income"].mean()
    )
    trends = trend_chart(
        means,
        x="year",
        y="log_rural_income",
        color="batch",
        title="Mean log rural income by adoption batch",
    )
    n_treated = int((frame.groupby("county")["first_treated"].first() > 0).sum())
    sections = [
        Section(
            "Data",
            [
                f"Simulated panel over the real county list: {len(panel.counties)} counties in "
                f"{panel.frame['province'].nunique()} provinces x {len(panel.years)} years "
                f"({panel.years.min()}-{panel.years.max()}), {n_treated} counties adopt the policy "
                f"in batches {sorted(int(g) for g in sim.truth.att_gt['cohort'].unique())}; the true average effect on "
                f"treated county-years is {att:.4f} log points.",
            ],
            charts=[trends],
        ),
        Section(
            "Two-way fixed-effects estimates",
            ["Standard errors clustered by county unless stated (fixest/reghdfe convention)."],
            table_html=tab.to_html(),
            charts=[coef],
        ),
    ]
    out = Path(out_dir) / "report.html"
    summary = pd.Series({k: float(m.params["policy"]) for k, m in models.items()})
    sections.append(
        Section(
            "Estimates against the truth",
            ["; ".join(f"{k}: {v:.4f}" for k, v in summary.items()) + f". Truth: {att:.4f}."],
        )
    )
    return write_html_page(
        out, "countyeconomy demo: a staggered county policy and rural income", sections
    )
