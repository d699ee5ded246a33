"""countyeconomy: county x year panel econometrics for county industry policy and rural income.

The public API is re-exported here; see the docs site for worked notebooks.
"""

from countyeconomy import (
    datasets,
    errors,
    indicators,
    registry,
    report,
    results,
    robustness,
    spatial,
)
from countyeconomy.errors import CountyEconomyError
from countyeconomy.estimators import (
    att_gt,
    bacon_decomposition,
    compare_event_studies,
    did_multiplegt,
    event_study,
    imputation_did,
    panel_threshold,
    sun_abraham,
)
from countyeconomy.estimators.heterogeneity import heterogeneity
from countyeconomy.estimators.iv import iv
from countyeconomy.estimators.mechanism import mechanism
from countyeconomy.estimators.moderation import moderation
from countyeconomy.estimators.staggered.dose import DoseResult, dose_did
from countyeconomy.estimators.staggered.triple import TripleDiDResult, triple_did
from countyeconomy.estimators.synthetic import (
    augmented_synthetic_control,
    synthetic_control,
    synthetic_did,
)
from countyeconomy.estimators.twfe import twfe
from countyeconomy.inference import (
    HC1,
    IID,
    Cluster,
    Conley,
    DriscollKraay,
    placebo_test,
    wild_bootstrap,
)
from countyeconomy.panel import (
    NEVER_TREATED,
    Panel,
    aggregate_cells,
    balance_table,
    correlation_table,
    describe,
)
from countyeconomy.registry import HarmonisedPanel, Registry, harmonise, read_panel
from countyeconomy.report import coefplot, table
from countyeconomy.results import EstimateResult, FitInfo, PostEstimationResult
from countyeconomy.robustness import (
    Design,
    RobustnessReport,
    honest_did,
    psm_did,
    robustness_battery,
)
from countyeconomy.spatial import sar_panel, sdem_panel, sdm_panel, sem_panel

__version__ = "0.1.0"

__all__ = [
    "HC1",
    "IID",
    "NEVER_TREATED",
    "Cluster",
    "Conley",
    "CountyEconomyError",
    "Design",
    "DoseResult",
    "DriscollKraay",
    "EstimateResult",
    "FitInfo",
    "HarmonisedPanel",
    "Panel",
    "PostEstimationResult",
    "Registry",
    "RobustnessReport",
    "TripleDiDResult",
    "__version__",
    "aggregate_cells",
    "att_gt",
    "augmented_synthetic_control",
    "bacon_decomposition",
    "balance_table",
    "coefplot",
    "compare_event_studies",
    "correlation_table",
    "datasets",
    "describe",
    "did_multiplegt",
    "dose_did",
    "errors",
    "event_study",
    "harmonise",
    "heterogeneity",
    "honest_did",
    "imputation_did",
    "indicators",
    "iv",
    "mechanism",
    "moderation",
    "panel_threshold",
    "placebo_test",
    "psm_did",
    "read_panel",
    "registry",
    "report",
    "results",
    "robustness",
    "robustness_battery",
    "sar_panel",
    "sdem_panel",
    "sdm_panel",
    "sem_panel",
    "spatial",
    "sun_abraham",
    "synthetic_control",
    "synthetic_did",
    "table",
    "triple_did",
    "twfe",
    "wild_bootstrap",
]
