"""Goodman-Bacon decomposition: weights sum to 1 and the weighted 2x2 sum equals the TWFE
coefficient (ours and pyfixest 0.60.0) to 1e-10 on balanced panels. The castle data with the
published numbers of METHODS.md B3 is not in any installed package (diff-diff only downloads
it), so it is not used here."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest

import countyeconomy as ce
from countyeconomy.errors import PanelStructureError, TreatmentTimingError
from countyeconomy.estimators.staggered._bacon_core import (
    EARLIER_VS_LATER,
    LATER_VS_ALWAYS,
    LATER_VS_EARLIER,
    TREATED_VS_NEVER,
    bacon_arrays,
    twfe_did_balanced,
)
from countyeconomy.estimators.staggered.bacon import bacon_decomposition
from tests.conftest import requires_data
from tests.estimators.staggered._data import sim, true_tau_matrix

Y = "log_rural_income"


def _pf_twfe(df: pd.DataFrame, y: str, d: str, unit: str) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = pf.feols(f"{y} ~ {d} | {unit} + year", data=df, fixef_tol=1e-14)
    return float(fit.coef().iloc[0])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_simulated_weighted_sum_equals_twfe(seed: int) -> None:
    s = sim(seed=seed, n=200)
    res = bacon_decomposition(s.panel, Y, "policy")
    assert abs(res.components["weight"].sum() - 1) < 1e-12
    assert abs(res.weighted_sum - res.twfe) < 1e-10
    ours = ce.twfe(s.panel, f"{Y} ~ policy | county + year")
    assert abs(res.weighted_sum - float(ours.params["policy"])) < 1e-10
    assert abs(res.weighted_sum - _pf_twfe(s.panel.to_frame(), Y, "policy", "county")) < 1e-10
    assert set(res.by_type["type"]) == {TREATED_VS_NEVER, EARLIER_VS_LATER, LATER_VS_EARLIER}
    n_cohorts = 7
    assert len(res.components) == n_cohorts + n_cohorts * (n_cohorts - 1)


@requires_data
def test_mpdta_weighted_sum_equals_twfe() -> None:
    panel = ce.datasets.load_mpdta()
    res = bacon_decomposition(panel, "lemp", "post")
    assert abs(res.components["weight"].sum() - 1) < 1e-12
    twfe = _pf_twfe(panel.to_frame(), "lemp", "post", "countyreal")
    assert abs(res.weighted_sum - twfe) < 1e-10
    assert abs(res.twfe - twfe) < 1e-10
    assert round(res.twfe, 4) == -0.0365  # METHODS.md B1


def test_kernel_with_always_treated_group() -> None:
    rng = np.random.default_rng(0)
    timing = rng.choice([0, 3, 5, 7, 10], 200)
    d = (np.arange(10)[None, :] >= timing[:, None]).astype(float)
    y = rng.normal(size=(200, 10)) + d * np.arange(10)[None, :] * 0.3
    b = bacon_arrays(y, timing)
    assert LATER_VS_ALWAYS in b.kind
    np.testing.assert_allclose(b.weight.sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose((b.weight * b.estimate).sum(), twfe_did_balanced(y, d), atol=1e-12)


def test_forbidden_comparisons_explain_twfe_bias() -> None:
    """Noise-free true effects: 'later vs earlier' 2x2s are biased downwards by dynamics."""
    s = sim(seed=0, n=300)
    tau, d = true_tau_matrix(s)
    timing = np.where(d.any(1), d.argmax(1), d.shape[1])
    b = bacon_arrays(tau, timing)
    kinds = np.asarray(b.kind)
    clean = b.estimate[kinds == TREATED_VS_NEVER]
    forbidden = b.estimate[kinds == LATER_VS_EARLIER]
    assert forbidden.mean() < clean.mean()
    assert twfe_did_balanced(tau, d) < s.att


def test_plot_and_protocol() -> None:
    res = bacon_decomposition(sim(n=100).panel, Y, "policy")
    assert "layer" in res.plot().to_dict()
    f = res.to_frame()
    assert f["term"].iloc[-1] == "TWFE" and f["weight"].iloc[:-1].sum() == pytest.approx(1.0)
    assert "TWFE coefficient" in res.summary().as_text()
    assert res._repr_html_().startswith("<h4>")
    assert res.params["TWFE"] == res.twfe


def test_unbalanced_panel_is_an_error() -> None:
    df = sim(n=50).panel.to_frame().iloc[1:]
    with pytest.raises(PanelStructureError, match="balanced panel; 1 county-year"):
        bacon_decomposition(df, Y, "policy", county="county", year="year")


def test_switching_off_is_an_error() -> None:
    df = sim(n=50).panel.to_frame()
    treated_rows = df.index[df["policy"] == 1]
    df.loc[treated_rows[1], "policy"] = 0
    with pytest.raises(TreatmentTimingError, match="switches off"):
        bacon_decomposition(df, Y, "policy", county="county", year="year")
