"""Contiguity weights from polygons (libpysal ``Queen`` / ``Rook``), the census prefecture
boundaries as an example, and economic-distance weights.

Economic distance weights follow the economic-geographic form common in Chinese county and city
studies: ``w_ij = 1 / (|g_i - g_j| * d_ij)`` for ``d_ij <= cutoff``, with ``g`` a level such as
GDP per capita (the sample mean, or a base year, so the matrix is exogenous to the outcome) and
``d_ij`` the great-circle distance in km between county seats; then each row is scaled to sum
to one (recorded on the object).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from countyeconomy._fetch import DataFile, data_path
from countyeconomy.errors import InvalidOptionError
from countyeconomy.registry import CountyCoordinates
from countyeconomy.spatial._weights import (
    SpatialWeights,
    SpatialWeightsError,
    _finish,
    distance_weights,
)

__all__ = [
    "PREFECTURE_POLYGONS",
    "contiguity_weights",
    "economic_weights",
    "prefecture_polygons",
]

_COMMIT = "0ba0f1efae092f4aa6569ef38e53b3bb4d2f0087"
PREFECTURE_POLYGONS = DataFile(
    relpath="china_census/census_city_2010-2020_v1.csv",
    url=f"https://raw.githubusercontent.com/leiii/census/{_COMMIT}/census_city_2010-2020_v1.csv",
    sha256="cef8ba063a7cda6f6eed99cd71cfa18aeed2ef09bc517a514810df874e99913a",
    licence="MIT",
    source=f"leiii/census @ {_COMMIT}, census_city_2010-2020_v1.csv",
)
"""The prefecture census table with WKT boundary polygons (369 prefecture-level units)."""


def prefecture_polygons() -> pd.DataFrame:
    """The 369 prefecture-level units of the census city table with their boundary polygons.

    Columns: ``code`` (6-digit prefecture code, string), ``name``, ``province``, ``geometry``
    (shapely polygons parsed from the file's WKT, degrees), and the census counts
    ``population_2010``, ``population_2020``, ``urban_2010``, ``urban_2020`` (persons) with the
    urbanisation rates ``urbanisation_2010`` and ``urbanisation_2020``.

    Source: leiii/census (MIT), read from the pinned file (``COUNTYECONOMY_DATA_DIR`` mirror or a
    verified download).

    Examples
    --------
    >>> polys = prefecture_polygons()  # doctest: +SKIP
    >>> contiguity_weights(polys).n  # doctest: +SKIP
    369
    """
    import shapely  # type: ignore[import-untyped]

    raw = pd.read_csv(
        data_path(PREFECTURE_POLYGONS), dtype={"city_code": str}, encoding="utf-8-sig"
    )
    out = pd.DataFrame(
        {
            "code": raw["city_code"].astype(str),
            "name": raw["city"].astype(str),
            "province": raw["province"].astype(str),
            "geometry": shapely.from_wkt(raw["coord"].tolist()),
        }
    )
    for y in (2010, 2020):
        pop = pd.to_numeric(raw[f"popu_{y}"], errors="coerce")
        urban = pd.to_numeric(raw[f"popu_urban_{y}"], errors="coerce")
        out[f"population_{y}"] = pop
        out[f"urban_{y}"] = urban
        out[f"urbanisation_{y}"] = urban / pop
    return out


def _geometries(polygons: object) -> tuple[list[str], list[Any]]:
    """Codes and shapely geometries from a DataFrame (``code`` and ``geometry``, shapely objects
    or WKT strings), a GeoDataFrame, or a mapping code -> geometry."""
    import shapely

    if isinstance(polygons, pd.DataFrame):
        if "code" not in polygons.columns or "geometry" not in polygons.columns:
            raise SpatialWeightsError(
                "polygons need columns 'code' and 'geometry' (shapely geometries or WKT strings); "
                f"columns are {list(polygons.columns)[:20]}."
            )
        codes = polygons["code"].astype(str).tolist()
        geoms = list(polygons["geometry"])
    elif isinstance(polygons, Mapping):
        codes = [str(c) for c in polygons]
        geoms = list(polygons.values())
    else:
        raise InvalidOptionError(
            f"polygons={type(polygons).__name__} is not valid; pass a DataFrame with columns code "
            "and geometry (e.g. prefecture_polygons()), a GeoDataFrame, or a dict code -> polygon."
        )
    out = []
    for code, g in zip(codes, geoms, strict=True):
        if isinstance(g, str):
            try:
                g = shapely.from_wkt(g)
            except shapely.errors.GEOSException as err:
                raise SpatialWeightsError(f"polygon of {code!r} is not valid WKT: {err}") from None
        if not isinstance(g, shapely.Geometry) or g.is_empty:
            raise SpatialWeightsError(
                f"polygon of {code!r} is missing, empty or not a geometry ({type(g).__name__})."
            )
        out.append(g)
    dup = pd.Index(codes)[pd.Index(codes).duplicated()].unique()
    if len(dup):
        raise SpatialWeightsError(f"polygons list code(s) {list(dup[:10])} more than once.")
    return codes, out


def contiguity_weights(
    polygons: pd.DataFrame | Mapping[str, Any],
    codes: Sequence[object] | None = None,
    *,
    rook: bool = False,
    row_standardise: bool = True,
) -> SpatialWeights:
    """Queen (shared boundary point) or rook (shared edge) contiguity from polygons.

    Built by :class:`libpysal.weights.Queen` / :class:`libpysal.weights.Rook` (``from_iterable``)
    on shapely geometries; boundaries must coincide exactly to count as shared (polygons from
    different sources may need snapping first).

    Parameters
    ----------
    polygons
        A DataFrame (or GeoDataFrame) with ``code`` and ``geometry`` (shapely geometries or WKT
        strings), e.g. :func:`prefecture_polygons`; or a dict code -> geometry.
    codes
        The units to keep, in this order; codes without a polygon are left out, listed in
        ``.unmatched`` and announced. ``None``: every polygon, in the given order.
    rook
        Rook contiguity (a shared edge) instead of queen (a shared vertex is enough).
    row_standardise
        Scale each non-empty row to sum to one (recorded in ``.row_standardised``).

    Examples
    --------
    >>> from shapely.geometry import box
    >>> sq = {"a": box(0, 0, 1, 1), "b": box(1, 0, 2, 1), "c": box(1, 1, 2, 2)}
    >>> contiguity_weights(sq, row_standardise=False).cardinalities.tolist()
    [2, 2, 2]
    >>> contiguity_weights(sq, rook=True, row_standardise=False).cardinalities.tolist()
    [1, 2, 1]
    """
    if not isinstance(rook, bool):
        raise InvalidOptionError(f"rook={rook!r} is not valid; pass True or False.")
    all_codes, geoms = _geometries(polygons)
    unmatched: list[str] = []
    if codes is not None:
        where = {c: i for i, c in enumerate(all_codes)}
        wanted = list(dict.fromkeys(str(c) for c in codes))
        unmatched = [c for c in wanted if c not in where]
        keep = [c for c in wanted if c in where]
        geoms = [geoms[where[c]] for c in keep]
        all_codes = keep
    if len(all_codes) < 2:
        raise SpatialWeightsError(f"{len(all_codes)} polygon(s); at least 2 needed.")
    from libpysal.weights import Queen, Rook, W  # type: ignore[import-untyped]

    build = Rook if rook else Queen
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        found = build.from_iterable(geoms, ids=all_codes, silence_warnings=True)
        w = W(found.neighbors, id_order=all_codes, silence_warnings=True)
    rule = "rook" if rook else "queen"
    return _finish(w, all_codes, rule, row_standardise, {"rule": rule}, unmatched)


class _Sparse:
    """A sparse matrix handed to ``_finish`` where it expects a libpysal ``W``."""

    def __init__(self, matrix: sp.csr_array) -> None:
        self.sparse = matrix


def economic_weights(
    coordinates: int | CountyCoordinates | pd.DataFrame,
    values: pd.Series | Mapping[str, float],
    codes: Sequence[object] | None = None,
    *,
    cutoff: float | None = None,
    row_standardise: bool = True,
) -> SpatialWeights:
    """Economic-geographic distance weights ``w_ij = 1 / (|g_i - g_j| * d_ij)``, ``d_ij <= cutoff``.

    Parameters
    ----------
    coordinates
        As in :func:`distance_weights`: a year (registry county seats), a
        :class:`~countyeconomy.registry.CountyCoordinates`, or a DataFrame ``code, lon, lat``.
    values
        The economic level ``g`` per code (a Series indexed by code or a dict), e.g. mean GDP per
        capita over the sample years. Use a fixed (base-year or mean) level so the weights do not
        move with the outcome. Codes without a finite value are left out and listed in
        ``.unmatched``.
    codes
        The counties to keep, in this order (``None``: every code with coordinates and a value).
    cutoff
        Distance band in km (``None``: every pair).
    row_standardise
        Scale each non-empty row to sum to one (recorded in ``.row_standardised``).

    Raises
    ------
    SpatialWeightsError
        When two linked counties have the same value (an infinite weight), naming them.

    Examples
    --------
    >>> import pandas as pd
    >>> xy = pd.DataFrame({"code": ["a", "b", "c"], "lon": [116.0, 117.0, 118.0],
    ...                    "lat": [40.0, 40.0, 40.0]})
    >>> w = economic_weights(xy, {"a": 1.0, "b": 2.0, "c": 4.0}, row_standardise=False)
    >>> round(float(w.dense()[0, 1] / w.dense()[0, 2]), 3)  # gap 1 at ~85 km, gap 3 at ~171 km
    6.0
    """
    g = pd.Series(values, dtype=float) if isinstance(values, Mapping) else values
    if not isinstance(g, pd.Series):
        raise InvalidOptionError(
            f"values={type(values).__name__} is not valid; pass a Series indexed by code or a "
            "dict code -> value."
        )
    g = pd.to_numeric(g, errors="coerce")
    g.index = g.index.astype(str)
    if g.index.duplicated().any():
        raise SpatialWeightsError(
            f"values list code(s) {list(g.index[g.index.duplicated()][:10])} more than once."
        )
    finite = g[np.isfinite(g.to_numpy(dtype=float))]
    wanted = [str(c) for c in (codes if codes is not None else finite.index)]
    no_value = [c for c in wanted if c not in finite.index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # announced once below, with the codes without values
        geo = distance_weights(
            coordinates,
            [c for c in wanted if c in finite.index],
            cutoff=cutoff,
            power=1.0,
            row_standardise=False,
        )
    mat = geo.matrix.tocoo()
    gv = finite.reindex(list(geo.ids)).to_numpy(dtype=float)
    gap = np.abs(gv[mat.row] - gv[mat.col])
    if (gap == 0).any():
        i = int(np.flatnonzero(gap == 0)[0])
        raise SpatialWeightsError(
            f"counties {geo.ids[mat.row[i]]!r} and {geo.ids[mat.col[i]]!r} have the same value "
            f"({gv[mat.row[i]]:g}), so 1/|g_i - g_j| is infinite; use a value with ties broken "
            "(e.g. more digits) or distance_weights."
        )
    econ = sp.csr_array((mat.data / gap, (mat.row, mat.col)), shape=mat.shape)
    params = {
        "cutoff": cutoff,
        "year": geo.params.get("year"),
        "radius_km": geo.params.get("radius_km"),
        "formula": "1 / (|g_i - g_j| * d_ij)",
    }
    return _finish(
        _Sparse(econ),
        list(geo.ids),
        "economic_distance",
        row_standardise,
        params,
        list(geo.unmatched) + no_value,
    )
