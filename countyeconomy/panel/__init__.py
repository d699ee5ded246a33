"""Data in: the validated county x year :class:`Panel`, and treatment-timing checks."""

from countyeconomy.panel._panel import Panel
from countyeconomy.panel._timing import NEVER_TREATED, SmallCohortWarning, cohort_by_row

__all__ = ["NEVER_TREATED", "Panel", "SmallCohortWarning", "cohort_by_row"]
