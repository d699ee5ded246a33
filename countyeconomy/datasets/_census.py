"""County tabulations of China's 2010 and 2020 population censuses (leiii/census, MIT).

The 2010 table is from the Sixth Census county yearbook, the 2020 table from the Seventh Census
yearbook and bulletins, compiled by Dong et al. (leiii/census). Employment by industry counts the
persons of the census long-form sample (about 10% of households) by the 20 sections of China's
industrial classification (GB/T 4754-2002 in 2010, GB/T 4754-2017 in 2020), harmonised here to
common English sector names.
"""

from __future__ import annotations

import functools
import warnings

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._fetch import DataFile, data_path
from countyeconomy.errors import InvalidOptionError

__all__ = ["CENSUS_FILES", "SECTORS", "load_china_census"]

_COMMIT = "0ba0f1efae092f4aa6569ef38e53b3bb4d2f0087"
_URL = f"https://raw.githubusercontent.com/leiii/census/{_COMMIT}/"


def _census_file(name: str, sha256: str) -> DataFile:
    return DataFile(
        relpath=f"china_census/{name}",
        url=_URL + name,
        sha256=sha256,
        licence="MIT",
        source=f"leiii/census @ {_COMMIT}, {name}",
    )


CENSUS_FILES = {
    2010: _census_file(
        "census_county_2010_v1.xlsx",
        "fccd3f094d1c8b7e404c8453add123826c53bc44cb85c65f6406d8e61f3f5d0b",
    ),
    2020: _census_file(
        "census_county_2020_v1.xlsx",
        "04d37df90d4e358c13aac85a76051caab12afa84eca8a3b4f58cf2227ce69f43",
    ),
}

#: Industry sections in GB/T 4754 order (2017 edition's order; 2010 columns are mapped by meaning).
SECTORS = (
    "agriculture",
    "mining",
    "manufacturing",
    "utilities",
    "construction",
    "wholesale_retail",
    "transport_storage_post",
    "accommodation_catering",
    "information_software",
    "finance",
    "real_estate",
    "leasing_business",
    "research_technical",
    "water_environment_public",
    "resident_services",
    "education",
    "health_social_work",
    "culture_sports",
    "public_administration",
    "international_organisations",
)
# Position of each SECTORS entry among the 20 industry columns of each file. The 2010 file
# follows the 2002 classification (transport F, information G, wholesale H, catering I) and its
# multi-line headers are shifted ("仓储和邮政业" is transport, "交通运输、计算机服务和软件业" is
# information, "信息传输、批发和零售业" is wholesale and retail).
_SECTOR_ORDER = {
    2010: (0, 1, 2, 3, 4, 7, 5, 8, 6, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19),
    2020: tuple(range(20)),
}
_VARIABLES = {
    2010: {
        "population": "合计",
        "urban_population": "城镇人口",
        "rural_population": "乡村人口",
        "mean_years_schooling": "平均受教育年限（年）-合计",
        "illiteracy_pct": "文盲人口占15岁及以上人口比重（%）-合计",
        "age_0_14_pct": "0-14岁（%）",
        "age_15_64_pct": "15-64岁（%）",
        "age_65_plus_pct": "65岁及以上（%）",
    },
    2020: {
        "population": "人口数_合计",
        "urban_population": "城镇人口",
        "rural_population": "乡村人口",
        "mean_years_schooling": "平均受教育年限_合计",
        "illiteracy_pct": "文盲占15岁及以上人口比重",
        "age_0_14_pct": "人口比重_0-14岁",
        "age_15_64_pct": "人口比重_15-64岁",
        "age_65_plus_pct": "人口比重_65岁及以上",
    },
}
_FIRST_SECTOR = "农林牧渔业"


@functools.lru_cache(maxsize=2)
def _read(year: int) -> pd.DataFrame:
    raw = pd.read_excel(data_path(CENSUS_FILES[year]), engine="openpyxl")
    code = pd.to_numeric(raw["区划代码"], errors="coerce")
    keep = code.notna() & (code % 100 != 0)
    out = raw.loc[keep].copy()
    out.insert(0, "code", code[keep].astype("int64").astype(str))
    return out.reset_index(drop=True)


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)


def _names(frame: pd.DataFrame, year: int) -> tuple[list[str], list[str], list[str], np.ndarray]:
    """Name, province, prefecture and registry match of each county code."""
    from countyeconomy.registry import Registry

    found = Registry.load().match(frame["code"], year)
    matched = found["in_use"].to_numpy(dtype=bool)
    fallback = frame["区县"] if "区县" in frame else frame["地区"]
    name, province, prefecture = [], [], []
    for i, hit in enumerate(found["found"].to_numpy(dtype=bool)):
        if hit:
            name.append(str(found["name"].iat[i]))
            province.append(str(found["province"].iat[i]))
            prefecture.append(str(found["prefecture"].iat[i]))
        else:
            name.append(str(fallback.iat[i]))
            province.append(str(frame["省"].iat[i]) if "省" in frame else "")
            prefecture.append(str(frame["市"].iat[i]) if "市" in frame else "")
    return name, province, prefecture, matched


def load_china_census(year: int) -> xr.Dataset:
    """County census tabulations of 2010 or 2020 as an ``xarray.Dataset``.

    Dims ``county`` (six-digit codes as strings) and ``sector`` (:data:`SECTORS`). Variables:
    ``employment`` (county x sector, persons of the long-form sample), ``population``,
    ``urban_population``, ``rural_population``, ``urbanisation_rate`` (urban / total),
    ``mean_years_schooling``, ``illiteracy_pct`` (aged 15+), ``age_0_14_pct``,
    ``age_15_64_pct``, ``age_65_plus_pct``, ``matched`` (the code is a county-level code in use
    in the census year in the code registry), and the coordinates ``name``, ``province`` and
    ``prefecture`` (from the registry; from the file for unmatched codes). Province and
    prefecture rows of the file are left out.

    Unmatched codes (in 2020 mostly the Bureau of Statistics' development zones such as
    ``130171``; in 2010 codes retired during 2010 such as 崇文区 ``110103``) are kept, flagged,
    listed in ``attrs["unmatched_codes"]`` with the share matched in ``attrs["match_rate"]``, and
    announced with :class:`~countyeconomy.registry.UnmatchedCodesWarning`.

    Parameters
    ----------
    year
        ``2010`` (Sixth Census) or ``2020`` (Seventh Census).

    References
    ----------
    Dong, L. et al. China Census: county- and prefecture-level census data, 2010 and 2020.
    https://github.com/leiii/census (MIT licence).

    Examples
    --------
    >>> from countyeconomy.datasets import load_china_census  # doctest: +SKIP
    >>> ds = load_china_census(2020)  # doctest: +SKIP
    >>> ds["employment"].dims  # doctest: +SKIP
    ('county', 'sector')
    """
    if year not in CENSUS_FILES:
        raise InvalidOptionError(f"year={year!r} has no census table; choose 2010 or 2020.")
    frame = _read(year)
    first = list(frame.columns).index(_FIRST_SECTOR)
    industry = frame.columns[first : first + 20]
    cols = [industry[i] for i in _SECTOR_ORDER[year]]
    employment = np.column_stack([_numeric(frame, c) for c in cols])
    name, province, prefecture, matched = _names(frame, year)
    data: dict[str, tuple[object, ...]] = {
        "employment": (("county", "sector"), employment),
        "matched": (("county",), matched),
    }
    for var, col in _VARIABLES[year].items():
        data[var] = (("county",), _numeric(frame, col))
    total = data["population"][1]
    data["urbanisation_rate"] = (("county",), np.asarray(data["urban_population"][1]) / total)
    unmatched = sorted(frame["code"][~matched])
    ds = xr.Dataset(
        data,
        coords={
            "county": frame["code"].to_numpy(),
            "sector": list(SECTORS),
            "name": ("county", name),
            "province": ("county", province),
            "prefecture": ("county", prefecture),
        },
        attrs={
            "title": f"China {year} population census, county tabulations",
            "source": CENSUS_FILES[year].source,
            "licence": "MIT",
            "census_year": year,
            "match_rate": float(matched.mean()),
            "unmatched_codes": ",".join(unmatched),
        },
    )
    _announce(unmatched, len(frame), year)
    return ds


def _announce(unmatched: list[str], total: int, year: int) -> None:
    if not unmatched:
        return
    from countyeconomy.registry import UnmatchedCodesWarning

    warnings.warn(
        f"{len(unmatched)} of {total} county codes of the {year} census are not county-level "
        f"codes in use in {year} ({', '.join(unmatched[:8])}{' ...' if len(unmatched) > 8 else ''});"
        " they are kept with matched=False and listed in attrs['unmatched_codes'].",
        UnmatchedCodesWarning,
        stacklevel=3,
    )
