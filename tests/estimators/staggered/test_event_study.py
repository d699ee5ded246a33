"""TWFE event study against pyfixest 0.60.0 ``feols("y ~ i(rel, ref=-1) | id + year")`` with the
same binning done by hand. Coefficients rtol 1e-8, SEs rtol 1e-6 (same linear algebra; the room
is for the different demeaning algorithms' convergence on unbalanced panels)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

import countyeconomy as ce
from countyeconomy.errors import (
    FormulaError,
    InvalidOptionError,
    PanelStructureError,
    RowsDroppedWarning,
    TreatmentTimingError,
)
from countyeconomy.estimators.staggered._common import SmallCohortWarning
from countyeconomy.estimators.staggered.event_study import event_dummies, event_study
from tests.conftest import requires_data
from tests.estimators.staggered._data import sim, unbalanced

Y, G = "log_rural_income", "first_treated"


def _pf_event(
    df: pd.DataFrame,
    window: tuple[int, int],
    cohort: str = G,
    y: str = Y,
    unit: str = "county",
    covs: str = "",
) -> object:
    lo, hi = window
    g = df[cohort]
    rel = np.where(g > 0, np.clip(df["year"] - g, lo, hi), -1)  # never treated: reference
    data = df.assign(rel=rel)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pf.feols(
            f"{y} ~ i(rel, ref=-1){covs} | {unit} + year",
            data=data,
            vcov={"CRV1": unit},
            fixef_tol=1e-12,
        )


@pytest.mark.parametrize("window", [(-4, 4), (-3, 6), (-6, 2)])
def test_matches_pyfixest_unbalanced(window: tuple[int, int]) -> None:
    df = unbalanced()
    ours = event_study(df, Y, G, window=window, county="county", year="year")
    theirs = _pf_event(df, window)
    np.testing.assert_allclose(
        ours.params.to_numpy(), theirs.coef().to_numpy(), rtol=1e-8, atol=1e-12
    )
    np.testing.assert_allclose(ours.std_errors.to_numpy(), theirs.se().to_numpy(), rtol=1e-6)
    assert [e for e in ours.event_times] == [k for k in range(window[0], window[1] + 1) if k != -1]


def test_covariates_match_pyfixest() -> None:
    df = unbalanced(seed=5)
    ours = event_study(df, Y, G, covariates=["log_gdp_pc"], county="county", year="year")
    theirs = _pf_event(df, (-5, 5), covs=" + log_gdp_pc")
    np.testing.assert_allclose(ours.params.to_numpy(), theirs.coef().to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), theirs.se().to_numpy(), rtol=1e-6)
    assert ours.event_vcov.shape == (10, 10)  # covariate excluded


@requires_data
def test_mpdta_matches_pyfixest() -> None:
    panel = ce.datasets.load_mpdta()
    ours = event_study(panel, "lemp", "first_treat", window=(-3, 3))
    theirs = _pf_event(panel.to_frame(), (-3, 3), cohort="first_treat", y="lemp", unit="countyreal")
    np.testing.assert_allclose(ours.params.to_numpy(), theirs.coef().to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), theirs.se().to_numpy(), rtol=1e-6)


def test_pretrend_wald_matches_hand_computation() -> None:
    df = unbalanced()
    ours = event_study(df, Y, G, window=(-4, 4), county="county", year="year")
    theirs = _pf_event(df, (-4, 4))
    b = theirs.coef().to_numpy()[:3]
    v = theirs._vcov[:3, :3]
    f = float(b @ np.linalg.solve(v, b)) / 3
    assert ours.pretrend.distribution == "F"
    assert ours.pretrend.df == 3
    np.testing.assert_allclose(ours.pretrend.statistic, f, rtol=1e-6)
    assert 0 <= ours.pretrend.p_value <= 1


def test_no_binning_drops_rows_outside_window() -> None:
    df = sim().panel.to_frame()
    with pytest.warns(RowsDroppedWarning, match="treated rows outside the window"):
        ours = event_study(
            df, Y, G, window=(-3, 3), bin_endpoints=False, county="county", year="year"
        )
    g = df[G]
    rel = df["year"] - g
    trimmed = df[(g == 0) | rel.between(-3, 3)]
    theirs = _pf_event(trimmed, (-3, 3))
    np.testing.assert_allclose(ours.params.to_numpy(), theirs.coef().to_numpy(), rtol=1e-8)
    assert ours.info.dropped["treated rows outside the window"] == len(df) - len(trimmed)


def test_dummies_zero_for_never_treated_and_binned() -> None:
    rel = np.array([-9, -1, 0, 7, 3, 0])
    treated = np.array([True, True, True, True, True, False])
    d = event_dummies(rel, treated, (-2, 2), -1, True)
    assert set(d) == {-2, 0, 1, 2}
    assert d[-2].tolist() == [1, 0, 0, 0, 0, 0]
    assert d[2].tolist() == [0, 0, 0, 1, 1, 0]
    assert all(v[-1] == 0 for v in d.values())


def test_result_protocol_plot_and_with_vcov() -> None:
    s = sim()
    res = event_study(s.panel, Y, G, window=(-3, 3))
    f = res.to_frame()
    assert list(f.columns[:7]) == list(ce.estimators.COLUMNS)
    ev = res.event_frame()
    assert ev.loc[ev["event_time"] == -1, "estimate"].item() == 0.0
    v = res.event_vcov
    np.testing.assert_allclose(v.to_numpy(), v.to_numpy().T)
    chart = res.plot(truth=s.att_gt.groupby("event_time", as_index=False)["att"].mean())
    assert "layer" in chart.to_dict()
    hc = res.with_vcov("hc1")
    assert hc.info.vcov.startswith("hc1") and res.info.vcov.startswith("cluster")
    assert not np.allclose(hc.std_errors, res.std_errors)
    assert hc.pretrend.statistic != res.pretrend.statistic
    assert "Pre-trend" in res.summary().as_text() and res._repr_html_().startswith("<h4>")


def test_does_not_mutate_input() -> None:
    df = sim(n=100).panel.to_frame()
    before = df.copy()
    event_study(df, Y, G, county="county", year="year")
    pd.testing.assert_frame_equal(df, before)


def test_errors() -> None:
    df = sim(n=100).panel.to_frame()
    bad = df.copy()
    bad.loc[bad.index[3], G] = 2019 if bad.loc[bad.index[3], G] != 2019 else 2018
    with pytest.raises(TreatmentTimingError, match="changes within"):
        event_study(bad, Y, G, county="county", year="year")
    with pytest.raises(InvalidOptionError, match="window"):
        event_study(df, Y, G, window=(0, 3), county="county", year="year")
    with pytest.raises(FormulaError, match="nope"):
        event_study(df, "nope", G, county="county", year="year")
    with pytest.raises(
        PanelStructureError,
        match=r"county=\.\.\.",
    ):
        event_study(df.rename(columns={"county": "code", "year": "yr"}), Y, G)


def test_single_unit_cohort_warns_with_count() -> None:
    df = sim(n=100).panel.to_frame()
    first = df["county"].iloc[0]
    df.loc[df["county"] == first, G] = 2011
    with pytest.warns(SmallCohortWarning, match="1 cohort"):
        event_study(df, Y, G, county="county", year="year")
