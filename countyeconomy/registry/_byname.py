"""Resolve county names to codes, vectorised: year-aware, scoped by province and prefecture."""

from __future__ import annotations

import numpy as np
import pandas as pd

from countyeconomy.errors import RegistryError
from countyeconomy.registry._names import strip_suffix
from countyeconomy.registry._tables import RegistryTables

__all__ = ["names_to_codes"]

_REGION = (
    "省",
    "市",
    "自治区",
    "壮族自治区",
    "回族自治区",
    "维吾尔自治区",
    "特别行政区",
    "地区",
    "盟",
    "州",
)


def _region_stem(name: str) -> str:
    for suffix in sorted(_REGION, key=len, reverse=True):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _candidates(tables: RegistryTables) -> pd.DataFrame:
    recs = tables.records
    county = recs[recs["level"] == "county"]
    return pd.DataFrame(
        {
            "code": county["code"].astype(str),
            "rname": county["name"].astype(str),
            "stem": county["name"].astype(str).map(strip_suffix),
            "rprov": county["province"].astype(str),
            "rpref": county["prefecture"].astype(str),
            "start": county["start"],
            "end": county["end"],
        }
    )


def _scope(hits: pd.DataFrame) -> pd.DataFrame:
    ok = ((hits["start"] <= hits["year"]) & (hits["year"] < hits["end"])).to_numpy(
        dtype=bool, copy=True
    )
    for col, rec in (("prov", "rprov"), ("pref", "rpref")):
        given = hits[col].fillna("").astype(str).map(_region_stem)
        ok &= np.array(
            [g == "" or g in r or r == "直辖" for g, r in zip(given, hits[rec], strict=True)], bool
        )
    return hits[ok]


def names_to_codes(
    tables: RegistryTables,
    names: pd.Series,
    years: pd.Series,
    province: pd.Series | None,
    prefecture: pd.Series | None,
) -> pd.Series:
    """One code per row; raise listing every unknown or ambiguous name with its candidates."""
    q = pd.DataFrame(
        {
            "name": names.astype(str).str.strip().to_numpy(),
            "year": years.to_numpy(),
            "prov": None if province is None else province.to_numpy(),
            "pref": None if prefecture is None else prefecture.to_numpy(),
        }
    )
    keys = ["name", "year", "prov", "pref"]
    uq = q.drop_duplicates(keys).reset_index(drop=True)
    uq = uq.assign(qid=range(len(uq)), stem=uq["name"].map(strip_suffix))
    cand = _candidates(tables)
    exact = _scope(uq.merge(cand, left_on="name", right_on="rname"))
    n_exact = exact.groupby("qid").size()
    rest = uq[~uq["qid"].isin(n_exact.index)]
    loose = _scope(rest.merge(cand.drop(columns="stem"), left_on="stem", right_on=cand["stem"]))
    if "key_0" in loose.columns:
        loose = loose.drop(columns="key_0")
    hits = pd.concat([exact, loose], ignore_index=True)
    count = hits.groupby("qid").size().reindex(uq["qid"], fill_value=0).to_numpy()
    bad = uq[count != 1]
    if len(bad):
        lines = []
        for row in bad.itertuples(index=False):
            scope = "".join(f" in {v}" for v in (row.prov, row.pref) if isinstance(v, str) and v)
            found = hits[hits["qid"] == row.qid]
            if len(found) == 0:
                lines.append(f"{row.name!r} ({row.year}{scope}): no county of that name")
            else:
                shown = "; ".join(
                    f"{c} {p}{f}{n} {s}-{e - 1}"
                    for c, p, f, n, s, e in found[
                        ["code", "rprov", "rpref", "rname", "start", "end"]
                    ].itertuples(index=False)
                )
                lines.append(f"{row.name!r} ({row.year}{scope}): ambiguous, candidates {shown}")
        more = f"\n  ... and {len(lines) - 10} more" if len(lines) > 10 else ""
        raise RegistryError(
            f"read_panel(names_to_codes=True): {len(lines)} name(s) do not resolve to one county "
            "code:\n  " + "\n  ".join(lines[:10]) + more + "\nPass province= and prefecture= "
            "(columns or names), or fix the names."
        )
    code_of = hits.set_index("qid")["code"]
    out = q.merge(uq[[*keys, "qid"]], on=keys, how="left")["qid"].map(code_of)
    return pd.Series(out.to_numpy(dtype=object), index=names.index)
