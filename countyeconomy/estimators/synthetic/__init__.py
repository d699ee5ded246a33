"""Synthetic control methods: the classic synthetic control (ADH) and
synthetic DID (with its SC and DID comparisons).

Pure weight and inference kernels sit in private modules; each estimator is one public module.
"""

from countyeconomy.estimators.synthetic.scm import (
    NonUniqueWeightsWarning,
    SyntheticControlResult,
    synthetic_control,
)
from countyeconomy.estimators.synthetic.sdid import SyntheticDIDResult, synthetic_did

__all__ = [
    "NonUniqueWeightsWarning",
    "SyntheticControlResult",
    "SyntheticDIDResult",
    "synthetic_control",
    "synthetic_did",
]
