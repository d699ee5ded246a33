"""The Chinese administrative-division code history (yescallop/areacodes, CC0-1.0).

One row per code record of county level and above, 1981-2024: province, prefecture, name, level,
status, first and last year in use (inclusive), and the new code(s). The registry
(:mod:`countyeconomy.registry`) is built from this table.
"""

from __future__ import annotations

import pandas as pd

from countyeconomy._fetch import DataFile, data_path
from countyeconomy.registry._records import records_frame

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
    ``"changed"``), ``new_codes`` (the raw successor field: codes separated by ``;``, a
    ``[YYYY]`` suffix dating a partial transfer), ``valid_from`` (first year in the official
    list) and ``valid_to`` (last year in the list, inclusive; ``LAST_YEAR`` while in use): the
    convention of every registry object. The retired columns ``start`` and ``end`` (exclusive)
    still read for one release with a ``FutureWarning``.

    Examples
    --------
    >>> from countyeconomy.registry import read_areacodes
    >>> read_areacodes().shape  # doctest: +SKIP
    (6823, 9)
    >>> int(read_areacodes().query("code == '330185'")["valid_to"].iat[0])  # doctest: +SKIP
    2016
    """
    raw = pd.read_csv(
        data_path(AREACODES_RESULT), dtype=str, keep_default_na=False, encoding="utf-8-sig"
    )
    df = raw.rename(columns=_COLUMNS)[list(_COLUMNS.values())].copy()
    df["level"] = df["level"].map(_LEVELS)
    df["status"] = df["status"].map(_STATUS)
    df["start"] = df["start"].astype("int64")
    df["end"] = df["end"].replace("", str(LAST_YEAR + 1)).astype("int64")
    return records_frame(df, keep_new_codes=True)
