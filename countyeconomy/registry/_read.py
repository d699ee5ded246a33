"""``read_panel``: a user's yearbook or database export in, a validated (harmonised) Panel out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from countyeconomy.panel import MISSING_TOKENS, Panel, read_table
from countyeconomy.registry._aggregate import Rule
from countyeconomy.registry._byname import names_to_codes as resolve_names
from countyeconomy.registry._harmonise import harmonise
from countyeconomy.registry._registry import Registry

__all__ = ["read_panel"]


def _column_or_value(frame: pd.DataFrame, spec: str | None) -> pd.Series | None:
    if spec is None:
        return None
    if spec in frame.columns:
        return frame[spec].astype("string").str.strip()
    return pd.Series(spec, index=frame.index, dtype=object)


def read_panel(
    source: str | Path | pd.DataFrame,
    *,
    county: str,
    year: str | None = "year",
    layout: str = "long",
    header_rows: int | Sequence[str] = 0,
    missing: Sequence[str] = MISSING_TOKENS,
    thousands: str | None = ",",
    sheet: str | int | None = None,
    value: str = "value",
    names_to_codes: bool = False,
    province: str | None = None,
    prefecture: str | None = None,
    codes_year: int | None = None,
    to_year: int | None = None,
    rules: Mapping[str, Rule] | None = None,
    registry: Registry | None = None,
) -> Panel:
    """Read a county table (CSV or Excel; long, wide or one sheet per year) into a Panel.

    Header blocks (field-code, label and unit rows under the column names) and footnote rows are
    stripped; units are kept in ``panel.frame.attrs["units"]``. Codes such as ``130631.0`` or
    ``320211（2）`` are cleaned (a suffixed code that would collide with its county's own rows is
    kept as written, with a warning). Every non-numeric token read as missing in a data column
    is counted in a :class:`~countyeconomy.panel.NonNumericCellsWarning` naming column and token
    (tokens in ``missing``, such as "—", "…" and "n/a", are read quietly).

    Parameters
    ----------
    source
        A path (``.csv``, ``.tsv``, ``.xlsx``, ``.xls``) or a DataFrame.
    county
        The column holding county codes (or names, with ``names_to_codes=True``).
    year
        The year column (``layout="long"``), or the name given to the year column built from
        year columns (``"wide"``) or sheet names (``"sheets"``).
    layout
        ``"long"`` (one row per county-year), ``"wide"`` (one column per year: ``2015``,
        ``C2015``, ``2015年`` ...; the values go to column ``value``) or ``"sheets"`` (an Excel
        book with one sheet per year, the year in the sheet name).
    header_rows
        Rows under the column names to strip: a number, or their roles in order, each of
        ``"code"``, ``"label"``, ``"unit"`` or ``"skip"`` (units and labels are kept).
    missing
        Tokens read as missing without a warning.
    thousands
        Thousands separator to remove from numbers (``None``: none).
    sheet
        The Excel sheet (name or position; default the first).
    value
        Name of the value column of a wide table.
    names_to_codes
        ``county`` holds names: resolve each through the registry, year-aware (each row's year,
        or ``codes_year``) and scoped by ``province``. An unknown or ambiguous name is a
        :class:`~countyeconomy.errors.RegistryError` listing the candidates.
    province, prefecture
        A column of province (prefecture) names, or one name for the whole table, scoping
        ``names_to_codes`` (桥东区 is a district of three prefectures of 河北省).
    codes_year, to_year
        With ``to_year``, harmonise onto the codes of ``to_year`` (:func:`harmonise`), reading
        every code as of ``codes_year`` when given.
    rules
        Aggregation rules for merges when harmonising.
    registry
        The registry to use (default :meth:`Registry.load`).

    Returns
    -------
    Panel
        Validated: unique county-year keys, integer years.

    Examples
    --------
    >>> import pandas as pd
    >>> from countyeconomy import read_panel
    >>> df = pd.DataFrame({"code": ["330185", "330102（2）"], "C2015": ["1,200", "—"],
    ...                    "C2016": ["1,300", "n/a"]})
    >>> p = read_panel(df, county="code", layout="wide", value="gdp")
    >>> p.frame[["code", "year", "gdp"]].values.tolist()
    [['330102', 2015, nan], ['330102', 2016, nan], ['330185', 2015, 1200.0], ['330185', 2016, 1300.0]]
    """
    year_name = year or "year"
    table = read_table(
        source,
        county=county,
        year=year_name,
        layout=layout,
        header_rows=header_rows,
        missing=missing,
        thousands=thousands,
        sheet=sheet,
        value=value,
    )
    frame = table.frame
    reg = None
    if names_to_codes or to_year is not None:
        reg = registry if registry is not None else Registry.load()
    if names_to_codes and reg is not None:
        years = frame[year_name] if codes_year is None else pd.Series(codes_year, frame.index)
        codes = resolve_names(
            reg.tables,
            frame[county],
            years,
            _column_or_value(frame, province),
            _column_or_value(frame, prefecture),
        )
        frame = frame.assign(**{county: codes})
    panel = Panel.from_frame(frame, county=county, year=year_name)
    if to_year is not None:
        panel = harmonise(
            panel, to_year=to_year, codes_year=codes_year, rules=rules, registry=reg
        ).panel
    units = dict(table.units)
    out = panel.frame
    out.attrs["units"] = units
    return Panel.from_frame(out, county=county, year=year_name)
