"""Indicator calculators: pure functions over xarray DataArrays with named dims.

pandas input is accepted and returned as pandas. Every function evaluates lazily on dask-backed
arrays. See the methods pages of the docs for formulas and variants.

Cells where an indicator is undefined (0/0: a zero total, identical alternatives, an empty class)
are NaN and never silently so: they are counted and named in a
:class:`~countyeconomy.errors.UndefinedValueWarning`. On dask-backed input nothing is computed to
count them; each chunk warns with its own count when the result is computed.
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

# inequality and convergence
from countyeconomy.indicators.convergence import (
    BetaConvergence,
    KernelDensity,
    MarkovTransition,
    PanelBetaConvergence,
    beta_convergence,
    conditional_beta_convergence,
    kernel_density,
    markov_transition,
    sigma_convergence,
)
from countyeconomy.indicators.inequality import (
    DagumDecomposition,
    GiniSourceDecomposition,
    NestedTheilDecomposition,
    PopulationBasis,
    TheilDecomposition,
    coefficient_of_variation,
    dagum_decomposition,
    gini,
    gini_source_decomposition,
    grouped_gini,
    nested_theil_decomposition,
    theil,
    theil_decomposition,
    urban_rural_ratio,
    urban_rural_theil,
    williamson_index,
)
from countyeconomy.indicators.structure import (
    EllisonGlaeser,
    ShiftShare,
    ellison_glaeser,
    ellison_glaeser_from_plants,
    hhi,
    industry_transfer,
    krugman,
    krugman_bilateral,
    location_quotient,
    rationalization,
    shift_share,
    structure_upgrading,
)

__all__ = [
    "COUPLING_LEVELS",
    "BetaConvergence",
    "CouplingCoordination",
    "DagumDecomposition",
    "EllisonGlaeser",
    "EntropyWeights",
    "GiniSourceDecomposition",
    "KernelDensity",
    "MarkovTransition",
    "NestedTheilDecomposition",
    "PanelBetaConvergence",
    "PopulationBasis",
    "ShiftShare",
    "TheilDecomposition",
    "Topsis",
    "ValueCheckError",
    "ZeroPolicy",
    "beta_convergence",
    "coefficient_of_variation",
    "composite_index",
    "conditional_beta_convergence",
    "coupling_coordination",
    "dagum_decomposition",
    "ellison_glaeser",
    "ellison_glaeser_from_plants",
    "entropy_weights",
    "gini",
    "gini_source_decomposition",
    "grouped_gini",
    "hhi",
    "industry_transfer",
    "kernel_density",
    "krugman",
    "krugman_bilateral",
    "location_quotient",
    "markov_transition",
    "nested_theil_decomposition",
    "rationalization",
    "resilience",
    "shift_share",
    "sigma_convergence",
    "standardise",
    "structure_upgrading",
    "theil",
    "theil_decomposition",
    "topsis",
    "urban_rural_ratio",
    "urban_rural_theil",
    "williamson_index",
]
