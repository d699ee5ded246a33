"""The Chinese administrative-division code history (yescallop/areacodes, CC0-1.0).

One row per code record of county level and above, 1981-2024: province, prefecture, name, level,
status, first year in use, year changed or retired, and the new code(s). The registry
(:mod:`countyeconomy.registry`) is built from this table.
"""

from __future__ import annotations

import pandas as pd

from countyeconomy._fetch import DataFile, data_path

__all__ = ["AREACODES_COMMIT", "AREACODES_RESULT", "FIRST_YEAR", "LAST_YEAR", "read_areacodes"]

AREACODES_COMMIT = "eed219a0678d36bacaa717f62443b10e869f0291"
FIRST_YEAR = 1981
LAST_YEAR = 2024

AREACODES_RESULT = DataFile(
    relpath="areacodes/result.csv",
    url=f"https://raw.githubusercontent.com/yescallop/areacodes/{AREACODES_COMMIT}/result.csv",
    sha256="e3b69e8e13fcb3151b5cd6a03674f89e043f301f308dcb67283533f1a8239794",
    licence="CC0-1.0",
    source=f"yescallop/areacodes @ {AREACODES_COMMIT}, result.csv",
)

_COLUMNS = {
    "代码": "code",
    "一级行政区": "province",
    "二级行政区": "prefecture",
    "名称": "name",
    "级别": "level",
    "状态": "status",
    "启用时间": "start",
    "变更/弃用时间": "end",
    "新代码": "new_codes",
}
_LEVELS = {"省级": "province", "地级": "prefecture", "县级": "county"}
_STATUS = {"在用": "in_use", "弃用": "retired", "变更": "changed"}


def read_areacodes() -> pd.DataFrame:
    """The code history as a DataFrame with English column names.

    Columns: ``code`` (six-character string), ``province``, ``prefecture`` (names as recorded;
    ``"直辖"`` for units directly under a province-level unit), ``name``, ``level``
    (``"province"``, ``"prefecture"``, ``"county"``), ``status`` (``"in_use"``, ``"retired"``,
    ``"changed"``), ``start`` (first year in the official list), ``end`` (first year no longer in
    the list, ``LAST_YEAR + 1`` while in use) and ``new_codes`` (the raw successor field: codes
    separated by ``;``, a ``[YYYY]`` suffix dating a partial transfer).

    Examples
    --------
    >>> from countyeconomy.registry import read_areacodes
    >>> read_areacodes().shape  # doctest: +SKIP
    (6823, 9)
    """
    raw = pd.read_csv(
        data_path(AREACODES_RESULT), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    df = raw.rename(columns=_COLUMNS)[list(_COLUMNS.values())].copy()
    df["level"] = df["level"].map(_LEVELS)
    df["status"] = df["status"].map(_STATUS)
    df["start"] = df["start"].astype("int64")
    df["end"] = df["end"].replace("", str(LAST_YEAR + 1)).astype("int64")
    return df
