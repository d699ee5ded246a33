"""``describe``: Table 1 of a panel (``sum2docx``), with suspicious values flagged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from countyeconomy.errors import InputTypeError, InvalidOptionError
from countyeconomy.panel._panel import Panel
from countyeconomy.panel._tables import variable_label
from countyeconomy.panel._validate import check_columns
from countyeconomy.report import Table

__all__ = ["DESCRIBE_STATS", "describe"]

DESCRIBE_STATS: tuple[str, ...] = ("n", "mean", "sd", "min", "p50", "max")
"""The default statistics of :func:`describe`: N, mean, SD, min, median and max."""
_HEADS = {
    "n": "N",
    "missing": "Missing",
    "mean": "Mean",
    "sd": "SD",
    "min": "Min",
    "p25": "P25",
    "p50": "Median",
    "p75": "P75",
    "max": "Max",
}
_STAT = {
    "n": lambda x: float(x.notna().sum()),
    "missing": lambda x: float(x.isna().sum()),
    "mean": lambda x: float(x.mean()),
    "sd": lambda x: float(x.std()),
    "min": lambda x: float(x.min()),
    "p25": lambda x: float(x.quantile(0.25)),
    "p50": lambda x: float(x.median()),
    "p75": lambda x: float(x.quantile(0.75)),
    "max": lambda x: float(x.max()),
}


def _flags(x: pd.Series) -> tuple[str, int]:
    """Reasons a column looks suspicious, and the number of values involved."""
    v = x.to_numpy(dtype=float)
    v = v[~np.isnan(v)]
    out: list[str] = []
    hit = np.zeros(len(v), dtype=bool)
    inf = np.isinf(v)
    if inf.any():
        out.append(f"{int(inf.sum())} infinite value(s) (log of zero?)")
        hit |= inf
    fin = v[~inf]
    if len(fin) == 0:
        return "; ".join(out), int(hit.sum())
    pos = fin > 0
    scale = float(np.median(np.abs(fin)))
    tiny = np.isfinite(v) & (v != 0) & (np.abs(v) < 1e-6 * scale)
    if tiny.any():
        out.append(f"{int(tiny.sum())} value(s) at machine-epsilon scale (e.g. {v[tiny][0]:.3g})")
        hit |= tiny
    logged = bool(pos.all())
    z = np.log10(fin) if logged else fin
    med = float(np.median(z))
    iqr = float(np.subtract(*np.percentile(z, [75, 25]))) or 1.0
    for end in (float(fin.min()), float(fin.max())):
        same = v == end
        ze = float(np.log10(end)) if logged else end
        if int(same.sum()) >= 3 and abs(ze - med) > 10 * iqr:
            out.append(f"constant placeholder {end:.3g} repeated {int(same.sum())} times")
            hit |= same
    if 0.95 <= pos.mean() < 1.0:
        nonpos = np.isfinite(v) & (v <= 0)
        out.append(
            f"{int(nonpos.sum())} non-positive value(s) in a positive column: their log is undefined"
        )
        hit |= nonpos
    return "; ".join(out), int(hit.sum())


def describe(
    data: Panel,
    columns: Sequence[str] | str | None = None,
    *,
    by: str | None = None,
    stats: Sequence[str] = DESCRIBE_STATS,
    labels: Mapping[str, str] | None = None,
    digits: int = 3,
) -> Table:
    """Table 1: summary statistics per column (and per group), flagging suspicious values.

    The statistics of Stata's ``sum2docx`` (N, mean, SD, min, median, max by default), one row
    per column, with the unit from the panel's metadata (``frame.attrs["units"]``, which
    :func:`~countyeconomy.read_panel` fills from the file's unit row) after the label. With
    ``by`` the table has one section per group.

    Flags (listed in the notes, and in ``data``): constant placeholders (the minimum or maximum
    repeated at least three times and far from the rest: 1e-08 in a column of emissions,
    -9999), values at machine-epsilon scale (non-zero and below 1e-6 times the median
    magnitude), infinite values (a log of zero), and non-positive values in an otherwise
    positive column (their log is undefined). Stata's ``summarize`` would show the minimum; this
    says why it matters.

    Parameters
    ----------
    data
        The panel.
    columns
        Numeric columns to describe (default: every numeric data column).
    by
        A column to group by (for example a cohort or treated indicator).
    stats
        Any of ``n``, ``missing``, ``mean``, ``sd``, ``min``, ``p25``, ``p50``, ``p75``, ``max``.
    labels
        Column -> text shown (Chinese or English); also the headers by statistic
        (``{"mean": "均值"}``) and ``by``'s values (``{"1": "Treated"}``).
    digits
        Decimals (N and missing are integers).

    Returns
    -------
    countyeconomy.report.Table
        ``to_docx(path)``, ``to_latex()``, ``to_html()``, ...; ``data`` is one row per column
        (per group and column with ``by``): the statistics as numbers, ``flags`` (the reasons,
        ``""`` when none) and ``n_flagged``.

    Examples
    --------
    >>> import pandas as pd
    >>> import countyeconomy as ce
    >>> df = pd.DataFrame({"c": range(10), "year": 2010,
    ...                    "co2": [1.2, 0.8, 1.5, 2.0, 0.9, 1.1, 1.3, 1e-8, 1e-8, 1e-8]})
    >>> t = ce.describe(ce.Panel.from_frame(df, county="c", year="year"), "co2")
    >>> int(t.data.loc["co2", "n_flagged"]), t.body.loc["co2", "N"]
    (3, '10')
    """
    if not isinstance(data, Panel):
        raise InputTypeError(
            f"describe() takes a countyeconomy.Panel, got {type(data).__name__}; build one with "
            "Panel.from_frame(df, county=..., year=...)."
        )
    panel = data
    frame = panel.frame
    labels = dict(labels or {})
    if isinstance(columns, str):
        columns = [columns]
    if columns is None:
        keys = {panel.county, panel.year, by}
        columns = [
            c
            for c in frame.columns
            if c not in keys
            and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])
        ]
    check_columns(frame, [*columns, *([by] if by else [])])
    unknown = [s for s in stats if s not in _STAT]
    if unknown or not stats:
        what = f"unknown stats {unknown}" if unknown else "stats=() lists no statistic"
        raise InvalidOptionError(f"{what}; valid: {', '.join(_STAT)}.")
    groups = [("", frame)] if by is None else list(frame.groupby(by, sort=True))
    rows = []
    for key, sub in groups:
        for col in columns:
            x = pd.to_numeric(sub[col], errors="coerce")
            flags, n = _flags(x)
            row = {"column": col, **{s: _STAT[s](x) for s in stats}}
            rows.append({**({by: key} if by else {}), **row, "flags": flags, "n_flagged": n})
    out = pd.DataFrame(rows)
    out = out.set_index([by, "column"] if by else "column")
    return _as_table(out, frame, list(columns), by, list(stats), labels, digits)


def _as_table(
    out: pd.DataFrame,
    frame: pd.DataFrame,
    columns: list[str],
    by: str | None,
    stats: list[str],
    labels: dict[str, str],
    digits: int,
) -> Table:
    """The statistics as a paper table: sections per group, flags in the notes."""
    units = frame.attrs.get("units", {})
    units = {str(k): str(v) for k, v in units.items()} if isinstance(units, Mapping) else {}
    heads = [str(labels.get(s, labels.get(_HEADS[s], _HEADS[s]))) for s in stats]
    cells: list[list[str]] = []
    index: list[str] = []
    sections: list[int] = []
    notes: list[str] = []
    for idx, row in out.iterrows():
        key, col = idx if isinstance(idx, tuple) else ("", idx)
        name = variable_label(str(col), labels, units)
        if by and col == columns[0]:
            sections.append(len(index))
            index.append(f"{labels.get(by, by)} = {labels.get(str(key), key)}")
            cells.append([""] * len(stats))
        index.append(name)
        cells.append([_cell(s, float(row[s]), digits) for s in stats])
        if row["flags"]:
            where = f" [{by} = {key}]" if by else ""
            notes.append(f"Flagged: {name}{where}: {row['flags']}.")
    body = pd.DataFrame(cells, index=index, columns=heads)
    return Table(
        body,
        notes=tuple(notes),
        title="Descriptive statistics",
        label="tab:describe",
        data=out,
        sections=tuple(sections),
    )


def _cell(stat: str, value: float, digits: int) -> str:
    if not np.isfinite(value):
        return "" if np.isnan(value) else str(value)
    return f"{value:.0f}" if stat in ("n", "missing") else f"{value:.{digits}f}"
