"""Chinese county codes 1981-2024: registry, change history, harmonisation and coordinates.

The registry's source tables are public too: :func:`read_areacodes` (the code history of
yescallop/areacodes, CC0) and :func:`read_cpca_table` (codes and county-seat coordinates bundled in
``cpca``, MIT). Downloads go through :mod:`countyeconomy._fetch`; this package never imports
:mod:`countyeconomy.datasets`, which sits above it.
"""

from countyeconomy.registry._api import cohorts, conversions, match_vintage
from countyeconomy.registry._areacodes import (
    AREACODES_RESULT,
    FIRST_YEAR,
    LAST_YEAR,
    read_areacodes,
)
from countyeconomy.registry._coordinates import CountyCoordinates, county_coordinates
from countyeconomy.registry._cpca import CPCA_SOURCE, read_cpca_table
from countyeconomy.registry._harmonise import HarmonisedPanel, harmonise
from countyeconomy.registry._read import read_panel
from countyeconomy.registry._registry import CodeRecord, Registry
from countyeconomy.registry._vintage import VintageMatch
from countyeconomy.registry._warnings import UnmatchedCodesWarning

__all__ = [
    "AREACODES_RESULT",
    "CPCA_SOURCE",
    "FIRST_YEAR",
    "LAST_YEAR",
    "CodeRecord",
    "CountyCoordinates",
    "HarmonisedPanel",
    "Registry",
    "UnmatchedCodesWarning",
    "VintageMatch",
    "cohorts",
    "conversions",
    "county_coordinates",
    "harmonise",
    "match_vintage",
    "read_areacodes",
    "read_cpca_table",
    "read_panel",
]
