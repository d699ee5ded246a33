"""Indicator calculators: pure functions over xarray DataArrays with named dims.

pandas input is accepted and returned as pandas. Every function evaluates lazily on dask-backed
arrays. See the methods pages of the docs for formulas and variants.
"""

from countyeconomy.indicators._common import ValueCheckError, ZeroPolicy

# ---------------------------------------------------------------------------------------------
# structure and composite
# ---------------------------------------------------------------------------------------------
from countyeconomy.indicators.composite import (
    COUPLING_LEVELS,
    CouplingCoordination,
    EntropyWeights,
    Topsis,
    composite_index,
    coupling_coordination,
    entropy_weights,
    resilience,
    standardise,
    topsis,
)
from countyeconomy.indicators.structure import (
    EllisonGlaeser,
    ellison_glaeser,
    ellison_glaeser_from_plants,
    hhi,
    industry_transfer,
    krugman,
    krugman_bilateral,
    location_quotient,
    rationalization,
    structure_upgrading,
)

# ---------------------------------------------------------------------------------------------
# LEAD: add the inequality and convergence exports here, e.g.
#   from countyeconomy.indicators.inequality import gini, theil, ...
#   from countyeconomy.indicators.convergence import beta_convergence, sigma_convergence, ...
# and extend __all__ below.
# ---------------------------------------------------------------------------------------------

__all__ = [
    "COUPLING_LEVELS",
    "CouplingCoordination",
    "EllisonGlaeser",
    "EntropyWeights",
    "Topsis",
    "ValueCheckError",
    "ZeroPolicy",
    "composite_index",
    "coupling_coordination",
    "ellison_glaeser",
    "ellison_glaeser_from_plants",
    "entropy_weights",
    "hhi",
    "industry_transfer",
    "krugman",
    "krugman_bilateral",
    "location_quotient",
    "rationalization",
    "resilience",
    "standardise",
    "structure_upgrading",
    "topsis",
]
