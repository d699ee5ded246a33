"""County-seat coordinates from the table bundled with the ``cpca`` package (MIT).

``cpca`` 0.5.5 (PyPI; DQinYuan/chinese_province_city_area_mapper, MIT licence) ships
``cpca/resources/adcodes.csv``: 12-digit statistical codes, names, and the longitude and latitude
(GCJ-02 style web-map coordinates, degrees) of each unit's seat. Its county list matches the
official list of about 2016 (21 codes differ from the 2016 list, 45 from 2017), with the National
Bureau of Statistics' codes ``139001`` 定州市 and ``139002`` 辛集市. The file is read from the
installed package without importing ``cpca`` itself.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from countyeconomy.registry._checks import check_year
from countyeconomy.registry._cpca import CPCA_SOURCE, read_cpca_table
from countyeconomy.registry._names import strip_suffix
from countyeconomy.registry._warnings import UnmatchedCodesWarning

if TYPE_CHECKING:
    from countyeconomy.registry._registry import Registry

__all__ = ["CountyCoordinates", "county_coordinates"]


@dataclass(frozen=True)
class CountyCoordinates:
    """County-seat coordinates for one year's county-level units.

    Attributes
    ----------
    table
        ``code``, ``name``, ``lon``, ``lat`` and ``via`` (the code whose coordinates were used:
        the same code, or the nearest one-to-one predecessor or successor); missing coordinates
        are NaN.
    missing
        Codes without coordinates.
    year
        The year of the county list.
    source
        Provenance and licence of the coordinates.
    """

    table: pd.DataFrame
    missing: tuple[str, ...]
    year: int
    source: str = CPCA_SOURCE


def _one_to_one_neighbours(reg: Registry, rid: int) -> list[int]:
    """Records linked to ``rid`` by a chain of one-to-one successions, nearest first."""
    tabs = reg.tables
    found: list[int] = []
    for links, back in ((tabs.successors, tabs.predecessors), (tabs.predecessors, tabs.successors)):
        cur = rid
        for _ in range(10):
            nxt = links.get(cur, ())
            if len(nxt) != 1 or len(back.get(nxt[0], ())) != 1:
                break
            cur = nxt[0]
            found.append(cur)
    return found


def _name_index(cpca: pd.DataFrame) -> dict[tuple[str, str], str]:
    """(province digits, name without suffix) -> code, for names unique within a province."""
    county = cpca[~cpca.index.str.endswith("00")]
    keys = pd.Series(
        list(zip(county.index.str.slice(0, 2), county["name"].map(strip_suffix), strict=True)),
        index=county.index,
    )
    unique = keys[~keys.duplicated(keep=False)]
    return {key: str(code) for code, key in unique.items()}


def county_coordinates(reg: Registry, year: int) -> CountyCoordinates:
    """Longitude and latitude of the county seats of the county-level units in use in ``year``.

    A code absent from the bundled table borrows the coordinates of a code it was renamed from or
    to (one-to-one, e.g. 临安市 330185 and 临安区 330112 share a seat), else of a unit with the
    same name up to its suffix in the same province (永年区 takes 永年县's); codes still without
    coordinates are listed in ``missing`` and announced with :class:`UnmatchedCodesWarning`.

    Examples
    --------
    >>> from countyeconomy.registry import Registry
    >>> coords = Registry.load().coordinates(2016)  # doctest: +SKIP
    >>> len(coords.missing) < 20  # doctest: +SKIP
    True
    """
    y = check_year(year)
    counties = reg.counties(y)[["code", "name"]]
    cpca = read_cpca_table().set_index("code")
    via = counties["code"].where(counties["code"].isin(cpca.index))
    by_name = _name_index(cpca)
    for i in via.index[via.isna()]:
        code = str(counties.at[i, "code"])
        rid = reg.tables.record_at(code, y)
        others = [reg.tables.codes[r] for r in _one_to_one_neighbours(reg, rid)] if rid else []
        found = next((c for c in others if c in cpca.index), None)
        key = (code[:2], strip_suffix(str(counties.at[i, "name"])))
        via.at[i] = found if found is not None else by_name.get(key)
    table = counties.assign(
        lon=via.map(cpca["lon"]).astype("float64"),
        lat=via.map(cpca["lat"]).astype("float64"),
        via=via,
    )
    missing = tuple(table.loc[table["lon"].isna(), "code"].astype(str))
    if missing:
        warnings.warn(
            f"{len(missing)} of {len(table)} county-level codes of {y} have no coordinates in "
            f"{CPCA_SOURCE}: {', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}; "
            "they are NaN and listed in .missing.",
            UnmatchedCodesWarning,
            stacklevel=3,
        )
    return CountyCoordinates(table=table.reset_index(drop=True), missing=missing, year=y)
