"""compare_event_studies: one table and one chart from the estimator registry; Sun-Abraham
(never-treated control) equals Callaway-Sant'Anna dynamic with a universal base period and no
covariates (a known identity, checked to 1e-8)."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from countyeconomy.errors import InvalidOptionError
from countyeconomy.estimators import registry
from countyeconomy.estimators.staggered import EstimatorSkippedWarning
from countyeconomy.estimators.staggered.compare import compare_event_studies
from tests.estimators.staggered._data import sim

Y, G = "log_rural_income", "first_treated"
REGRESSION = ("event_study", "sun_abraham", "imputation_did", "did_multiplegt")


def test_regression_estimators_side_by_side() -> None:
    s = sim(seed=1, n=200)
    res = compare_event_studies(s.panel, Y, G, estimators=REGRESSION, window=(-3, 3))
    table = res.table()
    assert list(table.columns) == [
        "event_study (TWFE)",
        "sun_abraham (Sun-Abraham)",
        "imputation_did (BJS)",
        "did_multiplegt (dCDH)",
    ]
    assert table.index.tolist() == [-3, -2, -1, 0, 1, 2, 3]
    f = res.to_frame()
    assert list(f.columns[:7]) == [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "ci_low",
        "ci_high",
    ]
    truth = s.att_gt.groupby("event_time", as_index=False)["att"].mean()
    assert "layer" in res.plot(truth=truth).to_dict()
    ref = res.frame.query("event_time == -1 and estimator != 'imputation_did (BJS)'")
    assert (ref["estimate"] == 0).all()  # the common reference period
    assert "Event studies compared" in res.summary().as_text()


def test_cs_universal_equals_sun_abraham() -> None:
    s = sim(seed=2, n=200)
    res = compare_event_studies(s.panel, Y, G, estimators=("att_gt", "sun_abraham"), window=(-4, 4))
    wide = res.frame.pivot(index="event_time", columns="estimator", values="estimate")
    np.testing.assert_allclose(
        wide["att_gt (Callaway-Sant'Anna)"], wide["sun_abraham (Sun-Abraham)"], atol=1e-8
    )


def test_retired_keys_warn_and_map_to_new_keys() -> None:
    s = sim(seed=1, n=120)
    with pytest.warns(FutureWarning, match="'sa' is renamed 'sun_abraham'"):
        res = compare_event_studies(s.panel, Y, G, estimators=("twfe", "sa"), window=(-2, 2))
    assert set(res.results) == {"event_study", "sun_abraham"}
    assert res.info.extra["estimators"] == ("event_study", "sun_abraham")


def test_registry_keys_are_public_function_names() -> None:
    import countyeconomy as ce

    for key, entry in registry.ESTIMATORS.items():
        assert entry.key == key and getattr(ce, key) is entry.function
        assert entry.options <= {"control", "covariates", "vcov"}
    assert "applicable" in dir(registry.ESTIMATORS["att_gt"])


def test_error_inside_an_estimator_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> object:
        raise ZeroDivisionError("a real bug inside the estimator")

    entries = dict(registry.ESTIMATORS)
    entries["sun_abraham"] = dataclasses.replace(entries["sun_abraham"], function=boom)
    monkeypatch.setattr(registry, "ESTIMATORS", entries)
    with pytest.raises(ZeroDivisionError, match="real bug"):
        compare_event_studies(sim(n=80).panel, Y, G, estimators=("event_study", "sun_abraham"))
    for exc in (AttributeError("x"), ImportError("y")):

        def raising(*args: object, exc: Exception = exc, **kwargs: object) -> object:
            raise exc

        entries["sun_abraham"] = dataclasses.replace(entries["sun_abraham"], function=raising)
        with pytest.raises(type(exc)):
            compare_event_studies(sim(n=80).panel, Y, G, estimators=("sun_abraham",))


def test_not_applicable_estimators_are_skipped_with_reason() -> None:
    s = sim(seed=1, n=150)
    df = s.panel.to_frame()
    no_never = df[df[G] > 0].reset_index(drop=True)
    with pytest.warns(EstimatorSkippedWarning, match="never-treated"):
        res = compare_event_studies(
            no_never,
            Y,
            G,
            estimators=("event_study", "att_gt", "sun_abraham"),
            window=(-2, 2),
            county="county",
            year="year",
        )
    assert set(res.info.skipped) == {"att_gt", "sun_abraham"}
    assert "control='last_treated'" in res.info.skipped["sun_abraham"]
    assert "control='not_yet_treated'" in res.info.skipped["att_gt"]
    assert list(res.table().columns) == ["event_study (TWFE)"]
    # the requested control is passed on; estimators without that option are skipped
    with pytest.warns(EstimatorSkippedWarning, match="does not support control='not_yet_treated'"):
        res = compare_event_studies(
            s.panel, Y, G, estimators=("att_gt", "sun_abraham"), control="not_yet_treated"
        )
    assert list(res.results) == ["att_gt"] and "sun_abraham" in res.info.skipped
    with pytest.warns(EstimatorSkippedWarning, match="takes no covariates"):
        res = compare_event_studies(
            s.panel, Y, G, estimators=("did_multiplegt",), covariates=["log_gdp_pc"]
        )
    assert res.frame.empty
    with pytest.warns(EstimatorSkippedWarning, match="one-way clustered"):
        compare_event_studies(s.panel, Y, G, estimators=("imputation_did",), vcov="hc1")
    if "vcov" not in registry.ESTIMATORS["att_gt"].options:
        with pytest.warns(EstimatorSkippedWarning, match="does not take vcov"):
            res = compare_event_studies(s.panel, Y, G, estimators=("att_gt",), vcov="province")
        assert "att_gt" in res.info.skipped


def test_options_reach_the_estimators() -> None:
    s = sim(seed=1, n=150)
    res = compare_event_studies(
        s.panel,
        Y,
        G,
        estimators=("event_study", "sun_abraham", "imputation_did"),
        control="last_treated",
        vcov="province",
        window=(-2, 2),
    )
    assert res.results["sun_abraham"].info.extra["control"] == "last_treated"
    n_prov = s.panel.frame["province"].nunique()
    assert res.results["event_study"].info.clusters == {"province": n_prov}
    assert res.results["imputation_did"].info.clusters == {"province": n_prov}


def test_comparison_result_is_frozen_and_pickles() -> None:
    res = compare_event_studies(
        sim(seed=1, n=120).panel, Y, G, estimators=("event_study", "sun_abraham"), window=(-2, 2)
    )
    back = pickle.loads(pickle.dumps(res))
    assert back.frame.equals(res.frame) and back.info == res.info
    with pytest.raises(TypeError):
        res.results["x"] = 1  # type: ignore[index]
    assert res.info.method == "compare_event_studies"


def test_bad_estimator_name() -> None:
    with pytest.raises(InvalidOptionError, match="estimators"):
        compare_event_studies(sim(n=50).panel, Y, G, estimators=("ols",))
    with pytest.raises(InvalidOptionError, match="control"):
        compare_event_studies(sim(n=50).panel, Y, G, control="everyone")  # type: ignore[arg-type]
