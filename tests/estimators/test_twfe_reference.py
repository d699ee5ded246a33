"""TWFE against independent implementations: pyfixest 0.60.0 and linearmodels 7.1 (pinned in the
dev extras). Coefficients agree to rtol 1e-8; standard errors under the same small-sample
convention to rtol 1e-6 (both are deterministic linear algebra; the tolerance leaves room for
the different demeaning algorithms' convergence)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from linearmodels import PanelOLS
from linearmodels.iv import AbsorbingLS

import countyeconomy as ce
from tests.estimators._sim import unbalanced_panel

RTOL_COEF = 1e-8
RTOL_SE = 1e-6

FORMULAS = [
    ("y ~ x1 + x2 | county", "y ~ x1 + x2 | county"),
    ("y ~ x1 + x2 | county + year", "y ~ x1 + x2 | county + year"),
    ("y ~ x1 + x2 | county + year + province^year", "y ~ x1 + x2 | county + year + province^year"),
]


def _pf(fml: str, df: pd.DataFrame, vcov: object, weights: str | None = None) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(fml, data=df, vcov=vcov, weights=weights, fixef_rm="singleton")


@pytest.mark.parametrize(("ours", "theirs"), FORMULAS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("seed", [0, 1])
def test_unbalanced_matches_pyfixest(ours: str, theirs: str, weighted: bool, seed: int) -> None:
    df = unbalanced_panel(seed)
    w = "w" if weighted else None
    res = ce.twfe(df, ours, county="county", year="year", weights=w)
    cases = [
        (res, {"CRV1": "county"}),
        (res.with_vcov("hc1"), "hetero"),
        (res.with_vcov("iid"), "iid"),
        (res.with_vcov(ce.Cluster("county", "year")), {"CRV1": "county+year"}),
        (res.with_vcov(ce.Cluster("province")), {"CRV1": "province"}),
    ]
    for ours_res, vcov in cases:
        ref = _pf(theirs, df, vcov, w)
        np.testing.assert_allclose(
            ours_res.params.to_numpy(), ref.coef().to_numpy(), rtol=RTOL_COEF
        )  # type: ignore[attr-defined]
        np.testing.assert_allclose(
            ours_res.std_errors.to_numpy(), ref.se().to_numpy(), rtol=RTOL_SE
        )  # type: ignore[attr-defined]


def test_balanced_mpdta_matches_pyfixest(data_dir: object) -> None:
    """mpdta (the pinned d2cml-ai/csdid copy): fixest's ``feols(lemp ~ post | countyreal + year,
    cluster = ~countyreal)`` gives post = -0.0365 (METHODS.md B1, tagged [M]); pyfixest is the
    live oracle for all digits."""
    panel = ce.datasets.load_mpdta()
    df = panel.to_frame()
    res = ce.twfe(panel, "lemp ~ post | county + year")
    assert res.info.nobs == 2500
    assert round(float(res.params["post"]), 4) == -0.0365
    ref = _pf("lemp ~ post | countyreal + year", df, {"CRV1": "countyreal"})
    np.testing.assert_allclose(res.params["post"], ref.coef()["post"], rtol=RTOL_COEF)  # type: ignore[attr-defined]
    np.testing.assert_allclose(res.std_errors["post"], ref.se()["post"], rtol=RTOL_SE)  # type: ignore[attr-defined]
    # lpop is time-invariant in mpdta, so county effects absorb it: a clear error, not a silent drop
    with pytest.raises(ce.errors.IdentificationError, match="lpop"):
        ce.twfe(panel, "lemp ~ post + lpop | county + year")


def test_linearmodels_convention_matches_panelols() -> None:
    df = unbalanced_panel(3).set_index(["county", "year"])
    mod = PanelOLS(df["y"], df[["x1", "x2"]], entity_effects=True, time_effects=True)
    data = df.reset_index()
    ours = ce.twfe(
        data, "y ~ x1 + x2 | county + year", county="county", year="year", ssc="linearmodels"
    )
    for cov, spec in [
        ({"cov_type": "clustered", "cluster_entity": True}, ce.Cluster("county")),
        ({"cov_type": "robust"}, "hc1"),
        ({"cov_type": "unadjusted"}, "iid"),
    ]:
        ref = mod.fit(**cov)  # type: ignore[arg-type]
        got = ours.with_vcov(spec)
        np.testing.assert_allclose(got.params.to_numpy(), ref.params.to_numpy(), rtol=RTOL_COEF)
        np.testing.assert_allclose(
            got.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=RTOL_SE
        )


def test_driscoll_kraay_matches_linearmodels() -> None:
    df = unbalanced_panel(4, missing=0.0).set_index(["county", "year"])
    mod = PanelOLS(df["y"], df[["x1", "x2"]], entity_effects=True, time_effects=True)
    ref = mod.fit(cov_type="kernel", kernel="bartlett", bandwidth=2)
    ours = ce.twfe(
        df.reset_index(),
        "y ~ x1 + x2 | county + year",
        county="county",
        year="year",
        vcov=ce.DriscollKraay(lags=2),
        ssc="linearmodels",
    )
    np.testing.assert_allclose(ours.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=RTOL_SE)


def test_no_correction_matches_absorbing_ls() -> None:
    df = unbalanced_panel(5)
    ref = AbsorbingLS(
        df["y"], df[["x1", "x2"]], absorb=df[["county", "year"]].astype("category")
    ).fit(cov_type="clustered", clusters=df["county"].to_numpy())
    ours = ce.twfe(df, "y ~ x1 + x2 | county + year", county="county", year="year", ssc="none")
    np.testing.assert_allclose(ours.params.to_numpy(), ref.params.to_numpy(), rtol=RTOL_COEF)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=RTOL_SE)
