"""Estimators: one per module, each returning a frozen result with the common protocol."""

from countyeconomy.estimators._coefs import COLUMNS, CoefTable, Summary
from countyeconomy.estimators._formula import ParsedFormula, parse_formula
from countyeconomy.estimators._linear import FitInfo, LinearResultBase
from countyeconomy.estimators.heterogeneity import HeterogeneityResult, heterogeneity
from countyeconomy.estimators.iv import FirstStage, IVResult, iv
from countyeconomy.estimators.mechanism import (
    MechanismResult,
    MediationWarning,
    SobelTest,
    mechanism,
)
from countyeconomy.estimators.moderation import ModerationResult, moderation
from countyeconomy.estimators.staggered import (
    AggregateResult,
    ATTgtResult,
    BaconResult,
    ComparisonResult,
    DCDHResult,
    EventStudyResult,
    ImputationResult,
    SunAbrahamResult,
    bacon_decomposition,
    compare_event_studies,
    did_multiplegt,
    event_study,
    imputation_did,
    sun_abraham,
)
from countyeconomy.estimators.staggered.att_gt import att_gt
from countyeconomy.estimators.threshold import ThresholdInfo, ThresholdResult, panel_threshold
from countyeconomy.estimators.twfe import TWFEResult, twfe

__all__ = [
    "COLUMNS",
    "ATTgtResult",
    "AggregateResult",
    "BaconResult",
    "CoefTable",
    "ComparisonResult",
    "DCDHResult",
    "EventStudyResult",
    "FirstStage",
    "FitInfo",
    "HeterogeneityResult",
    "IVResult",
    "ImputationResult",
    "LinearResultBase",
    "MechanismResult",
    "MediationWarning",
    "ModerationResult",
    "ParsedFormula",
    "SobelTest",
    "Summary",
    "SunAbrahamResult",
    "TWFEResult",
    "ThresholdInfo",
    "ThresholdResult",
    "att_gt",
    "bacon_decomposition",
    "compare_event_studies",
    "did_multiplegt",
    "event_study",
    "heterogeneity",
    "imputation_did",
    "iv",
    "mechanism",
    "moderation",
    "panel_threshold",
    "parse_formula",
    "sun_abraham",
    "twfe",
]
