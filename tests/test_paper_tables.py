"""A paper's tables (describe, correlation_table, balance_table, table): numbers against
pandas/scipy/statsmodels computed here, esttab-style row merging, fixed-effect rows, and the
Word (python-docx) and LaTeX (booktabs, threeparttable; compiled with pdflatex) outputs."""

from __future__ import annotations

import dataclasses
import pickle
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.outliers_influence import variance_inflation_factor

import countyeconomy as ce
from countyeconomy.errors import (
    IdentificationError,
    InputTypeError,
    InvalidOptionError,
    RowsDroppedWarning,
)


def _stars(p: float) -> str:
    return "*" * sum(p < lv for lv in (0.1, 0.05, 0.01))


@pytest.fixture(scope="module")
def panel() -> ce.Panel:
    sim = ce.datasets.simulate_staggered_panel(seed=3, n_counties=60)
    frame = sim.panel.frame
    rng = np.random.default_rng(7)
    frame["x_noise"] = frame["log_gdp_pc"] + rng.normal(0, 0.5, len(frame))
    frame["treated"] = (frame["first_treated"] > 0).astype("int64")
    frame.attrs["units"] = {"log_gdp_pc": "log yuan"}
    return ce.Panel.from_frame(frame, county="county", year="year")


@pytest.fixture(scope="module")
def fits(panel: ce.Panel) -> dict[str, Any]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "twfe": ce.twfe(panel, "log_rural_income ~ policy | county + year"),
            "att_gt": ce.att_gt(panel, "log_rural_income", "first_treated").aggregate("simple"),
            "imputation_did": ce.imputation_did(panel, "log_rural_income", "first_treated"),
            "sun_abraham": ce.sun_abraham(panel, "log_rural_income", "first_treated"),
        }


# ---------------------------------------------------------------- describe (Table 1)
def test_describe_matches_pandas_with_units_labels_and_groups(panel: ce.Panel) -> None:
    cols = ["log_rural_income", "log_gdp_pc"]
    t = ce.describe(panel, cols, labels={"log_rural_income": "农村居民收入"})
    frame = panel.frame
    assert list(t.body.columns) == ["N", "Mean", "SD", "Min", "Median", "Max"]
    assert list(t.body.index) == ["农村居民收入", "log_gdp_pc (log yuan)"]
    for col, label in zip(cols, t.body.index, strict=True):
        x = frame[col]
        expected = [x.count(), x.mean(), x.std(), x.min(), x.median(), x.max()]
        assert t.body.loc[label].tolist() == [
            f"{expected[0]}",
            *(f"{v:.3f}" for v in expected[1:]),
        ]
        assert t.data.loc[col, "sd"] == pytest.approx(x.std())
    by = ce.describe(panel, cols, by="treated", labels={"1": "Treated", "0": "Never treated"})
    assert by.sections == (0, 3)
    assert by.body.index[0] == "treated = Never treated" and by.body.index[3] == "treated = Treated"
    sub = frame.loc[frame["treated"] == 1, "log_gdp_pc"]
    assert by.body.iloc[5]["Mean"] == f"{sub.mean():.3f}"


def test_describe_flags_go_to_the_notes(panel: ce.Panel) -> None:
    bad = panel.assign(co2=np.where(np.arange(panel.nobs) < 3, 1e-8, 1.0 + np.arange(panel.nobs)))
    t = ce.describe(bad, "co2")
    assert t.data.loc["co2", "n_flagged"] == 3
    assert any("Flagged: co2" in n and "placeholder" in n for n in t.notes)


# ---------------------------------------------------------------- correlation (corr2docx)
def test_correlation_table_matches_scipy_and_statsmodels(panel: ce.Panel) -> None:
    cols = ["log_rural_income", "log_gdp_pc", "x_noise", "policy"]
    t = ce.correlation_table(panel, cols, vif=True)
    x = panel.frame[cols]
    for i, a in enumerate(cols):
        for j, b in enumerate(cols):
            cell = t.body.iloc[i, j]
            if j > i:
                assert cell == ""  # lower-triangular
            elif j == i:
                assert cell == "1.000"
            else:
                r, p = stats.pearsonr(x[a], x[b])
                assert cell == f"{r:.3f}{_stars(p)}"
                assert t.data["p_value"].loc[a, b] == pytest.approx(p, rel=1e-6, abs=1e-300)
    design = np.column_stack([np.ones(len(x)), x.to_numpy()])
    expected = [variance_inflation_factor(design, k + 1) for k in range(len(cols))]
    np.testing.assert_allclose(t.data["vif"].to_numpy(), expected, rtol=1e-8)
    assert t.body["VIF"].tolist() == [f"{v:.2f}" for v in expected]
    spearman = ce.correlation_table(panel.frame, cols[:2], method="spearman")
    rho, p = stats.spearmanr(x[cols[0]], x[cols[1]])
    assert spearman.body.iloc[1, 0] == f"{rho:.3f}{_stars(p)}"
    assert spearman.data["p_value"].iloc[1, 0] == pytest.approx(p, rel=1e-6)


def test_correlation_table_drops_incomplete_rows_listwise() -> None:
    df = pd.DataFrame({"a": [1.0, 2, 3, 4, np.nan, 6], "b": [2.0, 1, 4, 3, 5, np.inf]})
    with pytest.warns(RowsDroppedWarning, match="dropped 2 of 6"):
        t = ce.correlation_table(df, ["a", "b"])
    r, _ = stats.pearsonr([1.0, 2, 3, 4], [2.0, 1, 4, 3])
    assert t.data["r"].loc["b", "a"] == pytest.approx(r) and "N = 4" in t.notes[0]
    with pytest.raises(IdentificationError, match="constant"):
        ce.correlation_table(df.iloc[:4].assign(c=1.0), ["a", "c"])
    with pytest.raises(IdentificationError, match="collinear"):
        ce.correlation_table(df.iloc[:4].assign(c=2 * df["a"]), ["a", "c"], vif=True)


# ---------------------------------------------------------------- balance (t2docx)
@pytest.mark.parametrize("welch", [False, True])
def test_balance_table_matches_scipy_ttest(panel: ce.Panel, welch: bool) -> None:
    cols = ["log_gdp_pc", "x_noise"]
    t = ce.balance_table(panel, cols, by="treated", welch=welch)
    frame = panel.frame
    assert list(t.body.columns) == ["N (0)", "Mean (0)", "N (1)", "Mean (1)", "Difference", "t"]
    assert list(t.body.index) == ["log_gdp_pc (log yuan)", "x_noise"]
    for k, col in enumerate(cols):
        a = frame.loc[frame["treated"] == 0, col]
        b = frame.loc[frame["treated"] == 1, col]
        res = stats.ttest_ind(a, b, equal_var=not welch)
        row = t.data.loc[col]
        assert row["statistic"] == pytest.approx(res.statistic, rel=1e-10)
        assert row["p_value"] == pytest.approx(res.pvalue, rel=1e-8)
        assert row["df"] == pytest.approx(res.df, rel=1e-10)
        diff = a.mean() - b.mean()
        assert t.body.iloc[k]["Difference"] == f"{diff:.3f}{_stars(res.pvalue)}"
        assert t.body.iloc[k]["N (1)"] == str(len(b))
    assert ("Welch" in t.notes[0]) is welch


def test_balance_table_groups_and_errors(panel: ce.Panel) -> None:
    frame = panel.frame
    t = ce.balance_table(
        frame, ["log_gdp_pc"], by="treated", groups=(1, 0), labels={"1": "处理组", "0": "对照组"}
    )
    assert t.body.columns[0] == "N (处理组)"
    a = frame.loc[frame["treated"] == 1, "log_gdp_pc"].mean()
    assert t.data.loc["log_gdp_pc", "difference"] == pytest.approx(
        a - frame.loc[frame["treated"] == 0, "log_gdp_pc"].mean()
    )
    with pytest.raises(InvalidOptionError, match=r"two groups.*first_treated"):
        ce.balance_table(frame, ["log_gdp_pc"], by="first_treated")
    with pytest.raises(InvalidOptionError, match="not found"):
        ce.balance_table(frame, ["log_gdp_pc"], by="treated", groups=(1, 5))
    with pytest.raises(InputTypeError):
        ce.balance_table([1, 2], ["x"], by="g")  # type: ignore[arg-type]


# ---------------------------------------------------------------- regression (esttab, reg2docx)
def test_rename_merges_rows_across_estimators(fits: dict[str, Any]) -> None:
    models = [fits["twfe"], fits["att_gt"], fits["imputation_did"]]
    t = ce.table(
        *models,
        keep=["Converted"],
        rename={"policy": "Converted", "ATT": "Converted"},
        labels={"Converted": "撤县设区", "county": "County FE", "year": "Year FE"},
    )
    assert list(t.body.index) == ["撤县设区", "\u200b撤县设区"]
    for col, r, term in zip(t.body.columns, models, ["policy", "ATT", "ATT"], strict=True):
        est, se, p = r.params[term], r.std_errors[term], r.pvalues[term]
        assert t.body.loc["撤县设区", col] == f"{est:.3f}{_stars(p)}"
        assert t.body.iloc[1][col] == f"({se:.3f})"
    assert t.footer.loc["County FE"].tolist() == ["Yes", "No", "Yes"]
    assert t.footer.loc["Year FE"].tolist() == ["Yes", "No", "Yes"]
    with pytest.raises(InvalidOptionError, match="both map to row"):
        ce.table(fits["imputation_did"], rename={"ATT": "E", "event_time::0": "E"})


def test_fixed_effect_rows_for_sun_abraham_and_bjs(fits: dict[str, Any]) -> None:
    t = ce.table(fits["twfe"], fits["sun_abraham"], fits["imputation_did"], keep=["policy"])
    for fe in ("county FE", "year FE"):
        assert t.footer.loc[fe].tolist() == ["Yes", "Yes", "Yes"]
    renamed = ce.twfe(_renamed_panel(), "log_rural_income ~ policy | code + yr")
    merged = ce.table(renamed, fits["imputation_did"], keep=["policy"],
                      labels={"code": "County FE", "county": "County FE"})  # fmt: skip
    assert merged.footer.loc["County FE"].tolist() == ["Yes", "Yes"]


def _renamed_panel() -> ce.Panel:
    sim = ce.datasets.simulate_staggered_panel(seed=3, n_counties=60)
    frame = sim.panel.frame.rename(columns={"county": "code", "year": "yr"})
    return ce.Panel.from_frame(frame, county="code", year="yr")


# ---------------------------------------------------------------- outputs
def _tables(panel: ce.Panel, fits: dict[str, Any], *, chinese: bool) -> dict[str, ce.report.Table]:
    label = {"log_gdp_pc": "人均GDP对数"} if chinese else {"log_gdp_pc": "GDP_pc & 100% #1 $"}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RowsDroppedWarning)  # singletons of province^year
        wide = ce.twfe(panel, "log_rural_income ~ policy + log_gdp_pc | county + province^year")
    reg = ce.table(fits["twfe"], wide, labels=label)
    cols = ["log_rural_income", "log_gdp_pc"]
    return {
        "describe": ce.describe(panel, cols, labels=label, by="treated"),
        "correlation": ce.correlation_table(panel, cols, labels=label, vif=True),
        "balance": ce.balance_table(panel, cols, by="treated", labels=label),
        "regression": reg,
    }


def test_tables_round_trip_through_word(
    panel: ce.Panel, fits: dict[str, Any], tmp_path: Any
) -> None:
    import docx
    from docx.oxml.ns import qn

    path = tmp_path / "tables.docx"
    tables = _tables(panel, fits, chinese=True)
    for i, t in enumerate(tables.values()):
        t.to_docx(path, append=i > 0)
    document = docx.Document(str(path))
    assert len(document.tables) == len(tables)
    for t, word in zip(tables.values(), document.tables, strict=True):
        expected = [["", *t.body.columns]]
        for label, cells, part in t.rows():
            expected.append([label] * (len(cells) + 1) if part == "section" else [label, *cells])
        got = [[c.text for c in row.cells] for row in word.rows]
        assert got == expected
        first = word.rows[0].cells[1]._tc.tcPr.find(qn("w:tcBorders"))
        last = word.rows[-1].cells[1]._tc.tcPr.find(qn("w:tcBorders"))
        assert first.find(qn("w:top")).get(qn("w:sz")) == "12"
        assert first.find(qn("w:bottom")) is not None and last.find(qn("w:bottom")) is not None
    text = "\n".join(c.text for tb in document.tables for row in tb.rows for c in row.cells)
    assert "人均GDP对数" in text
    run = document.tables[0].rows[3].cells[0].paragraphs[0].runs[0]
    assert (
        run.text == "人均GDP对数 (log yuan)"
        and run._element.rPr.rFonts.get(qn("w:eastAsia")) == "SimSun"
    )
    notes = [p.text for p in document.paragraphs]
    assert any("Standard errors in parentheses" in n for n in notes)
    assert "Regression results" in notes


def test_latex_escapes_and_uses_booktabs(panel: ce.Panel, fits: dict[str, Any]) -> None:
    latex = _tables(panel, fits, chinese=False)["regression"].to_latex()
    for piece in ("\\toprule", "\\midrule", "\\bottomrule", "\\caption{Regression results}",
                  "\\label{tab:regression}", "\\begin{tablenotes}", "\\item Standard errors",
                  "province\\textasciicircum{}year FE", "GDP\\_pc \\& 100\\% \\#1 \\$"):  # fmt: skip
        assert piece in latex
    assert "\\hline" not in latex and "\n%" not in latex


def test_latex_compiles_with_pdflatex(panel: ce.Panel, fits: dict[str, Any], tmp_path: Any) -> None:
    import shutil
    import subprocess

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (CI installs texlive-latex-extra; see .ci/run)")
    for name, t in _tables(panel, fits, chinese=False).items():
        tex = tmp_path / f"{name}.tex"
        tex.write_text(t.to_latex(standalone=True), encoding="utf-8")
        run = subprocess.run(
            ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert run.returncode == 0, f"{name}: {run.stdout[-2000:]}"
        assert (tmp_path / f"{name}.pdf").stat().st_size > 1000


def test_latex_with_chinese_labels_compiles_with_xelatex_and_ctex(
    panel: ce.Panel, fits: dict[str, Any], tmp_path: Any
) -> None:
    import shutil
    import subprocess

    has_ctex = (
        shutil.which("kpsewhich")
        and subprocess.run(
            ["kpsewhich", "ctexart.cls"], capture_output=True, text=True
        ).stdout.strip()
    )
    if shutil.which("xelatex") is None or not has_ctex:
        pytest.skip("Chinese labels need xelatex and ctex (Debian texlive-lang-chinese)")
    t = _tables(panel, fits, chinese=True)["balance"]
    (tmp_path / "cjk.tex").write_text(t.to_latex(standalone=True), encoding="utf-8")
    run = subprocess.run(
        ["xelatex", "-interaction=nonstopmode", "-halt-on-error", "cjk.tex"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-2000:]


def test_table_is_frozen_and_pickles(panel: ce.Panel) -> None:
    t = ce.describe(panel, ["log_gdp_pc"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.title = "x"  # type: ignore[misc]
    body = t.body
    body.iloc[0, 0] = "changed"
    assert t.body.iloc[0, 0] != "changed"
    back = pickle.loads(pickle.dumps(t))
    assert back.to_html() == t.to_html() and "<table class='ce-table'>" in t.to_html()
    assert dataclasses.replace(t, title="Table 1").to_latex().count("\\caption{Table 1}") == 1
    assert t.to_markdown().splitlines()[0].startswith("| | N |")


def test_the_guide_runs(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import re
    from pathlib import Path

    guide = Path(__file__).resolve().parents[1] / "docs" / "guides" / "paper-tables.md"
    blocks = re.findall(r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), re.DOTALL)
    assert blocks
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for code in blocks:
            exec(compile(code, str(guide), "exec"), {})
    import docx

    assert len(docx.Document(str(tmp_path / "tables.docx")).tables) == 4
