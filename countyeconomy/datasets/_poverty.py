"""The 832 national poverty counties (国家级贫困县) with the year each exited poverty.

The table ships inside the package (``countyeconomy/datasets/data/poverty_counties.csv``): public
facts from official notices, which the PRC Copyright Law (Art. 5) excludes from copyright. It is
built from the pinned public source :data:`POVERTY_SOURCE` by ``python -m
countyeconomy.datasets._poverty`` (which checks the source's sha256 and records provenance in the
file's header lines).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from countyeconomy._fetch import DataFile, data_path, sha256_of

__all__ = ["EXIT_YEAR_DEFECT", "OFFICIAL_EXITS", "POVERTY_SOURCE", "load_poverty_counties"]

_COMMIT = "39c1348a76e5849ef5a3e36f228d59fcf3302409"
POVERTY_SOURCE = DataFile(
    relpath="poverty_counties/poverty_county_list.csv",
    url=f"https://raw.githubusercontent.com/Clebeech/ds_project/{_COMMIT}/data/poverty_county_list.csv",
    sha256="4780bacaf6dd25d1add5f8775503b94f8d8de630857c16ac71bdd485fc994a0a",
    licence="public facts (PRC Copyright Law Art. 5; no licence file in the repository)",
    source=f"Clebeech/ds_project @ {_COMMIT}, data/poverty_county_list.csv",
)
OFFICIAL_EXITS = {2016: 28, 2017: 125, 2018: 283, 2019: 344, 2020: 52}
"""Official number of national poverty counties declared out of poverty each year."""
EXIT_YEAR_DEFECT = (
    "The source records 282 exits in 2018 and 345 in 2019; the official totals are 283 and 344. "
    "One county recorded as exiting in 2019 exited in 2018, and it is not identified: every row "
    "recorded 2019 carries exit_year_flag=True."
)
_TABLE = Path(__file__).with_name("data") / "poverty_counties.csv"
_COLUMNS = {
    "行政区划代码": "code",
    "县域名称": "name",
    "所属地域": "region",
    "所属省份": "province",
    "所属城市": "prefecture",
    "摘帽时间": "exit_year",
}


def build_table(source: Path) -> pd.DataFrame:
    """The shipped table from the source file: typed columns, the compiler's note dropped."""
    raw = pd.read_csv(source, dtype=str, keep_default_na=False)
    out = raw.rename(columns=_COLUMNS)[list(_COLUMNS.values())].copy()
    out["code"] = out["code"].str.replace(r"\.0$", "", regex=True)
    out["exit_year"] = out["exit_year"].str.replace(r"\.0$", "", regex=True).astype("int64")
    out["exit_year_flag"] = out["exit_year"] == 2019
    return out.sort_values("code").reset_index(drop=True)


def write_table(path: Path = _TABLE) -> Path:
    """Rebuild the shipped table from the pinned source, with provenance header lines."""
    source = data_path(POVERTY_SOURCE)
    table = build_table(source)
    header = (
        f"# source: {POVERTY_SOURCE.source}\n"
        f"# url: {POVERTY_SOURCE.url}\n"
        f"# sha256 of source: {sha256_of(source)}\n"
        f"# licence: {POVERTY_SOURCE.licence}\n"
        f"# built by: python -m countyeconomy.datasets._poverty\n"
        f"# defect: {EXIT_YEAR_DEFECT}\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        table.to_csv(fh, index=False, lineterminator="\n")
    return path


def load_poverty_counties() -> pd.DataFrame:
    """The 832 national poverty counties with the year each was declared out of poverty.

    Columns: ``code`` (six-character code as in the official list), ``name``, ``region``
    (东部/中部/西部), ``province``, ``prefecture``, ``exit_year`` (摘帽时间, 2016-2020) and
    ``exit_year_flag``. Shipped inside the package; no download.

    Notes
    -----
    Known defect: the exit-year counts are 2016: 28, 2017: 125, 2018: 282, 2019: 345, 2020: 52,
    while the official totals (:data:`OFFICIAL_EXITS`) are 28, 125, 283, 344, 52. One county
    recorded as exiting in 2019 exited in 2018; it could not be identified with a citation, so
    ``exit_year_flag`` is ``True`` on every row recorded 2019. An event study on these exit
    years should check that its results do not hinge on the 2018/2019 boundary.

    Examples
    --------
    >>> from countyeconomy.datasets import load_poverty_counties
    >>> pov = load_poverty_counties()
    >>> len(pov), pov["exit_year"].value_counts().sort_index().tolist()
    (832, [28, 125, 282, 345, 52])
    """
    if _TABLE.exists():
        out = pd.read_csv(_TABLE, comment="#", dtype={"code": str}, encoding="utf-8")
        out["exit_year_flag"] = out["exit_year_flag"].astype(bool)
    else:  # an install without the package data: rebuild from the pinned source
        out = build_table(data_path(POVERTY_SOURCE))
    out.attrs["defect"] = EXIT_YEAR_DEFECT
    out.attrs["source"] = POVERTY_SOURCE.source
    return out


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(f"wrote {write_table()}\n")
