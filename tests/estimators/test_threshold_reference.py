"""Hansen (1999) investment data, when a local copy is available (it is not redistributed here).

Data: ``hansen1999.dta`` as shipped with Stata's ``xthreg`` (Wang 2015): 565 US firms x 14 years
(1974-1987, 7,910 rows); ``i`` investment/assets, ``q1-q3`` Tobin's q and powers, ``d1``
debt/assets, ``qd1`` = q x d, ``c1`` cash flow/assets (all lagged as in the paper). The copy used
to pin the numbers below had sha256 5cdb70be...9b5621c3 (see ``SHA256``); it carries no licence
statement, so the test looks for it under ``$COUNTYECONOMY_DATA_DIR/hansen1999/hansen1999.dta``
and skips otherwise.

Provenance: ``GAMMA_SINGLE = 0.0157`` is the single threshold Hansen (1999, Journal of
Econometrics 93, 345-368) reports for this model, the value quoted throughout the literature that
re-uses the data (tagged [M] in METHODS.md: recalled, not transcribed from the paper). It is found
with an exhaustive search over every distinct value of ``d1`` between the 1% and 99% quantiles,
trim 1%. No other number is pinned: this implementation's own output is not a reference.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd
import pytest

from countyeconomy.datasets import DATA_DIR_ENV
from countyeconomy.estimators.threshold import ThresholdResult, panel_threshold

SHA256 = "5cdb70bed516dd51e16ab101f252e14539473a3b19737d3e2bc50ccd9b5621c3"
FORMULA = "i ~ q1 + q2 + q3 + d1 + qd1"
GAMMA_SINGLE = 0.0157


def _path() -> Path | None:
    root = os.environ.get(DATA_DIR_ENV)
    if not root:
        return None
    path = Path(root) / "hansen1999" / "hansen1999.dta"
    return path if path.is_file() else None


@pytest.fixture(scope="module")
def hansen() -> pd.DataFrame:
    path = _path()
    if path is None:
        pytest.skip(f"hansen1999.dta not found under ${DATA_DIR_ENV}/hansen1999/ (not shipped)")
    if hashlib.sha256(path.read_bytes()).hexdigest() != SHA256:
        pytest.skip("hansen1999.dta differs from the pinned copy")
    df = pd.read_stata(path)
    return df.assign(year=df["year"].dt.year)


def _fit(df: pd.DataFrame, k: int) -> ThresholdResult:
    return panel_threshold(
        df,
        FORMULA,
        threshold="d1",
        regime_dependent="c1",
        n_thresholds=k,
        trim=0.01,
        grid=10**6,
        draws=0,
        county="id",
        year="year",
    )


def test_single_threshold(hansen: pd.DataFrame) -> None:
    res = _fit(hansen, 1)
    assert res.info.nobs == 7910 and res.info.n_counties == 565
    assert res.thresholds[0] == pytest.approx(GAMMA_SINGLE, abs=1e-6)
    lo, hi = res.info.threshold_ci[0]
    assert lo <= GAMMA_SINGLE <= hi


def test_double_threshold_keeps_the_first(hansen: pd.DataFrame) -> None:
    res = _fit(hansen, 2)
    assert res.thresholds[0] == pytest.approx(GAMMA_SINGLE, abs=1e-6)
    assert res.thresholds[1] > res.thresholds[0]
