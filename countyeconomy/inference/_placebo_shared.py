"""Constants shared by the placebo modules."""

from __future__ import annotations

from typing import Literal

import numpy as np

PlaceboScheme = Literal["permute_counties", "permute_timing", "within_group"]
NEVER = np.inf
NEVER_COHORT = 0  # never treated in a cohort column (countyeconomy.NEVER_TREATED)
TIE_RTOL = 1e-9
