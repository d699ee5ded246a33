"""The registry against the official yearly code lists and hand-checked records."""

from __future__ import annotations

from pathlib import Path

import pytest

from countyeconomy.errors import CountyEconomyError, RegistryError
from countyeconomy.registry import Registry


@pytest.fixture(scope="module")
def reg(data_dir: Path) -> Registry:
    return Registry.load()


def _official_county_codes(data_dir: Path, year: int) -> list[str]:
    """County-level codes of the official list ``data/YYYY.txt``, parsed independently.

    Rule (diff-spec.md, 背景 3): a record whose code's last four digits are 0 is province level,
    one whose last two digits are 0 is prefecture level, every other record is county level.
    """
    lines = (data_dir / "areacodes" / "data" / f"{year}.txt").read_text("utf-8").splitlines()
    codes = [line.split()[0] for line in lines if line.strip()]
    return [c for c in codes if not c.endswith("00")]


@pytest.mark.parametrize("year", range(1981, 2025))
def test_county_count_matches_official_list(reg: Registry, data_dir: Path, year: int) -> None:
    official = _official_county_codes(data_dir, year)
    counties = reg.counties(year)
    assert len(counties) == len(official)
    assert set(counties["code"]) == set(official)


def test_linan_becomes_district_in_2017(reg: Registry) -> None:
    # result.csv: "330185,浙江省,杭州市,临安市,县级,弃用,1996,2017,330112"
    succ = reg.successors("330185")
    assert "330112" in set(succ["code"])
    assert succ.loc[succ["code"] == "330112", "year"].tolist() == [2017]
    assert "330185" in set(reg.predecessors("330112")["code"])
    assert reg.lookup("330185", 2016).name == "临安市"
    assert reg.lookup(330112, 2017).name == "临安区"


def test_lookup_fields(reg: Registry) -> None:
    rec = reg.lookup("330112", 2020)
    assert (rec.province, rec.prefecture, rec.level) == ("浙江省", "杭州市", "county")
    assert (rec.valid_from, rec.valid_to) == (2017, 2024)


def test_split_successors_with_semicolon(reg: Registry) -> None:
    # result.csv line 63: "130103,河北省,石家庄市,桥东区,县级,弃用,1983,2014,130102;130104"
    # (2014: 石家庄市桥东区 abolished, its territory divided between 长安区 and 桥西区).
    succ = reg.successors("130103")
    assert sorted(succ["code"]) == ["130102", "130104"]
    assert set(succ["year"]) == {2014}
    assert set(succ["kind"]) == {"succession"}


def test_dated_partial_transfer(reg: Registry) -> None:
    # result.csv line 75: "130123,河北省,石家庄市,正定县,县级,在用,1986,,130102[2001];130108[2001]"
    succ = reg.successors("130123")
    assert sorted(succ["code"]) == ["130102", "130108"]
    assert set(succ["kind"]) == {"transfer"}
    assert set(succ["year"]) == {2001}
    assert reg.lookup("130123", 2024).name == "正定县"


def test_merge_predecessors(reg: Registry) -> None:
    # result.csv line 5: "110103,北京市,直辖,崇文区,县级,弃用,1981,2010,110101"
    pred = reg.predecessors("110101")
    assert pred[["code", "year", "kind"]].values.tolist() == [["110103", 2010, "succession"]]


def test_reused_code_resolved_by_year(reg: Registry) -> None:
    # result.csv: 410611 was 郊区 (鹤壁市) 1983-2000, then 淇滨区 from 2001.
    assert reg.lookup("410611", 1990).name == "郊区"
    assert reg.lookup("410611", 2001).name == "淇滨区"


def test_find_exact_and_suffix_insensitive(reg: Registry) -> None:
    assert reg.find("临安区").code == "330112"
    assert reg.find("临安", year=2010).code == "330185"
    assert reg.find("临安县", year=2010).code == "330185"
    assert reg.find("朝阳区", province="吉林").code == "220104"


def test_find_ambiguous_lists_candidates(reg: Registry) -> None:
    with pytest.raises(RegistryError, match="ambiguous") as info:
        reg.find("朝阳区")
    assert "110105" in str(info.value) and "220104" in str(info.value)


@pytest.mark.parametrize("code", ["33011", "3301120", "abcdef", 12345, None, 33011.5])
def test_bad_code(reg: Registry, code: object) -> None:
    with pytest.raises(RegistryError, match="six-digit"):
        reg.lookup(code, 2010)  # type: ignore[arg-type]


@pytest.mark.parametrize("year", [1980, 2025, 1900])
def test_year_outside_history(reg: Registry, year: int) -> None:
    with pytest.raises(RegistryError, match="1981-2024"):
        reg.lookup("330112", year)
    with pytest.raises(CountyEconomyError):
        reg.counties(year)


def test_code_not_in_use_names_its_years(reg: Registry) -> None:
    with pytest.raises(RegistryError, match="1996-2016"):
        reg.lookup("330185", 2020)


def test_load_is_cached(reg: Registry) -> None:
    assert Registry.load() is reg
