"""Small helpers shared by the robustness modules (panel resolution, value listing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from countyeconomy.errors import PanelStructureError
from countyeconomy.panel import Panel
from countyeconomy.panel import as_panel as _as_panel

__all__ = ["as_panel", "describe_values"]


def describe_values(values: Iterable[object], limit: int = 5) -> str:
    """Up to ``limit`` values as a comma-separated string, with a count of the rest."""
    items = [v.item() if isinstance(v, np.generic) else v for v in values]
    shown = ", ".join(repr(v) for v in items[:limit])
    rest = len(items) - limit
    return shown + (f" and {rest} more" if rest > 0 else "")


def as_panel(data: Any, county: str | None, year: str | None, *, who: str) -> Panel:
    """A :class:`Panel` from a Panel, or from a DataFrame keyed by ``county=`` and ``year=``."""
    if isinstance(data, Panel):
        for given, key, arg in ((county, data.county, "county"), (year, data.year, "year")):
            if given is not None and given != key:
                raise PanelStructureError(
                    f"{who}: the Panel's {arg} key is {key!r}, not {given!r}; leave {arg}= unset "
                    "for a Panel."
                )
        return data
    return _as_panel(data, county, year, who=who)
