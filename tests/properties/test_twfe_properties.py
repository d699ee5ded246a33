"""Invariants of the fixed-effects estimator (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import countyeconomy as ce
from tests.properties.strategies import panels

FORMULA = "y ~ x1 + x2 | county + year"
SETTINGS = settings(max_examples=25, deadline=None)


def fit(df: pd.DataFrame, **kw: object) -> ce.estimators.TWFEResult:
    return ce.twfe(df, FORMULA, county="county", year="year", **kw)  # type: ignore[arg-type]


@SETTINGS
@given(df=panels(), seed=st.integers(0, 1000), weighted=st.booleans())
def test_row_order_does_not_change_results(df: pd.DataFrame, seed: int, weighted: bool) -> None:
    w = "w" if weighted else None
    a = fit(df, weights=w)
    b = fit(df.sample(frac=1.0, random_state=seed), weights=w)
    np.testing.assert_allclose(a.params, b.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(a.std_errors, b.std_errors, rtol=1e-9, atol=1e-12)


@SETTINGS
@given(df=panels(), shift=st.floats(-1e3, 1e3))
def test_county_constant_absorbed(df: pd.DataFrame, shift: float) -> None:
    a = fit(df)
    consts = np.random.default_rng(0).normal(size=df["county"].max() + 1) * shift
    b = fit(df.assign(y=df["y"] + consts[df["county"]]))
    np.testing.assert_allclose(a.params, b.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(a.std_errors, b.std_errors, rtol=1e-6, atol=1e-9)


@SETTINGS
@given(df=panels(), scale=st.floats(0.01, 100.0) | st.floats(-100.0, -0.01))
def test_scaling_y_scales_coefficients_and_errors(df: pd.DataFrame, scale: float) -> None:
    a = fit(df)
    b = fit(df.assign(y=df["y"] * scale))
    np.testing.assert_allclose(b.params, a.params * scale, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(b.std_errors, a.std_errors * abs(scale), rtol=1e-8, atol=1e-12)


@SETTINGS
@given(df=panels())
def test_input_frame_never_mutated(df: pd.DataFrame) -> None:
    before = df.copy(deep=True)
    res = fit(df, weights="w")
    res.with_vcov(ce.Cluster("county", "year"))
    ce.iv(df, "y ~ x2 | county + year | x1 ~ w", county="county", year="year")
    pd.testing.assert_frame_equal(df, before)
