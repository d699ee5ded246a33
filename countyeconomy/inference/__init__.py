"""Inference: covariance specs with small-sample conventions (more resampling tools follow)."""

from countyeconomy.inference._compute import VcovInputs, VcovResult, compute_vcov, is_nested
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

__all__ = [
    "HC1",
    "IID",
    "SSC_CHOICES",
    "Cluster",
    "DriscollKraay",
    "VcovInputs",
    "VcovResult",
    "VcovSpec",
    "compute_vcov",
    "describe_vcov",
    "is_nested",
    "register_vcov_alias",
    "resolve_ssc",
    "resolve_vcov",
]
