"""Heterogeneity-robust estimators for staggered adoption, the TWFE event study, and diagnostics.

Functions whose name is also a submodule's (``att_gt``, ``event_study``, ``sun_abraham``) are
exported from :mod:`countyeconomy` and :mod:`countyeconomy.estimators`, not from here, so that
``countyeconomy.estimators.staggered.att_gt`` is the module.
"""

from countyeconomy.estimators.staggered._common import SmallCohortWarning
from countyeconomy.estimators.staggered._wald import WaldTest, WaldTestWarning
from countyeconomy.estimators.staggered.att_gt import AggregateResult, ATTgtModel, ATTgtResult
from countyeconomy.estimators.staggered.bacon import BaconResult, bacon_decomposition
from countyeconomy.estimators.staggered.compare import (
    ComparisonResult,
    EstimatorSkippedWarning,
    compare_event_studies,
)
from countyeconomy.estimators.staggered.dcdh import DCDHResult, did_multiplegt
from countyeconomy.estimators.staggered.event_study import EventStudyResult
from countyeconomy.estimators.staggered.imputation import ImputationResult, imputation_did
from countyeconomy.estimators.staggered.sun_abraham import SunAbrahamResult

__all__ = [
    "ATTgtModel",
    "ATTgtResult",
    "AggregateResult",
    "BaconResult",
    "ComparisonResult",
    "DCDHResult",
    "EstimatorSkippedWarning",
    "EventStudyResult",
    "ImputationResult",
    "SmallCohortWarning",
    "SunAbrahamResult",
    "WaldTest",
    "WaldTestWarning",
    "bacon_decomposition",
    "compare_event_studies",
    "did_multiplegt",
    "imputation_did",
]
