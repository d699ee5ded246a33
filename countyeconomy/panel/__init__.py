"""Data in: the validated county x year :class:`Panel`."""

from countyeconomy.panel._panel import Panel
from countyeconomy.panel._timing import NEVER_TREATED

__all__ = ["NEVER_TREATED", "Panel"]
