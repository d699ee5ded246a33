"""The demo's HTML report (sections with tables and inline SVG charts) and its text summary."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from countyeconomy.demo._analysis import OUTCOME, WINDOW, DemoAnalysis
from countyeconomy.report import Section, coefplot, trend_chart, write_html_page

__all__ = ["SECTION_TITLES", "sections", "summary_text", "write_report"]

SECTION_TITLES = (
    "Data and raw trends",
    "TWFE beside the heterogeneity-robust estimators",
    "Event study and pre-trend test",
    "Why TWFE is off: the Goodman-Bacon decomposition",
    "Robustness battery",
    "Urban-rural gap",
)
"""The report's section headings, in order."""


def _html_table(frame: pd.DataFrame, digits: int = 4) -> str:
    out: str = frame.to_html(
        classes="ce-table",
        border=0,
        index=False,
        escape=True,
        na_rep="",
        float_format=lambda v: f"{v:.{digits}f}",
    )
    return out


def _data_section(a: DemoAnalysis) -> Section:
    panel = a.sim.panel
    frame = panel.frame
    cohorts = sorted(int(g) for g in a.sim.truth.att_gt["cohort"].unique())
    n_treated = int((frame.groupby(panel.county)["first_treated"].first() > 0).sum())
    chart = trend_chart(
        a.trends,
        x="year",
        y=OUTCOME,
        color="batch",
        title="Mean log rural income by adoption batch (raw data)",
    )
    text = (
        f"Simulated panel over the real county list: {len(panel.counties)} counties in "
        f"{frame['province'].nunique()} provinces x {len(panel.years)} years "
        f"({panel.years.min()}-{panel.years.max()}); {n_treated} counties adopt the policy in "
        f"batches {cohorts}, the others never do. The effect grows with time since adoption and "
        f"is larger for earlier batches, the setting in which two-way fixed effects (TWFE) is "
        f"biased. True average effect on treated county-years: {a.truth:.4f} log points."
    )
    return Section(SECTION_TITLES[0], [text], charts=[chart])


def _overall_section(a: DemoAnalysis) -> Section:
    f = a.overall_frame()
    chart = coefplot(
        *a.overall.values(),
        model_names=[o.model for o in a.overall.values()],
        title=f"Overall ATT, 95% CI; black rule: the truth ({a.truth:.4f})",
        truth=a.truth,
    )
    table = f.assign(covers_truth=f["covers_truth"].map({True: "yes", False: "no"}))
    twfe = a.overall["twfe"].estimate
    text = (
        f"TWFE estimates {twfe:.4f} against a truth of {a.truth:.4f} (bias {twfe - a.truth:+.4f}). "
        "Callaway-Sant'Anna (never-treated comparison, simple aggregate), Sun-Abraham "
        "(interaction-weighted) and the BJS imputation estimator average the cohort-specific "
        "effects with the right weights. Standard errors clustered by county."
    )
    return Section(SECTION_TITLES[1], [text], table_html=_html_table(table), charts=[chart])


def _event_section(a: DemoAnalysis) -> Section:
    dyn = a.sim.truth.dynamic
    lo, hi = WINDOW
    truth = dyn[(dyn["event_time"] >= lo) & (dyn["event_time"] <= hi)]
    chart = a.comparison.plot(truth=truth)
    table = a.comparison.table()
    table.columns.name = None
    table = table.reset_index()
    table.insert(1, "truth", table["event_time"].map(truth.set_index("event_time")["att"]))
    table["truth"] = table["truth"].map(lambda v: f"{v:.4f}")
    es = a.event_study
    text = [
        f"Joint pre-trend test of the TWFE event study (leads {lo}..-2 against -1): "
        f"{es.pretrend}. Dotted black line: the true dynamic effect.",
        "Each estimator keeps its own normalisation: the TWFE event study, Callaway-Sant'Anna "
        "(universal base period) and Sun-Abraham are relative to event time -1; the BJS leads "
        "and effects are measured against all untreated periods, so BJS has no zero at -1 and "
        "is drawn with its own marker rather than re-normalised.",
    ]
    return Section(SECTION_TITLES[2], text, table_html=_html_table(table), charts=[chart])


def _bacon_section(a: DemoAnalysis) -> Section:
    b = a.bacon
    by = b.by_type
    late = by[by["type"].str.startswith("Later vs Earlier")]
    late_w = float(late["weight"].sum()) if not late.empty else 0.0
    late_e = float(late["estimate"].iloc[0]) if not late.empty else float("nan")
    text = (
        f"The TWFE coefficient ({b.twfe:.4f}) is a weighted average of all 2x2 comparisons. "
        f"Its weights follow the variance of treatment, not the number of treated county-years, "
        f"so batches and years count in other proportions than in the true average "
        f"({a.truth:.4f}); and {late_w:.1%} of the weight sits on 'later vs earlier treated' "
        f"comparisons, which use already-treated counties as controls while their effect still "
        f"grows (estimate {late_e:.4f}), pulling TWFE down."
    )
    return Section(
        SECTION_TITLES[3],
        [text],
        table_html=_html_table(by),
        charts=[b.plot()],
    )


def _battery_section(a: DemoAnalysis) -> Section:
    rep = a.battery
    f = rep.to_frame()[["check", "status", "verdict"]]
    n_ok = int((f["status"] == "ok").sum())
    draws = rep.options.get("draws", "")
    text = (
        f"robustness_battery on the design {rep.design.formula} with {draws} placebo and "
        f"wild-bootstrap draws: {n_ok} of {len(f)} checks ran; each verdict states the number it "
        "rests on. The design adds the covariate log_gdp_pc (PSM-DID matches on it), so its "
        "numbers differ slightly from the sections above, and did_multiplegt, which takes no "
        "covariates, is left out of the estimator comparison."
    )
    charts: list[Any] = list(rep["placebo"].charts[:1]) if "placebo" in rep.checks else []
    return Section(SECTION_TITLES[4], [text], table_html=_html_table(f), charts=charts)


def _gap_section(a: DemoAnalysis) -> Section:
    g = a.gap
    long = g.melt(
        "year",
        value_vars=["median urban-rural Theil-T", "Gini of county income per head"],
        var_name="measure",
        value_name="value",
    )
    chart = trend_chart(
        long, x="year", y="value", color="measure", title="Urban-rural gap and income inequality"
    )
    first, last = g.iloc[0], g.iloc[-1]
    text = (
        f"countyeconomy.indicators on the same panel: the median county's urban-rural Theil-T "
        f"goes from {first['median urban-rural Theil-T']:.4f} ({int(first['year'])}) to "
        f"{last['median urban-rural Theil-T']:.4f} ({int(last['year'])}); the median "
        f"urban/rural income ratio from {first['median urban/rural income ratio']:.2f} to "
        f"{last['median urban/rural income ratio']:.2f}; the population-weighted Gini of county "
        f"income per head from {first['Gini of county income per head']:.4f} to "
        f"{last['Gini of county income per head']:.4f}."
    )
    return Section(SECTION_TITLES[5], [text], table_html=_html_table(g), charts=[chart])


def sections(a: DemoAnalysis) -> list[Section]:
    """The report's sections, in the order of :data:`SECTION_TITLES`."""
    return [
        _data_section(a),
        _overall_section(a),
        _event_section(a),
        _bacon_section(a),
        _battery_section(a),
        _gap_section(a),
    ]


def write_report(a: DemoAnalysis, out_dir: str | Path) -> Path:
    """Write ``report.html`` (self-contained: tables and inline SVG, no scripts) in ``out_dir``."""
    return write_html_page(
        Path(out_dir) / "report.html",
        "countyeconomy demo: a staggered county policy and rural income",
        sections(a),
    )


def summary_text(a: DemoAnalysis) -> str:
    """A short plain-text summary of the demo's numbers (what ``countyeconomy demo`` prints)."""
    panel = a.sim.panel
    lines = [
        f"countyeconomy demo: {len(panel.counties)} simulated counties x {len(panel.years)} "
        f"years, staggered policy; true ATT {a.truth:.4f}",
        "Overall ATT          estimate   (s.e.)    bias    95% CI covers truth",
    ]
    for row in a.overall_frame().itertuples():
        lines.append(
            f"  {str(row.estimator).split(' (')[0]:<18} {row.estimate:8.4f} ({row.std_error:.4f}) "
            f"{row.bias:+.4f}  {'yes' if row.covers_truth else 'no'}"
        )
    by = a.bacon.by_type.set_index("type")
    bacon = "; ".join(f"{t} {r.weight:.1%} at {r.estimate:.4f}" for t, r in by.iterrows())
    rep = a.battery.to_frame()
    lines += [
        f"Pre-trends (TWFE event study): {a.event_study.pretrend}",
        f"Bacon: TWFE {a.bacon.twfe:.4f} = {bacon}",
        f"Robustness battery: {int((rep['status'] == 'ok').sum())} of {len(rep)} checks ran",
    ]
    lines += [f"  - {v}" for v in rep["verdict"]]
    g = a.gap
    lines.append(
        f"Urban-rural gap: median Theil-T {g['median urban-rural Theil-T'].iloc[0]:.4f} -> "
        f"{g['median urban-rural Theil-T'].iloc[-1]:.4f} ({int(g['year'].iloc[0])}-"
        f"{int(g['year'].iloc[-1])})"
    )
    return "\n".join(lines)
