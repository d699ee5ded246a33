"""Code vintages: which year a code list fits best, and conversion cohorts for any vintage."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy.errors import InvalidOptionError
from countyeconomy.registry._areacodes import FIRST_YEAR, LAST_YEAR
from countyeconomy.registry._checks import check_year
from countyeconomy.registry._conversions import conversion_table
from countyeconomy.registry._names import strip_suffix
from countyeconomy.registry._resolve import code_strings
from countyeconomy.registry._tables import RegistryTables
from countyeconomy.results import FrozenResult

__all__ = ["VintageMatch", "cohort_table", "vintage_match"]


@dataclass(frozen=True, repr=False)
class VintageMatch(FrozenResult):
    """The result of :func:`match_vintage`.

    Attributes
    ----------
    year
        The vintage year the codes fit best (the latest of the best-fitting years).
    fit
        One row per year 1981-2024: ``year``, ``in_use`` (distinct codes in use that year),
        ``share`` (of the distinct codes) and, with names, ``names_agree``.
    not_in_use
        The codes not in use in ``year``, with the years each code is in use (``spans``).
    name_mismatches
        Codes whose given name disagrees with the registry name in ``year`` (suffixes such as
        县/区/市 ignored): ``code``, ``given``, ``registry``.
    """

    year: int
    fit: pd.DataFrame
    not_in_use: pd.DataFrame
    name_mismatches: pd.DataFrame
    title: str = "Code vintage"


def vintage_match(
    tables: RegistryTables, codes: pd.Series, names: pd.Series | None
) -> VintageMatch:
    """Score every year by the share of distinct codes in use; see :func:`match_vintage`."""
    text = code_strings(codes.reset_index(drop=True))
    given = None if names is None else names.reset_index(drop=True).astype(str).to_numpy()
    uniq = pd.unique(text.to_numpy())
    if len(uniq) == 0:
        raise InvalidOptionError("match_vintage() needs at least one code.")
    years = np.arange(FIRST_YEAR, LAST_YEAR + 1)
    recs = tables.records
    rec_names = recs["name"].to_numpy(dtype=object)
    in_use = np.zeros((len(uniq), len(years)), dtype=bool)
    rid_at = np.full((len(uniq), len(years)), -1, dtype=np.int64)
    for i, code in enumerate(uniq):
        for rid in tables.by_code.get(str(code), ()):
            span = (years >= tables.starts[rid]) & (years < tables.ends[rid])
            in_use[i, span] = True
            rid_at[i, span] = rid
    fit = pd.DataFrame({"year": years, "in_use": in_use.sum(axis=0)})
    fit["share"] = fit["in_use"] / len(uniq)
    score = fit["in_use"].to_numpy(dtype=float)
    agree = None
    if given is not None:
        by_code = pd.Series(given, index=text.to_numpy())
        first = by_code[~by_code.index.duplicated()].reindex(uniq).to_numpy(dtype=object)
        stems = np.array([strip_suffix(str(n)) for n in first], dtype=object)
        reg_stem = np.array([strip_suffix(str(n)) for n in rec_names], dtype=object)
        agree = (rid_at >= 0) & (reg_stem[np.clip(rid_at, 0, None)] == stems[:, None])
        fit["names_agree"] = agree.sum(axis=0)
        score = score + fit["names_agree"].to_numpy(dtype=float) / (len(uniq) + 1)
    best = int(np.flatnonzero(score == score.max())[-1])
    year = int(years[best])
    bad = ~in_use[:, best]
    spans = [
        ", ".join(
            f"{rec_names[r]} {tables.starts[r]}-{tables.ends[r] - 1}"
            for r in tables.by_code.get(str(c), ())
        )
        or "never in 1981-2024"
        for c in uniq[bad]
    ]
    not_in_use = pd.DataFrame({"code": uniq[bad], "spans": spans})
    if agree is not None and given is not None:
        wrong = in_use[:, best] & ~agree[:, best]
        mism = pd.DataFrame(
            {
                "code": uniq[wrong],
                "given": first[wrong],
                "registry": rec_names[rid_at[wrong, best]],
            }
        )
    else:
        mism = pd.DataFrame(columns=["code", "given", "registry"])
    return VintageMatch(year=year, fit=fit, not_in_use=not_in_use, name_mismatches=mism)


def _forward_year(
    tables: RegistryTables, rid: int, conv: dict[int, tuple[int, str]]
) -> tuple[int, str]:
    """Earliest conversion at or after record ``rid``, following successions forward."""
    best: tuple[int, str] = (0, "")
    frontier, seen = [rid], set()
    while frontier:
        r = frontier.pop()
        if r in seen:
            continue
        seen.add(r)
        if r in conv and (best[0] == 0 or conv[r][0] < best[0]):
            best = conv[r]
            continue
        frontier.extend(s for s in tables.successors.get(r, ()) if tables.is_county[s])
    return best


def _backward_year(
    tables: RegistryTables, rid: int, into: dict[int, tuple[int, str]]
) -> tuple[int, str]:
    """Latest conversion that created record ``rid`` or one of its district predecessors."""
    frontier, seen, found = [rid], set(), (0, "")
    while frontier:
        r = frontier.pop()
        if r in seen:
            continue
        seen.add(r)
        if r in into and into[r][0] > found[0]:
            found = into[r]
        frontier.extend(
            p
            for p in tables.predecessors.get(r, ())
            if tables.is_county[p] and str(tables.records["name"].iat[p]).endswith("区")
        )
    return found


def cohort_table(tables: RegistryTables, codes: pd.Series, codes_year: int) -> pd.DataFrame:
    """Conversion cohort of each distinct code of vintage ``codes_year``; see :func:`cohorts`."""
    y = check_year(codes_year, name="codes_year")
    conv = conversion_table(tables, "county_to_district", None)
    by_old: dict[int, tuple[int, str]] = {}
    into: dict[int, tuple[int, str]] = {}
    for code, year, kind, new in zip(
        conv["old_code"], conv["year"], conv["type"], conv["new_code"], strict=True
    ):
        r_old = next(r for r in tables.by_code[code] if tables.ends[r] == year)
        by_old[r_old] = (int(year), str(kind))
        if kind == "split":
            continue  # a split's districts also hold other territory: not a cohort of theirs
        for n in new.split(";"):
            r_new = next(r for r in tables.by_code[n] if tables.starts[r] <= year < tables.ends[r])
            if tables.starts[r_new] == year:
                into[r_new] = (int(year), str(kind))
    text = pd.unique(code_strings(codes.reset_index(drop=True)).to_numpy())
    rows = []
    for code in text:
        rid = tables.record_at(str(code), y)
        if rid is None:
            rows.append((code, 0, "", "not_in_use"))
            continue
        name = str(tables.records["name"].iat[rid])
        if name.endswith("区"):
            year, kind = _backward_year(tables, rid, into)
            rows.append((code, year, kind, "converted_district" if year else "district"))
        else:
            year, kind = _forward_year(tables, rid, by_old)
            rows.append((code, year, kind, "converted_later" if year else "never_converted"))
    out = pd.DataFrame(rows, columns=["code", "cohort", "type", "status"])
    return out.astype({"cohort": "int64"})
