"""One colour per estimator across the library's charts; coefficient axes chosen from the data
with the truth (or zero) marked; comparison charts state each estimator's normalisation."""

from __future__ import annotations

import warnings
from typing import Any

import pytest

import countyeconomy as ce
from countyeconomy.estimators import registry
from countyeconomy.estimators.staggered.compare import NORMALISATION
from countyeconomy.report import ESTIMATOR_COLORS, color_scale, estimator_color, estimator_key

Y, G = "log_rural_income", "first_treated"


@pytest.fixture(scope="module")
def comparison() -> Any:
    sim = ce.datasets.simulate_staggered_panel(seed=4, n_counties=150)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ce.errors.CountyEconomyWarning)
        res = ce.compare_event_studies(
            sim.panel, Y, G, estimators=("event_study", "att_gt", "imputation_did"), window=(-3, 3)
        )
    return sim, res


def _color_scales(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every colour scale in a (layered) vega-lite spec."""
    found = []
    for layer in [spec, *spec.get("layer", [])]:
        color = layer.get("encoding", {}).get("color", {})
        if "scale" in color:
            found.append(color["scale"])
    return found


def _colour_of(spec: dict[str, Any], label: str) -> str:
    scale = _color_scales(spec)[0]
    return str(scale["range"][scale["domain"].index(label)])


def test_every_registry_estimator_has_a_colour_and_a_normalisation() -> None:
    for key, entry in registry.ESTIMATORS.items():
        assert key in ESTIMATOR_COLORS and key in NORMALISATION
        assert estimator_key(entry.title) == key
    fixed = [c for k, c in ESTIMATOR_COLORS.items() if k in registry.ESTIMATORS]
    assert len(set(fixed)) == len(fixed)  # distinct within the comparison


def test_att_gt_has_one_colour_in_two_different_charts(comparison: Any) -> None:
    sim, res = comparison
    compare_spec = res.plot().to_dict()
    cs = ce.att_gt(sim.panel, Y, G).aggregate("simple")
    tw = ce.twfe(sim.panel, f"{Y} ~ policy | county + year")
    coef_spec = ce.coefplot(
        tw, cs, model_names=["TWFE", "att_gt"], keep=["policy", "ATT"]
    ).to_dict()
    colour = ESTIMATOR_COLORS["att_gt"]
    assert _colour_of(compare_spec, "att_gt (Callaway-Sant'Anna)") == colour
    assert _colour_of(coef_spec, "att_gt") == colour
    assert _colour_of(compare_spec, "event_study (TWFE)") == _colour_of(coef_spec, "TWFE")
    # the same estimator keeps its colour whatever else is in the chart
    alone = ce.coefplot(cs, tw, model_names=["Callaway-Sant'Anna", "mine"]).to_dict()
    assert _colour_of(alone, "Callaway-Sant'Anna") == colour
    assert _colour_of(alone, "mine") not in set(ESTIMATOR_COLORS.values()) - {
        ESTIMATOR_COLORS["twfe"]
    }


def test_labels_that_are_not_estimators_take_unused_colours() -> None:
    scale = color_scale(["(1)", "sun_abraham", "(2)"]).to_dict()
    assert scale["range"][1] == estimator_color("sun_abraham")
    assert len(set(scale["range"])) == 3
    assert estimator_key("BJS imputation (imputation_did)") == "imputation_did"
    assert estimator_key("(1)") is None and estimator_color("my model") is None


def test_comparison_chart_states_each_normalisation(comparison: Any) -> None:
    _, res = comparison
    spec = res.plot().to_dict()
    subtitle = " ".join(spec["title"]["subtitle"])
    assert "imputation_did" in subtitle and "all untreated" in subtitle
    assert "event_study, att_gt: relative to event time -1" in subtitle
    data = next(v for v in spec["datasets"].values() if v and "normalisation" in v[0])
    kinds = {(row["estimator"], row["normalisation"]) for row in data}
    assert ("imputation_did (BJS)", "vs all untreated periods") in kinds
    assert ("att_gt (Callaway-Sant'Anna)", "vs event time -1") in kinds
    points = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "point"]
    assert points[0]["encoding"]["shape"]["field"] == "normalisation"
    # BJS is not re-normalised: its lead at -1 is an estimate, not a zero
    bjs = res.frame.query("estimator == 'imputation_did (BJS)' and event_time == -1")
    assert (bjs["std_error"] > 0).all()
    assert res.info.normalisation["imputation_did"][0] == "vs all untreated periods"
    assert "Normalisation imputation_did" in res.summary().as_text()


@pytest.mark.parametrize("key", ["event_study", "sun_abraham", "imputation_did", "did_multiplegt"])
def test_single_estimator_chart_states_its_normalisation(comparison: Any, key: str) -> None:
    """A chart of one estimator says what its estimates are measured against, in the same words
    as the comparison chart (subtitle) and the same marker label (tooltip, shape legend)."""
    sim, res = comparison
    if key in res.results:
        fit = res.results[key]
    elif key == "did_multiplegt":  # a 0/1 treatment, not a cohort
        fit = ce.did_multiplegt(sim.panel, Y, "policy", effects=2, placebo=1)
    else:
        fit = getattr(ce, key)(sim.panel, Y, G)
    spec = fit.plot().to_dict()
    assert spec["title"]["subtitle"] == [NORMALISATION[key][1]]
    data = next(v for v in spec["datasets"].values() if v and "normalisation" in v[0])
    assert {row["normalisation"] for row in data} == {NORMALISATION[key][0]}
    points = [layer for layer in spec["layer"] if layer.get("mark", {}).get("type") == "point"]
    tips = [t if isinstance(t, str) else t.get("field") for t in points[0]["encoding"]["tooltip"]]
    assert "normalisation" in tips


def _rules(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        layer
        for layer in spec["layer"]
        if layer.get("mark", {}).get("type") == "rule" and "x2" not in layer["encoding"]
    ]


def test_coefplot_axis_from_the_data_and_a_truth_rule(comparison: Any) -> None:
    sim, _ = comparison
    tw = ce.twfe(sim.panel, f"{Y} ~ policy | county + year")
    spec = ce.coefplot(tw, truth=0.05).to_dict()
    ci = next(layer for layer in spec["layer"] if "x2" in layer.get("encoding", {}))
    assert ci["encoding"]["x"]["scale"]["zero"] is False
    (rule,) = _rules(spec)
    rows = spec["datasets"][rule["data"]["name"]]
    assert rows == [{"value": 0.05, "reference": "truth"}]
    (zero,) = _rules(ce.coefplot(tw).to_dict())
    assert ce.coefplot(tw).to_dict()["datasets"][zero["data"]["name"]][0]["value"] == 0.0


def test_battery_estimator_chart_uses_the_estimator_colours() -> None:
    sim = ce.datasets.simulate_staggered_panel(seed=4, n_counties=150)
    design = ce.Design(sim.panel, outcome=Y, treatment="policy", cohort=G)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ce.errors.CountyEconomyWarning)
        rep = ce.robustness_battery(design, checks="estimators", seed=1, progress=False)
    spec = rep["estimators"].charts[0].to_dict()
    assert _colour_of(spec, "att_gt") == ESTIMATOR_COLORS["att_gt"]
    assert _colour_of(spec, "imputation_did") == ESTIMATOR_COLORS["imputation_did"]
