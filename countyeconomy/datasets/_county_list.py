"""The real county list that installs with the package: the table bundled in ``cpca`` (MIT).

``cpca`` 0.5.5 (PyPI; DQinYuan/chinese_province_city_area_mapper, MIT licence) ships
``cpca/resources/adcodes.csv`` with 12-digit statistical codes, names and county-seat longitude
and latitude (degrees, web-map GCJ-02 convention) for provinces, prefectures and counties. Its
county list is that of about 2016 (21 codes differ from the official 2016 list). The file is read
from the installed distribution without importing ``cpca`` itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from countyeconomy.registry import read_cpca_table

__all__ = ["county_list", "neighbour_pairs"]

_EARTH_KM = 6371.0088


def county_list() -> pd.DataFrame:
    """The real county-level units with coordinates, and their province and prefecture.

    Columns: ``code``, ``name``, ``province_code`` (``"330000"``), ``province``,
    ``prefecture_code`` (the code's first four digits and ``"00"``), ``prefecture`` (its name;
    the province's name for units directly under a province-level unit), ``lon``, ``lat``.
    Units without coordinates in the source are left out (定州市 and 辛集市).

    Examples
    --------
    >>> from countyeconomy.datasets import county_list
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
    from scipy.spatial import cKDTree

    lam, phi = np.radians(lon), np.radians(lat)
    xyz = np.column_stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)])
    chord = 2.0 * np.sin(min(km / _EARTH_KM, np.pi) / 2.0)
    pairs = cKDTree(xyz).query_pairs(chord, output_type="ndarray")
    return np.asarray(pairs, dtype=np.intp).reshape(-1, 2)
