"""One validity convention, code vintages, harmonise(codes_year=) on the real CO2 panel."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.registry import (
    Registry,
    UnmatchedCodesWarning,
    harmonise,
    match_vintage,
    read_areacodes,
)


@pytest.fixture(scope="module")
def reg(data_dir: Path) -> Registry:
    return Registry.load()


@pytest.fixture(scope="module")
def co2(data_dir: Path) -> ce.Panel:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ce.datasets.load_county_co2()


def test_every_registry_object_uses_inclusive_valid_to(reg: Registry) -> None:
    # 临安市 330185 is in the lists of 1996-2016 (result.csv: 启用 1996, 变更 2017).
    rec = reg.records.query("code == '330185'")
    assert rec[["valid_from", "valid_to"]].iloc[0].tolist() == [1996, 2016]
    assert reg.lookup("330185", 2016).valid_to == 2016
    raw = read_areacodes().query("code == '330185'")
    assert int(raw["valid_to"].iat[0]) == 2016
    row = reg.counties(2016).query("code == '330185'")
    assert int(row["valid_to"].iat[0]) == 2016
    in_use = reg.records.query("code == '330112'")
    assert int(in_use["valid_to"].iat[0]) == 2024


def test_retired_start_end_still_read_with_futurewarning(reg: Registry) -> None:
    recs = reg.records
    with pytest.warns(FutureWarning, match="valid_to"):
        end = recs["end"]
    with pytest.warns(FutureWarning, match="valid_from"):
        start = recs["start"]
    assert (end == recs["valid_to"] + 1).all()
    assert (start == recs["valid_from"]).all()


def test_match_vintage_small_list(reg: Registry) -> None:
    # 110103 崇文区 is in the lists up to 2009, 330185 临安市 1996-2016, 330104 江干区 to 2020.
    res = match_vintage(["330185", "330104", "110103", "999999"], registry=reg)
    assert res.year == 2009
    assert res.not_in_use["code"].tolist() == ["999999"]
    assert int(res.fit.set_index("year").loc[2009, "in_use"]) == 3


def test_match_vintage_reports_names_that_disagree(reg: Registry) -> None:
    res = match_vintage(["330185", "330104"], ["临安市", "西湖区"], registry=reg)
    assert res.name_mismatches[["code", "given", "registry"]].values.tolist() == [
        ["330104", "西湖区", "江干区"]
    ]


def test_match_vintage_on_co2_codes(co2: ce.Panel, reg: Registry) -> None:
    f = co2.frame.drop_duplicates("code")
    res = match_vintage(f["code"], f["name"], registry=reg)
    assert 2006 <= res.year <= 2010
    # codes never in the history (e.g. 620201 嘉峪关市 given a district-style code)
    assert {"620201", "460201", "410201", "230801"} <= set(res.not_in_use["code"])
    assert "420607" in set(res.name_mismatches["code"])  # 襄州区: a 2010 name on an old code


def test_codes_year_returns_every_co2_county_once(co2: ce.Panel, reg: Registry) -> None:
    n_codes = co2.frame["code"].nunique()
    assert n_codes == 2732
    rules = {c: "first" for c in co2.frame.columns if c not in ("code", "year")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmatchedCodesWarning)
        res = harmonise(co2, to_year=2010, codes_year=2010, rules=rules, registry=reg)
    assert len(res.panel.counties) == 2732
    assert res.panel.nobs == 2732 * 21
    assert not res.panel.frame.duplicated(["code", "year"]).any()
    assert "merge" not in set(res.log["kind"])
    # Without codes_year, codes are read as of each row's year: 3,193 rows are off-year.
    with pytest.warns(UnmatchedCodesWarning, match="3193 row"):
        harmonise(co2, to_year=2010, rules=rules, registry=reg)


def test_codes_year_merges_only_real_later_merges(co2: ce.Panel, reg: Registry) -> None:
    rules = {c: "first" for c in co2.frame.columns if c not in ("code", "year")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnmatchedCodesWarning)
        res = harmonise(co2, to_year=2017, codes_year=2010, rules=rules, registry=reg)
    f = res.panel.frame
    assert not f.duplicated(["code", "year"]).any()
    # every year has the same counties: the vintage is the same in every row
    per_year = f.groupby("year")["code"].nunique()
    assert per_year.nunique() == 1
    merges = res.log[res.log["kind"] == "merge"]
    assert (merges["year"] == 2010).all()
    # merges are decided once, on the 2010 vintage, never per data year (no 1997 merges)
    assert set(res.log["year"]) == {2010}


def test_codes_year_is_checked(co2: ce.Panel) -> None:
    with pytest.raises(ce.errors.RegistryError, match="codes_year"):
        harmonise(co2, to_year=2010, codes_year=1900)


def test_harmonise_docstring_documents_every_log_kind() -> None:
    doc = harmonise.__doc__ or ""
    from countyeconomy.registry._harmonise import HarmonisedPanel

    doc += HarmonisedPanel.__doc__ or ""
    for kind in (
        "rename",
        "merge",
        "merge_incomplete",
        "split",
        "partial_transfer",
        "not_one_to_one",
        "no_successor",
        "not_county_level",
        "conflict",
        "code_not_in_use",
        "unknown",
    ):
        assert f"``{kind}``" in doc, kind


def test_frame_input_is_not_mutated(reg: Registry) -> None:
    df = pd.DataFrame({"code": ["330185"] * 3, "year": [1997, 2005, 2017], "y": [1.0, 2.0, 3.0]})
    before = df.copy()
    res = harmonise(df, county="code", year="year", to_year=2020, codes_year=2010, registry=reg)
    pd.testing.assert_frame_equal(df, before)
    assert res.panel.frame["code"].tolist() == ["330112"] * 3
