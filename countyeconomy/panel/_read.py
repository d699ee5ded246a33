"""Read a user's county table (CSV or Excel, long, wide or one sheet per year) into a long frame.

This is the file-reading half of :func:`countyeconomy.read_panel`; the registry half (names to
codes, code vintages) sits in :mod:`countyeconomy.registry`, one layer up.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from countyeconomy.errors import (
    CountyEconomyWarning,
    InvalidOptionError,
    NonNumericError,
    RowsDroppedWarning,
)
from countyeconomy.panel._validate import check_columns, describe_values

__all__ = ["MISSING_TOKENS", "NonNumericCellsWarning", "TableRead", "clean_codes", "read_table"]

MISSING_TOKENS: tuple[str, ...] = (
    "",
    "—",
    "——",
    "-",
    "--",
    "…",
    "……",
    "...",
    "n/a",
    "N/A",
    "NA",
    "na",
    "nan",
    "NaN",
    "/",
    "无",
    "null",
)
"""Cells read as missing without a warning (yearbook conventions for "not available")."""
_YEAR_COL = re.compile(r"^\D{0,12}?((?:19|20)\d{2})\D{0,6}$")
_SUFFIX = re.compile(r"^\s*(\d{6})\s*[（(][^）)]*[）)]\s*$")
_LAYOUTS = ("long", "wide", "sheets")
_NOTE = re.compile(r"^\s*(注|备注|说明|资料来源|数据来源|来源|note|source|\*)", re.IGNORECASE)


class NonNumericCellsWarning(CountyEconomyWarning):
    """Non-numeric cells of a data column were read as missing (see the message for tokens)."""


@dataclass(frozen=True)
class TableRead:
    """A long frame read from a user's table, with what was learnt on the way.

    ``units`` and ``labels`` map columns to the unit and label rows of the header block;
    ``tokens`` maps ``(column, token)`` to the number of cells made missing.
    """

    frame: pd.DataFrame
    units: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    tokens: dict[tuple[str, str], int] = field(default_factory=dict)


def clean_codes(values: pd.Series) -> pd.Series:
    """County codes as text: ``130631.0`` -> ``"130631"``, ``"320211（2）"`` -> ``"320211"``."""
    text = values.astype("string").str.strip()
    text = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    return text.str.replace(_SUFFIX, r"\1", regex=True)


def _source_frames(
    source: str | Path | pd.DataFrame, sheet: str | int | None, layout: str
) -> list[tuple[str, pd.DataFrame]]:
    if isinstance(source, pd.DataFrame):
        return [("", source.astype(object).copy())]
    path = Path(source)
    if not path.exists():
        raise InvalidOptionError(f"read_panel(): no file at {str(path)!r}.")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, sep=sep, encoding="utf-8-sig")
        return [("", frame)]
    if suffix not in (".xlsx", ".xlsm", ".xls"):
        raise InvalidOptionError(
            f"read_panel(): cannot read {path.name!r}; use a .csv, .tsv, .xlsx or .xls file, "
            "or pass a DataFrame."
        )
    if layout == "sheets":
        book = pd.read_excel(path, sheet_name=None, dtype=object)
        return [(str(name), frame) for name, frame in book.items()]
    frame = pd.read_excel(path, sheet_name=0 if sheet is None else sheet, dtype=object)
    return [("", frame)]


def _header_block(
    frame: pd.DataFrame, header_rows: int | Sequence[str]
) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    roles = ["skip"] * header_rows if isinstance(header_rows, int) else list(header_rows)
    units: dict[str, str] = {}
    labels: dict[str, str] = {}
    for i, role in enumerate(roles):
        if role not in ("unit", "label", "code", "skip"):
            raise InvalidOptionError(
                f"header_rows role {role!r} is not valid; use 'unit', 'label', 'code' or 'skip'."
            )
        if i >= len(frame):
            break
        row = frame.iloc[i]
        target = units if role == "unit" else labels if role == "label" else None
        if target is not None:
            for col, val in row.items():
                if isinstance(val, str) and val.strip():
                    target[str(col)] = val.strip()
    return frame.iloc[len(roles) :].reset_index(drop=True), units, labels


def _drop_footnotes(frame: pd.DataFrame, county: str) -> pd.DataFrame:
    """Drop blank rows and rows with text in at most one cell and no county code or name."""
    text = frame.astype("string").apply(lambda s: s.str.strip())
    filled = text.notna() & (text != "")
    key = filled[county]
    n_filled = filled.sum(axis=1)
    arr = text.to_numpy(dtype=object)
    pos = filled.to_numpy(dtype=bool).argmax(axis=1)
    first = pd.Series(arr[range(len(arr)), pos], index=frame.index).fillna("").astype(str)
    prose = first.str.match(_NOTE) | (first.str.len() > 20) | first.str.contains("。", regex=False)
    note = (n_filled == 0) | ~key | ((n_filled == 1) & prose.to_numpy(dtype=bool))
    if note.any():
        shown = [str(v)[:40] for v in first[note & (n_filled > 0)]]
        warnings.warn(
            f"read_panel(): dropped {int(note.sum())} blank or footnote row(s) "
            f"({describe_values(shown, limit=3) or 'blank'}).",
            RowsDroppedWarning,
            stacklevel=4,
        )
    kept: pd.DataFrame = frame.loc[~note].reset_index(drop=True)
    return kept


def _to_numbers(
    frame: pd.DataFrame, columns: list[str], missing: Sequence[str], thousands: str | None
) -> tuple[pd.DataFrame, dict[tuple[str, str], int]]:
    tokens: dict[tuple[str, str], int] = {}
    out = frame.copy()
    quiet = set(missing)
    for col in columns:
        raw = out[col]
        if pd.api.types.is_numeric_dtype(raw.dtype):
            out[col] = raw.astype("float64")
            continue
        text = raw.astype("string").str.strip()
        if thousands:
            text = text.str.replace(thousands, "", regex=False)
        blank = text.isna() | text.isin(quiet)
        num = pd.to_numeric(text.where(~blank), errors="coerce")
        bad = num.isna() & ~blank
        for token, n in raw[bad.to_numpy()].astype(str).value_counts().items():
            tokens[(str(col), str(token))] = int(n)
        out[col] = num.astype("float64")
    if tokens:
        shown = "; ".join(f"{c!r}: {t!r} x{n}" for (c, t), n in list(tokens.items())[:10])
        warnings.warn(
            f"read_panel(): {sum(tokens.values())} non-numeric cell(s) read as missing ({shown}"
            f"{' ...' if len(tokens) > 10 else ''}). Pass missing= to read such tokens quietly.",
            NonNumericCellsWarning,
            stacklevel=4,
        )
    return out, tokens


def _numeric_like(col: pd.Series, missing: Sequence[str], thousands: str | None) -> bool:
    if pd.api.types.is_numeric_dtype(col.dtype):
        return True
    text = col.astype("string").str.strip()
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    text = text[text.notna() & ~text.isin(set(missing))]
    return len(text) > 0 and float(pd.to_numeric(text, errors="coerce").notna().mean()) >= 0.5


def _clean_keys(county: pd.Series, year: pd.Series) -> pd.Series:
    """Clean codes, but keep the original text where cleaning would make two rows one county."""
    original = county.astype("string").str.strip()
    cleaned = clean_codes(county)
    changed = (cleaned != original).fillna(False).to_numpy(dtype=bool)
    keys = pd.DataFrame({"c": cleaned, "y": year})
    clash = keys.duplicated(keep=False).to_numpy(dtype=bool) & changed
    if clash.any():
        warnings.warn(
            f"read_panel(): kept {int(clash.sum())} code(s) as written "
            f"({describe_values(sorted(set(original[clash].tolist())))}): without the suffix they "
            "would name a county that already has its own rows.",
            NonNumericCellsWarning,
            stacklevel=4,
        )
        cleaned = cleaned.where(~clash, original)
    return cleaned.astype(object).where(cleaned.notna(), None)


def _year_columns(columns: Sequence[object] | pd.Index) -> dict[str, int]:
    found = {}
    for col in columns:
        match = _YEAR_COL.match(str(col).strip())
        if match:
            found[str(col)] = int(match.group(1))
    return found


def read_table(
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
) -> TableRead:
    """Read a table into a long frame with columns ``county``, ``year`` and the data columns.

    See :func:`countyeconomy.read_panel` for the arguments. ``county`` values are cleaned with
    :func:`clean_codes` when they are codes; names are stripped.
    """
    if layout not in _LAYOUTS:
        raise InvalidOptionError(f"layout={layout!r} is not valid; use one of {_LAYOUTS}.")
    parts, units, labels = [], {}, {}
    for name, frame in _source_frames(source, sheet, layout):
        frame.columns = [str(c).strip() for c in frame.columns]
        frame, u, lab = _header_block(frame, header_rows)
        units.update(u)
        labels.update(lab)
        check_columns(frame, [county], what="county column")
        frame = _drop_footnotes(frame, county)
        if layout == "sheets":
            match = re.search(r"(?:19|20)\d{2}", name)
            if match is None:
                raise InvalidOptionError(
                    f"layout='sheets': sheet {name!r} has no year in its name (e.g. '2015')."
                )
            frame = frame.assign(**{year or "year": int(match.group(0))})
        parts.append(frame)
    frame = pd.concat(parts, ignore_index=True)
    year_name = year or "year"
    if layout == "wide":
        years = _year_columns(frame.columns)
        if not years:
            raise InvalidOptionError(
                "layout='wide' needs year columns such as 2015 or C2015; found "
                f"{describe_values(list(frame.columns), limit=10)}."
            )
        ids = [c for c in frame.columns if c not in years]
        frame = frame.melt(
            id_vars=ids, value_vars=list(years), var_name=year_name, value_name=value
        )
        frame[year_name] = frame[year_name].map(years)
        year_units = [units[k] for k in years if k in units]
        units = {k: v for k, v in units.items() if k not in years}
        if year_units:
            units[value] = year_units[0]
    else:
        check_columns(frame, [year_name], what="year column")
        yr = pd.to_numeric(frame[year_name].astype("string").str.extract(r"(\d{4})")[0])
        if yr.isna().any():
            bad = frame.loc[yr.isna(), year_name].tolist()
            raise NonNumericError(
                f"year column {year_name!r} has values without a year: {describe_values(bad)}."
            )
        frame[year_name] = yr.astype("int64")
    keys = {county, year_name}
    data_cols = [
        c for c in frame.columns if c not in keys and _numeric_like(frame[c], missing, thousands)
    ]
    frame, tokens = _to_numbers(frame, data_cols, missing, thousands)
    frame[county] = _clean_keys(frame[county], frame[year_name])
    for col in frame.columns:
        if col not in data_cols and col not in keys:
            frame[col] = frame[col].astype("string").str.strip().astype(object)
    frame.attrs["units"] = dict(units)
    return TableRead(frame=frame, units=units, labels=labels, tokens=tokens)
