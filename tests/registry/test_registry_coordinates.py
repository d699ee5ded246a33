"""County-seat coordinates from the table bundled with cpca."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from countyeconomy.registry import Registry, UnmatchedCodesWarning, read_cpca_table


def test_cpca_table_has_real_coordinates() -> None:
    table = read_cpca_table()
    # 忠县 500233 sits at 108.04E, 30.30N (Chongqing); a hand check against a map.
    row = table.set_index("code").loc["500233"]
    assert row["name"] == "忠县"
    assert abs(row["lon"] - 108.04) < 0.05 and abs(row["lat"] - 30.30) < 0.05
    county = table[~table["code"].str.endswith("00")].dropna()
    assert county["lon"].between(73, 136).all() and county["lat"].between(3, 54).all()


def test_coordinates_report_missing(data_dir: Path) -> None:
    reg = Registry.load()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        coords = reg.coordinates(2020)
    missing = set(coords.missing)
    assert missing == set(coords.table.loc[coords.table["lon"].isna(), "code"])
    if missing:
        assert any(issubclass(w.category, UnmatchedCodesWarning) for w in caught)
    assert len(coords.table) == len(reg.counties(2020))
    assert len(missing) < 0.02 * len(coords.table)
    # 临安区 330112 (2017) is not in the ~2016 table; it takes 临安市 330185's seat.
    linan = coords.table.set_index("code").loc["330112"]
    assert linan["via"] == "330185"
    assert np.isfinite(linan["lon"])


def test_coordinates_bad_year(data_dir: Path) -> None:
    from countyeconomy.errors import RegistryError

    with pytest.raises(RegistryError):
        Registry.load().coordinates(1970)
