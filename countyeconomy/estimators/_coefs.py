"""The coefficient table and printable summary: re-exported from :mod:`countyeconomy.results`."""

from __future__ import annotations

from countyeconomy.results import COLUMNS, CoefResult, CoefTable, Summary

CoefProtocol = CoefResult
"""Former name of :class:`countyeconomy.results.CoefResult`."""

__all__ = ["COLUMNS", "CoefProtocol", "CoefResult", "CoefTable", "Summary"]
