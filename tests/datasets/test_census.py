"""The real county census loader, checked against the source file parsed independently."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pytest

from countyeconomy.datasets._census import SECTORS, load_china_census
from countyeconomy.errors import InvalidOptionError
from countyeconomy.registry import UnmatchedCodesWarning

pytestmark = pytest.mark.filterwarnings("ignore::countyeconomy.registry.UnmatchedCodesWarning")


def _row(path: Path, code: int, header: str) -> object:
    """The value of column ``header`` in the row with 区划代码 ``code``, read with openpyxl."""
    sheet = openpyxl.load_workbook(path, read_only=True).active
    rows = sheet.iter_rows(values_only=True)
    names = list(next(rows))
    col, key = names.index(header), names.index("区划代码")
    return next(r[col] for r in rows if r[key] == code)


@pytest.mark.parametrize("year", [2010, 2020])
def test_shape_and_match_report(data_dir: Path, year: int) -> None:
    with pytest.warns(UnmatchedCodesWarning):
        ds = load_china_census(year)
    assert ds["employment"].dims == ("county", "sector")
    assert list(ds["sector"].values) == list(SECTORS)
    unmatched = ds.attrs["unmatched_codes"].split(",")
    assert set(unmatched) == set(ds["county"].values[~ds["matched"].values])
    assert ds.attrs["match_rate"] == pytest.approx(1 - len(unmatched) / ds.sizes["county"])
    assert ds.attrs["match_rate"] > 0.95


def test_2010_linan_against_the_file(data_dir: Path) -> None:
    ds = load_china_census(2010)
    path = data_dir / "china_census" / "census_county_2010_v1.xlsx"
    linan = ds.sel(county="330185")
    assert str(linan["name"].values) == "临安市"
    assert linan["population"] == _row(path, 330185, "合计")
    assert linan["urban_population"] == _row(path, 330185, "城镇人口")
    # The 2010 header "信息传输、批发和零售业" holds wholesale and retail (GB/T 4754-2002 H).
    wholesale = linan["employment"].sel(sector="wholesale_retail")
    assert wholesale == _row(path, 330185, "信息传输、\n批发和零售业")


def test_2010_sector_mapping_matches_national_structure(data_dir: Path) -> None:
    # 2010 census long form: wholesale and retail employ far more than information services.
    ds = load_china_census(2010)
    total = ds["employment"].sum("county")
    assert total.sel(sector="wholesale_retail") > 5 * total.sel(sector="information_software")
    assert total.sel(sector="transport_storage_post") > total.sel(sector="information_software")


def test_employment_sums_to_the_total_column(data_dir: Path) -> None:
    ds = load_china_census(2020)
    path = data_dir / "china_census" / "census_county_2020_v1.xlsx"
    assert float(ds["employment"].sel(county="330112").sum()) == _row(
        path, 330112, "各种行业人口总计"
    )


def test_2020_development_zones_are_unmatched_not_dropped(data_dir: Path) -> None:
    ds = load_china_census(2020)
    # 130171 is 石家庄高新技术产业开发区, a statistical code, not an administrative one.
    assert "130171" in ds["county"].values
    assert not bool(ds["matched"].sel(county="130171"))
    rate = ds["urbanisation_rate"].sel(county="330112")
    assert float(rate) == pytest.approx(376348 / 634555)
    assert np.nanmax(ds["urbanisation_rate"].values) <= 1.0


def test_bad_year() -> None:
    with pytest.raises(InvalidOptionError, match="2010 or 2020"):
        load_china_census(2015)
