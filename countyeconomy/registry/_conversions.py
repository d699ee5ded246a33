"""Conversions between county types (撤县设区, 撤县设市, 撤区设县), read off the code history.

Definition used everywhere (and tested against an independent count from ``result.csv``): a
*county-to-district conversion* is a county-level record whose name does not end in 区 that ended
with at least one successor (an undated entry of its new-code field) whose record is a county-level
unit whose name ends in 区. Each such record is one conversion, dated by the year its successor
starts. With the pinned history this gives 457 conversions, 1983-2021; 412 of them have only
district successors. The data README's figure of 453 counts something narrower and wider at
once: a *retired* county record with a successor district record *created that year*, dated
(partial-transfer) successors included. The two differ by 9 + 5 records, each explained in
``tests/registry/test_registry_conversions.py``: 3 county-level cities re-coded in 1983 and 6
counties absorbed by districts that already existed are ours only; 5 counties whose territory
went in part to a new district (a dated transfer) before they became cities are the README's only.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from countyeconomy.errors import InvalidOptionError
from countyeconomy.registry._tables import RegistryTables

__all__ = ["CONVERSION_KINDS", "ConversionKind", "conversion_table", "unit_type"]

ConversionKind = Literal["county_to_district", "county_to_city", "district_to_county"]
CONVERSION_KINDS: tuple[str, ...] = ("county_to_district", "county_to_city", "district_to_county")
_SIDES = {
    "county_to_district": ({"county", "city"}, {"district"}),
    "county_to_city": ({"county"}, {"city"}),
    "district_to_county": ({"district"}, {"county", "city"}),
}
COLUMNS = [
    "old_code",
    "old_name",
    "new_code",
    "new_name",
    "year",
    "type",
    "split",
    "merge",
    "reversal",
    "prefecture_reform",
    "all_districts",
    "province",
    "prefecture",
    "history",
]


def unit_type(name: str) -> str:
    """``"district"`` (名称 ends in 区), ``"city"`` (市) or ``"county"`` (县, 旗 and others)."""
    if name.endswith("区"):
        return "district"
    return "city" if name.endswith("市") else "county"


def _succession(tables: RegistryTables) -> pd.DataFrame:
    edges = tables.edges
    succ = edges[edges["kind"] == "succession"]
    county = np.asarray(tables.is_county)
    keep = county[succ["from_rid"].to_numpy()] & county[succ["to_rid"].to_numpy()]
    out: pd.DataFrame = succ[keep].reset_index(drop=True)
    return out


def history(tables: RegistryTables, rid: int) -> str:
    """The whole chain of records through ``rid``: predecessors, the record and its successors."""
    recs = tables.records

    def label(r: int) -> str:
        return f"{recs['name'].iat[r]} {tables.codes[r]} {tables.starts[r]}-{tables.ends[r] - 1}"

    back: list[int] = []
    cur = rid
    for _ in range(50):
        prev = [p for p in tables.predecessors.get(cur, ()) if tables.is_county[p]]
        if len(prev) != 1:
            break
        cur = prev[0]
        back.append(cur)
    chain = [label(r) for r in reversed(back)] + [label(rid)]
    frontier = [rid]
    for _ in range(50):
        nxt = sorted(
            {s for r in frontier for s in tables.successors.get(r, ()) if tables.is_county[s]}
        )
        if not nxt:
            break
        chain.append(" + ".join(label(s) for s in nxt))
        frontier = nxt
    return " -> ".join(chain)


def conversion_table(
    tables: RegistryTables, kind: str, years: tuple[int, int] | None
) -> pd.DataFrame:
    """One row per converted record (see the module docstring for the definition)."""
    if kind not in _SIDES:
        raise InvalidOptionError(
            f"kind={kind!r} is not a conversion kind; valid: {', '.join(CONVERSION_KINDS)}."
        )
    src, dst = _SIDES[kind]
    recs = tables.records
    names = recs["name"].to_numpy(dtype=object)
    types = np.array([unit_type(str(n)) for n in names], dtype=object)
    succ = _succession(tables)
    fr, to = succ["from_rid"].to_numpy(), succ["to_rid"].to_numpy()
    hit = np.isin(types[fr], list(src)) & np.isin(types[to], list(dst))
    conv = succ[hit]
    if years is not None:
        conv = conv[(conv["year"] >= years[0]) & (conv["year"] <= years[1])]
    n_succ = succ.groupby("from_rid").size()
    n_pred = succ.groupby(["to_rid", "year"]).size()
    prefecture_end = {
        (c, e)
        for c, e, lvl in zip(recs["code"], recs["end"], recs["level"], strict=True)
        if lvl == "prefecture"
    }
    later = succ.assign(to_type=types[to])
    reverted = set(
        later.loc[np.isin(types[fr], list(dst)) & ~np.isin(types[to], list(dst)), "from_rid"]
    )
    rows = []
    for rid, grp in conv.groupby("from_rid", sort=True):
        r = int(str(rid))
        year = int(grp["year"].to_numpy()[0])
        targets = sorted(int(t) for t in grp["to_rid"])
        code = tables.codes[r]
        split = int(n_succ.get(r, 0)) > 1
        merge = any(tables.starts[t] < year or int(n_pred.get((t, year), 0)) > 1 for t in targets)
        reform = (code[:4] + "00", year) in prefecture_end
        reversal = any(t in reverted for t in targets)
        all_succ = tables.successors.get(r, ())
        only = all(t in targets for t in all_succ if tables.is_county[t])
        kind_name = (
            "reversal"
            if reversal
            else "with_prefecture_reform"
            if reform
            else "split"
            if split
            else "merge_into_existing"
            if merge
            else "one_to_one"
        )
        rows.append(
            (
                code,
                str(names[r]),
                ";".join(tables.codes[t] for t in targets),
                ";".join(str(names[t]) for t in targets),
                year,
                kind_name,
                split,
                merge,
                reversal,
                reform,
                only,
                str(recs["province"].iat[r]),
                str(recs["prefecture"].iat[r]),
                history(tables, r),
            )
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["year", "old_code"]).reset_index(drop=True)
