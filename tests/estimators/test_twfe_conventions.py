"""The ``xtreg`` convention against an independent statsmodels regression: Stata's
``xtreg y x i.year, fe vce(cluster county)`` equals OLS of the county-demeaned data on the
regressors, year dummies and a constant with clustered errors, whose small-sample factor is
``G/(G-1) (N-1)/(N-K)`` with ``K`` counting the year dummies and the constant (Stata manual,
[XT] xtreg, Methods and formulas)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import countyeconomy as ce
from countyeconomy.errors import RowsDroppedWarning
from tests.estimators._sim import unbalanced_panel


def test_xtreg_convention_matches_demeaned_dummy_regression() -> None:
    df = unbalanced_panel(11, n_units=150, n_years=8)
    dummies = pd.get_dummies(df["year"], prefix="yr", drop_first=True, dtype=float)
    design = pd.concat([df[["y", "x1", "x2"]], dummies], axis=1)
    within = design - design.groupby(df["county"]).transform("mean") + design.mean()
    exog = sm.add_constant(within.drop(columns="y"))
    ref = sm.OLS(within["y"], exog).fit(cov_type="cluster", cov_kwds={"groups": df["county"]})
    ours = ce.twfe(df, "y ~ x1 + x2 | county + year", county="county", year="year", ssc="xtreg")
    np.testing.assert_allclose(ours.params[["x1", "x2"]], ref.params[["x1", "x2"]], rtol=1e-8)
    np.testing.assert_allclose(ours.std_errors[["x1", "x2"]], ref.bse[["x1", "x2"]], rtol=1e-6)


def test_xtreg_keeps_singleton_counties_as_stata() -> None:
    """``xtreg, fe`` keeps counties observed once: they count in N and in the clusters (and
    contribute nothing to the slopes). ``ssc="xtreg"`` therefore keeps singletons by default."""
    df = unbalanced_panel(13, n_units=150, n_years=8)
    single = df.groupby("county").head(1).iloc[::7]  # 22 counties reduced to one year each
    df = pd.concat([df[~df["county"].isin(single["county"])], single], ignore_index=True)
    assert (df.groupby("county").size() == 1).sum() >= 20
    dummies = pd.get_dummies(df["year"], prefix="yr", drop_first=True, dtype=float)
    design = pd.concat([df[["y", "x1", "x2"]], dummies], axis=1)
    within = design - design.groupby(df["county"]).transform("mean") + design.mean()
    exog = sm.add_constant(within.drop(columns="y"))
    ref = sm.OLS(within["y"], exog).fit(cov_type="cluster", cov_kwds={"groups": df["county"]})
    ours = ce.twfe(df, "y ~ x1 + x2 | county + year", county="county", year="year", ssc="xtreg")
    assert ours.info.singletons == 0 and ours.nobs == len(df)
    assert ours.info.clusters["county"] == df["county"].nunique()
    np.testing.assert_allclose(ours.params[["x1", "x2"]], ref.params[["x1", "x2"]], rtol=1e-8)
    np.testing.assert_allclose(ours.std_errors[["x1", "x2"]], ref.bse[["x1", "x2"]], rtol=1e-6)
    # the fixest default still drops them; asking explicitly overrides the xtreg default
    with pytest.warns(RowsDroppedWarning, match="22 singletons"):
        assert ce.twfe(df, "y ~ x1 | county + year", county="county", year="year").info.singletons
    with pytest.warns(RowsDroppedWarning, match="22 singletons"):
        dropped = ce.twfe(
            df,
            "y ~ x1 | county + year",
            county="county",
            year="year",
            ssc="xtreg",
            drop_singletons=True,
        )
    assert dropped.info.singletons == len(single)


def test_conventions_differ_as_documented() -> None:
    df = unbalanced_panel(12, n_units=200, n_years=10, missing=0.0)
    base = ce.twfe(df, "y ~ x1 | county + year", county="county", year="year")
    n, g, t = len(df), 200, 10
    raw = base.with_vcov(ce.Cluster("county"), ssc="none").std_errors["x1"]
    fixest = base.std_errors["x1"]
    lm = base.with_vcov(ce.Cluster("county"), ssc="linearmodels").std_errors["x1"]
    np.testing.assert_allclose(
        fixest / raw, np.sqrt(g / (g - 1) * (n - 1) / (n - 1 - t)), rtol=1e-12
    )
    np.testing.assert_allclose(lm / raw, np.sqrt(n / (n - 1 - (g + t - 1))), rtol=1e-12)
