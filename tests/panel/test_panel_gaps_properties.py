"""Panel.gaps() over string, integer and mixed county codes (hypothesis)."""

from __future__ import annotations

import warnings

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import countyeconomy as ce

_CODE_TYPES = st.sampled_from(["str", "int", "int_like_str", "mixed"])


def _spell(code: int, kind: str, i: int) -> object:
    if kind == "str":
        return f"c{code}"
    if kind == "int":
        return code
    if kind == "int_like_str":
        return str(100000 + code)
    return 100000 + code if i % 2 else str(100000 + code)


@settings(max_examples=60, deadline=None)
@given(
    kind=_CODE_TYPES,
    cells=st.sets(st.tuples(st.integers(0, 4), st.integers(2000, 2006)), min_size=1, max_size=30),
)
def test_gaps_are_the_complement_of_the_rows(kind: str, cells: set[tuple[int, int]]) -> None:
    rows = sorted(cells)
    df = pd.DataFrame(
        {
            "code": pd.Series([_spell(c, kind, i) for i, (c, _) in enumerate(rows)], dtype=object),
            "yr": [y for _, y in rows],
        }
    )
    if kind != "mixed":
        df["code"] = df["code"].tolist()  # one type: let pandas infer the dtype
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ce.errors.MixedCodeTypesWarning)
        p = ce.Panel.from_frame(df, county="code", year="yr")
    gaps = p.gaps()
    assert list(gaps.columns) == ["code", "yr", "kind"]
    lo, hi = min(y for _, y in rows), max(y for _, y in rows)
    have = set(zip(p.frame["code"].tolist(), p.frame["yr"].tolist(), strict=True))
    expected = {(c, y) for c in p.counties.tolist() for y in range(lo, hi + 1)} - have
    got = set(zip(gaps["code"].tolist(), gaps["yr"].tolist(), strict=True))
    assert got == expected
    assert len(gaps) == len(expected)
    span = p.frame.groupby("code")["yr"].agg(["min", "max"])
    for c, y, k in gaps.itertuples(index=False):
        inside = span.at[c, "min"] < y < span.at[c, "max"]
        assert k == ("inside" if inside else "outside")
    assert len(p.counties) * (hi - lo + 1) == p.nobs + len(gaps)


def test_gaps_of_a_balanced_string_panel_is_empty() -> None:
    df = pd.DataFrame({"code": ["a", "a", "b", "b"], "yr": [2010, 2011] * 2})
    gaps = ce.Panel.from_frame(df, county="code", year="yr").gaps()
    assert gaps.empty and list(gaps.columns) == ["code", "yr", "kind"]
