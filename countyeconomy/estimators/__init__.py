"""Estimators: one per module, each returning a frozen result with the common protocol."""

from countyeconomy.estimators._coefs import COLUMNS, CoefTable, Summary
from countyeconomy.estimators._formula import ParsedFormula, parse_formula
from countyeconomy.estimators._linear import FitInfo, LinearResultBase
from countyeconomy.estimators.iv import FirstStage, IVResult, iv
from countyeconomy.estimators.staggered import (
    AggregateResult,
    ATTgtResult,
    BaconResult,
    ComparisonResult,
    DCDHResult,
    EventStudyResult,
    ImputationResult,
    SunAbrahamResult,
    att_gt,
    bacon_decomposition,
    compare_event_studies,
    did_multiplegt,
    event_study,
    imputation_did,
    sun_abraham,
)
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
    "IVResult",
    "ImputationResult",
    "LinearResultBase",
    "ParsedFormula",
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
    "imputation_did",
    "iv",
    "panel_threshold",
    "parse_formula",
    "sun_abraham",
    "twfe",
]
