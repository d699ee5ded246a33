"""Publication output: regression tables and altair charts that render offline."""

from countyeconomy.report._charts import coefplot, data_scale, reference_rule, trend_chart
from countyeconomy.report._html import Section, write_html_page
from countyeconomy.report._palette import (
    ESTIMATOR_COLORS,
    TRUTH_COLOR,
    color_range,
    color_scale,
    estimator_color,
    estimator_key,
)
from countyeconomy.report._table import RegressionTable, table
from countyeconomy.report._theme import FONT, PALETTE, chart_to_svg, save_chart, themed

__all__ = [
    "ESTIMATOR_COLORS",
    "FONT",
    "PALETTE",
    "TRUTH_COLOR",
    "RegressionTable",
    "Section",
    "chart_to_svg",
    "coefplot",
    "color_range",
    "color_scale",
    "data_scale",
    "estimator_color",
    "estimator_key",
    "reference_rule",
    "save_chart",
    "table",
    "themed",
    "trend_chart",
    "write_html_page",
]
