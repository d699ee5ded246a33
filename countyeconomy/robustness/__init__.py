"""The robustness battery referees ask for, and its checks (PSM-DID, HonestDiD sensitivity bounds).

:func:`robustness_battery` (``countyeconomy.robustness_battery``) runs the whole battery over one
:class:`Design` and returns a :class:`RobustnessReport`. ``run_robustness`` and ``run`` are the
retired names of the same function (they warn with a ``FutureWarning``).
"""

from countyeconomy.robustness._honest_inputs import EventStudyInputs, EventStudyLike
from countyeconomy.robustness.battery import (
    CHECKS,
    CheckResult,
    Design,
    RobustnessReport,
    check_seeds,
    robustness_battery,
    run,
    run_robustness,
)
from countyeconomy.robustness.honest import HonestDiDResult, honest_did
from countyeconomy.robustness.psm import PSMDIDResult, psm_did

__all__ = [
    "CHECKS",
    "CheckResult",
    "Design",
    "EventStudyInputs",
    "EventStudyLike",
    "HonestDiDResult",
    "PSMDIDResult",
    "RobustnessReport",
    "check_seeds",
    "honest_did",
    "psm_did",
    "robustness_battery",
    "run",
    "run_robustness",
]
