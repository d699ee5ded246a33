"""The real county list that installs with the package: the table bundled in ``cpca`` (MIT).

``cpca`` 0.5.5 (PyPI; DQinYuan/chinese_province_city_area_mapper, MIT licence) ships
``cpca/resources/adcodes.csv`` with 12-digit statistical codes, names and county-seat longitude
and latitude (degrees, web-map GCJ-02 convention) for provinces, prefectures and counties. Its
county list is that of about 2016 (21 codes differ from the official 2016 list). The file is read
from the installed distribution without importing ``cpca`` itself.
"""

from __future__ import annotations

import functools
from importlib import metadata

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from countyeconomy.errors import DataNotFoundError

__all__ = ["CPCA_SOURCE", "county_list", "neighbour_pairs", "read_cpca_table"]

CPCA_SOURCE = "cpca 0.5.5 (PyPI, MIT), cpca/resources/adcodes.csv; county list of about 2016"
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})
_EARTH_KM = 6371.0088


@functools.lru_cache(maxsize=1)
def read_cpca_table() -> pd.DataFrame:
    """Every unit of the bundled table: ``code`` (six digits), ``name``, ``lon``, ``lat``.

    Placeholder rows (``市辖区``, ``县``, ``省直辖县级行政区划``) are left out. Do not modify the
    returned (cached) frame; copy it.
    """
    try:
        dist = metadata.distribution("cpca")
    except metadata.PackageNotFoundError as exc:
        raise DataNotFoundError(
            "the county list and coordinates need the 'cpca' package: pip install cpca==0.5.5"
        ) from exc
    raw = pd.read_csv(str(dist.locate_file("cpca/resources/adcodes.csv")), dtype={"adcode": str})
    table = pd.DataFrame(
        {
            "code": raw["adcode"].str.slice(0, 6),
            "name": raw["name"].astype(str),
            "lon": raw["longitude"].astype("float64"),
            "lat": raw["latitude"].astype("float64"),
        }
    )
    table = table[~table["name"].isin(_PLACEHOLDERS)]
    return table.drop_duplicates("code").sort_values("code").reset_index(drop=True)


def county_list() -> pd.DataFrame:
    """The real county-level units with coordinates, and their province and prefecture.

    Columns: ``code``, ``name``, ``province_code`` (``"330000"``), ``province``,
    ``prefecture_code`` (the code's first four digits and ``"00"``), ``prefecture`` (its name;
    the province's name for units directly under a province-level unit), ``lon``, ``lat``.
    Units without coordinates in the source are left out (定州市 and 辛集市).

    Examples
    --------
    >>> from countyeconomy.datasets._county_list import county_list
    >>> counties = county_list()
    >>> len(counties) > 2800, counties["province_code"].nunique()
    (True, 31)
    """
    table = read_cpca_table()
    names = table.set_index("code")["name"]
    county = table[~table["code"].str.endswith("00")].dropna(subset=["lon", "lat"])
    province_code = county["code"].str.slice(0, 2) + "0000"
    prefecture_code = county["code"].str.slice(0, 4) + "00"
    province = province_code.map(names)
    prefecture = prefecture_code.map(names).fillna(province)
    out = pd.DataFrame(
        {
            "code": county["code"],
            "name": county["name"],
            "province_code": province_code,
            "province": province,
            "prefecture_code": prefecture_code,
            "prefecture": prefecture,
            "lon": county["lon"],
            "lat": county["lat"],
        }
    )
    return out.reset_index(drop=True)


def neighbour_pairs(lon: np.ndarray, lat: np.ndarray, km: float) -> np.ndarray:
    """Index pairs ``(i, j)``, ``i < j``, of points within ``km`` great-circle kilometres.

    Shape ``(n_pairs, 2)``.
    """
    lam, phi = np.radians(lon), np.radians(lat)
    xyz = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    chord = 2.0 * np.sin(min(km / _EARTH_KM, np.pi) / 2.0)
    pairs = cKDTree(xyz).query_pairs(chord, output_type="ndarray")
    return np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
