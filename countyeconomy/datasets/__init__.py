"""Loaders for real public data, and the county-panel simulator."""

from countyeconomy.datasets._fetch import DATA_DIR_ENV, DataFile, data_path
from countyeconomy.datasets._mpdta import MPDTA, load_mpdta
from countyeconomy.datasets._simulate import SimulatedPanel, simulate_staggered_panel

__all__ = [
    "DATA_DIR_ENV",
    "MPDTA",
    "DataFile",
    "SimulatedPanel",
    "data_path",
    "load_mpdta",
    "simulate_staggered_panel",
]
