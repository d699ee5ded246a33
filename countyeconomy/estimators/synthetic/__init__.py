"""Synthetic control methods: synthetic DID (with its SC and DID comparisons).

Pure weight and inference kernels sit in private modules; each estimator is one public module.
"""

from countyeconomy.estimators.synthetic.sdid import SyntheticDIDResult, synthetic_did

__all__ = ["SyntheticDIDResult", "synthetic_did"]
