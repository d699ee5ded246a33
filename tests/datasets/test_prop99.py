"""The Proposition 99 and Penn World Table loaders (synthdid-py 0.1.0, BSD-3-Clause, pinned by
sha256), and replications of published numbers on Prop 99:

- Arkhangelsky et al. (2021), Table 1: SDID -15.6 (8.4), SC -19.6 (9.9), DID -27.3 (17.7);
- the synthetic control of Abadie, Diamond and Hainmueller (2010) on the outcome path: a
  post-1988 gap of about -19 packs per capita (the -19.6 of the SDID paper's SC column).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce

pytest.importorskip("synthdid", reason="the panels ship inside synthdid-py==0.1.0 (dev extra)")

KEYS = {"county": "state", "year": "year"}


@pytest.fixture(scope="module")
def prop99() -> pd.DataFrame:
    df = ce.datasets.load_prop99()
    return df.assign(cohort=np.where(df["state"] == "California", 1989, 0))


def test_prop99_panel(prop99: pd.DataFrame) -> None:
    assert prop99.shape == (1209, 5)
    assert prop99["state"].nunique() == 39 and prop99["year"].between(1970, 2000).all()
    ca = prop99[prop99["state"] == "California"]
    assert ca.loc[ca["year"] >= 1989, "treated"].eq(1).all()
    assert prop99.loc[prop99["state"] != "California", "treated"].eq(0).all()
    assert ce.datasets.PROP99.licence == "BSD-3-Clause"


def test_penn_panel() -> None:
    penn = ce.datasets.load_penn()
    assert list(penn.columns) == ["country", "year", "log_gdp", "dem", "educ"]
    assert penn["country"].nunique() == 111 and len(penn) == 111 * 48
    assert set(penn["dem"].unique()) <= {0, 1}


@pytest.mark.parametrize(("method", "published"), [("sdid", -15.6), ("sc", -19.6), ("did", -27.3)])
def test_arkhangelsky_table_1_estimates(
    prop99: pd.DataFrame, method: str, published: float
) -> None:
    with pytest.warns(ce.errors.CountyEconomyWarning):  # one treated state
        res = ce.synthetic_did(
            prop99,
            "packs_per_capita",
            cohort="cohort",
            method=method,
            vcov="placebo",
            draws=20,
            seed=0,
            **KEYS,
        )
    assert res.att == pytest.approx(published, abs=0.05)


def test_synthetic_control_gap(prop99: pd.DataFrame) -> None:
    res = ce.synthetic_control(prop99, "packs_per_capita", "California", treat_year=1989, **KEYS)
    assert res.att == pytest.approx(-19.6, abs=0.15)
    w = res.weights.set_index("county")["weight"]
    assert set(w.nlargest(3).index) == {"Utah", "Montana", "Nevada"}  # ADH's top donors
    assert res.p_value >= 1 / 39  # the floor with 38 donors


def test_augmented_synthetic_control_improves_the_pre_fit(prop99: pd.DataFrame) -> None:
    res = ce.augmented_synthetic_control(
        prop99, "packs_per_capita", "California", treat_year=1989, inference="none", **KEYS
    )
    assert res.info.l2_imbalance < 0.5 * res.info.l2_imbalance_scm
    assert -20.0 < res.att < -14.0


@pytest.mark.slow
@pytest.mark.parametrize(("method", "se"), [("sdid", 8.4), ("sc", 9.9), ("did", 17.7)])
def test_arkhangelsky_table_1_placebo_standard_errors(
    prop99: pd.DataFrame, method: str, se: float
) -> None:
    res = ce.synthetic_did(
        prop99,
        "packs_per_capita",
        cohort="cohort",
        method=method,
        vcov="placebo",
        draws=400,
        seed=1,
        **KEYS,
    )
    # a placebo SE from 400 draws: within 20% of the published one
    assert res.std_errors.iloc[0] == pytest.approx(se, rel=0.2)
