"""Weights against libpysal, Moran's I / Geary's C / LISA against esda (to 1e-10)."""

from __future__ import annotations

import pickle
import warnings

import esda
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import W

from countyeconomy.errors import CountyEconomyError
from countyeconomy.registry import UnmatchedCodesWarning
from countyeconomy.spatial import (
    IslandsWarning,
    SpatialWeightsError,
    distance_weights,
    gearys_c,
    knn_weights,
    local_morans_i,
    morans_i,
)
from tests.conftest import requires_data
from tests.spatial._data import county_seats, smooth_field

XY = county_seats("33")  # Zhejiang: ~100 counties


def _haversine(a: np.ndarray, b: np.ndarray) -> float:
    lon1, lat1, lon2, lat2 = np.radians([a[0], a[1], b[0], b[1]])
    h = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return float(2 * 6371.0088 * np.arcsin(np.sqrt(h)))


def test_inverse_distance_is_great_circle_with_cutoff_and_power() -> None:
    w = distance_weights(XY, cutoff=80.0, power=2.0, row_standardise=False)
    dense = w.dense()
    pts = XY[["lon", "lat"]].to_numpy()
    i, j = 0, int(np.flatnonzero(dense[0])[0])
    assert dense[i, j] == pytest.approx(_haversine(pts[i], pts[j]) ** -2, rel=1e-9)
    d = np.array([_haversine(pts[0], p) for p in pts])
    assert set(np.flatnonzero(dense[0])) == set(np.flatnonzero((d <= 80.0) & (d > 0)))
    assert not w.row_standardised and w.params["cutoff"] == 80.0
    rs = distance_weights(XY, cutoff=80.0, power=2.0)
    assert rs.row_standardised
    np.testing.assert_allclose(rs.dense().sum(axis=1)[w.cardinalities.to_numpy() > 0], 1.0)


def test_knn_exact_k_and_order_of_codes() -> None:
    codes = [*XY["code"].tolist()[::-1], "999999"]
    with pytest.warns(UnmatchedCodesWarning):
        w = knn_weights(XY, codes, k=4)
    assert w.ids == tuple(codes[:-1]) and w.unmatched == ("999999",)
    assert (w.cardinalities == 4).all()
    np.testing.assert_allclose(w.dense().sum(axis=1), 1.0)


def test_islands_reported_and_weights_pickle() -> None:
    far = pd.concat([XY, pd.DataFrame({"code": ["x"], "lon": [90.0], "lat": [30.0]})])
    with pytest.warns(IslandsWarning):
        w = distance_weights(far, cutoff=50.0)
    assert w.islands[-1] == "x"
    assert pickle.loads(pickle.dumps(w)) == w
    assert not w.data.flags.writeable
    assert "counties" in str(w.summary())


def test_bad_options_raise_named_errors() -> None:
    with pytest.raises(CountyEconomyError, match="cutoff"):
        distance_weights(XY, cutoff=-1.0)
    with pytest.raises(CountyEconomyError, match="k="):
        knn_weights(XY, k=0)
    dup = pd.concat([XY.iloc[:3], XY.iloc[:1].assign(code="dup")])
    with pytest.raises(SpatialWeightsError, match="share a county seat"):
        distance_weights(dup)
    with pytest.raises(SpatialWeightsError, match="lack column"):
        knn_weights(XY.drop(columns="lat"))


def _esda_w(w_ours) -> W:  # type: ignore[no-untyped-def]
    return w_ours.to_libpysal()


@pytest.mark.parametrize("kind", ["knn", "distance"])
def test_morans_i_and_geary_match_esda(kind: str) -> None:
    w = knn_weights(XY, k=5) if kind == "knn" else distance_weights(XY, cutoff=100.0, power=1.0)
    y = smooth_field(XY)
    ours = morans_i(y, w, draws=0)
    ref = esda.Moran(y.loc[list(w.ids)].to_numpy(), _esda_w(w), transformation="o", permutations=0)
    assert ours.value == pytest.approx(ref.I, abs=1e-10)
    assert ours.expected == pytest.approx(ref.EI, abs=1e-12)
    assert ours.variance_norm == pytest.approx(ref.VI_norm, abs=1e-10)
    assert ours.z_norm == pytest.approx(ref.z_norm, abs=1e-8)
    assert ours.p_norm == pytest.approx(ref.p_norm, abs=1e-10)
    gc = gearys_c(y, w, draws=0)
    gref = esda.Geary(y.loc[list(w.ids)].to_numpy(), _esda_w(w), transformation="o", permutations=0)
    assert gc.value == pytest.approx(gref.C, abs=1e-10)
    assert gc.variance_norm == pytest.approx(gref.VC_norm, abs=1e-10)
    # convention: esda's Geary p_norm is one-sided, ours two-sided
    assert gc.p_norm == pytest.approx(2 * gref.p_norm, abs=1e-10)


def test_local_moran_matches_esda_scaling_quadrants_and_moments() -> None:
    w = knn_weights(XY, k=5)
    y = smooth_field(XY, seed=3)
    ours = local_morans_i(y, w, draws=0)
    ref = esda.Moran_Local(
        y.loc[list(w.ids)].to_numpy(), _esda_w(w), transformation="o", permutations=0
    )
    np.testing.assert_allclose(ours.local_i, ref.Is, atol=1e-10, rtol=0)
    np.testing.assert_array_equal(ours.quadrant, ref.q)
    np.testing.assert_allclose(ours.expected_norm, ref.EIc, atol=1e-10, rtol=0)
    np.testing.assert_allclose(ours.variance_norm, ref.VIc, atol=1e-10, rtol=0)
    # documented scaling: sum of local I = (n - 1) * global I with row-standardised weights
    n = w.n
    assert ours.local_i.sum() == pytest.approx((n - 1) * morans_i(y, w, draws=0).value)


def test_permutation_inference_seeded_and_close_to_esda() -> None:
    w = knn_weights(XY, k=5)
    y = smooth_field(XY)
    ss = np.random.SeedSequence(11)
    a = morans_i(y, w, draws=199, seed=ss)
    b = morans_i(y, w, draws=199, seed=ss)
    assert a == b and a.p_sim == pytest.approx(1 / 200)
    noise = pd.Series(np.random.default_rng(5).standard_normal(w.n), index=list(w.ids))
    sims = morans_i(noise, w, draws=999, seed=1).simulated
    assert abs(sims.mean() - (-1 / (w.n - 1))) < 0.01  # permutation mean ~ E[I]
    ref = esda.Moran(noise.to_numpy(), _esda_w(w), transformation="o", permutations=0)
    assert sims.var() == pytest.approx(ref.VI_rand, rel=0.15)
    lisa = local_morans_i(y, w, draws=199, seed=2)
    assert lisa == local_morans_i(y, w, draws=199, seed=2)
    assert (lisa.clusters == "High-High").any() and (lisa.clusters == "Low-Low").any()
    assert set(lisa.clusters) <= {"High-High", "Low-High", "Low-Low", "High-Low", "Not significant"}


def test_values_alignment_errors() -> None:
    w = knn_weights(XY, k=3)
    with pytest.raises(SpatialWeightsError, match="no value"):
        morans_i(pd.Series([1.0], index=[XY["code"][0]]), w, draws=0)
    with pytest.raises(SpatialWeightsError, match="non-finite"):
        morans_i(np.r_[np.nan, np.arange(w.n - 1.0)], w, draws=0)


@requires_data
def test_weights_from_registry_year() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmatchedCodesWarning)
        w = knn_weights(2016, k=6)
    assert w.n > 2800 and w.params["year"] == 2016


def test_nested_weights_by_prefecture_and_province() -> None:
    from countyeconomy.spatial import nested_weights

    codes = XY["code"].tolist()
    w = nested_weights(codes)
    dense = w.dense()
    i = 0
    same = [j for j, c in enumerate(codes) if c[:4] == codes[i][:4] and j != i]
    assert set(np.flatnonzero(dense[i])) == set(same)
    prov = nested_weights(codes, level="province", row_standardise=False)
    assert (prov.cardinalities == len(codes) - 1).all()
    with pytest.raises(CountyEconomyError, match="6-digit"):
        nested_weights(["12"])


@requires_data
def test_weights_by_year_follow_the_county_list() -> None:
    from countyeconomy.spatial import weights_by_year

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ws = weights_by_year([2000, 2016], k=4)
    assert set(ws) == {2000, 2016}
    assert ws[2000].ids != ws[2016].ids and ws[2016].params["year"] == 2016
