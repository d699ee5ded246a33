"""Data in: the validated county x year :class:`Panel`, key and value checks, treatment timing.

Every estimator takes its data through this package: :meth:`Panel.from_frame` checks the keys
(duplicates, missing values, county codes of mixed types); :func:`numeric_column` and
:func:`check_numeric` check the numeric columns an estimator uses; :func:`cohort_by_row` and
:func:`check_cohort_treatment` check treatment timing. :func:`describe`,
:func:`correlation_table` and :func:`balance_table` give a paper's data tables (Table 1,
correlations, balance) as :class:`countyeconomy.report.Table` objects.
"""

from countyeconomy.panel._aggregate import LazyCellAggregate, aggregate_cells
from countyeconomy.panel._describe import DESCRIBE_STATS, describe
from countyeconomy.panel._panel import Panel, as_panel
from countyeconomy.panel._read import (
    MISSING_TOKENS,
    NonNumericCellsWarning,
    TableRead,
    clean_codes,
    read_table,
)
from countyeconomy.panel._tables import balance_table, correlation_table
from countyeconomy.panel._timing import (
    NEVER_TREATED,
    SmallCohortWarning,
    check_cohort_treatment,
    cohort_by_row,
    cohort_values,
    warn_year_gaps,
)
from countyeconomy.panel._validate import (
    check_columns,
    check_numeric,
    describe_values,
    normalise_codes,
    numeric_column,
)

__all__ = [
    "DESCRIBE_STATS",
    "MISSING_TOKENS",
    "NEVER_TREATED",
    "LazyCellAggregate",
    "NonNumericCellsWarning",
    "Panel",
    "SmallCohortWarning",
    "TableRead",
    "aggregate_cells",
    "as_panel",
    "balance_table",
    "check_cohort_treatment",
    "check_columns",
    "check_numeric",
    "clean_codes",
    "cohort_by_row",
    "cohort_values",
    "correlation_table",
    "describe",
    "describe_values",
    "normalise_codes",
    "numeric_column",
    "read_table",
    "warn_year_gaps",
]
