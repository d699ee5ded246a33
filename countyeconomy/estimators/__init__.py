"""Estimators: one per module, each returning a frozen result with the common protocol.

Functions named like one of this package's modules (``twfe``, ``iv``, ``mechanism``,
``moderation``, ``heterogeneity``) are exported from :mod:`countyeconomy` only, so that
``countyeconomy.estimators.twfe`` is the module. ``registry`` lists the estimators that
comparisons and the robustness battery run.
"""

from countyeconomy.estimators._design import ModelData, ModelMatrices
from countyeconomy.estimators._formula import ParsedFormula, parse_formula
from countyeconomy.estimators._linear import (
    FewClustersWarning,
    LinearModel,
    LinearResultBase,
    ScaleWarning,
)
from countyeconomy.estimators.heterogeneity import HeterogeneityResult
from countyeconomy.estimators.iv import FirstStage, IVResult
from countyeconomy.estimators.mechanism import MechanismResult, MediationWarning, SobelTest
from countyeconomy.estimators.moderation import ModerationResult
from countyeconomy.estimators.staggered import (
    AggregateResult,
    ATTgtModel,
    ATTgtResult,
    BaconResult,
    ComparisonResult,
    DCDHResult,
    EstimatorSkippedWarning,
    EventStudyResult,
    ImputationResult,
    SmallCohortWarning,
    SunAbrahamResult,
    WaldTest,
    WaldTestWarning,
    bacon_decomposition,
    compare_event_studies,
    did_multiplegt,
    imputation_did,
)
from countyeconomy.estimators.staggered.att_gt import att_gt
from countyeconomy.estimators.staggered.event_study import event_study
from countyeconomy.estimators.staggered.sun_abraham import sun_abraham
from countyeconomy.estimators.threshold import ThresholdResult, panel_threshold
from countyeconomy.estimators.twfe import TWFEResult
from countyeconomy.results import COLUMNS, CoefTable, FitInfo, Summary

__all__ = [
    "COLUMNS",
    "ATTgtModel",
    "ATTgtResult",
    "AggregateResult",
    "BaconResult",
    "CoefTable",
    "ComparisonResult",
    "DCDHResult",
    "EstimatorSkippedWarning",
    "EventStudyResult",
    "FewClustersWarning",
    "FirstStage",
    "FitInfo",
    "HeterogeneityResult",
    "IVResult",
    "ImputationResult",
    "LinearModel",
    "LinearResultBase",
    "MechanismResult",
    "MediationWarning",
    "ModelData",
    "ModelMatrices",
    "ModerationResult",
    "ParsedFormula",
    "ScaleWarning",
    "SmallCohortWarning",
    "SobelTest",
    "Summary",
    "SunAbrahamResult",
    "TWFEResult",
    "ThresholdResult",
    "WaldTest",
    "WaldTestWarning",
    "att_gt",
    "bacon_decomposition",
    "compare_event_studies",
    "did_multiplegt",
    "event_study",
    "imputation_did",
    "panel_threshold",
    "parse_formula",
    "sun_abraham",
]
