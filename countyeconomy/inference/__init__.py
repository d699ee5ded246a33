"""Inference: covariance specs with small-sample conventions, the seeded resampling engine, the
wild cluster bootstrap and randomization (placebo) inference."""

from countyeconomy.inference._compute import VcovInputs, VcovResult, compute_vcov, is_nested
from countyeconomy.inference._conley import Conley, IndefiniteCovarianceWarning
from countyeconomy.inference._draws import (
    INTERVAL_DRAWS,
    MIN_DRAWS,
    P_VALUE_DRAWS,
    FewDrawsWarning,
    check_draws,
)
from countyeconomy.inference._model import (
    FittedLinearModel,
    FittedLinearResult,
    cluster_factor,
    cluster_factors,
)
from countyeconomy.inference._resample import DEFAULT_CHUNK, ChunkTask, map_chunks
from countyeconomy.inference._specs import (
    BUILTIN_VCOV_NAMES,
    HC1,
    IID,
    SSC_CHOICES,
    Cluster,
    DriscollKraay,
    VcovSpec,
    describe_vcov,
    register_vcov_alias,
    resolve_ssc,
    resolve_vcov,
)
from countyeconomy.inference._wild_bootstrap import WildBootstrapResult, wild_bootstrap
from countyeconomy.inference.placebo import (
    PlaceboResult,
    placebo_assignments,
    placebo_refit,
    placebo_test,
)

__all__ = [
    "BUILTIN_VCOV_NAMES",
    "DEFAULT_CHUNK",
    "HC1",
    "IID",
    "INTERVAL_DRAWS",
    "MIN_DRAWS",
    "P_VALUE_DRAWS",
    "SSC_CHOICES",
    "ChunkTask",
    "Cluster",
    "Conley",
    "DriscollKraay",
    "FewDrawsWarning",
    "FittedLinearModel",
    "FittedLinearResult",
    "IndefiniteCovarianceWarning",
    "PlaceboResult",
    "VcovInputs",
    "VcovResult",
    "VcovSpec",
    "WildBootstrapResult",
    "check_draws",
    "cluster_factor",
    "cluster_factors",
    "compute_vcov",
    "describe_vcov",
    "is_nested",
    "map_chunks",
    "placebo_assignments",
    "placebo_refit",
    "placebo_test",
    "register_vcov_alias",
    "resolve_ssc",
    "resolve_vcov",
    "wild_bootstrap",
]
