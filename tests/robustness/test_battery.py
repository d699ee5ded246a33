"""The robustness battery: every verdict's number equals the underlying function's number."""

from __future__ import annotations

import pickle
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.datasets._simulate_county import CountySimConfig
from countyeconomy.errors import (
    CountyEconomyWarning,
    FormulaError,
    InvalidOptionError,
    TreatmentTimingError,
)
from countyeconomy.results import FrozenDict, PostEstimationResult, format_p_value
from countyeconomy.robustness import (
    CHECKS,
    CheckResult,
    Design,
    RobustnessReport,
    check_seeds,
    robustness_battery,
)
from countyeconomy.robustness._battery_checks import honest_grid

OUTCOME, TREAT, COHORT, COV = "log_rural_income", "policy", "first_treated", "log_gdp_pc"
DRAWS = 199
FILTERS = {
    "no districts": "not name.str.endswith('区')",
    "no Zhejiang": lambda f: f["province"] != "浙江省",
}


@pytest.fixture(scope="module")
def panel() -> ce.Panel:
    # three provinces (311 counties x 15 years) and a small effect, so p-values are not 0 or 1
    cfg = CountySimConfig(provinces=("33", "36", "43"), batch_shares=(0.05,) * 7, effect=0.005)
    return ce.datasets.simulate_county_panel(seed=3, config=cfg).panel


@pytest.fixture(scope="module")
def design(panel: ce.Panel) -> Design:
    return Design(panel, outcome=OUTCOME, treatment=TREAT, cohort=COHORT, covariates=(COV,))


def _run(design: Design, **kw: object) -> RobustnessReport:
    opts: dict[str, object] = dict(seed=11, draws=DRAWS, sample_filters=FILTERS, progress=False)
    opts |= kw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return robustness_battery(design, **opts)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def report(design: Design) -> RobustnessReport:
    return _run(design)


@pytest.fixture(scope="module")
def baseline(panel: ce.Panel) -> object:
    return ce.twfe(panel, f"{OUTCOME} ~ {TREAT} + {COV} | county + year", vcov=ce.Cluster("county"))


@pytest.fixture(scope="module")
def es(panel: ce.Panel) -> object:
    return ce.event_study(panel, OUTCOME, COHORT, covariates=[COV])


def test_every_check_has_table_charts_and_verdict(report: RobustnessReport) -> None:
    assert list(report.checks) == list(CHECKS)
    summary = report.to_frame().set_index("check")
    # the synthetic-control check is for few treated counties (tests/robustness/test_battery_scm.py)
    assert summary.loc["scm", "status"] == "skipped"
    summary = summary.drop(index="scm")
    assert summary["status"].eq("ok").all(), summary
    for name, check in report.checks.items():
        if name == "scm":
            continue
        assert not check.table.empty, name
        assert len(check.charts) >= 1, name
        assert check.verdict and re.search(r"\d", check.verdict), name
    assert list(summary.columns) == ["status", "statistic", "value", "verdict", "seed", "seconds"]
    assert set(report.timings().index) == set(CHECKS)


def test_pretrends_equals_event_study(report: RobustnessReport, es: object) -> None:
    w = es.pretrend  # type: ignore[attr-defined]
    check = report["pretrends"]
    assert check.value == w.p_value
    assert f"= {w.statistic:.2f}" in check.verdict and format_p_value(w.p_value) in check.verdict


def test_bacon_equals_decomposition(report: RobustnessReport, panel: ce.Panel) -> None:
    b = ce.bacon_decomposition(panel, OUTCOME, TREAT)
    forbidden = b.by_type.loc[b.by_type["type"].str.startswith("Later vs Earlier"), "weight"]
    assert report["bacon"].value == pytest.approx(float(forbidden.sum()), abs=1e-14)
    assert f"{b.twfe:.4f}" in report["bacon"].verdict


def test_estimators_equal_compare(report: RobustnessReport, panel: ce.Panel) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c = ce.compare_event_studies(panel, OUTCOME, COHORT, covariates=[COV])
    post = c.frame[c.frame["event_time"] >= 0].groupby("estimator")["estimate"].mean()
    assert report["estimators"].value == pytest.approx(float(post.max() - post.min()), abs=1e-14)
    assert f"{post.max():.4f}" in report["estimators"].verdict


def test_placebo_equals_placebo_test(report: RobustnessReport, baseline: object) -> None:
    check = report["placebo"]
    assert check.seed == check_seeds(11)[0]["placebo"]
    direct = ce.placebo_test(baseline, TREAT, draws=DRAWS, seed=check.seed, progress=False)
    assert 0 < direct.p_value < 1
    assert check.value == direct.p_value
    np.testing.assert_array_equal(check.result.coefs, direct.coefs)
    assert format_p_value(direct.p_value, DRAWS) in check.verdict


def test_psm_equals_psm_did(report: RobustnessReport, panel: ce.Panel) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        direct = ce.psm_did(panel, OUTCOME, TREAT, [COV])
    assert report["psm"].value == direct.att
    assert f"ATT = {direct.att:.4f}" in report["psm"].verdict


def test_clustering_equals_refits_and_wild_bootstrap(
    report: RobustnessReport, baseline: object
) -> None:
    check = report["clustering"]
    table = check.table.set_index("cluster")
    assert list(table.index) == ["county", "prefecture", "province"]
    p = {}
    for level in table.index:
        fit = baseline.with_vcov(ce.Cluster(level))  # type: ignore[attr-defined]
        row = fit.to_frame().set_index("term").loc[TREAT]
        assert table.loc[level, "std_error"] == row["std_error"]
        p[level] = row["p_value"]
        if table.loc[level, "clusters"] < 42:  # few clusters: wild bootstrap with the check's seed
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = ce.wild_bootstrap(fit, TREAT, reps=DRAWS, seed=check.seed, progress=False)
            assert table.loc[level, "wild_p_value"] == wb.p_value
            p[level] = wb.p_value
        else:
            assert np.isnan(table.loc[level, "wild_p_value"])
    assert check.value == max(p.values())


def test_samples_equal_refits_on_filtered_data(report: RobustnessReport, panel: ce.Panel) -> None:
    table = report["samples"].table.set_index("sample")
    frame = panel.to_frame()
    kept = frame[~frame["name"].str.endswith("区")]
    fit = ce.twfe(
        kept, f"{OUTCOME} ~ {TREAT} + {COV} | county + year", county="county", year="year"
    )
    assert table.loc["no districts", "estimate"] == float(fit.params[TREAT])
    assert table.loc["no districts", "nobs"] == fit.info.nobs < len(frame)
    assert table.loc["no Zhejiang", "nobs"] == (frame["province"] != "浙江省").sum()
    assert report["samples"].value == table["p_value"].iloc[1:].max()


def test_honestdid_equals_honest_did(report: RobustnessReport, es: object) -> None:
    check = report["honestdid"]
    direct = ce.honest_did(es, seed=check.seed, grid=honest_grid(es))  # type: ignore[arg-type]
    b, se = es.event_frame().set_index("event_time").loc[0, ["estimate", "std_error"]]  # type: ignore[attr-defined]
    assert honest_grid(es) == (min(0, b) - 20 * se, max(0, b) + 20 * se)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(check.table, direct.to_frame())
    if np.isnan(direct.breakdown):
        assert np.isnan(check.value) and "no breakdown" in check.verdict
    else:
        assert check.value == direct.breakdown


def test_same_seed_same_report(report: RobustnessReport, design: Design) -> None:
    again = _run(design)
    cols = ["check", "status", "statistic", "value", "verdict", "seed"]
    pd.testing.assert_frame_equal(again.to_frame()[cols], report.to_frame()[cols])
    for name in CHECKS:
        pd.testing.assert_frame_equal(again[name].table, report[name].table)
    other = _run(design, seed=12, checks=["placebo"])
    assert not np.array_equal(other["placebo"].result.coefs, report["placebo"].result.coefs)


def test_executor_gives_same_numbers(report: RobustnessReport, design: Design) -> None:
    with ThreadPoolExecutor(2) as pool:
        rep = _run(design, checks=("placebo", "clustering"), executor=pool)
    for name in ("placebo", "clustering"):
        pd.testing.assert_frame_equal(rep[name].table, report[name].table)


def test_seed_none_is_reproducible_from_entropy(design: Design) -> None:
    first = _run(design, seed=None, checks=["placebo"])
    again = _run(design, seed=first.seed_entropy, checks=["placebo"])
    assert again["placebo"].seed == first["placebo"].seed
    assert again["placebo"].value == first["placebo"].value


def test_to_html_is_offline_with_inline_svg(report: RobustnessReport, tmp_path: Path) -> None:
    out = report.to_html(tmp_path / "sub" / "robustness.html")
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") >= len(CHECKS) - 1  # the scm check is skipped here (many treated)
    assert "<script" not in page
    assert report["placebo"].verdict in page
    assert "<table" in report._repr_html_()


def test_to_latex_returns_tabulars(report: RobustnessReport) -> None:
    tex = report.to_latex()
    assert tex.count(r"\begin{tabular}") == len(CHECKS)  # summary + each check but scm (skipped)
    assert r"\end{tabular}" in tex and r"5\%" in tex


def test_bad_design_names_the_column(panel: ce.Panel) -> None:
    with pytest.raises(FormulaError, match=r"'nope' \(outcome\)"):
        Design(panel, outcome="nope", treatment=TREAT, cohort=COHORT)
    with pytest.raises(FormulaError, match=r"'town' \(vcov\), 'gdp' \(covariate\)"):
        Design(
            panel,
            outcome=OUTCOME,
            treatment=TREAT,
            cohort=COHORT,
            covariates=["gdp"],
            vcov="town",
        )
    with pytest.raises(ce.CountyEconomyError, match="'region' \\(absorb\\)"):
        Design(
            panel, outcome=OUTCOME, treatment=TREAT, cohort=COHORT, absorb="county + region^year"
        )


def test_design_from_dataframe(panel: ce.Panel) -> None:
    frame = panel.to_frame()
    d = Design(frame, outcome=OUTCOME, treatment=TREAT, cohort=COHORT, covariates=COV)
    assert d.covariates == (COV,) and d.panel.county == "county"
    assert d.formula == f"{OUTCOME} ~ {TREAT} + {COV} | county + year"
    pd.testing.assert_frame_equal(frame, panel.to_frame())  # the caller's data is untouched


def test_failing_check_is_recorded_not_raised(design: Design) -> None:
    with pytest.warns(CountyEconomyWarning, match="samples: failed"):
        rep = robustness_battery(
            design,
            checks=["pretrends", "samples"],
            sample_filters={"bad": "no_such_column > 0"},
            progress=False,
        )
    assert rep["samples"].status == "failed"
    assert "no_such_column" in rep["samples"].verdict
    assert rep["pretrends"].status == "ok"
    assert rep.to_frame().set_index("check").loc["samples", "status"] == "failed"


def test_skipped_checks_record_a_reason(panel: ce.Panel) -> None:
    d = Design(panel, outcome=OUTCOME, treatment=TREAT, cohort=COHORT)
    rep = robustness_battery(d, checks=["psm", "samples", "clustering"], alt_clusters=("town",))
    assert rep.to_frame()["status"].tolist() == ["skipped"] * 3
    assert "no covariates" in rep["psm"].verdict


def test_unknown_check_is_an_error(design: Design) -> None:
    with pytest.raises(InvalidOptionError, match="'trends'"):
        robustness_battery(design, checks=["trends"])


def test_clustering_leaves_out_single_cluster_levels(panel: ce.Panel) -> None:
    one = panel.to_frame().query("province == '浙江省'")
    d = Design(one, outcome=OUTCOME, treatment=TREAT, cohort=COHORT)
    rep = robustness_battery(d, checks="clustering", draws=DRAWS, seed=1, progress=False)
    assert rep["clustering"].status == "ok"
    assert rep["clustering"].table["cluster"].tolist() == ["county", "prefecture"]
    assert "province: a single cluster, left out" in rep["clustering"].verdict
    assert "outcome='log_rural_income'" in repr(d) and "DataFrame" not in repr(d)


def test_sample_table_reports_counties(report: RobustnessReport, panel: ce.Panel) -> None:
    # regression: the counties column was None in every row
    table = report["samples"].table.set_index("sample")
    frame = panel.to_frame()
    assert table["counties"].dtype == np.int64
    assert table.loc["baseline", "counties"] == frame["county"].nunique()
    kept = frame[~frame["name"].str.endswith("区")]
    assert table.loc["no districts", "counties"] == kept["county"].nunique()
    no_zj = frame[frame["province"] != "浙江省"]
    assert table.loc["no Zhejiang", "counties"] == no_zj["county"].nunique()


def test_seeds_follow_check_names_not_positions(report: RobustnessReport, design: Design) -> None:
    seeds = check_seeds(11)[0]
    shuffled = check_seeds(11, ("dummy", *reversed(CHECKS)))[0]
    assert all(shuffled[name] == seeds[name] for name in CHECKS)
    assert len(set(shuffled.values())) == len(shuffled)
    ss = np.random.SeedSequence(11)
    assert check_seeds(ss)[0] == check_seeds(ss)[0] == seeds  # the seed object is not consumed


def test_adding_a_check_does_not_change_the_others(
    report: RobustnessReport, design: Design, monkeypatch: pytest.MonkeyPatch
) -> None:
    from countyeconomy.robustness import battery
    from countyeconomy.robustness._battery_checks import Outcome, RunContext

    def dummy(self: RunContext) -> Outcome:
        return Outcome("dummy: 1 draw", "value", 1.0, pd.DataFrame({"a": [1]}), None)

    monkeypatch.setattr(battery, "CHECKS", ("dummy", *CHECKS))
    monkeypatch.setattr(battery, "_RANDOM", battery._RANDOM | {"dummy"})
    monkeypatch.setattr(RunContext, "dummy", dummy, raising=False)
    rep = _run(design, checks=["dummy", "placebo", "honestdid"])
    assert list(rep.checks) == ["dummy", "placebo", "honestdid"]
    for name in ("placebo", "honestdid"):
        assert rep[name].seed == report[name].seed
        assert rep[name].value == report[name].value or (
            np.isnan(rep[name].value) and np.isnan(report[name].value)
        )
        pd.testing.assert_frame_equal(rep[name].table, report[name].table)


def test_report_pickles_and_is_frozen(report: RobustnessReport) -> None:
    assert isinstance(report, PostEstimationResult)
    assert isinstance(report["placebo"], PostEstimationResult)
    assert isinstance(report.checks, FrozenDict)
    back = pickle.loads(pickle.dumps(report))
    pd.testing.assert_frame_equal(back.to_frame(), report.to_frame())
    for name in CHECKS:
        pd.testing.assert_frame_equal(back[name].table, report[name].table)
    assert back.design.formula == report.design.formula
    assert "Robustness report" in str(report.summary()) and "<table" in report._repr_html_()
    assert "<h4>" in report["bacon"]._repr_html_()
    with pytest.raises(TypeError):
        report.checks["extra"] = report["bacon"]  # type: ignore[index]
    table = report["placebo"].table
    table.iloc[0, 0] = "changed"  # what a report hands out is a copy
    assert report["placebo"].table.iloc[0, 0] != "changed"
    failed = CheckResult("x", "failed", "x: failed")
    assert pickle.loads(pickle.dumps(failed)).verdict == "x: failed"


def test_p_values_print_at_their_resolution(design: Design) -> None:
    rep = _run(design, checks=["placebo"], draws=99, seed=2)
    check = rep["placebo"]
    assert "< 0.001" not in check.verdict
    assert format_p_value(check.value, 99) in check.verdict


def test_retired_names_warn(design: Design) -> None:
    with pytest.warns(FutureWarning, match="countyeconomy.robustness_battery"):
        old = ce.robustness.run_robustness(design, checks="pretrends", progress=False)
    with pytest.warns(FutureWarning, match="countyeconomy.robustness_battery"):
        ce.robustness.run(design, checks="pretrends", progress=False)
    with pytest.warns(FutureWarning, match=r"placebo_draws=.*draws="):
        via_old = robustness_battery(
            design, checks="placebo", placebo_draws=DRAWS, seed=11, progress=False
        )
    assert via_old["placebo"].value == _run(design, checks="placebo")["placebo"].value
    with pytest.warns(FutureWarning, match=r"bootstrap_reps=.*draws="):
        robustness_battery(design, checks="pretrends", bootstrap_reps=DRAWS, progress=False)
    assert old["pretrends"].status == "ok"
    assert not callable(ce.robustness)


def test_bad_battery_options_are_named(design: Design) -> None:
    for kw, msg in [
        ({"draws": 5}, "draws=5"),
        ({"window": (0, 3)}, "window="),
        ({"control": "everyone"}, "control='everyone'"),
        ({"honest_target": 9}, "honest_target=9"),
        ({"honest_target": "0"}, "honest_target='0'"),
        ({"seed": -1}, "seed=-1"),
    ]:
        with pytest.raises(ce.CountyEconomyError, match=re.escape(msg)):
            robustness_battery(design, checks="pretrends", **kw)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="Design"):
        robustness_battery(design.panel, checks="pretrends")  # type: ignore[arg-type]


def test_cohort_treatment_disagreement_names_counties(panel: ce.Panel) -> None:
    frame = panel.to_frame()
    treated = frame.loc[frame[COHORT] > 0, "county"].drop_duplicates().iloc[:2].tolist()
    off = frame.assign(
        **{COHORT: np.where(frame["county"].isin(treated), frame[COHORT] + 1, frame[COHORT])}
    )
    with pytest.raises(TreatmentTimingError, match="disagree in 2 county") as err:
        Design(off, outcome=OUTCOME, treatment=TREAT, cohort=COHORT)
    for c in treated:
        assert repr(c) in str(err.value)
    assert "first treated" in str(err.value)


def test_control_group_and_honest_target_are_passed_on(design: Design, es: object) -> None:
    rep = _run(design, checks=["estimators", "honestdid"], control="not_yet_treated",
               honest_target=[0, 1, 2])  # fmt: skip
    est = rep["estimators"]
    assert "sun_abraham" in est.result.skipped and "not_yet_treated" in est.verdict
    row = est.table.set_index("estimator").loc["att_gt"]
    assert row["control"] == "not_yet_treated"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cs = ce.att_gt(
            design.panel, OUTCOME, COHORT, covariates=[COV], base_period="universal",
            control="not_yet_treated",
        ).aggregate("dynamic")  # fmt: skip
    f = cs.to_frame().dropna(subset=["event_time"]).set_index("event_time")
    assert row["0"] == f.loc[0, "estimate"]
    hd = rep["honestdid"]
    np.testing.assert_allclose(hd.result.l_vec[:3], [1 / 3] * 3)
    direct = ce.honest_did(
        es,
        l_vec=hd.result.l_vec,
        seed=hd.seed,
        grid=honest_grid(es, [0, 1, 2]),  # type: ignore[arg-type]
    )
    pd.testing.assert_frame_equal(hd.table, direct.to_frame())
    assert "average effect over event times [0, 1, 2]" in hd.verdict
    assert set(est.table["estimator"]) <= {
        "event_study", "att_gt", "sun_abraham", "imputation_did", "did_multiplegt"
    }  # fmt: skip


def test_design_takes_vcov_and_the_retired_cluster(panel: ce.Panel) -> None:
    d = Design(panel, outcome=OUTCOME, treatment=TREAT, cohort=COHORT, vcov="prefecture")
    assert d.vcov == ce.Cluster("prefecture") and d.cluster == "prefecture"
    with pytest.warns(FutureWarning, match=r"cluster=.*vcov="):
        old = Design(panel, outcome=OUTCOME, treatment=TREAT, cohort=COHORT, cluster="prefecture")
    assert old.vcov == d.vcov
    hc1 = Design(panel, outcome=OUTCOME, treatment=TREAT, cohort=COHORT, vcov="hc1")
    assert hc1.cluster is None and hc1.vcov_label == "hc1"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountyEconomyWarning)  # 3 provinces: few clusters
        rep = robustness_battery(hc1, checks="clustering", draws=DRAWS, seed=1, progress=False)
    table = rep["clustering"].table
    assert table["cluster"].tolist() == ["hc1", "prefecture", "province"], rep["clustering"]
    with pytest.raises(InvalidOptionError, match="unexpected"):
        Design(panel, outcome=OUTCOME, treatment=TREAT, cohort=COHORT, clusters="x")  # type: ignore[call-arg]
    with pytest.raises(InvalidOptionError, match="vcov="):
        Design(panel, outcome=OUTCOME, treatment=TREAT, cohort=COHORT, vcov=3)  # type: ignore[arg-type]
