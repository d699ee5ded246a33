"""Public registry functions: conversions, cohorts and code vintages."""

from __future__ import annotations

import pandas as pd

from countyeconomy.registry._conversions import conversion_table
from countyeconomy.registry._registry import Registry
from countyeconomy.registry._vintage import VintageMatch, cohort_table, vintage_match

__all__ = ["cohorts", "conversions", "match_vintage"]


def conversions(
    kind: str = "county_to_district",
    *,
    years: tuple[int, int] | None = None,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """Every conversion of one kind in the code history: 撤县设区, 撤县设市 or back.

    A *county-to-district conversion* is a county-level record whose name does not end in 区
    that ended with at least one successor that is a county-level unit whose name ends in 区;
    each such record counts once, dated by the year its successor starts. The pinned history
    has 457 (1983-2021), 412 of them with district successors only. ``"county_to_city"``
    (县 to 市) and ``"district_to_county"`` (区 back to 县 or 市) follow the same rule.

    Parameters
    ----------
    kind
        ``"county_to_district"``, ``"county_to_city"`` or ``"district_to_county"``.
    years
        Keep conversions dated in ``(first, last)``, inclusive.
    registry
        The registry to use (default :meth:`Registry.load`).

    Returns
    -------
    pandas.DataFrame
        One row per conversion: ``old_code``, ``old_name``, ``new_code`` and ``new_name``
        (several joined by ``;``), ``year``, ``type`` (the first that applies of
        ``"reversal"``: a new district later became a county or city again, as 居巢区 did;
        ``"with_prefecture_reform"``: the old prefecture's record ended that year, 撤地设市;
        ``"split"``: several successors; ``"merge_into_existing"``: a successor existed before
        or absorbed other units that year; ``"one_to_one"``), the flags ``split``, ``merge``,
        ``reversal``, ``prefecture_reform``, ``all_districts`` (every successor is a district:
        the narrower definition, 412 conversions), ``province``, ``prefecture`` and ``history`` (the
        whole chain of the county's records, with years in use).

    Examples
    --------
    >>> from countyeconomy.registry import conversions
    >>> conv = conversions()  # doctest: +SKIP
    >>> len(conv)  # doctest: +SKIP
    457
    >>> conv.set_index("old_name").loc["临安市", ["new_code", "year", "type"]].tolist()  # doctest: +SKIP
    ['330112', 2017, 'one_to_one']
    """
    reg = registry if registry is not None else Registry.load()
    return conversion_table(reg.tables, kind, years)


def cohorts(
    codes: pd.Series | list[str] | list[int],
    *,
    codes_year: int,
    registry: Registry | None = None,
) -> pd.DataFrame:
    """County-to-district conversion cohort of each code of vintage ``codes_year``.

    For a code that is a county (not a district) in ``codes_year``, the cohort is the year it
    (or the county that succeeded it) became a district, ``0`` if never. For a district, it is
    the year of the conversion that created it (walking back through renamed districts), ``0``
    if it was a district throughout. Splits do not give their districts a cohort (the districts
    also hold other territory).

    Returns
    -------
    pandas.DataFrame
        One row per distinct code: ``code``, ``cohort`` (``0``: never converted), ``type`` (of
        the conversion, see :func:`conversions`) and ``status``: ``"never_converted"``,
        ``"converted_later"`` (a county in ``codes_year`` that converted later),
        ``"converted_district"`` (already a district by conversion), ``"district"`` (a
        district throughout) or ``"not_in_use"`` (not a code of ``codes_year``).

    Examples
    --------
    >>> from countyeconomy.registry import cohorts
    >>> cohorts(["330185", "330104"], codes_year=2010)[["code", "cohort"]]  # doctest: +SKIP
         code  cohort
    0  330185    2017
    1  330104       0
    """
    reg = registry if registry is not None else Registry.load()
    return cohort_table(reg.tables, pd.Series(codes), codes_year)


def match_vintage(
    codes: pd.Series | list[str] | list[int],
    names: pd.Series | list[str] | None = None,
    *,
    registry: Registry | None = None,
) -> VintageMatch:
    """The year whose code list ``codes`` fits best, with the codes and names that do not fit.

    Every year 1981-2024 is scored by the number of distinct codes in use that year; with
    ``names`` (one per code, aligned), agreeing names break ties. The latest best year wins.

    Examples
    --------
    >>> from countyeconomy.registry import match_vintage
    >>> match_vintage(["330185", "330104", "110103"]).year  # doctest: +SKIP
    2009
    """
    reg = registry if registry is not None else Registry.load()
    given = None if names is None else pd.Series(names)
    return vintage_match(reg.tables, pd.Series(codes), given)
