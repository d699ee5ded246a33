"""Contiguity weights (against libpysal's lattice weights and its Queen on the census
prefecture polygons) and economic-distance weights (against the formula written out here)."""

from __future__ import annotations

import warnings

import esda
import numpy as np
import pandas as pd
import pytest
from libpysal.weights import lat2W
from shapely.geometry import box

from countyeconomy.errors import InvalidOptionError
from countyeconomy.registry import UnmatchedCodesWarning
from countyeconomy.spatial import (
    SpatialWeightsError,
    contiguity_weights,
    economic_weights,
    morans_i,
    prefecture_polygons,
)
from tests.conftest import requires_data
from tests.spatial._data import county_seats


def _grid(n: int = 4) -> pd.DataFrame:
    # cell id = row * n + col, as libpysal's lat2W numbers a lattice
    cells = [(r, c) for r in range(n) for c in range(n)]
    return pd.DataFrame(
        {
            "code": [f"{r * n + c:02d}" for r, c in cells],
            "geometry": [box(c, r, c + 1, r + 1) for r, c in cells],
        }
    )


@pytest.mark.parametrize("rook", [False, True])
def test_lattice_matches_libpysal_lat2w(rook: bool) -> None:
    w = contiguity_weights(_grid(), rook=rook, row_standardise=False)
    ref = lat2W(4, 4, rook=rook).full()[0]
    np.testing.assert_array_equal(w.dense(), ref)
    assert w.kind == ("rook" if rook else "queen") and not w.row_standardised
    std = contiguity_weights(_grid(), rook=rook)
    np.testing.assert_allclose(std.dense().sum(axis=1), 1.0)
    assert std.row_standardised and std.params["rule"] == w.kind


def test_wkt_strings_codes_subset_and_unmatched() -> None:
    g = _grid(3)
    wkt = g.assign(geometry=[x.wkt for x in g["geometry"]])
    with pytest.warns(UnmatchedCodesWarning, match="1 code"):
        w = contiguity_weights(wkt, ["04", "01", "zz"], row_standardise=False)
    assert w.ids == ("04", "01") and w.unmatched == ("zz",)
    assert w.dense().tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_bad_polygons() -> None:
    g = _grid(2)
    with pytest.raises(SpatialWeightsError, match="'code' and 'geometry'"):
        contiguity_weights(g.rename(columns={"geometry": "geom"}))
    with pytest.raises(SpatialWeightsError, match=r"'01'.*not valid WKT"):
        contiguity_weights(g.assign(geometry=["POLYGON((0 0, 1 0, 1 1, 0 0))", "nonsense", "", ""]))
    with pytest.raises(SpatialWeightsError, match="missing, empty"):
        contiguity_weights(g.assign(geometry=[None, *g["geometry"][1:]]))
    with pytest.raises(SpatialWeightsError, match="more than once"):
        contiguity_weights(g.assign(code=["a", "a", "b", "c"]))
    with pytest.raises(InvalidOptionError, match="polygons=list"):
        contiguity_weights([box(0, 0, 1, 1)])  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="rook="):
        contiguity_weights(g, rook="yes")  # type: ignore[arg-type]


@requires_data
def test_prefecture_polygons_queen() -> None:
    from libpysal.weights import Queen

    polys = prefecture_polygons()
    assert len(polys) == 369 and polys["code"].is_unique
    with pytest.warns(UserWarning, match="460300"):  # 三沙市: islands in the South China Sea
        w = contiguity_weights(polys, row_standardise=False)
    assert w.islands == ("460300",)
    ref = Queen.from_iterable(list(polys["geometry"]), ids=list(polys["code"]))
    assert {c: sorted(n) for c, n in ref.neighbors.items()} == {
        c: sorted(w.ids[j] for j in np.flatnonzero(row))
        for c, row in zip(w.ids, w.dense(), strict=True)
    }
    dense = w.dense()
    np.testing.assert_array_equal(dense, dense.T)
    beijing = {w.ids[j] for j in np.flatnonzero(dense[w.ids.index("110100")])}
    assert {"120100", "131000"} <= beijing  # Tianjin, Langfang
    # urbanisation clusters: Moran's I as esda computes it on the same weights
    ok = polys.dropna(subset=["urbanisation_2020"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wq = contiguity_weights(polys, ok["code"])
        res = morans_i(ok.set_index("code")["urbanisation_2020"], wq, seed=1)
        ref_i = esda.Moran(
            ok.set_index("code")["urbanisation_2020"].reindex(list(wq.ids)).to_numpy(),
            wq.to_libpysal(),
            permutations=0,
        ).I
    assert res.value == pytest.approx(ref_i, abs=1e-10)
    assert 0.3 < res.value < 0.5


def _haversine(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    p, q = np.radians(lat), np.radians(lon)
    a = (
        np.sin((p[:, None] - p[None, :]) / 2) ** 2
        + np.cos(p[:, None]) * np.cos(p[None, :]) * np.sin((q[:, None] - q[None, :]) / 2) ** 2
    )
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def test_economic_weights_formula() -> None:
    xy = county_seats("33").head(40)
    rng = np.random.default_rng(2)
    g = pd.Series(np.exp(rng.normal(size=len(xy))), index=xy["code"].to_numpy())
    w = economic_weights(xy, g, cutoff=150.0, row_standardise=False)
    d = _haversine(xy["lon"].to_numpy(), xy["lat"].to_numpy())
    gap = np.abs(g.to_numpy()[:, None] - g.to_numpy()[None, :])
    with np.errstate(divide="ignore"):
        ref = np.where((d <= 150.0) & (d > 0), 1.0 / (gap * d), 0.0)
    order = [list(xy["code"]).index(c) for c in w.ids]
    np.testing.assert_allclose(w.dense(), ref[np.ix_(order, order)], rtol=1e-9)
    std = economic_weights(xy, g, cutoff=150.0)
    rows = ref[np.ix_(order, order)].sum(axis=1, keepdims=True)
    np.testing.assert_allclose(std.dense(), ref[np.ix_(order, order)] / rows, rtol=1e-9)
    assert std.kind == "economic_distance" and std.row_standardised
    assert std.params["formula"] == "1 / (|g_i - g_j| * d_ij)"


def test_economic_weights_missing_values_and_ties() -> None:
    xy = county_seats("33").head(10)
    g = {c: float(i) for i, c in enumerate(xy["code"])}
    first = str(xy["code"].iloc[0])
    g[first] = float("nan")
    with pytest.warns(UnmatchedCodesWarning, match=first):
        w = economic_weights(xy, g, xy["code"])
    assert w.unmatched == (first,) and first not in w.ids
    g[first] = 1.0  # ties with the second county
    with pytest.raises(SpatialWeightsError, match="same value"):
        economic_weights(xy, g)
    with pytest.raises(InvalidOptionError, match="values=list"):
        economic_weights(xy, [1.0, 2.0])  # type: ignore[arg-type]
