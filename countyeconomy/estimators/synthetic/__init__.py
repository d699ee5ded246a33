"""Synthetic control methods: the classic synthetic control (ADH), the ridge-augmented synthetic
control, and synthetic DID (with its SC and DID comparisons).

Pure weight and inference kernels sit in private modules; each estimator is one public module.
"""

from countyeconomy.estimators.synthetic.ascm import (
    AugmentedSyntheticControlResult,
    augmented_synthetic_control,
)
from countyeconomy.estimators.synthetic.scm import (
    NonUniqueWeightsWarning,
    SyntheticControlResult,
    synthetic_control,
)
from countyeconomy.estimators.synthetic.sdid import SyntheticDIDResult, synthetic_did

__all__ = [
    "AugmentedSyntheticControlResult",
    "NonUniqueWeightsWarning",
    "SyntheticControlResult",
    "SyntheticDIDResult",
    "augmented_synthetic_control",
    "synthetic_control",
    "synthetic_did",
]
