"""The robustness battery referees ask for, and its checks (PSM-DID, HonestDiD sensitivity bounds).

``countyeconomy.robustness(design, ...)`` runs the whole battery: this subpackage is callable and
forwards to :func:`run_robustness`. ``countyeconomy.robustness_battery`` is the same function under
a name that type checkers and IDEs see.
"""

import sys
import types
from typing import Any

from countyeconomy.robustness.battery import (
    CHECKS,
    CheckResult,
    Design,
    RobustnessReport,
    run_robustness,
)
from countyeconomy.robustness.honest_did import (
    EventStudyInputs,
    EventStudyLike,
    HonestDiDResult,
    honest_did,
)
from countyeconomy.robustness.psm_did import PSMDIDResult, psm_did

run = run_robustness

__all__ = [
    "CHECKS",
    "CheckResult",
    "Design",
    "EventStudyInputs",
    "EventStudyLike",
    "HonestDiDResult",
    "PSMDIDResult",
    "RobustnessReport",
    "honest_did",
    "psm_did",
    "run",
    "run_robustness",
]


class _CallableModule(types.ModuleType):
    """Lets ``countyeconomy.robustness(design, ...)`` run the battery, as the issue's API reads."""

    def __call__(self, *args: Any, **kwargs: Any) -> RobustnessReport:
        return run_robustness(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
