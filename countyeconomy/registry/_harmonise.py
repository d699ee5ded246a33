"""Harmonise a county panel onto the codes and territories of one target year."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy.errors import RegistryError
from countyeconomy.panel import Panel, as_panel
from countyeconomy.registry._aggregate import Rule, aggregate_merges, check_rules
from countyeconomy.registry._checks import check_year
from countyeconomy.registry._plan import plan
from countyeconomy.registry._registry import Registry
from countyeconomy.registry._resolve import code_strings, resolve
from countyeconomy.registry._tables import RegistryTables
from countyeconomy.registry._warnings import UnmatchedCodesWarning

__all__ = ["LOG_COLUMNS", "HarmonisedPanel", "harmonise"]

LOG_COLUMNS = ["old_code", "new_code", "year", "kind", "rows"]
_RELABEL = ("unchanged", "rename", "merge")


@dataclass(frozen=True)
class HarmonisedPanel:
    """The result of :func:`harmonise`.

    Attributes
    ----------
    panel
        The harmonised :class:`~countyeconomy.Panel` (the input object itself when nothing had
        to change).
    log
        One row per change: ``old_code``, ``new_code``, ``year`` (of the data), ``kind`` and
        ``rows`` (panel rows affected; the data year, or ``codes_year`` when given). Kinds:
        ``unchanged`` is never logged; ``rename`` (relabelled), ``merge`` (aggregated
        by the rules), ``merge_incomplete`` (a county that merged into ``new_code`` is absent
        from the panel that year, ``rows`` = 0), ``split`` (one row per part; left alone),
        ``partial_transfer`` (territory moved from ``old_code`` to ``new_code`` between the data
        year and the target year; left alone), ``not_one_to_one`` (backwards, left alone),
        ``no_successor`` (the record ended without a recorded successor;
        left alone), ``not_county_level`` (the code is a province- or prefecture-level code,
        for example a row of prefecture totals; left alone and announced), ``conflict`` (left alone because a
        row that is left alone keeps ``new_code`` that year), ``code_not_in_use`` (the code is not
        in use that year; the nearest record of the code was used) and ``unknown`` (not in the
        registry; kept unchanged).
    unknown
        Codes not found in the registry (kept unchanged, never dropped).
    to_year
        The target year.
    """

    panel: Panel
    log: pd.DataFrame
    unknown: tuple[str, ...]
    to_year: int


def _row_plan(tables: RegistryTables, pairs: pd.DataFrame, to_year: int) -> pd.DataFrame:
    """Attach ``new_rid`` and ``kind`` to resolved (code, year) pairs."""
    known = pairs[pairs["rid"] >= 0]
    plans = []
    for py in np.unique(known["plan_year"].to_numpy()):
        frame, _ = plan(tables, int(py), to_year)
        plans.append(frame.assign(plan_year=int(py)))
    columns = ["rid", "plan_year", "new_rid", "kind"]
    table = pd.concat(plans) if plans else pd.DataFrame(columns=columns)
    table = table[columns].astype({"rid": "int64", "plan_year": "int64"})
    out = pairs.merge(table, how="left", on=["rid", "plan_year"])
    out["kind"] = out["kind"].astype(object)
    out.loc[out["rid"] < 0, "kind"] = "unknown"
    out.loc[out["kind"].isna(), "kind"] = "not_county_level"
    out["new_rid"] = out["new_rid"].fillna(-1).astype("int64")
    return out


def _notes(tables: RegistryTables, pairs: pd.DataFrame, to_year: int) -> pd.DataFrame:
    known = pairs[pairs["rid"] >= 0]
    notes = []
    for py in np.unique(known["plan_year"].to_numpy()):
        _, frame = plan(tables, int(py), to_year)
        if len(frame):
            notes.append(frame.assign(plan_year=int(py)))
    if not notes:
        return pd.DataFrame(columns=LOG_COLUMNS)
    hit = known[["rid", "plan_year", "year", "n"]].merge(pd.concat(notes), on=["rid", "plan_year"])
    codes = np.asarray(tables.codes)
    return pd.DataFrame(
        {
            "old_code": codes[hit["from_rid"].to_numpy(dtype=np.int64)],
            "new_code": codes[hit["to_rid"].to_numpy(dtype=np.int64)],
            "year": hit["year"].to_numpy(),
            "kind": hit["kind"].to_numpy(),
            "rows": hit["n"].to_numpy(),
        }
    )


def _incomplete(tables: RegistryTables, pairs: pd.DataFrame, to_year: int) -> pd.DataFrame:
    """Counties that merge into a target present in the panel but are themselves absent."""
    merged = pairs[(pairs["kind"] == "merge") & ~pairs["off_year"]]
    out = []
    for py in np.unique(merged["plan_year"].to_numpy()):
        grp = merged[merged["plan_year"] == py]
        frame, _ = plan(tables, int(py), to_year)
        expected = frame[(frame["kind"] == "merge") & frame["new_rid"].isin(grp["new_rid"])]
        absent = expected[~expected["rid"].isin(grp["rid"])]
        out.append(absent.assign(year=int(py)))
    if not out:
        return pd.DataFrame(columns=LOG_COLUMNS)
    absent = pd.concat(out)
    codes = np.asarray(tables.codes)
    return pd.DataFrame(
        {
            "old_code": codes[absent["rid"].to_numpy(dtype=np.int64)],
            "new_code": codes[absent["new_rid"].to_numpy(dtype=np.int64)],
            "year": absent["year"].to_numpy(),
            "kind": "merge_incomplete",
            "rows": 0,
        }
    )


def _log_part(pairs: pd.DataFrame, kind: pd.Series | str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "old_code": pairs["code"],
            "new_code": pairs["new_code"],
            "year": pairs["year"],
            "kind": kind,
            "rows": pairs["n"],
        }
    )


def _build_log(pairs: pd.DataFrame, extra: list[pd.DataFrame]) -> pd.DataFrame:
    main = pairs[~pairs["kind"].isin(["unchanged", "split"])]
    off = pairs[pairs["off_year"]]
    parts = [_log_part(main, main["kind"]), _log_part(off, "code_not_in_use"), *extra]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=LOG_COLUMNS).astype({"year": "int64", "rows": "int64"})
    keys = ["old_code", "new_code", "year", "kind"]
    log = pd.concat(parts, ignore_index=True).groupby(keys)["rows"].sum().reset_index()
    log = log.astype({"year": "int64", "rows": "int64"})
    return log.sort_values(["year", "old_code", "kind", "new_code"]).reset_index(drop=True)


def _check_resolvable(pairs: pd.DataFrame, tables: RegistryTables, county: str) -> None:
    """Raise when no row holds a county-level code; warn about rows above county level."""
    upper = pairs[pairs["kind"] == "not_county_level"]
    if len(upper):
        levels = tables.records["level"].to_numpy(dtype=object)
        names = tables.records["name"].to_numpy(dtype=object)
        rid = upper["rid"].to_numpy(dtype=np.int64)
        shown = [f"{c} {names[r]} ({levels[r]})" for c, r in zip(upper["code"], rid, strict=True)]
        unique = list(dict.fromkeys(shown))
        examples = ", ".join(unique[:5]) + (" ..." if len(unique) > 5 else "")
    if len(pairs) and bool(pairs["kind"].isin(["unknown", "not_county_level"]).all()):
        found = f"; codes above county level: {examples}" if len(upper) else ""
        sample = ", ".join(map(str, pairs["code"].unique()[:5]))
        raise RegistryError(
            f"no code in column {county!r} is a county-level code of the 1981-2024 registry "
            f"(e.g. {sample}){found}. harmonise() maps six-digit county codes such as 330112 "
            "(临安区); check that the column holds county codes, not prefecture or province "
            "codes or another coding."
        )
    if len(upper):
        warnings.warn(
            f"{int(upper['n'].sum())} row(s) hold codes above county level ({examples}); they "
            "were kept unchanged. See kind 'not_county_level' in .log.",
            UnmatchedCodesWarning,
            stacklevel=3,
        )


def _warn(pairs: pd.DataFrame, unknown: tuple[str, ...]) -> None:
    if unknown:
        n = int(pairs.loc[pairs["kind"] == "unknown", "n"].sum())
        warnings.warn(
            f"{len(unknown)} code(s) in {n} row(s) are not in the 1981-2024 code registry "
            f"({', '.join(unknown[:10])}{' ...' if len(unknown) > 10 else ''}); they were kept "
            "unchanged and are listed in .unknown.",
            UnmatchedCodesWarning,
            stacklevel=3,
        )
    off = pairs[pairs["off_year"]]
    if len(off):
        warnings.warn(
            f"{int(off['n'].sum())} row(s) use a code in a year it is not in use (e.g. "
            f"{off['code'].iat[0]} in {off['year'].iat[0]}); the nearest record of the code was "
            "used. See kind 'code_not_in_use' in .log.",
            UnmatchedCodesWarning,
            stacklevel=3,
        )


@renamed_kwargs("harmonise", panel="data")
def harmonise(
    data: Panel | pd.DataFrame | xr.Dataset,
    *,
    to_year: int,
    rules: Mapping[str, Rule] | None = None,
    county: str | None = None,
    year: str | None = None,
    registry: Registry | None = None,
    codes_year: int | None = None,
) -> HarmonisedPanel:
    """Map every county-year onto the codes and territory of ``to_year``.

    One-to-one code changes are relabelled (临安市 330185 becomes 临安区 330112). When several
    counties of a year became one county by ``to_year`` their rows are aggregated with
    ``rules``: ``{column: "sum" | "mean" | "first" | ("weighted_mean", weight_column)}``
    (``"first"`` takes the value of the predecessor with the smallest code; a sum over a
    missing value is missing). Every data column then needs a rule, and a missing one is an
    error naming it; rules are only needed when a merge happens. Splits, partial transfers and
    counties that are not one-to-one when harmonising backwards (``to_year`` earlier than the
    data) are left as they are and reported in the log. Unknown codes are kept, listed and
    announced with :class:`UnmatchedCodesWarning`. The caller's data is never modified.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel`; a DataFrame with ``county`` and ``year`` named; or an
        xarray Dataset with dims ``(county, year)`` (names as in :meth:`Panel.from_xarray`).
    to_year
        Target year, 1981-2024.
    rules
        Aggregation rule per data column, used for merges.
    county, year
        Key columns (or dims) when ``data`` is a DataFrame (or Dataset).
    registry
        The registry to use (default :meth:`Registry.load`).
    codes_year
        The vintage of every code in the data, whatever the row's year (data keyed on one
        year's codes throughout, such as the county CO2 panel on 2010 codes; see
        :func:`match_vintage`). Each code is read as its record in ``codes_year`` and mapped
        from there to ``to_year``; only counties of that vintage that became one county by
        ``to_year`` are merged. The log's ``year`` is then ``codes_year``. Default: each row's
        own year.

    Returns
    -------
    HarmonisedPanel
        ``.panel``, ``.log``, ``.unknown``.

    Raises
    ------
    RegistryError
        ``to_year`` outside 1981-2024; no code is a county-level code of the registry (for
        example a file of prefecture codes); a merge with a data column that has no rule; harmonised
        rows that collide with rows already on the target code.

    Notes
    -----
    Without ``codes_year``, codes are read as codes of each row's own year; a code used in a year it is not in use is
    read as its nearest record (logged ``code_not_in_use``). The result carries codes of
    ``to_year`` in every year, so harmonise the original data again rather than the result:
    reused codes (511422 was 丰都县 in 1995 and 彭山县 from 2000) would be misread.

    References
    ----------
    Ministry of Civil Affairs of the PRC, 县级以上行政区划变更情况, via yescallop/areacodes.

    Examples
    --------
    >>> import pandas as pd
    >>> import countyeconomy as ce
    >>> from countyeconomy.registry import harmonise
    >>> df = pd.DataFrame({"code": ["330185"] * 7 + ["330112"] * 4,
    ...                    "year": range(2010, 2021), "gdp": range(11)})
    >>> res = harmonise(ce.Panel.from_frame(df, county="code", year="year"),
    ...                 to_year=2020)  # doctest: +SKIP
    >>> res.panel.counties.tolist()  # doctest: +SKIP
    ['330112']
    """
    p = as_panel(data, county, year)
    target = check_year(to_year, name="to_year")
    reg = registry if registry is not None else Registry.load()
    checked = check_rules(rules or {}, p)
    tables = reg.tables
    frame = p.frame
    codes = code_strings(frame[p.county])
    years = frame[p.year].to_numpy(dtype=np.int64)
    if codes_year is not None:
        years = np.full(len(frame), check_year(codes_year, name="codes_year"), dtype=np.int64)
    pairs = resolve(tables, codes, years)
    pairs = _row_plan(tables, pairs, target)
    relabel = pairs["kind"].isin(_RELABEL) & (pairs["new_rid"] >= 0)
    all_codes = np.asarray(tables.codes)
    pairs["new_code"] = np.where(
        relabel, all_codes[pairs["new_rid"].clip(lower=0).to_numpy()], pairs["code"]
    )
    pairs = _settle(pairs)
    _check_resolvable(pairs, tables, p.county)
    unknown = tuple(sorted(pairs.loc[pairs["kind"] == "unknown", "code"].unique()))
    _warn(pairs, unknown)
    extra = [_notes(tables, pairs, target), _incomplete(tables, pairs, target)]
    log = _build_log(pairs, extra)
    row = pd.DataFrame({"code": codes.to_numpy(), "year": years}).merge(
        pairs[["code", "year", "label", "kind"]], how="left", on=["code", "year"]
    )
    changed = (row["label"] != row["code"]).to_numpy()
    merge_rows = (row["kind"] == "merge").to_numpy()
    if not changed.any() and not _has_merge_groups(row, merge_rows):
        return HarmonisedPanel(panel=p, log=log, unknown=unknown, to_year=target)
    out = frame.copy()
    out[p.county] = _restore_dtype(row["label"], frame[p.county], changed)
    out = aggregate_merges(out, merge_rows, p.county, p.year, checked, row["code"].to_numpy())
    _check_collisions(out, p.county, p.year)
    return HarmonisedPanel(
        panel=Panel.from_frame(out, county=p.county, year=p.year),
        log=log,
        unknown=unknown,
        to_year=target,
    )


def _settle(pairs: pd.DataFrame) -> pd.DataFrame:
    """Keep a row's code where relabelling it would collide with a row left alone.

    A split, unknown or not-one-to-one row keeps its code; if another row would be relabelled
    onto that code in the same year, that row is left alone too (kind ``"conflict"``). Repeat
    until no collision remains. ``label`` is the code each row ends with. Relabelled rows that
    end on the same county-year (for example a code used in a year after it was merged, next to
    the code it merged into) are a merge.
    """
    pairs = pairs.copy()
    for _ in range(len(pairs) + 1):
        moves = pairs["kind"].isin(_RELABEL).to_numpy()
        pairs["label"] = np.where(moves, pairs["new_code"], pairs["code"])
        stay = pairs.loc[~moves]
        kept = pd.MultiIndex.from_arrays([stay["code"], stay["year"]])
        target = pd.MultiIndex.from_arrays([pairs["new_code"], pairs["year"]])
        hit = moves & (pairs["new_code"] != pairs["code"]).to_numpy() & target.isin(kept)
        if not hit.any():
            break
        pairs.loc[hit, "kind"] = "conflict"
    relabelled = pairs.loc[pairs["kind"].isin(_RELABEL)]
    shared = relabelled.duplicated(["label", "year"], keep=False)
    pairs.loc[shared.index[shared.to_numpy()], "kind"] = "merge"
    return pairs


def _has_merge_groups(row: pd.DataFrame, merge_rows: np.ndarray) -> bool:
    sub = row.loc[merge_rows, ["label", "year"]]
    return bool(sub.duplicated().any())


def _restore_dtype(new: pd.Series, original: pd.Series, changed: np.ndarray) -> pd.Series:
    values = original.copy().astype(object)
    values[changed] = new.to_numpy()[changed]
    if pd.api.types.is_integer_dtype(original.dtype):
        return values.astype(original.dtype)
    if pd.api.types.is_string_dtype(original.dtype) and original.dtype != object:
        return values.astype(original.dtype)
    return values


def _check_collisions(out: pd.DataFrame, county: str, year: str) -> None:
    dup = out.duplicated([county, year], keep=False)
    if dup.any():
        example = out.loc[dup, [county, year]].drop_duplicates().head(3)
        pairs = ", ".join(f"{c} in {y}" for c, y in example.itertuples(index=False))
        raise RegistryError(
            f"after harmonising, {int(dup.sum())} rows share a county-year ({pairs}): a renamed "
            "code collides with rows already under the new code. Check those rows; the same "
            "territory appears twice in the input."
        )
