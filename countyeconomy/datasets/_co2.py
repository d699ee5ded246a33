"""The county CO2 panel (Chen et al. 2020), long, on 2010 county codes."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from countyeconomy._fetch import DataFile, data_path
from countyeconomy.errors import RowsDroppedWarning
from countyeconomy.panel import Panel

__all__ = ["CO2_CODES_YEAR", "COUNTY_CO2", "PLACEHOLDER", "load_county_co2"]

_COMMIT = "001c19c953d1f4754d06d7d78eae66bcc007de0b"
COUNTY_CO2 = DataFile(
    relpath="county_co2/co2.xlsx",
    url=(
        "https://raw.githubusercontent.com/STATS201-DKU-Autumn2024/Week1_Yuxiang/"
        f"{_COMMIT}/data/co2.xlsx"
    ),
    sha256="9b47a1c9bc03e862c1fc202b33dfdb0ee8bfd7793683c639c9ad0ee264871bac",
    licence=(
        "MIT (the pinned repository copy); the original figshare record of Chen et al. 2020 is "
        "published for reuse with attribution (its exact licence not verified here)"
    ),
    source=(
        f"STATS201-DKU-Autumn2024/Week1_Yuxiang @ {_COMMIT}, data/co2.xlsx (repository MIT; "
        "a copy of the figshare data record of Chen et al. 2020, Scientific Data 7:391, "
        "published for reuse with attribution)"
    ),
)
CO2_CODES_YEAR = 2010
"""The code vintage of the panel: every row carries roughly 2010 codes (the file's note)."""
PLACEHOLDER = 1e-6
"""Values at or below this (the source writes ``1e-08``) are placeholders, not emissions."""

_CODE = "DISTCODE地区代码"
_RENAME = {
    "County Name": "name",
    "County Name.1": "name_en",
    "City Name": "prefecture",
    "City Name.1": "prefecture_en",
    "Province Name": "province",
    "Province Name.1": "province_en",
}


def load_county_co2(*, drop_placeholders: bool = False) -> Panel:
    """County CO2 emissions (million tons), 2,732 Chinese counties and districts, 1997-2017.

    The source sheet is wide (``C1997``..``C2017``) and keyed on roughly 2010 codes in every
    year (:data:`CO2_CODES_YEAR`; pass ``codes_year=2010`` to
    :func:`~countyeconomy.registry.harmonise`). This loader returns it long: ``code`` (six
    characters), ``year``, ``co2``, ``placeholder`` (``True`` where the source holds a
    placeholder of ``1e-08`` rather than an emission: 70 county-years in 15 counties, whose log
    would be -18.4), and the Chinese and English names of county, prefecture and province.
    The footnote rows are dropped, and so are the three rows whose code carries a ``（2）``
    suffix (新吴区, 工业园区, 镇江新区: areas with no county code of their own in 2010, whose
    suffixed code would collide with the county of that code); the drop is announced with a
    :class:`~countyeconomy.errors.RowsDroppedWarning`.

    Parameters
    ----------
    drop_placeholders
        Set ``co2`` to missing where ``placeholder`` is true.

    Notes
    -----
    Emissions are downscaled from provincial energy data with nighttime lights: the series
    tracks county economic activity, not measured emissions. Licence: the copy this loader pins
    sits in an MIT-licensed repository; the original is the article's figshare data record,
    published for reuse with attribution (its exact licence was not verified: cite the article).

    References
    ----------
    Chen, J., Gao, M., Cheng, S. et al. (2020). County-level CO2 emissions and sequestration in
    China during 1997-2017. *Scientific Data* 7, 391. https://doi.org/10.1038/s41597-020-00736-3

    Examples
    --------
    >>> import countyeconomy as ce
    >>> panel = ce.datasets.load_county_co2()  # doctest: +SKIP
    >>> panel.nobs, int(panel.frame["placeholder"].sum())  # doctest: +SKIP
    (57372, 70)
    """
    raw = pd.read_excel(data_path(COUNTY_CO2), dtype={_CODE: str})
    code = raw[_CODE].astype("string").str.strip()
    is_code = code.str.fullmatch(r"\d{6}").fillna(False).to_numpy(dtype=bool)
    suffixed = code.str.fullmatch(r"\d{6}\s*[（(]\d+[）)]").fillna(False).to_numpy(dtype=bool)
    if suffixed.any():
        names = ", ".join(
            f"{c} {n}"
            for c, n in zip(code[suffixed], raw.loc[suffixed, "County Name"], strict=True)
        )
        warnings.warn(
            f"load_county_co2(): dropped {int(suffixed.sum())} row(s) whose code carries a "
            f"suffix and names no county of 2010 ({names}).",
            RowsDroppedWarning,
            stacklevel=2,
        )
    wide = raw.loc[is_code].rename(columns=_RENAME).assign(code=code[is_code].astype(str))
    year_cols = [c for c in wide.columns if re.fullmatch(r"C\d{4}", str(c))]
    long = wide.melt(
        id_vars=["code", *_RENAME.values()], value_vars=year_cols, var_name="year", value_name="co2"
    )
    long["year"] = long["year"].str[1:].astype("int64")
    long["co2"] = long["co2"].astype("float64")
    long["placeholder"] = (long["co2"] <= PLACEHOLDER).to_numpy()
    if drop_placeholders:
        long.loc[long["placeholder"], "co2"] = np.nan
    long = long[["code", "year", "co2", "placeholder", *_RENAME.values()]]
    long = long.sort_values(["code", "year"]).reset_index(drop=True)
    return Panel.from_frame(long, county="code", year="year")
