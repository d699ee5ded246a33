"""The public result contract of the linear family (twfe, iv, panel_threshold, mechanism,
moderation, heterogeneity): FitInfo, pickling, read-only state, independence from the caller's
data, and the input checks of issue 11 (duplicate keys, non-numeric cells, collinear mediator or
moderator, few clusters, extreme scales)."""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import FormulaError, IdentificationError, PanelStructureError
from countyeconomy.estimators._linear import FewClustersWarning, LinearModel, ScaleWarning
from countyeconomy.estimators.heterogeneity import heterogeneity
from countyeconomy.estimators.mechanism import mechanism
from countyeconomy.estimators.moderation import moderation
from countyeconomy.estimators.threshold import panel_threshold
from countyeconomy.results import CoefResult, EstimateResult, FitInfo
from tests.estimators._sim import unbalanced_panel
from tests.estimators._threshold_sim import threshold_panel

KEYS = {"county": "county", "year": "year"}


def _quiet(fn: Any, *args: Any, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kw)


def _iv_frame(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 1200
    df = pd.DataFrame(
        {"county": np.repeat(np.arange(120), 10), "year": np.tile(np.arange(10), 120)}
    )
    df["z"] = rng.normal(size=n)
    u = rng.normal(size=n)
    df["d"] = df["z"] + u + rng.normal(size=n)
    df["y"] = 0.5 * df["d"] + u
    return df


def _mech_frame() -> pd.DataFrame:
    sim = ce.datasets.simulate_staggered_panel(seed=3, n_counties=60)
    df = sim.panel.frame.copy()
    df["emp"] = 0.3 * df["policy"] + np.random.default_rng(0).normal(size=len(df))
    return df


def _results() -> dict[str, Any]:
    df = unbalanced_panel(1, n_units=80, n_years=6)
    mdf = _mech_frame()
    spec = {"treatment": "policy", "mediator": "emp", "outcome": "log_rural_income"}
    thr = threshold_panel(2, n_units=30, n_years=5)
    tw = ce.twfe(df, "y ~ x1 + x2 | county + year", **KEYS)
    return {
        "twfe": tw,
        "iv": ce.iv(_iv_frame(), "y ~ 1 | county + year | d ~ z", **KEYS),
        "panel_threshold": _quiet(
            panel_threshold,
            thr,
            "y ~ z",
            threshold="q",
            regime_dependent="x",
            draws=19,
            grid=15,
            seed=1,
            progress=False,
            **KEYS,
        ),
        "mechanism": _quiet(
            mechanism,
            mdf,
            **spec,
            approach="baron_kenny",
            draws=19,
            seed=0,
            progress=False,
            **KEYS,
        ),
        "moderation": _quiet(moderation, mdf, "policy", "emp", "log_rural_income", **KEYS),
        "heterogeneity": _quiet(
            heterogeneity,
            tw,
            "province",
            groups={p: "a" if p < 8 else "b" for p in range(17)},
            draws=19,
            seed=1,
            progress=False,
        ),
    }


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    return _results()


@pytest.mark.parametrize(
    "name", ["twfe", "iv", "panel_threshold", "mechanism", "moderation", "heterogeneity"]
)
def test_contract_fitinfo_and_pickle(results: dict[str, Any], name: str) -> None:
    res = results[name]
    assert isinstance(res, CoefResult) and isinstance(res, EstimateResult)
    assert isinstance(res.info, FitInfo) and res.info.method == name
    assert res.info.nobs > 0 and res.info.specification
    again = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(again.to_frame(), res.to_frame())
    assert again.info.method == res.info.method and again.info.nobs == res.info.nobs
    assert isinstance(res.summary().as_text(), str)


def test_old_info_attributes_still_read(results: dict[str, Any]) -> None:
    tw = results["twfe"].info
    assert 0 < tw.within_r2 < tw.r2 < 1 and tw.singletons == tw.extra["singletons"]
    assert tw.formula == tw.specification and tw.collinear == ()
    th = results["panel_threshold"].info
    assert th.draws == 19 and set(th.p_values) == {1}
    assert results["mechanism"].info.draws == 19


def test_model_is_public_typed_and_read_only(results: dict[str, Any]) -> None:
    model = results["twfe"].model
    assert isinstance(model, LinearModel) and model.nobs == results["twfe"].nobs
    for arr in (model.xd, model.resid, model.bread, model.rows, model.fixed_effects[0].codes):
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 0
    with pytest.raises(AttributeError):
        model.resid = model.resid  # type: ignore[misc]
    assert not results["twfe"].coefs.estimates.flags.writeable
    again = pickle.loads(pickle.dumps(model))
    assert not again.resid.flags.writeable and not again.fixed_effects[0].codes.flags.writeable
    np.testing.assert_array_equal(again.xd, model.xd)


def test_caller_mutation_does_not_change_with_vcov() -> None:
    df = unbalanced_panel(4, n_units=60, n_years=6)
    res = ce.twfe(df, "y ~ x1 | county + year", **KEYS)
    before = res.with_vcov(ce.Cluster("province")).std_errors
    df["province"] = np.arange(len(df)) % 2  # the caller rewrites a column in place ...
    df.loc[:, "y"] = 0.0
    after = res.with_vcov(ce.Cluster("province")).std_errors
    pd.testing.assert_series_equal(before, after)  # ... the fit is unchanged
    # writes through the model's frame do not reach it either
    frame = res.model.data.frame
    frame.loc[:, "province"] = 0
    pd.testing.assert_series_equal(res.with_vcov(ce.Cluster("province")).std_errors, before)


def test_refit_reuses_the_specification() -> None:
    df = unbalanced_panel(5, n_units=60, n_years=6)
    res = ce.twfe(df, "y ~ x1 | county + year", weights="w", vcov="hc1", **KEYS)
    again = res.refit(df, **KEYS)
    pd.testing.assert_frame_equal(again.to_frame(), res.to_frame())
    assert again.info.vcov == res.info.vcov


def test_frame_with_county_and_year_columns_is_validated() -> None:
    df = unbalanced_panel(6, n_units=30, n_years=5)
    dup = pd.concat([df, df.iloc[:3]], ignore_index=True)
    with pytest.raises(PanelStructureError, match="duplicate"):
        ce.twfe(dup, "y ~ x1 | county + year")
    with pytest.raises(PanelStructureError, match="duplicate"):
        ce.iv(_iv_frame().pipe(lambda d: pd.concat([d, d.iloc[:2]])), "y ~ 1 | county | d ~ z")
    # keys inferred: same numbers as passing them
    a = ce.twfe(df, "y ~ x1 | county + year")
    b = ce.twfe(df, "y ~ x1 | county + year", **KEYS)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_mixed_int_and_str_county_codes_are_one_county() -> None:
    df = unbalanced_panel(7, n_units=30, n_years=5, missing=0.0)
    mixed = df.assign(county=df["county"].astype(object))
    mixed.loc[mixed.index % 2 == 0, "county"] = mixed["county"].astype(str)
    with pytest.warns(ce.errors.MixedCodeTypesWarning):
        res = ce.twfe(mixed, "y ~ x1 | county + year", **KEYS)
    assert res.info.fixed_effects["county"] == 30
    plain = ce.twfe(df, "y ~ x1 | county + year", **KEYS)
    np.testing.assert_allclose(res.params, plain.params, rtol=1e-12)
    np.testing.assert_allclose(res.std_errors, plain.std_errors, rtol=1e-12)


@pytest.mark.parametrize("bad", ["n/a", "1,234.5"])
def test_non_numeric_cells_name_column_values_and_fix(bad: str) -> None:
    df = unbalanced_panel(8, n_units=30, n_years=5)
    df = df.assign(x1=df["x1"].astype(object))
    df.loc[[3, 9], "x1"] = bad
    with pytest.raises(FormulaError) as err:
        ce.twfe(df, "y ~ x1 + x2 | county + year", **KEYS)
    msg = str(err.value)
    assert "'x1'" in msg and bad in msg and "pd.to_numeric" in msg and "thousands" in msg


def test_collinear_mediator_is_an_identification_error() -> None:
    df = _mech_frame().assign(same=lambda d: 2 * d["policy"] + 1)
    for approach in ("jiang2022", "baron_kenny"):
        with pytest.raises(IdentificationError, match="mediator 'same'"):
            _quiet(
                mechanism,
                df,
                "policy",
                "same",
                "log_rural_income",
                approach=approach,
                draws=0,
                **KEYS,
            )
    with pytest.raises(IdentificationError, match="same column"):
        _quiet(mechanism, df, "policy", "policy", "log_rural_income", **KEYS)


def test_collinear_moderator_is_an_identification_error() -> None:
    df = _mech_frame().assign(copy=lambda d: d["policy"].astype(float))
    with pytest.raises(IdentificationError, match="collinear"):
        _quiet(moderation, df, "policy", "copy", "log_rural_income", **KEYS)
    with pytest.raises(IdentificationError, match="same column"):
        _quiet(moderation, df, "policy", "policy", "log_rural_income", **KEYS)


def test_fewer_clusters_than_coefficients_warns_and_is_recorded() -> None:
    df = unbalanced_panel(9, n_units=60, n_years=6)
    for j in range(5):
        df[f"z{j}"] = np.random.default_rng(j).normal(size=len(df))
    formula = "y ~ x1 + x2 + z0 + z1 + z2 + z3 + z4 | county + year"
    df["region"] = df["county"] % 4
    with pytest.warns(FewClustersWarning, match=r"fewer clusters \(4\) than coefficients \(7\)"):
        res = ce.twfe(df, formula, vcov=ce.Cluster("region"), **KEYS)
    assert any("fewer clusters" in m for m in res.info.warnings)
    assert not ce.twfe(df, formula, **KEYS).info.warnings
    with pytest.warns(FewClustersWarning):
        back = ce.twfe(df, formula, **KEYS).with_vcov(ce.Cluster("region"))
    assert any("fewer clusters" in m for m in back.info.warnings)
    assert not back.with_vcov("hc1").info.warnings


@pytest.mark.parametrize("scale", [1e300, 1e-300])
def test_extreme_outcome_scale(scale: float) -> None:
    df = unbalanced_panel(10, n_units=60, n_years=6)
    base = ce.twfe(df, "y ~ x1 + x2 | county + year", **KEYS)
    with pytest.warns(ScaleWarning, match="divide"):
        big = ce.twfe(df.assign(y=df["y"] * scale), "y ~ x1 + x2 | county + year", **KEYS)
    np.testing.assert_allclose(big.params / scale, base.params, rtol=1e-9)
    assert big.pvalues.isna().all() and big.std_errors.isna().all()
    frame = big.to_frame()
    assert frame["p_value"].isna().all() and frame["statistic"].isna().all()
    assert big.info.r2 == pytest.approx(base.info.r2, rel=1e-9)


def test_retired_spellings_warn_and_give_the_same_numbers() -> None:
    df = _mech_frame()
    spec = {"treatment": "policy", "mediator": "emp", "outcome": "log_rural_income"}
    new = _quiet(mechanism, df, **spec, covariates=["log_gdp_pc"], draws=0, **KEYS)
    with pytest.warns(FutureWarning) as rec:
        old = _quiet_except_future(
            mechanism, df, **spec, controls=["log_gdp_pc"], bootstrap=0, **KEYS
        )
    text = " ".join(str(r.message) for r in rec)
    assert "mechanism(controls=...) is renamed covariates=" in text
    assert "mechanism(bootstrap=...) is renamed draws=" in text
    pd.testing.assert_frame_equal(old.to_frame(), new.to_frame())
    with pytest.warns(FutureWarning, match=r"moderation\(controls=...\)"):
        _quiet_except_future(
            moderation, df, "policy", "emp", "log_rural_income", controls=["log_gdp_pc"], **KEYS
        )
    thr = threshold_panel(2, n_units=30, n_years=5)
    kw: dict[str, Any] = {"threshold": "q", "regime_dependent": "x", "grid": 10, **KEYS}
    with pytest.warns(FutureWarning, match=r"panel_threshold\(bootstrap=...\)"):
        a = panel_threshold(thr, "y ~ z", bootstrap=19, seed=3, progress=False, **kw)
    b = panel_threshold(thr, "y ~ z", draws=19, seed=np.random.SeedSequence(3), **kw)
    np.testing.assert_array_equal(a.f_draws[1], b.f_draws[1])


def _quiet_except_future(fn: Any, *args: Any, **kw: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("always", FutureWarning)
        return fn(*args, **kw)


def test_seed_objects_are_not_consumed() -> None:
    df = unbalanced_panel(11, n_units=40, n_years=5)
    df["g"] = np.where(df["county"] < 20, "a", "b")
    gen = np.random.default_rng(5)
    before = gen.bit_generator.state
    runs = [
        heterogeneity(
            (df, "y ~ x1 | county + year"), "g", draws=19, seed=gen, progress=False, **KEYS
        )
        for _ in range(2)
    ]
    assert gen.bit_generator.state == before
    np.testing.assert_array_equal(
        runs[0].permutation_draws["a vs b"], runs[1].permutation_draws["a vs b"]
    )
