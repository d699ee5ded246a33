"""Regression tables and charts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import countyeconomy as ce


@pytest.fixture(scope="module")
def results() -> tuple[ce.estimators.TWFEResult, ce.estimators.TWFEResult]:
    sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=150)
    r1 = ce.twfe(sim.panel, "log_rural_income ~ policy | county + year")
    r2 = ce.twfe(
        sim.panel, "log_rural_income ~ policy + log_gdp_pc | county + province^year", vcov="hc1"
    )
    return r1, r2


def test_table_cells_follow_results(results: tuple[ce.estimators.TWFEResult, ...]) -> None:
    r1, r2 = results
    t = ce.table(r1, r2, model_names=["A", "B"])
    body = t.body
    est, se, p = r2.params["policy"], r2.std_errors["policy"], r2.pvalues["policy"]
    stars = "*" * sum(p < lv for lv in (0.1, 0.05, 0.01))
    assert body.loc["policy", "B"] == f"{est:.3f}{stars}"
    assert body.iloc[1]["B"] == f"({se:.3f})"
    assert body.loc["log_gdp_pc", "A"] == ""
    foot = t.footer
    assert foot.loc["county FE", "A"] == "Yes" and foot.loc["year FE", "B"] == "No"
    assert foot.loc["province^year FE", "B"] == "Yes"
    assert foot.loc["Observations", "A"] == f"{r1.nobs:,}"
    assert foot.loc["Clusters", "A"] == "150" and foot.loc["Clusters", "B"] == ""
    md = t.to_markdown()
    assert md.splitlines()[0] == "| | A | B |" and "(" in md
    latex = t.to_latex()
    assert "\\begin{tabular}{lcc}" in latex and "province\\textasciicircum{}year FE" in latex
    assert "<table" in t.to_html() and isinstance(t.to_frame(), pd.DataFrame)


def test_keep_and_rename(results: tuple[ce.estimators.TWFEResult, ...]) -> None:
    t = ce.table(*results, keep=["policy"], rename={"policy": "E-commerce pilot"})
    assert next(iter(t.body.index)) == "E-commerce pilot" and len(t.body) == 2


def test_coefplot_data_and_export(
    results: tuple[ce.estimators.TWFEResult, ...], tmp_path: Path
) -> None:
    chart = ce.coefplot(*results, keep=["policy"])
    spec = chart.to_dict()
    values = next(v for v in spec["datasets"].values() if "model" in v[0])
    assert {v["model"] for v in values} == {"(1)", "(2)"}
    lows = sorted(v["ci_low"] for v in values)
    expected = sorted(float(r.conf_int().loc["policy", "ci_low"]) for r in results)
    assert lows == pytest.approx(expected)
    png = ce.report.save_chart(chart, tmp_path / "c.png")
    svg = ce.report.save_chart(chart, tmp_path / "c.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.read_text().lstrip().startswith("<svg")
    with pytest.raises(ce.errors.InvalidOptionError, match=r"\.png or \.svg"):
        ce.report.save_chart(chart, tmp_path / "c.pdf")


def test_table_of_a_dataframe_is_a_type_error(
    results: tuple[ce.estimators.TWFEResult, ...],
) -> None:
    frame = results[0].to_frame()
    with pytest.raises(ce.errors.InputTypeError, match=r"argument 2 of table\(\).*DataFrame"):
        ce.table(results[0], frame)
    with pytest.raises(TypeError):  # still a TypeError for callers catching the builtin
        ce.table(frame)


def test_table_checks_its_options(results: tuple[ce.estimators.TWFEResult, ...]) -> None:
    with pytest.raises(ce.errors.InvalidOptionError, match="at least one"):
        ce.table()
    with pytest.raises(ce.errors.InvalidOptionError, match="1 name"):
        ce.table(*results, model_names=["only one"])


def test_report_exports_font() -> None:
    from countyeconomy.report import FONT

    assert "Noto Sans CJK SC" in FONT
