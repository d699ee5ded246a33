"""Robustness checks that referees ask for: PSM-DID and HonestDiD sensitivity bounds."""

from countyeconomy.robustness.honest_did import (
    EventStudyInputs,
    EventStudyLike,
    HonestDiDResult,
    honest_did,
)
from countyeconomy.robustness.psm_did import PSMDIDResult, psm_did

__all__ = [
    "EventStudyInputs",
    "EventStudyLike",
    "HonestDiDResult",
    "PSMDIDResult",
    "honest_did",
    "psm_did",
]
