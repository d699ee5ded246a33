"""Former module of :func:`~countyeconomy.att_gt`; import from
:mod:`countyeconomy.estimators.staggered.att_gt` (this module is removed in the next release)."""

from __future__ import annotations

import warnings

from countyeconomy.estimators.staggered.att_gt import (
    AggregateResult,
    ATTgtResult,
    BasePeriod,
    CSMethod,
    Distribution,
    att_gt,
)

__all__ = ["ATTgtResult", "AggregateResult", "BasePeriod", "CSMethod", "Distribution", "att_gt"]

warnings.warn(
    "countyeconomy.estimators.staggered.callaway_santanna is renamed "
    "countyeconomy.estimators.staggered.att_gt; the old module is removed in the next release.",
    FutureWarning,
    stacklevel=2,
)
