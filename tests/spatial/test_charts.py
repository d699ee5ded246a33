"""Charts read back through ``chart.to_dict()``: encodings, data, and the Moran-scatter slope."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

import countyeconomy as ce
from countyeconomy.errors import InvalidOptionError
from countyeconomy.spatial import (
    SpatialWeightsError,
    county_map,
    distance_weights,
    knn_weights,
    local_morans_i,
    moran_scatter,
    moran_slope,
    morans_i,
    ring_exposure,
    spillover_chart,
)
from tests.spatial._data import county_seats, smooth_field

XY = county_seats("33")
W = knn_weights(XY, k=5)
VALUES = smooth_field(XY, seed=3)


def _layer_data(spec: dict[str, Any], layer: dict[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(spec["datasets"][layer["data"]["name"]])


def test_moran_scatter_slope_is_morans_i() -> None:
    spec = moran_scatter(VALUES, W).to_dict()
    points, line, _, _ = spec["layer"]
    enc = points["encoding"]
    assert (enc["x"]["field"], enc["y"]["field"], enc["color"]["field"]) == ("z", "lag", "quadrant")
    assert enc["x"]["type"] == enc["y"]["type"] == "quantitative"
    df = _layer_data(spec, points)
    i = morans_i(VALUES, W, draws=0).value
    # the points' least-squares slope, the drawn line's slope and Moran's I agree
    assert np.polyfit(df["z"], df["lag"], 1)[0] == pytest.approx(i, abs=1e-10)
    ln = _layer_data(spec, line)
    assert (ln["lag"].iloc[1] - ln["lag"].iloc[0]) / (
        ln["z"].iloc[1] - ln["z"].iloc[0]
    ) == pytest.approx(i, abs=1e-10)
    assert moran_slope(VALUES, W) == pytest.approx(i, abs=1e-12)
    assert df["z"].mean() == pytest.approx(0, abs=1e-12)
    assert df["z"].std(ddof=0) == pytest.approx(1)
    # quadrants agree with LISA's (esda coding)
    lisa = local_morans_i(VALUES, W, draws=0)
    labels = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
    assert df["quadrant"].tolist() == [labels[int(q)] for q in lisa.quadrant]
    assert f"{i:.3f}" in spec["title"]


def test_moran_slope_without_row_standardisation_scales_by_s0() -> None:
    w = distance_weights(XY, cutoff=60.0, row_standardise=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        i = morans_i(VALUES, w, draws=0).value
    s0 = float(w.data.sum())
    assert moran_slope(VALUES, w) == pytest.approx(i * s0 / w.n, rel=1e-10)
    with pytest.raises(SpatialWeightsError, match="constant"):
        moran_slope(pd.Series(1.0, index=list(W.ids)), W)


def test_point_map_numeric_and_clusters() -> None:
    spec = county_map(VALUES, XY, title="field").to_dict()
    enc = spec["encoding"]
    assert spec["mark"]["type"] == "circle"
    assert (enc["longitude"]["field"], enc["latitude"]["field"]) == ("lon", "lat")
    assert enc["color"] == {"field": "value", "type": "quantitative", "title": "value"}
    assert spec["projection"]["type"] == "mercator"
    data = pd.DataFrame(spec["datasets"][spec["data"]["name"]])
    assert len(data) == len(VALUES)
    clusters = local_morans_i(VALUES, W, draws=99, seed=1).clusters
    cspec = county_map(clusters, XY).to_dict()
    assert cspec["encoding"]["color"]["type"] == "nominal"
    assert cspec["encoding"]["color"]["title"] == "cluster"
    with pytest.raises(SpatialWeightsError, match="code, lon, lat"):
        county_map(VALUES)
    with pytest.raises(InvalidOptionError, match="values=list"):
        county_map([1.0, 2.0], XY)  # type: ignore[arg-type]


def test_choropleth_from_polygons() -> None:
    polys = pd.DataFrame(
        {"code": ["a", "b", "c"], "geometry": [box(0, 0, 1, 1), box(1, 0, 2, 1), box(2, 0, 3, 1)]}
    )
    spec = county_map({"a": 1.0, "b": 3.0}, polygons=polys).to_dict()
    assert spec["mark"]["type"] == "geoshape"
    assert spec["encoding"]["color"]["field"] == "properties.value"
    feats = (
        spec["data"]["values"]
        if "values" in spec["data"]
        else spec["datasets"][spec["data"]["name"]]
    )
    assert [f["properties"] for f in feats] == [
        {"code": "a", "value": 1.0},
        {"code": "b", "value": 3.0},
    ]
    assert feats[0]["geometry"]["type"] == "Polygon"


def test_spillover_chart_reads_the_ring_terms() -> None:
    rng = np.random.default_rng(0)
    codes = list(W.ids)
    treated = set(rng.choice(codes, size=20, replace=False))
    rows = []
    for t in range(6):
        d = np.array([(c in treated) and t >= 3 for c in codes], dtype=float)
        rows.append(pd.DataFrame({"county": codes, "year": 2010 + t, "d": d}))
    df = pd.concat(rows, ignore_index=True)
    out = ring_exposure(df, "d", XY, [30, 60])
    out["y"] = out["d"] + 0.5 * out["ring_0_30"] + rng.normal(size=len(out))
    res = ce.twfe(out, "y ~ d + ring_30_60 + ring_0_30 | county + year")
    spec = spillover_chart(res, level=0.9).to_dict()
    bars, dots, _ = spec["layer"]
    assert (
        bars["encoding"]["y"]["field"] == "ci_low" and bars["encoding"]["y2"]["field"] == "ci_high"
    )
    assert dots["encoding"]["x"]["sort"] == ["0-30 km", "30-60 km"]
    data = _layer_data(spec, dots)
    assert data["ring"].tolist() == ["0-30 km", "30-60 km"]
    np.testing.assert_allclose(data["estimate"], res.params[["ring_0_30", "ring_30_60"]])
    ci = res.conf_int(0.9)
    np.testing.assert_allclose(data["ci_low"], ci.loc[["ring_0_30", "ring_30_60"]].iloc[:, 0])
    with pytest.raises(InvalidOptionError, match="no ring_"):
        spillover_chart(ce.twfe(out, "y ~ d | county + year"))
    with pytest.raises(InvalidOptionError, match="level="):
        spillover_chart(res, level=95)
