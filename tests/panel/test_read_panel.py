"""read_panel(): small files in each layout, written in tmp_path, read back (round trips)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import (
    FormulaError,
    InvalidOptionError,
    RegistryError,
    RowsDroppedWarning,
)
from countyeconomy.panel import NonNumericCellsWarning, clean_codes, read_table

CODES = ["330185", "330102", "130323"]
YEARS = [2014, 2015, 2016]


def _truth() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [(c, y, float(rng.integers(1000, 99999))) for c in CODES for y in YEARS]
    return pd.DataFrame(rows, columns=["code", "year", "gdp"])


def _wide(truth: pd.DataFrame, prefix: str = "C") -> pd.DataFrame:
    wide = truth.pivot(index="code", columns="year", values="gdp")
    wide.columns = [f"{prefix}{y}" for y in wide.columns]
    return wide.reset_index()


def assert_same_panel(panel: ce.Panel, truth: pd.DataFrame, value: str = "gdp") -> None:
    got = panel.frame[["code", "year", value]].rename(columns={value: "gdp"})
    want = truth.sort_values(["code", "year"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_dtype=False)


def test_long_csv_round_trip_with_thousands_and_tokens(tmp_path: Path) -> None:
    truth = _truth()
    df = truth.assign(gdp=[f"{v:,.0f}" for v in truth["gdp"]]).astype(object)
    df.loc[1, "gdp"] = "—"  # quiet
    df.loc[2, "gdp"] = "x12"  # counted
    path = tmp_path / "long.csv"
    df.to_csv(path, index=False)
    with pytest.warns(NonNumericCellsWarning, match=r"'gdp': 'x12' x1"):
        panel = ce.read_panel(path, county="code", year="year")
    want = truth.copy()
    want.loc[[1, 2], "gdp"] = np.nan
    assert_same_panel(panel, want)


def test_wide_excel_with_header_block_footnotes_and_suffix(tmp_path: Path) -> None:
    truth = _truth()
    wide = _wide(truth).astype(object)
    block = pd.DataFrame(
        [["代码", "地区生产总值"] + [""] * 2, ["", "万元", "万元", "万元"]], columns=wide.columns
    )
    notes = pd.DataFrame(
        [[None] * 4, ["注：数据来源于统计年鉴。", None, None, None]], columns=wide.columns
    )
    body = wide.copy()
    body.loc[body["code"] == "130323", "code"] = "130323（2）"
    sheet = pd.concat([block, body, notes], ignore_index=True)
    path = tmp_path / "wide.xlsx"
    sheet.to_excel(path, index=False)
    with pytest.warns(RowsDroppedWarning, match="footnote"):
        panel = ce.read_panel(
            path, county="code", layout="wide", header_rows=["label", "unit"], value="gdp"
        )
    assert_same_panel(panel, truth)
    assert panel.frame.attrs["units"]["gdp"] == "万元"
    # the units survive Panel.assign, by concatenation and by replacement, into describe()
    for more in (
        panel.assign(log_gdp=np.log(panel.frame["gdp"])),
        panel.assign(gdp=2 * panel.frame["gdp"]),
    ):
        assert more.frame.attrs["units"] == {"gdp": "万元"}
    assert "万元" in ce.describe(more, ["gdp"]).to_frame().index[0]
    more.frame.attrs["units"]["gdp"] = "元"  # a copy: the original panel keeps its units
    assert panel.frame.attrs["units"]["gdp"] == "万元"


def test_one_sheet_per_year(tmp_path: Path) -> None:
    truth = _truth()
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as xl:
        for y in YEARS:
            part = truth[truth["year"] == y].drop(columns="year")
            part.to_excel(xl, sheet_name=f"{y}年", index=False)
    panel = ce.read_panel(path, county="code", layout="sheets")
    assert_same_panel(panel, truth)


def test_names_to_codes_year_aware_and_province_scoped(tmp_path: Path, data_dir: Path) -> None:
    # 临安市 (330185, 1996-2016) became 临安区 (330112) in 2017
    df = pd.DataFrame(
        {
            "县": ["临安市", "临安区", "抚宁县"],
            "省": ["浙江省", "浙江省", "河北省"],
            "year": [2016, 2017, 2014],
            "gdp": [1.0, 2.0, 3.0],
        }
    )
    panel = ce.read_panel(df, county="县", names_to_codes=True, province="省")
    assert panel.frame["县"].tolist() == ["130323", "330112", "330185"]
    harmonised = ce.read_panel(df, county="县", names_to_codes=True, province="省", to_year=2020)
    assert sorted(set(harmonised.frame["县"])) == ["130323", "330112"]


def test_ambiguous_and_unknown_names_list_candidates(data_dir: Path) -> None:
    df = pd.DataFrame({"name": ["桥东区", "不存在县"], "year": [2010, 2010], "y": [1.0, 2.0]})
    with pytest.raises(RegistryError, match=r"(?s)ambiguous, candidates.*130702.*不存在县"):
        ce.read_panel(df, county="name", names_to_codes=True, province="河北省")


def test_wide_yearbook_with_chinese_names_to_harmonised_panel(
    tmp_path: Path, data_dir: Path
) -> None:
    # a yearbook sheet on 2014 names: 桥东区 needs its prefecture; 抚宁县 split in 2015 and
    # 临安市 became 临安区 in 2017
    sheet = pd.DataFrame(
        {
            "地区": ["临安市", "桥东区", "抚宁县", "资料来源：某省统计年鉴"],
            "地级市": ["杭州市", "张家口市", "秦皇岛市", None],
            "省份": ["浙江省", "河北省", "河北省", None],
            "2013年": ["1,000", "2,000", "…", None],
            "2014年": ["1,100", "2,100", "3,100", None],
        }
    )
    path = tmp_path / "yearbook.xlsx"
    sheet.to_excel(path, index=False)
    with pytest.warns(RowsDroppedWarning, match="资料来源"):
        panel = ce.read_panel(
            path,
            county="地区",
            layout="wide",
            value="gdp",
            names_to_codes=True,
            province="省份",
            prefecture="地级市",
            codes_year=2014,
            to_year=2020,
        )
    f = panel.frame.set_index(["地区", "year"])["gdp"]
    assert f[("330112", 2014)] == 1100.0  # 临安市 relabelled to 临安区
    assert f[("130702", 2013)] == 2000.0  # 张家口 桥东区
    assert np.isnan(f[("130323", 2013)])  # the split county is left alone, "…" is missing


def test_co2_yearbook_in_one_call(data_dir: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        panel = ce.read_panel(
            data_dir / "county_co2/co2.xlsx",
            county="DISTCODE地区代码",
            layout="wide",
            value="co2",
            codes_year=2010,
            to_year=2010,
        )
    # the three suffixed rows keep their code as written (their county has its own rows)
    assert panel.frame["DISTCODE地区代码"].nunique() == 2735
    assert panel.nobs == 2735 * 21


def test_clean_codes() -> None:
    got = clean_codes(pd.Series(["130631.0", " 320211（2） ", "320211(3)", "abc"]))
    assert got.tolist() == ["130631", "320211", "320211", "abc"]


def test_bad_input_errors(tmp_path: Path) -> None:
    df = _truth()
    with pytest.raises(InvalidOptionError, match="layout"):
        ce.read_panel(df, county="code", layout="tall")
    with pytest.raises(FormulaError, match="county column"):
        ce.read_panel(df, county="nope")
    with pytest.raises(InvalidOptionError, match="year columns"):
        ce.read_panel(df, county="code", layout="wide")
    with pytest.raises(InvalidOptionError, match="no file"):
        ce.read_panel(tmp_path / "missing.csv", county="code")
    before = df.copy()
    read_table(df, county="code")
    pd.testing.assert_frame_equal(df, before)
