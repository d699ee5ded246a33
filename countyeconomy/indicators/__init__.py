"""Indicator calculators: pure functions over xarray DataArrays with named dims.

pandas input is accepted and returned as pandas. Every function evaluates lazily on dask-backed
arrays. See the methods pages of the docs for formulas and variants.
"""

from countyeconomy.indicators._common import ValueCheckError, ZeroPolicy

# ---------------------------------------------------------------------------------------------
# structure and composite (this half of issue 4): exports are added as the modules land.
# ---------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------
# LEAD: add the inequality and convergence exports here, e.g.
#   from countyeconomy.indicators.inequality import gini, theil, ...
#   from countyeconomy.indicators.convergence import beta_convergence, sigma_convergence, ...
# and extend __all__ below.
# ---------------------------------------------------------------------------------------------

__all__ = [
    "ValueCheckError",
    "ZeroPolicy",
]
