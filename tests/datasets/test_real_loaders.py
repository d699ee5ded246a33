"""The county CO2 loader and the shipped poverty-county table."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.datasets import (
    COUNTY_CO2,
    OFFICIAL_EXITS,
    POVERTY_SOURCE,
    load_county_co2,
    load_poverty_counties,
    sha256_of,
)
from countyeconomy.datasets._poverty import build_table
from countyeconomy.errors import RowsDroppedWarning


@pytest.fixture(scope="module")
def co2(data_dir: Path) -> ce.Panel:
    with pytest.warns(RowsDroppedWarning, match="新吴区"):
        return load_county_co2()


def test_co2_pinned_and_long(co2: ce.Panel, data_dir: Path) -> None:
    assert sha256_of(data_dir / COUNTY_CO2.relpath) == COUNTY_CO2.sha256
    assert "001c19c953d1f4754d06d7d78eae66bcc007de0b" in COUNTY_CO2.url
    assert co2.nobs == 2732 * 21 and co2.is_balanced
    assert co2.years.tolist() == list(range(1997, 2018))
    row = co2.frame.query("code == '340102' and year == 1997")
    assert float(row["co2"].iat[0]) == pytest.approx(1.630068, abs=1e-6)
    assert row["name"].iat[0] == "瑶海区"


def test_co2_placeholders_flagged_and_counted(co2: ce.Panel, data_dir: Path) -> None:
    raw = pd.read_excel(data_dir / COUNTY_CO2.relpath)
    values = raw.filter(regex=r"^C\d{4}$").to_numpy(dtype=float)
    independent = int((values <= 1e-6).sum())
    f = co2.frame
    assert int(f["placeholder"].sum()) == independent == 70
    assert f.loc[f["placeholder"], "code"].nunique() == 15
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RowsDroppedWarning)
        dropped = load_county_co2(drop_placeholders=True).frame
    assert int(dropped["co2"].isna().sum()) == 70
    assert np.isfinite(np.log(dropped["co2"].dropna())).all()


def test_poverty_counties_shipped() -> None:
    pov = load_poverty_counties()
    assert len(pov) == 832 and pov["code"].str.fullmatch(r"\d{6}").all()
    counts = pov["exit_year"].value_counts().sort_index().to_dict()
    assert counts == {2016: 28, 2017: 125, 2018: 282, 2019: 345, 2020: 52}
    assert sum(OFFICIAL_EXITS.values()) == 832
    # the defect is flagged in the data: the 2019 rows carry the flag
    assert int(pov["exit_year_flag"].sum()) == 345
    assert "283" in pov.attrs["defect"]
    prov = pov["province"].value_counts()
    assert (prov["云南省"], prov["西藏自治区"], prov["四川省"], prov["贵州省"]) == (88, 74, 66, 66)


def test_poverty_table_is_rebuilt_identically_from_the_source(data_dir: Path) -> None:
    source = data_dir / POVERTY_SOURCE.relpath
    assert sha256_of(source) == POVERTY_SOURCE.sha256
    rebuilt = build_table(source)
    shipped = load_poverty_counties()
    pd.testing.assert_frame_equal(rebuilt, shipped, check_dtype=False)
