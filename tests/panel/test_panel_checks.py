"""Key checks, mixed-type codes, non-numeric cells and argument types (issue 11)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import countyeconomy as ce
from countyeconomy.errors import (
    InputTypeError,
    MixedCodeTypesWarning,
    NonNumericError,
    PanelStructureError,
)
from countyeconomy.panel import check_numeric, numeric_column


def test_integer_and_integer_like_string_codes_are_one_code() -> None:
    df = pd.DataFrame(
        {"code": [100000, "100000", 200000], "yr": [2010, 2011, 2010], "y": [1.0, 2.0, 3.0]}
    )
    with pytest.warns(MixedCodeTypesWarning, match=r"100000 and '100000' both occur"):
        p = ce.Panel.from_frame(df, county="code", year="yr")
    assert p.frame["code"].dtype == np.int64
    assert p.counties.tolist() == [100000, 200000]
    assert p.frame["code"].tolist() == [100000, 100000, 200000]
    assert df["code"].tolist() == [100000, "100000", 200000]  # caller's frame untouched


def test_code_spelled_two_ways_in_one_year_is_a_duplicate() -> None:
    df = pd.DataFrame({"code": [100000, "100000"], "yr": [2010, 2010], "y": [1.0, 2.0]})
    with (
        pytest.warns(MixedCodeTypesWarning),
        pytest.raises(PanelStructureError, match=r"share a \(county, year\) key.*100000"),
    ):
        ce.Panel.from_frame(df, county="code", year="yr")


def test_text_codes_mixed_with_numbers_are_an_error() -> None:
    df = pd.DataFrame({"code": ["a1", 5], "yr": [2010, 2010]})
    with pytest.raises(PanelStructureError, match=r"mixes value types.*int: 5.*str: 'a1'"):
        ce.Panel.from_frame(df, county="code", year="yr")


def test_codes_of_one_type_pass_silently() -> None:
    for codes in (["a", "b"], [1, 2], ["330112", "330185"]):
        df = pd.DataFrame({"code": codes, "yr": [2010, 2010]})
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            p = ce.Panel.from_frame(df, county="code", year="yr")
        assert p.counties.tolist() == codes


def test_missing_county_and_year_are_named() -> None:
    df = pd.DataFrame({"code": ["a", None], "yr": [2010, 2011]})
    with pytest.raises(PanelStructureError, match=r"missing value\(s\) at rows 1"):
        ce.Panel.from_frame(df, county="code", year="yr")
    df = pd.DataFrame({"code": ["a", "b"], "yr": [2010, None]})
    with pytest.raises(PanelStructureError, match="year column 'yr' has 1 missing"):
        ce.Panel.from_frame(df, county="code", year="yr")


@pytest.mark.parametrize(
    ("cells", "hint"),
    [(["1.0", "n/a", "3"], "errors='coerce'"), (["1,234.5", "2.0", "x"], "thousands=','")],
)
def test_non_numeric_cells_name_column_values_rows_and_fix(cells: list[str], hint: str) -> None:
    df = pd.DataFrame({"y": cells})
    with pytest.raises(NonNumericError, match=r"column 'y' must be numeric") as err:
        numeric_column(df, "y")
    text = str(err.value)
    assert hint in text and "pd.to_numeric" in text
    bad = [c for c in cells if c in ("n/a", "1,234.5", "x")]
    for value in bad:
        assert repr(value) in text
    assert "at rows" in text
    with pytest.raises(ValueError):  # a ValueError too, for callers catching the builtin
        check_numeric(df, ["y"])


def test_numeric_column_accepts_numbers_missing_and_numeric_text() -> None:
    df = pd.DataFrame({"a": [1, None, "2.5"], "b": [True, False, True], "c": [1, 2, 3]})
    assert numeric_column(df, "a").tolist()[::2] == [1.0, 2.5]
    assert np.isnan(numeric_column(df, "a").iat[1])
    assert numeric_column(df, "b").tolist() == [1.0, 0.0, 1.0]
    assert numeric_column(df, "c").dtype == np.float64
    check_numeric(df, ["a", "b", "c"])
    p = ce.Panel.from_frame(df.assign(code=["x", "y", "z"], yr=2010), county="code", year="yr")
    assert numeric_column(p, "c").tolist() == [1.0, 2.0, 3.0]


def test_panel_diff_and_deflate_reject_text_cells() -> None:
    df = pd.DataFrame({"code": ["a", "a"], "yr": [2010, 2011], "y": ["1.0", "n/a"], "p": 1.0})
    p = ce.Panel.from_frame(df, county="code", year="yr")
    with pytest.raises(NonNumericError, match="'n/a'"):
        p.diff("y")
    with pytest.raises(NonNumericError, match="'n/a'"):
        p.deflate("y", "p", base_year=2010)


def test_from_xarray_of_a_dataframe_is_a_type_error() -> None:
    df = pd.DataFrame({"county": ["a"], "year": [2010], "y": [1.0]})
    with pytest.raises(InputTypeError, match=r"from_xarray\(ds=...\).*DataFrame.*from_frame"):
        ce.Panel.from_xarray(df)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="to_dataset"):
        ce.Panel.from_xarray(xr.DataArray([1.0], dims="county"))  # type: ignore[arg-type]
    with pytest.raises(InputTypeError, match=r"from_frame\(df=...\).*Dataset.*from_xarray"):
        ce.Panel.from_frame(xr.Dataset(), county="county", year="year")  # type: ignore[arg-type]


def test_year_column_of_integer_objects_is_accepted_and_text_years_are_not() -> None:
    df = pd.DataFrame({"code": ["a", "a"], "yr": pd.Series([2010, 2011], dtype=object)})
    assert ce.Panel.from_frame(df, county="code", year="yr").years.tolist() == [2010, 2011]
    df = pd.DataFrame({"code": ["a", "a"], "yr": pd.Series([2010, "2011"], dtype=object)})
    with pytest.raises(PanelStructureError, match=r"astype\(int\)"):
        ce.Panel.from_frame(df, county="code", year="yr")


def test_deflate_mapping_with_text_is_named() -> None:
    df = pd.DataFrame({"code": ["a", "a"], "yr": [2010, 2011], "y": [1.0, 2.0]})
    p = ce.Panel.from_frame(df, county="code", year="yr")
    with pytest.raises(NonNumericError, match=r"'price_index'.*'1,05'"):
        p.deflate("y", {2010: 1.0, 2011: "1,05"}, base_year=2010)
    real = p.deflate("y", {2010: 1.0, 2011: 2.0}, base_year=2010)
    assert real.tolist() == [1.0, 1.0]
