"""altair charts: a county (or prefecture) map, the Moran scatterplot, and spillovers by ring.

The Moran scatterplot plots the standardised value ``z = (y - mean) / sd`` against its spatial
lag ``W z``; the fitted line has slope ``z'Wz / z'z``, which is Moran's I when ``W`` is
row-standardised without islands (in general it is ``I * S0 / n``, ``S0`` the sum of weights).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy.errors import InvalidOptionError
from countyeconomy.report import PALETTE, themed
from countyeconomy.spatial._local import CLUSTER_LABELS
from countyeconomy.spatial._moran import align_values
from countyeconomy.spatial._weights import SpatialWeights, SpatialWeightsError

__all__ = ["county_map", "moran_scatter", "moran_slope", "spillover_chart"]

_RING = re.compile(r"^ring_([0-9.eE+-]+)_([0-9.eE+-]+)$")


def _series(values: pd.Series | Mapping[str, object], name: str) -> pd.Series:
    if isinstance(values, Mapping):
        values = pd.Series(values)
    if not isinstance(values, pd.Series):
        raise InvalidOptionError(
            f"{name}={type(values).__name__} is not valid; pass a Series indexed by code or a "
            "dict code -> value."
        )
    out = values.copy()
    out.index = out.index.astype(str)
    return out


def county_map(
    values: pd.Series | Mapping[str, object],
    coordinates: pd.DataFrame | None = None,
    *,
    polygons: pd.DataFrame | None = None,
    title: str = "",
    tolerance: float = 0.02,
) -> Any:
    """A map of one value per county (or prefecture): a choropleth where polygons are given, else
    the county seats as points coloured by the value.

    Parameters
    ----------
    values
        A Series indexed by code (or a dict): numbers (a sequential scale) or labels such as
        ``local_morans_i(...).clusters`` (a categorical scale).
    coordinates
        ``code, lon, lat`` of the seats (e.g. ``Registry.load().coordinates(2016).table``);
        used when ``polygons`` is not given.
    polygons
        ``code`` and ``geometry`` (shapely), e.g. :func:`prefecture_polygons`; simplified by
        ``tolerance`` degrees to keep the chart small.
    title
        Chart title.

    Examples
    --------
    >>> import pandas as pd
    >>> xy = pd.DataFrame({"code": ["a", "b"], "lon": [116.0, 117.0], "lat": [40.0, 39.0]})
    >>> spec = county_map({"a": 1.0, "b": 2.0}, xy).to_dict()
    >>> spec["mark"]["type"], spec["encoding"]["color"]["type"]
    ('circle', 'quantitative')
    """
    import altair as alt

    v = _series(values, "values")
    numeric = pd.api.types.is_numeric_dtype(v)
    kind: Literal["quantitative", "nominal"] = "quantitative" if numeric else "nominal"
    label = str(v.name) if v.name is not None else "value"
    color = alt.Color("value", type=kind, title=label)
    if polygons is not None:
        import shapely  # type: ignore[import-untyped]

        if not {"code", "geometry"} <= set(polygons.columns):
            raise SpatialWeightsError("polygons need columns code and geometry.")
        codes = polygons["code"].astype(str)
        keep = codes.isin(v.index).to_numpy()
        geoms = shapely.simplify(np.asarray(polygons["geometry"])[keep], tolerance)
        features = [
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(g),
                "properties": {"code": c, "value": _plain(v[c])},
            }
            for c, g in zip(codes[keep], geoms, strict=True)
        ]
        data = alt.Data(values=features)  # type: ignore[no-untyped-call]
        chart = (
            alt.Chart(data)
            .mark_geoshape(stroke="white", strokeWidth=0.3)
            .encode(
                color=alt.Color("properties.value", type=kind, title=label),
                tooltip=[
                    alt.Tooltip("properties.code:N", title="code"),
                    alt.Tooltip("properties.value", type=kind, title="value"),
                ],
            )
        )
    else:
        if coordinates is None or not {"code", "lon", "lat"} <= set(coordinates.columns):
            raise SpatialWeightsError(
                "county_map needs coordinates with columns code, lon, lat, or polygons=."
            )
        xy = coordinates.assign(code=coordinates["code"].astype(str))
        df = xy[["code", "lon", "lat"]].merge(
            pd.DataFrame({"code": v.index, "value": v.to_numpy()}), on="code"
        )
        chart = (
            alt.Chart(df)
            .mark_circle(size=18, opacity=0.9)
            .encode(
                longitude="lon:Q",
                latitude="lat:Q",
                color=color,
                tooltip=["code:N", alt.Tooltip("value", type=kind)],
            )
        )
    return themed(chart.project("mercator").properties(title=title), width=420, height=340)


def _plain(x: object) -> object:
    if isinstance(x, np.generic):
        return x.item()
    return None if isinstance(x, float) and not np.isfinite(x) else x


def moran_slope(values: pd.Series | Mapping[str, float], spatial_weights: SpatialWeights) -> float:
    """Slope ``z'Wz / z'z`` of the Moran scatterplot (= Moran's I for row-standardised weights
    without islands)."""
    z, lag = _moran_points(values, spatial_weights)
    return float(z @ lag / (z @ z))


def _moran_points(
    values: pd.Series | Mapping[str, float], spatial_weights: SpatialWeights
) -> tuple[np.ndarray, np.ndarray]:
    y = align_values(_series(values, "values"), spatial_weights)
    sd = float(y.std())
    if not sd > 0:
        raise SpatialWeightsError("values are constant: the Moran scatterplot is undefined.")
    z = (y - y.mean()) / sd
    return z, np.asarray(spatial_weights.matrix @ z)


def moran_scatter(
    values: pd.Series | Mapping[str, float], spatial_weights: SpatialWeights, *, title: str = ""
) -> Any:
    """The Moran scatterplot: standardised value against its spatial lag, by quadrant, with the
    fitted line whose slope is Moran's I (row-standardised weights, no islands).

    Examples
    --------
    >>> import pandas as pd
    >>> from countyeconomy.spatial import knn_weights
    >>> xy = pd.DataFrame({"code": list("abcd"), "lon": [116.0, 117, 118, 119],
    ...                    "lat": [40.0] * 4})
    >>> ch = moran_scatter({"a": 1.0, "b": 2.0, "c": 3.0, "d": 5.0}, knn_weights(xy, k=1))
    >>> [layer["mark"]["type"] for layer in ch.to_dict()["layer"]]
    ['circle', 'line', 'rule', 'rule']
    """
    import altair as alt

    z, lag = _moran_points(values, spatial_weights)
    slope = float(z @ lag / (z @ z))
    quad = np.where(z >= 0, np.where(lag >= 0, 1, 4), np.where(lag >= 0, 2, 3))
    df = pd.DataFrame(
        {
            "county": list(spatial_weights.ids),
            "z": z,
            "lag": lag,
            "quadrant": [CLUSTER_LABELS[int(q)] for q in quad],
        }
    )
    span = float(np.abs(z).max())
    line = pd.DataFrame({"z": [-span, span], "lag": [-span * slope, span * slope]})
    points = (
        alt.Chart(df)
        .mark_circle(size=30, opacity=0.7)
        .encode(
            x=alt.X("z:Q", title="standardised value"),
            y=alt.Y("lag:Q", title="spatial lag"),
            color=alt.Color(
                "quadrant:N",
                scale=alt.Scale(domain=list(CLUSTER_LABELS.values()), range=list(PALETTE[:4])),
            ),
            tooltip=[
                "county:N",
                alt.Tooltip("z:Q", format=".2f"),
                alt.Tooltip("lag:Q", format=".2f"),
            ],
        )
    )
    fit = alt.Chart(line).mark_line(color="black").encode(x="z:Q", y="lag:Q")
    zero_x = alt.Chart(pd.DataFrame({"v": [0.0]})).mark_rule(strokeDash=[3, 3]).encode(x="v:Q")
    zero_y = alt.Chart(pd.DataFrame({"v": [0.0]})).mark_rule(strokeDash=[3, 3]).encode(y="v:Q")
    chart = alt.layer(points, fit, zero_x, zero_y).properties(
        title=title or f"Moran scatterplot (slope {slope:.3f})"
    )
    return themed(chart, width=360, height=320)


def spillover_chart(result: Any, *, level: float = 0.95, title: str = "") -> Any:
    """Spillover by distance ring: the ``ring_<lo>_<hi>`` coefficients of a fit on
    :func:`ring_exposure` columns, with ``level`` confidence intervals, nearest ring first.

    ``result`` is any fitted result with ``params`` and ``conf_int(level)`` whose terms include
    ring columns (e.g. ``ce.twfe(out, "y ~ d + ring_0_30 + ring_30_60 | county + year")``).
    """
    import altair as alt

    if not 0 < level < 1:
        raise InvalidOptionError(f"level={level!r} is not valid; pass a float in (0, 1).")
    params = getattr(result, "params", None)
    if not isinstance(params, pd.Series):
        raise InvalidOptionError(
            f"result={type(result).__name__} has no params; pass a fitted result (e.g. of twfe)."
        )
    rings = [(t, _RING.match(str(t))) for t in params.index]
    found = [(t, float(m.group(1)), float(m.group(2))) for t, m in rings if m]
    if not found:
        raise InvalidOptionError(
            f"result has no ring_<lo>_<hi> terms (terms: {list(params.index)[:10]}); fit on the "
            "columns ring_exposure adds."
        )
    ci = result.conf_int(level)
    df = pd.DataFrame(
        [
            {
                "ring": f"{lo:g}-{hi:g} km",
                "lo": lo,
                "estimate": float(params[t]),
                "ci_low": float(ci.loc[t].iloc[0]),
                "ci_high": float(ci.loc[t].iloc[1]),
            }
            for t, lo, hi in found
        ]
    ).sort_values("lo")
    order = df["ring"].tolist()
    x = alt.X("ring:N", sort=order, title="distance to the nearest treated county")
    bars = (
        alt.Chart(df)
        .mark_rule()
        .encode(x=x, y=alt.Y("ci_low:Q", title="spillover"), y2="ci_high:Q")
    )
    dots = alt.Chart(df).mark_point(filled=True, size=60).encode(x=x, y="estimate:Q")
    zero = alt.Chart(pd.DataFrame({"v": [0.0]})).mark_rule(strokeDash=[3, 3]).encode(y="v:Q")
    chart = alt.layer(bars, dots, zero).properties(
        title=title or f"Spillover by distance ring ({level:.0%} CI)"
    )
    return themed(chart, width=360, height=260)
