"""Publication output: paper tables (HTML, LaTeX, Word) and altair charts that render offline."""

from countyeconomy.report._charts import coefplot, data_scale, reference_rule, trend_chart
from countyeconomy.report._html import Section, write_html_page
from countyeconomy.report._latex import escape_latex
from countyeconomy.report._palette import (
    ESTIMATOR_COLORS,
    TRUTH_COLOR,
    color_range,
    color_scale,
    estimator_color,
    estimator_key,
)
from countyeconomy.report._paper import STARS, Table, check_stars, star_legend, stars_for
from countyeconomy.report._table import RegressionTable, table
from countyeconomy.report._theme import FONT, PALETTE, chart_to_svg, save_chart, themed

__all__ = [
    "ESTIMATOR_COLORS",
    "FONT",
    "PALETTE",
    "STARS",
    "TRUTH_COLOR",
    "RegressionTable",
    "Section",
    "Table",
    "chart_to_svg",
    "check_stars",
    "coefplot",
    "color_range",
    "color_scale",
    "data_scale",
    "escape_latex",
    "estimator_color",
    "estimator_key",
    "reference_rule",
    "save_chart",
    "star_legend",
    "stars_for",
    "table",
    "themed",
    "trend_chart",
    "write_html_page",
]
