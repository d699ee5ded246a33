"""Moran's I by year, ring exposure (Butts 2023) with twfe, and an SDM-DID with a known spillover."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import CountyEconomyError
from countyeconomy.spatial import knn_weights, moran_by_year, morans_i, ring_exposure, sdm_panel
from tests.spatial._data import county_seats, smooth_field

XY = county_seats("33")
W = knn_weights(XY, k=5)
XY3 = pd.concat([county_seats(p) for p in ("32", "33", "34")], ignore_index=True)
W3 = knn_weights(XY3, k=5)


def _did_panel(seed: int, spill: float = 1.0, effect: float = 1.0) -> pd.DataFrame:
    """Half the counties treated from year 4 on; neighbours gain ``spill`` times the mean
    treatment of their W-neighbours (a W*D spillover), no spatial lag of y."""
    rng = np.random.default_rng(seed)
    n, t = W3.n, 8
    wd = W3.dense()
    treated = rng.random(n) < 0.3
    a = rng.standard_normal(n)
    rows = []
    for s in range(t):
        d = (treated & (s >= 4)).astype(float)
        x = rng.standard_normal(n)
        y = effect * d + spill * (wd @ d) + 0.5 * x + a + 0.2 * s + 0.5 * rng.standard_normal(n)
        rows.append(
            pd.DataFrame({"county": list(W3.ids), "year": 2010 + s, "d": d, "x": x, "y": y})
        )
    return pd.concat(rows, ignore_index=True)


def test_moran_by_year_table_and_chart() -> None:
    field = smooth_field(XY)
    df = pd.concat(
        [
            pd.DataFrame({"county": field.index, "year": yr, "v": field.to_numpy() + 0.1 * yr})
            for yr in (2015, 2016)
        ]
    )
    res = moran_by_year(df, "v", W)
    assert res.table["year"].tolist() == [2015, 2016]
    assert res.table["value"].iloc[0] == pytest.approx(morans_i(field, W, draws=0).value)
    assert "$schema" in res.plot().to_dict()
    with pytest.raises(CountyEconomyError, match="not_there"):
        moran_by_year(df, "not_there", W)


def test_ring_exposure_spillover_did_against_far_controls() -> None:
    df = _did_panel(1)
    out = ring_exposure(df, "d", XY3, [30, 60])
    assert {"ring_0_30", "ring_30_60", "nearest_treated_km"} <= set(out.columns)
    treated_rows = out["d"] == 1
    assert (out.loc[treated_rows, ["ring_0_30", "ring_30_60"]] == 0).all().all()
    assert (out.loc[out["year"] < 2014, "nearest_treated_km"] == np.inf).all()
    res = ce.twfe(out, "y ~ d + ring_0_30 + ring_30_60 + x | county + year")
    assert res.params["ring_0_30"] > 0  # near controls are contaminated by the spillover


def test_sdm_did_recovers_direct_and_spillover_where_twfe_is_biased() -> None:
    est_direct, est_spill, twfe_d = [], [], []
    for seed in range(3):
        df = _did_panel(seed)
        res = sdm_panel(df, "y ~ d + x | county + year", W3, draws=0, progress=False)
        eff = res.effects.set_index(["term", "effect"])["estimate"]
        est_direct.append(eff[("d", "direct")])
        est_spill.append(eff[("d", "indirect")])
        twfe_d.append(ce.twfe(df, "y ~ d + x | county + year").params["d"])
    assert np.mean(est_direct) == pytest.approx(1.0, abs=0.15)
    assert np.mean(est_spill) == pytest.approx(1.0, abs=0.25)
    # the non-spatial DID compares the treated with contaminated controls: biased
    assert abs(np.mean(twfe_d) - 1.0) > abs(np.mean(est_direct) - 1.0)
