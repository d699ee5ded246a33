"""The county table bundled in ``cpca`` 0.5.5 (PyPI; MIT): codes, names and county-seat coordinates.

The file ``cpca/resources/adcodes.csv`` is read from the installed distribution without importing
``cpca`` itself. Its county list is that of about 2016.
"""

from __future__ import annotations

import functools
from importlib import metadata

import pandas as pd

from countyeconomy.errors import DataNotFoundError

__all__ = ["CPCA_SOURCE", "read_cpca_table"]

CPCA_SOURCE = "cpca 0.5.5 (PyPI, MIT), cpca/resources/adcodes.csv; county list of about 2016"
_PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def read_cpca_table() -> pd.DataFrame:
    """Every unit of the bundled table: ``code`` (six digits), ``name``, ``lon``, ``lat``.

    Placeholder rows (``市辖区``, ``县``, ``省直辖县级行政区划``) are left out. The file is parsed
    once per process; each call returns a fresh copy.

    Raises
    ------
    DataNotFoundError
        The ``cpca`` distribution is not installed.
    """
    return _cached_table().copy()


@functools.lru_cache(maxsize=1)
def _cached_table() -> pd.DataFrame:
    try:
        dist = metadata.distribution("cpca")
    except metadata.PackageNotFoundError as exc:
        raise DataNotFoundError(
            "the county list and coordinates need the 'cpca' package: pip install cpca==0.5.5"
        ) from exc
    raw = pd.read_csv(str(dist.locate_file("cpca/resources/adcodes.csv")), dtype={"adcode": str})
    table = pd.DataFrame(
        {
            "code": raw["adcode"].str.slice(0, 6),
            "name": raw["name"].astype(str),
            "lon": raw["longitude"].astype("float64"),
            "lat": raw["latitude"].astype("float64"),
        }
    )
    table = table[~table["name"].isin(_PLACEHOLDERS)]
    return table.drop_duplicates("code").sort_values("code").reset_index(drop=True)
