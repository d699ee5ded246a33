"""Numerical kernels: pure functions over numpy arrays returning frozen dataclasses."""

from countyeconomy.linalg._demean import (
    SCHUR_MAX_LEVELS,
    DemeanResult,
    demean,
    demean_balanced_twoway,
)
from countyeconomy.linalg._factors import Factor, cross, factorize, group_sums, singleton_mask
from countyeconomy.linalg._ols import OLSFit, collinear_columns, ols
from countyeconomy.linalg._sandwich import (
    cluster_meat,
    driscoll_kraay_meat,
    hc_meat,
    sandwich,
    scores,
)

__all__ = [
    "SCHUR_MAX_LEVELS",
    "DemeanResult",
    "Factor",
    "OLSFit",
    "cluster_meat",
    "collinear_columns",
    "cross",
    "demean",
    "demean_balanced_twoway",
    "driscoll_kraay_meat",
    "factorize",
    "group_sums",
    "hc_meat",
    "ols",
    "sandwich",
    "scores",
    "singleton_mask",
]
