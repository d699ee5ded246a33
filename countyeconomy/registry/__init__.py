"""Chinese county codes 1981-2024: registry, change history, harmonisation and coordinates."""

from countyeconomy.registry._coordinates import CountyCoordinates, county_coordinates
from countyeconomy.registry._harmonise import HarmonisedPanel, harmonise
from countyeconomy.registry._registry import CodeRecord, Registry
from countyeconomy.registry._warnings import UnmatchedCodesWarning

__all__ = [
    "CodeRecord",
    "CountyCoordinates",
    "HarmonisedPanel",
    "Registry",
    "UnmatchedCodesWarning",
    "county_coordinates",
    "harmonise",
]
