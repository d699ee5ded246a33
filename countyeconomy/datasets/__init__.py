"""Loaders for real public data, and the county-panel simulators.

The pinned-download helpers (:class:`DataFile`, :func:`data_path`, :func:`sha256_of`,
:data:`DATA_DIR_ENV`) live in :mod:`countyeconomy._fetch`, below both this package and
:mod:`countyeconomy.registry`, and are re-exported here.
"""

from countyeconomy._fetch import DATA_DIR_ENV, DataFile, data_path, sha256_of
from countyeconomy.datasets._cai2016 import CAI2016, load_cai2016
from countyeconomy.datasets._census import load_china_census
from countyeconomy.datasets._co2 import CO2_CODES_YEAR, COUNTY_CO2, load_county_co2
from countyeconomy.datasets._county_list import county_list
from countyeconomy.datasets._mpdta import MPDTA, load_mpdta
from countyeconomy.datasets._poverty import (
    EXIT_YEAR_DEFECT,
    OFFICIAL_EXITS,
    POVERTY_SOURCE,
    load_poverty_counties,
)
from countyeconomy.datasets._simulate import SimulatedPanel, simulate_staggered_panel
from countyeconomy.datasets._simulate_county import (
    CountySimConfig,
    SimulatedCountyPanel,
    TrueEffects,
    simulate_county_panel,
)
from countyeconomy.datasets._synthdid_data import PENN, PROP99, load_penn, load_prop99

__all__ = [
    "CAI2016",
    "CO2_CODES_YEAR",
    "COUNTY_CO2",
    "DATA_DIR_ENV",
    "EXIT_YEAR_DEFECT",
    "MPDTA",
    "OFFICIAL_EXITS",
    "PENN",
    "POVERTY_SOURCE",
    "PROP99",
    "CountySimConfig",
    "DataFile",
    "SimulatedCountyPanel",
    "SimulatedPanel",
    "TrueEffects",
    "county_list",
    "data_path",
    "load_cai2016",
    "load_china_census",
    "load_county_co2",
    "load_mpdta",
    "load_penn",
    "load_poverty_counties",
    "load_prop99",
    "sha256_of",
    "simulate_county_panel",
    "simulate_staggered_panel",
]
