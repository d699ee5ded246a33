"""Each comparable event-study estimator's normalisation, stated once for every chart and table.

:data:`NORMALISATION` is re-exported by :mod:`countyeconomy.estimators.staggered.compare`; the
single-estimator charts (``EventResultBase.plot``) read it too, so a chart of one estimator says
what its estimates are measured against, as the comparison chart does.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["ALL_UNTREATED", "NORMALISATION", "REFERENCE_MINUS_ONE", "TIME_WEIGHTED_PRE"]

REFERENCE_MINUS_ONE = "vs event time -1"
ALL_UNTREATED = "vs all untreated periods"
TIME_WEIGHTED_PRE = "vs time-weighted pre-period"

NORMALISATION: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "event_study": (REFERENCE_MINUS_ONE, "coefficients relative to event time -1 (set to 0)"),
        "att_gt": (
            REFERENCE_MINUS_ONE,
            "long differences to event time -1 (base_period='universal'; -1 set to 0)",
        ),
        "sun_abraham": (REFERENCE_MINUS_ONE, "relative to event time -1 (set to 0)"),
        "imputation_did": (
            ALL_UNTREATED,
            "effects and leads against all untreated county-years (imputed counterfactual); "
            "no period set to 0, not re-normalised to -1",
        ),
        "did_multiplegt": (
            REFERENCE_MINUS_ONE,
            "long differences to the period before the first switch (event time -1, set to 0)",
        ),
        "triple_did": (
            REFERENCE_MINUS_ONE,
            "DDD long differences to event time -1 (base_period='universal'; -1 set to 0)",
        ),
        "synthetic_did": (
            TIME_WEIGHTED_PRE,
            "treated-minus-synthetic gaps less their time-weighted (lambda) pre-period mean; "
            "no period set to 0; point estimates only (the ATT alone has a standard error)",
        ),
    }
)
"""Each registry estimator's normalisation: a short label (the chart's shape legend) and the
full statement (tooltips, subtitles, the summary footer). Only the BJS leads and effects are
measured against all untreated periods; the others share the reference period -1, so the charts
draw BJS with its own marker rather than silently re-normalising it."""
