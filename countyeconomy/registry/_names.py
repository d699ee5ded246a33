"""Chinese county-name normalisation."""

from __future__ import annotations

__all__ = ["SUFFIXES", "strip_suffix"]

SUFFIXES = ("自治县", "自治旗", "林区", "特区", "县", "市", "区", "旗")


def strip_suffix(name: str) -> str:
    """``name`` without one trailing county-type suffix (县, 市, 区, 自治县, 旗, 林区, 特区).

    Examples
    --------
    >>> from countyeconomy.registry._names import strip_suffix
    >>> strip_suffix("临安市"), strip_suffix("长阳土家族自治县"), strip_suffix("区")
    ('临安', '长阳土家族', '区')
    """
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name
