"""Spatial weights from the county registry's coordinates (libpysal underneath), global and local
spatial autocorrelation (Moran's I, Geary's C, LISA), and fixed-effects spatial panel models.

The spatial panel models live here rather than in :mod:`countyeconomy.estimators`: this layer
sits above the estimators (it may call them, e.g. ``twfe`` for spatial DID exposure designs),
and the estimators may not import the weights.
"""

from countyeconomy.spatial._api import sar_panel, sdem_panel, sdm_panel, sem_panel
from countyeconomy.spatial._by_year import MoranByYearResult, moran_by_year, ring_exposure
from countyeconomy.spatial._charts import county_map, moran_scatter, moran_slope, spillover_chart
from countyeconomy.spatial._contiguity import (
    PREFECTURE_POLYGONS,
    contiguity_weights,
    economic_weights,
    prefecture_polygons,
)
from countyeconomy.spatial._local import CLUSTER_LABELS, LocalMoranResult, local_morans_i
from countyeconomy.spatial._logdet import LogDetEstimate, log_det_mc
from countyeconomy.spatial._models import SpatialPanelResult
from countyeconomy.spatial._moran import GlobalSpatialResult, align_values, gearys_c, morans_i
from countyeconomy.spatial._more_weights import nested_weights, weights_by_year
from countyeconomy.spatial._tests import SpatialTestResult, durbin_tests, lr_test
from countyeconomy.spatial._weights import (
    EARTH_RADIUS_KM,
    IslandsWarning,
    SpatialWeights,
    SpatialWeightsError,
    distance_weights,
    knn_weights,
)

__all__ = [
    "CLUSTER_LABELS",
    "EARTH_RADIUS_KM",
    "PREFECTURE_POLYGONS",
    "GlobalSpatialResult",
    "IslandsWarning",
    "LocalMoranResult",
    "LogDetEstimate",
    "MoranByYearResult",
    "SpatialPanelResult",
    "SpatialTestResult",
    "SpatialWeights",
    "SpatialWeightsError",
    "align_values",
    "contiguity_weights",
    "county_map",
    "distance_weights",
    "durbin_tests",
    "economic_weights",
    "gearys_c",
    "knn_weights",
    "local_morans_i",
    "log_det_mc",
    "lr_test",
    "moran_by_year",
    "moran_scatter",
    "moran_slope",
    "morans_i",
    "nested_weights",
    "prefecture_polygons",
    "ring_exposure",
    "sar_panel",
    "sdem_panel",
    "sdm_panel",
    "sem_panel",
    "spillover_chart",
    "weights_by_year",
]
