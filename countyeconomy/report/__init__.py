"""Publication output: regression tables and altair charts that render offline."""

from countyeconomy.report._charts import coefplot, trend_chart
from countyeconomy.report._html import Section, write_html_page
from countyeconomy.report._table import RegressionTable, table
from countyeconomy.report._theme import FONT, PALETTE, chart_to_svg, save_chart, themed

__all__ = [
    "FONT",
    "PALETTE",
    "RegressionTable",
    "Section",
    "chart_to_svg",
    "coefplot",
    "save_chart",
    "table",
    "themed",
    "trend_chart",
    "write_html_page",
]
