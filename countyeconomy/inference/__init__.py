"""Inference: covariance specs with small-sample conventions, the wild cluster bootstrap and
randomization (placebo) inference."""

from countyeconomy.inference._compute import VcovInputs, VcovResult, compute_vcov, is_nested
from countyeconomy.inference._resample import map_chunks
from countyeconomy.inference._specs import (
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
from countyeconomy.inference.placebo import (
    PlaceboResult,
    placebo_assignments,
    placebo_refit,
    placebo_test,
)
from countyeconomy.inference.wild_bootstrap import WildBootstrapResult, wild_bootstrap

__all__ = [
    "HC1",
    "IID",
    "SSC_CHOICES",
    "Cluster",
    "DriscollKraay",
    "PlaceboResult",
    "VcovInputs",
    "VcovResult",
    "VcovSpec",
    "WildBootstrapResult",
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
