"""The county-panel simulator: reproducible, truth consistent with the outcome equation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from countyeconomy.datasets._county_list import county_list, neighbour_pairs
from countyeconomy.datasets._simulate import SimulatedPanel
from countyeconomy.datasets._simulate_county import CountySimConfig, simulate_county_panel
from countyeconomy.errors import CountyEconomyError, InvalidOptionError


@pytest.fixture(scope="module")
def sim() -> object:
    return simulate_county_panel(seed=3, anticipation=1, spillover=0.02)


def test_same_seed_same_data() -> None:
    a = simulate_county_panel(seed=11, n_counties=300)
    b = simulate_county_panel(seed=11, n_counties=300)
    pd.testing.assert_frame_equal(a.panel.to_frame(), b.panel.to_frame())
    pd.testing.assert_frame_equal(a.truth.att_gt, b.truth.att_gt)
    c = simulate_county_panel(seed=12, n_counties=300)
    assert not np.allclose(a.panel.column("log_rural_income"), c.panel.column("log_rural_income"))


def test_real_county_list() -> None:
    counties = county_list()
    # Hand checks against the official code list: 330112 临安区 in 杭州市, 浙江省.
    row = counties.set_index("code").loc["330185"]
    assert (row["name"], row["prefecture"], row["province"]) == ("临安市", "杭州市", "浙江省")
    assert counties["code"].is_unique and counties["code"].str.fullmatch(r"\d{6}").all()
    assert counties["province_code"].nunique() == 31


def test_outcome_equals_sum_of_components(sim: object) -> None:
    frame = sim.panel.to_frame()  # type: ignore[attr-defined]
    comp = sim.truth.components  # type: ignore[attr-defined]
    merged = frame.merge(comp, on=["county", "year"], validate="one_to_one")
    total = merged[["alpha", "lam", "x_term", "tau", "spill", "eps"]].sum(axis=1)
    np.testing.assert_allclose(merged["log_rural_income"], total, rtol=0, atol=1e-12)


def test_tau_follows_the_effect_equation(sim: object) -> None:
    cfg: CountySimConfig = sim.spec  # type: ignore[attr-defined]
    comp = sim.truth.components  # type: ignore[attr-defined]
    eff = sim.truth.effects.set_index("county")  # type: ignore[attr-defined]
    g = comp["county"].map(eff["cohort"]).to_numpy()
    b = comp["county"].map(eff["b"]).to_numpy()
    e = comp["year"].to_numpy() - g
    expected = np.where((g > 0) & (e >= 0), b * (1 + cfg.dynamic * e), 0.0)
    ahead = (g > 0) & (e < 0) & (e >= -cfg.anticipation)
    expected = np.where(ahead, cfg.anticipation_share * b, expected)
    np.testing.assert_allclose(comp["tau"], expected, atol=1e-15)
    # ATT(g, t) is the mean of tau over the batch, recomputed here from the components.
    treated = comp.assign(g=g)[g > 0]
    att = treated.groupby(["g", "year"])["tau"].mean()
    table = sim.truth.att_gt.set_index(["cohort", "year"])["att"]  # type: ignore[attr-defined]
    np.testing.assert_allclose(table.to_numpy(), att.to_numpy(), atol=1e-15)
    post = treated[treated["year"] >= treated["g"]]
    assert sim.truth.simple == pytest.approx(post["tau"].mean())  # type: ignore[attr-defined]
    assert sim.att == sim.truth.simple  # type: ignore[attr-defined]


def test_aggregates_by_hand(sim: object) -> None:
    truth = sim.truth  # type: ignore[attr-defined]
    cells = truth.att_gt[truth.att_gt["event_time"] >= 0]
    g2016 = cells[cells["cohort"] == 2016]["att"].mean()
    assert truth.group.set_index("cohort").loc[2016, "att"] == pytest.approx(g2016)
    e0 = cells[cells["event_time"] == 0]
    dyn0 = (e0["att"] * e0["n"]).sum() / e0["n"].sum()
    assert truth.dynamic.set_index("event_time").loc[0, "att"] == pytest.approx(dyn0)
    y20 = cells[cells["year"] == 2020]
    cal = (y20["att"] * y20["n"]).sum() / y20["n"].sum()
    assert truth.calendar.set_index("year").loc[2020, "att"] == pytest.approx(cal)


def test_treated_share_per_batch_matches_config(sim: object) -> None:
    cfg: CountySimConfig = sim.spec  # type: ignore[attr-defined]
    frame = sim.panel.to_frame()  # type: ignore[attr-defined]
    first = frame.groupby("county")["first_treated"].first()
    n = len(first)
    for batch, share in zip(cfg.batches, cfg.batch_shares, strict=True):
        count = int((first == batch).sum())
        assert count == int(np.floor(share * n))
        assert abs(count / n - share) < 1 / n
    assert (first == 0).sum() > 0  # never treated exist
    policy = frame["policy"] == (
        (frame["first_treated"] > 0) & (frame["year"] >= frame["first_treated"])
    )
    assert policy.all()


def test_spillover_hits_untreated_neighbours_only(sim: object) -> None:
    comp = sim.truth.components  # type: ignore[attr-defined]
    frame = sim.panel.to_frame()  # type: ignore[attr-defined]
    merged = frame.merge(comp, on=["county", "year"])
    assert (merged.loc[merged["policy"] == 1, "spill"] == 0).all()
    assert set(np.round(merged["spill"].unique(), 12)) <= {0.0, 0.02}
    assert (merged["spill"] > 0).any()
    no_spill = simulate_county_panel(seed=3, anticipation=1)
    assert (no_spill.truth.components["spill"] == 0).all()


def test_neighbour_pairs_distance() -> None:
    # Beijing (116.40E, 39.90N) to Tianjin (117.20E, 39.08N) is about 113 km.
    lon, lat = np.array([116.40, 117.20]), np.array([39.90, 39.08])
    assert neighbour_pairs(lon, lat, 120.0).tolist() == [[0, 1]]
    assert neighbour_pairs(lon, lat, 105.0).shape == (0, 2)


def test_result_extends_simulated_panel(sim: object) -> None:
    assert isinstance(sim, SimulatedPanel)
    assert sim.panel.is_balanced  # type: ignore[attr-defined]
    frame = sim.panel.to_frame()  # type: ignore[attr-defined]
    urban, rural = frame["urban_population"], frame["rural_population"]
    np.testing.assert_allclose(urban + rural, frame["population"])
    assert (frame[["emp_primary", "emp_secondary", "emp_tertiary"]] > 0).all().all()


@pytest.mark.parametrize(
    "options",
    [
        {"batches": (2014, 2015), "batch_shares": (0.1,)},
        {"batch_shares": (0.5,) * 7},
        {"batches": (2008,), "batch_shares": (0.1,)},
        {"n_counties": 1},
    ],
)
def test_bad_config(options: dict[str, object]) -> None:
    with pytest.raises(InvalidOptionError):
        CountySimConfig(**options)  # type: ignore[arg-type]
    assert issubclass(InvalidOptionError, CountyEconomyError)
