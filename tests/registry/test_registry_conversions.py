"""County-to-district conversions and cohorts, checked against result.csv read independently."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from countyeconomy.errors import InvalidOptionError, RegistryError
from countyeconomy.registry import Registry, cohorts, conversions


@pytest.fixture(scope="module")
def reg(data_dir: Path) -> Registry:
    return Registry.load()


@pytest.fixture(scope="module")
def conv(reg: Registry) -> pd.DataFrame:
    return conversions(registry=reg)


def _independent_count(data_dir: Path) -> int:
    """Rows of result.csv: a county-level non-区 name whose undated new code is a 区 in use."""
    raw = pd.read_csv(
        data_dir / "areacodes/result.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    county = raw[raw["级别"] == "县级"]
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for code, start, end, name in zip(
        county["代码"], county["启用时间"], county["变更/弃用时间"], county["名称"], strict=True
    ):
        spans.setdefault(code, []).append((int(start), int(end or 9999), name))
    n = 0
    for name, end, new in zip(
        county["名称"], county["变更/弃用时间"], county["新代码"], strict=True
    ):
        if name.endswith("区") or not new or not end:
            continue
        year = int(end)
        targets = [p for p in new.split(";") if "[" not in p]
        if any(
            nm.endswith("区") for t in targets for s, e, nm in spans.get(t, []) if s <= year < e
        ):
            n += 1
    return n


def test_count_matches_an_independent_count(conv: pd.DataFrame, data_dir: Path) -> None:
    assert len(conv) == _independent_count(data_dir) == 457
    # the narrower definition "every successor is a district" gives 412 (the user counted 413)
    assert int(conv["all_districts"].sum()) == 412


def test_known_conversions(conv: pd.DataFrame) -> None:
    by = conv.set_index("old_code")
    assert by.loc["330185", ["new_code", "year", "type"]].tolist() == ["330112", 2017, "one_to_one"]
    # 抚宁县 split into 海港区, 北戴河区 and the new 抚宁区 in 2015
    assert by.loc["130323", "new_code"] == "130302;130304;130306"
    assert bool(by.loc["130323", "split"])
    # 巢湖市 became 居巢区 in 1999 with the prefecture reform, and reverted in 2011
    assert by.loc["342601", "type"] == "reversal"
    assert bool(by.loc["342601", "prefecture_reform"])
    assert "巢湖市 340181 2011-2024" in by.loc["342601", "history"]


def test_no_district_is_a_converted_county(conv: pd.DataFrame) -> None:
    # 杏林区 (a district renamed into 集美区 etc.) is never the old side of a conversion
    assert not conv["old_name"].str.endswith("区").any()
    assert set(conv["type"]) <= {
        "one_to_one",
        "split",
        "merge_into_existing",
        "reversal",
        "with_prefecture_reform",
    }


def test_years_filter_and_kinds(reg: Registry, conv: pd.DataFrame) -> None:
    sub = conversions(years=(2010, 2017), registry=reg)
    assert len(sub) == int(conv["year"].between(2010, 2017).sum())
    back = conversions("district_to_county", registry=reg)
    assert "341402" in set(back["old_code"])  # 居巢区 back to 巢湖市 in 2011
    assert len(conversions("county_to_city", registry=reg)) > 300
    with pytest.raises(InvalidOptionError, match="county_to_district"):
        conversions("county_to_town", registry=reg)


def test_cohorts_on_2010_codes(reg: Registry) -> None:
    out = cohorts(["330185", "330104", "341402", "999999", "330102"], codes_year=2010, registry=reg)
    by = out.set_index("code")
    assert by.loc["330185", ["cohort", "status"]].tolist() == [2017, "converted_later"]
    assert by.loc["341402", ["cohort", "status"]].tolist() == [1999, "converted_district"]
    assert by.loc["999999", "status"] == "not_in_use"
    assert by.loc["330102", ["cohort", "status"]].tolist() == [0, "district"]


def test_cohorts_on_a_later_vintage(reg: Registry) -> None:
    # 临安区 330112 in a 2020-keyed panel: created by the 2017 conversion
    out = cohorts([330112], codes_year=2020, registry=reg)
    assert out[["code", "cohort", "status"]].values.tolist() == [
        ["330112", 2017, "converted_district"]
    ]


def test_registry_methods(reg: Registry, conv: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(reg.conversions(), conv)
    assert reg.history("330185", 2010) == (
        "临安县 330124 1981-1995 -> 临安市 330185 1996-2016 -> 临安区 330112 2017-2024"
    )
    with pytest.raises(RegistryError, match="330185"):
        reg.history("330185", 2020)


def _readme_count(data_dir: Path) -> set[tuple[str, str]]:
    """The data README's 453, rebuilt from result.csv: a retired (状态 弃用) county-level non-区
    record with at least one successor, dated or not, whose 区 record starts in that year."""
    raw = pd.read_csv(
        data_dir / "areacodes/result.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    county = raw[raw["级别"] == "县级"]
    starts: dict[str, list[tuple[int, str]]] = {}
    for code, start, name in zip(county["代码"], county["启用时间"], county["名称"], strict=True):
        starts.setdefault(code, []).append((int(start), name))
    out = set()
    for code, name, status, end, new in zip(
        county["代码"],
        county["名称"],
        county["状态"],
        county["变更/弃用时间"],
        county["新代码"],
        strict=True,
    ):
        if name.endswith("区") or status != "弃用" or not new or not end:
            continue
        for part in new.split(";"):
            target, year = part[:6], int(part[7:11]) if "[" in part else int(end)
            if any(s == year and nm.endswith("区") for s, nm in starts.get(target, [])):
                out.add((code, name))
                break
    return out


def test_readme_count_of_453_is_reconciled(conv: pd.DataFrame, data_dir: Path) -> None:
    """453 (data README) = 457 (ours) - 9 + 5, each difference explained by the definitions.

    The README's count is reproduced by: a *retired* county-level record with a successor
    district record *created that year*, dated (partial-transfer) successors included. Ours
    counts every county-level record replaced by a district (existing or new) and reads only
    undated successors (dated ones are transfers of part of a county's territory).
    """
    readme = _readme_count(data_dir)
    assert len(readme) == 453
    ours = set(zip(conv["old_code"].astype(str), conv["old_name"], strict=True))
    by = conv.set_index("old_code")
    # ours only (9): three county-level cities whose record was re-coded (状态 变更) as they
    # became prefecture-level cities in 1983 ...
    recoded = {("132201", "邢台市"), ("132401", "保定市"), ("362302", "鹰潭市")}
    # ... and six counties absorbed by districts that already existed (no new district record)
    into_existing = {
        ("320122", "江浦县"),
        ("640222", "陶乐县"),
        ("341424", "和县"),
        ("370284", "胶南市"),
        ("130421", "邯郸县"),
        ("130721", "宣化县"),
    }
    assert ours - readme == recoded | into_existing
    assert all(by.loc[c, "year"] == 1983 for c, _ in recoded)
    # README only (5): counties that became cities; part of their territory went to a new
    # district in an earlier year (a dated successor), which is a transfer, not a conversion
    transfers = {
        ("210724", "锦县"),
        ("210824", "盖县"),
        ("362330", "波阳县"),
        ("420523", "枝江县"),
        ("432225", "临湘县"),
    }
    assert readme - ours == transfers
    assert len(ours) - len(recoded | into_existing) + len(transfers) == len(readme) == 453
