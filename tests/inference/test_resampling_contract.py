"""The resampling contract: one seed vocabulary, honest draw counts, frozen post-estimation
results, retired argument names, and weighted fits in the placebo test and wild bootstrap."""

from __future__ import annotations

import dataclasses
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import InvalidOptionError
from countyeconomy.inference import (
    ChunkTask,
    Cluster,
    FewDrawsWarning,
    PlaceboResult,
    WildBootstrapResult,
    map_chunks,
    placebo_assignments,
    placebo_test,
    wild_bootstrap,
)
from countyeconomy.results import FrozenResult, PostEstimationResult

FORMULA = "log_rural_income ~ policy + log_gdp_pc | county + year"


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    frame: pd.DataFrame = ce.datasets.simulate_staggered_panel(seed=4, n_counties=120).panel.frame
    rng = np.random.default_rng(0)
    weights = pd.Series(rng.uniform(0.5, 2.0, frame["county"].nunique()), frame["county"].unique())
    return frame.assign(w=frame["county"].map(weights).to_numpy())


def _cross_section(seed: int, g: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, g, n)
    x = rng.normal(size=n) + 0.5 * rng.normal(size=g)[cl]
    y = 0.05 * x + rng.normal(size=n) + rng.normal(size=g)[cl]
    return pd.DataFrame({"y": y, "x": x, "z": rng.normal(size=n), "g": cl})


def _draws(task: ChunkTask) -> np.ndarray:
    return task.rng().random(task.size)


def test_same_seed_object_twice_same_numbers(sim: pd.DataFrame) -> None:
    ss = np.random.SeedSequence(2024)
    a = np.concatenate(map_chunks(_draws, 500, ss, chunk=64, progress=False))
    b = np.concatenate(map_chunks(_draws, 500, ss, chunk=64, progress=False))
    np.testing.assert_array_equal(a, b)
    assert ss.n_children_spawned == 0  # never consumed
    gen = np.concatenate(
        map_chunks(_draws, 500, np.random.default_rng(2024), chunk=64, progress=False)
    )
    np.testing.assert_array_equal(a, gen)  # a Generator is read for its seed sequence

    res = ce.twfe(_cross_section(1, 30), "y ~ x + z", vcov=Cluster("g"))
    w1 = wild_bootstrap(res, "x", draws=999, seed=ss, progress=False)
    w2 = wild_bootstrap(res, "x", draws=999, seed=ss, progress=False)
    np.testing.assert_array_equal(w1.t_boot, w2.t_boot)
    w3 = wild_bootstrap(res, "x", draws=999, seed=np.random.default_rng(7), progress=False)
    w4 = wild_bootstrap(res, "x", draws=999, seed=7, progress=False)
    np.testing.assert_array_equal(w3.t_boot, w4.t_boot)

    fit = ce.twfe(sim, FORMULA, county="county", year="year")
    p1 = placebo_test(fit, "policy", draws=99, seed=ss, progress=False)
    p2 = placebo_test(fit, "policy", draws=99, seed=ss, progress=False)
    np.testing.assert_array_equal(p1.coefs, p2.coefs)
    assert ss.n_children_spawned == 0

    for bad in (-1, 1.5, "1", True):
        with pytest.raises(InvalidOptionError, match="seed="):
            wild_bootstrap(res, "x", draws=999, seed=bad, progress=False)  # type: ignore[arg-type]
        with pytest.raises(InvalidOptionError, match="seed="):
            placebo_test(fit, "policy", draws=99, seed=bad, progress=False)  # type: ignore[arg-type]
        with pytest.raises(InvalidOptionError, match="seed="):
            map_chunks(_draws, 10, bad, progress=False)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="executor="):
        map_chunks(_draws, 10, 1, 64, progress=False)  # type: ignore[arg-type]


def test_draws_minimum_and_few_draws_warnings(sim: pd.DataFrame) -> None:
    res = ce.twfe(_cross_section(2, 30), "y ~ x + z", vcov=Cluster("g"))
    for n in (0, 1, 18):
        with pytest.raises(InvalidOptionError, match=f"draws={n} is too few; at least 19"):
            wild_bootstrap(res, "x", draws=n, progress=False)
    with pytest.warns(FutureWarning, match="reps"), pytest.raises(InvalidOptionError, match="19"):
        wild_bootstrap(res, "x", reps=1, progress=False)  # used to report p = 0 and an interval
    with pytest.warns(FewDrawsWarning, match=r"only 50 draws.*1/\(50\+1\).*each tail"):
        wild_bootstrap(res, "x", draws=50, seed=1, progress=False)
    with pytest.warns(FewDrawsWarning, match="draws=999 or more"):
        wild_bootstrap(res, "x", draws=500, seed=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewDrawsWarning)
        wild_bootstrap(res, "x", draws=999, seed=1, progress=False)
        few = ce.twfe(_cross_section(2, 8), "y ~ x + z", vcov=Cluster("g"))
        exact = wild_bootstrap(few, "x", draws=19, seed=1, progress=False)  # enumeration: exact
        assert exact.enumerated and exact.draws == 256

    fit = ce.twfe(sim, FORMULA, county="county", year="year")
    with pytest.raises(InvalidOptionError, match="at least 19"):
        placebo_test(fit, "policy", draws=10, progress=False)
    with pytest.warns(FewDrawsWarning, match=r"placebo_test: only 50 draws"):
        placebo_test(fit, "policy", draws=50, seed=1, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewDrawsWarning)
        placebo_test(fit, "policy", draws=99, seed=1, progress=False)
        assert placebo_assignments(fit, "policy", draws=3, seed=1).shape[1] == 3
    with pytest.raises(InvalidOptionError, match="draws"):
        placebo_assignments(fit, "policy", draws=0)


def test_results_are_frozen_post_estimation_results(sim: pd.DataFrame) -> None:
    fit = ce.twfe(sim, FORMULA, county="county", year="year")
    with pytest.warns(FewDrawsWarning):
        pl = placebo_test(fit, "policy", draws=19, seed=1, progress=False)
    wb = wild_bootstrap(fit, "policy", draws=999, seed=1, vcov="province", progress=False)
    for out, cls in ((pl, PlaceboResult), (wb, WildBootstrapResult)):
        assert isinstance(out, cls) and isinstance(out, FrozenResult)
        assert isinstance(out, PostEstimationResult)
        frame = out.to_frame()
        assert list(frame.columns[:7]) == [
            "term",
            "estimate",
            "std_error",
            "statistic",
            "p_value",
            "ci_low",
            "ci_high",
        ]
        assert "<table" in out._repr_html_()
        back = pickle.loads(pickle.dumps(out))
        pd.testing.assert_frame_equal(back.to_frame(), frame)
        with pytest.raises(dataclasses.FrozenInstanceError):
            out.p_value = 0.5  # type: ignore[misc]
    assert not pl.coefs.flags.writeable and not pl.tstats.flags.writeable
    assert not wb.stats.flags.writeable
    with pytest.raises(TypeError):
        pl.cohort_sizes["0"] = 1  # type: ignore[index]
    with pytest.raises(ValueError, match="read-only"):
        pl.coefs[0] = 0.0
    # a p-value is printed at its resolution: with 19 draws never below 1/20
    assert pl.p_value == 0.0
    text = pl.summary().as_text()
    assert "p ≤ 0.05 (=1/(19+1))" in text and "< 0.0" not in text
    assert "Placebo test" in repr(pl) and "Wild cluster bootstrap" in repr(wb)
    assert pl.std_error == pytest.approx(float(fit.std_errors["policy"]))


def test_retired_names_keep_working(sim: pd.DataFrame) -> None:
    res = ce.twfe(_cross_section(3, 25), "y ~ x + z", vcov="hc1")
    new = wild_bootstrap(res, "x", draws=999, distribution="webb", vcov="g", seed=4, progress=False)
    with pytest.warns(FutureWarning) as record:
        old = wild_bootstrap(
            res, "x", reps=999, weights="webb", cluster="g", seed=4, progress=False
        )
    assert {str(w.message).split(" is renamed")[0] for w in record} >= {
        "wild_bootstrap(reps=...)",
        "wild_bootstrap(weights=...)",
        "wild_bootstrap(cluster=...)",
    }
    np.testing.assert_array_equal(new.t_boot, old.t_boot)
    obj = wild_bootstrap(
        res, "x", draws=999, distribution="webb", vcov=Cluster("g"), seed=4, progress=False
    )
    assert obj.p_value == new.p_value
    with pytest.warns(FutureWarning, match="draws"):
        assert new.reps == 999
    with pytest.warns(FutureWarning, match="distribution"):
        assert new.weights == "webb"
    with pytest.raises(InvalidOptionError, match="one cluster variable"):
        wild_bootstrap(res, "x", vcov="g+z", progress=False)
    with pytest.raises(InvalidOptionError, match="one cluster variable"):
        wild_bootstrap(res, "x", vcov="hc1", progress=False)


@pytest.mark.filterwarnings("ignore::countyeconomy.errors.CountyEconomyWarning")
@pytest.mark.parametrize(
    "vcov",
    [Cluster("county"), "iid", "hc1", Cluster("county", "year", df="conventional")],
)
def test_weighted_placebo_equals_weighted_refits(sim: pd.DataFrame, vcov: object) -> None:
    res = ce.twfe(sim, FORMULA, county="county", year="year", weights="w", vcov=vcov)  # type: ignore[arg-type]
    out = placebo_test(res, "policy", draws=19, seed=5, chunk=8, progress=False)
    cols = placebo_assignments(res, "policy", draws=19, seed=5, chunk=8)
    rows = res.estimation_rows
    for b in range(4):
        data = sim.copy()
        data.iloc[rows, list(data.columns).index("policy")] = cols[b].to_numpy()
        ref = ce.twfe(data, FORMULA, county="county", year="year", weights="w", vcov=vcov)  # type: ignore[arg-type]
        assert out.coefs[b] == pytest.approx(float(ref.params["policy"]), rel=1e-9, abs=1e-12)
        assert out.tstats[b] == pytest.approx(float(ref.tstats["policy"]), rel=1e-9, abs=1e-12)
    with pytest.raises(InvalidOptionError, match="unweighted"):
        placebo_test(res, "policy", draws=19, method="grid", progress=False)


@pytest.mark.filterwarnings("ignore::countyeconomy.errors.CountyEconomyWarning")
def test_weighted_wild_bootstrap_equals_replicated_rows() -> None:
    """Integer weights are frequency weights: the weighted fit and the fit on replicated rows
    have the same cluster scores, so the enumerated p-value and the interval are the same (the
    small-sample factors differ in N but cancel in t*/t)."""
    rng = np.random.default_rng(9)
    n_units, n_years = 48, 5
    unit = np.repeat(np.arange(n_units), n_years)
    df = pd.DataFrame(
        {
            "unit": unit,
            "year": np.tile(np.arange(n_years), n_units),
            "prov": unit % 8,
            "x": rng.normal(size=len(unit)),
            "w": rng.integers(1, 4, len(unit)),
        }
    )
    df["y"] = 0.1 * df["x"] + rng.normal(size=8)[df["prov"]] + rng.normal(size=len(df))
    weighted = ce.twfe(df, "y ~ x | unit + year", weights="w", vcov="prov")
    rep = df.loc[df.index.repeat(df["w"])].reset_index(drop=True)
    plain = ce.twfe(rep, "y ~ x | unit + year", vcov="prov")
    np.testing.assert_allclose(weighted.params, plain.params, rtol=1e-10)
    for impose_null in (True, False):
        a = wild_bootstrap(weighted, "x", impose_null=impose_null, seed=1, progress=False)
        b = wild_bootstrap(plain, "x", impose_null=impose_null, seed=1, progress=False)
        assert a.enumerated and b.enumerated
        assert a.std_error == pytest.approx(float(weighted.std_errors["x"]), rel=1e-10)
        assert a.p_value == b.p_value
        np.testing.assert_allclose([a.ci_low, a.ci_high], [b.ci_low, b.ci_high], rtol=1e-7)
