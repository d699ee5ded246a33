"""Effects from power-series traces of W (``traces="powers"``/``"mc"``) against the eigenvalues."""

from __future__ import annotations

import numpy as np
import pytest

from countyeconomy.errors import InvalidOptionError
from countyeconomy.inference import ChunkTask
from countyeconomy.spatial import (
    SpatialWeightsError,
    _effects,
    _models,
    knn_weights,
    sar_panel,
    sdm_panel,
)
from countyeconomy.spatial._traces import power_traces, series_order
from tests.spatial._data import county_seats
from tests.spatial._sim import simulate_spatial_panel

W = knn_weights(county_seats("33"), k=5)
EIG = np.linalg.eigvals(W.dense()).astype(np.complex128)
FORMULA = "y ~ x1 + x2 | county + year"
pytestmark = pytest.mark.filterwarnings("ignore::countyeconomy.inference.FewDrawsWarning")


def _eig_traces(rho: float) -> tuple[float, float]:
    d = 1.0 - rho * EIG
    return float((1.0 / d).real.mean()), float((EIG / d).real.mean())


def _spec(**kw: object) -> _effects.EffectsSpec:
    return _effects.EffectsSpec(
        names=("x1", "x2"),
        beta_pos=(0, 1),
        theta_pos=(2, 3),
        rho_pos=4,
        w=W.matrix,
        row_sums_one=True,
        **kw,  # type: ignore[arg-type]
    )


def test_exact_power_traces_equal_the_eigenvalues() -> None:
    tr = power_traces(W.matrix, 60, "powers")
    ref = [float((EIG**k).real.mean()) for k in range(62)]
    np.testing.assert_allclose(tr.values, ref, atol=1e-12)
    assert tr.exact_upto == 61 and tr.std_error(0.5) == 0.0


def test_series_effects_equal_eigenvalue_effects_to_1e_8() -> None:
    """Exact power traces with K from series_order(0.75): the effects at every |rho| <= 0.7 and
    the simulated draws agree with the eigenvalue formulas to 1e-10 (stated tolerance 1e-8)."""
    series = power_traces(W.matrix, series_order(0.75), "powers")
    assert series.bound(0.7) < 1e-8
    by_eig, by_series = _spec(eig=EIG), _spec(eig=None, series=series)
    for rho in np.linspace(-0.7, 0.7, 15):
        p = np.array([1.0, -0.5, 0.4, 0.2, rho])
        a, b = _eig_traces(rho)
        np.testing.assert_allclose(series.scalars(rho), (a, b), atol=1e-10)
        np.testing.assert_allclose(
            _effects.point_effects(by_series, p), _effects.point_effects(by_eig, p), atol=1e-10
        )
    params = np.array([1.0, -0.5, 0.4, 0.2, 0.6])
    chol = np.diag([0.05, 0.05, 0.05, 0.05, 0.04])
    task = ChunkTask(0, 0, 300, np.random.SeedSequence(4))
    sims_eig = _effects._Simulate(by_eig, params, chol, (-0.99, 0.99))(task)
    sims_series = _effects._Simulate(by_series, params, chol, (-0.99, 0.99))(task)
    np.testing.assert_allclose(sims_series, sims_eig, atol=1e-10)


def test_monte_carlo_traces_are_within_their_standard_error() -> None:
    """Exact traces only up to W^2 (a tiny budget), Hutchinson probes above."""
    tr = power_traces(W.matrix, 80, "mc", seed=3, nnz_per_row=6)
    assert 1 <= tr.exact_upto < 10
    for rho in (0.3, 0.5, 0.7):
        se = tr.std_error(rho)
        assert 0 < se < 1e-2
        a, b = tr.scalars(rho)
        ea, eb = _eig_traces(rho)
        assert abs(a - ea) < 4 * se + tr.bound(rho)
        assert abs(b - eb) < 4 * se + tr.bound(rho)
    again = power_traces(W.matrix, 80, "mc", seed=3, nnz_per_row=6)
    np.testing.assert_array_equal(again.values, tr.values)
    other = power_traces(W.matrix, 80, "mc", seed=4, nnz_per_row=6)
    assert not np.array_equal(other.values, tr.values)


@pytest.mark.parametrize("traces", ["powers", "mc"])
def test_models_with_series_traces_match_the_eigenvalue_path(traces: str) -> None:
    df = simulate_spatial_panel(W, rho=0.6, theta=(0.5, 0.2), seed=6)
    kw = {"draws": 499, "seed": 9, "progress": False}
    ref = sdm_panel(df, FORMULA, W, **kw)
    assert ref.info.extra["effects_traces"] == "eigenvalues"  # the default at this size
    res = sdm_panel(df, FORMULA, W, traces=traces, **kw)
    extra = res.info.extra
    assert extra["effects_traces"] == traces and extra["effects_trace_bound"] < 1e-9
    # the fits differ only by the log-determinant (eigenvalues vs sparse LU): rho to ~1e-8
    np.testing.assert_allclose(res.params, ref.params, rtol=1e-6, atol=1e-7)
    cols = ["estimate", "std_error", "ci_low", "ci_high", "delta_std_error"]
    np.testing.assert_allclose(res.effects[cols], ref.effects[cols], rtol=1e-6, atol=1e-6)
    assert sdm_panel(df, FORMULA, W, traces=traces, **kw) == res
    sar = sar_panel(df, "y ~ x1 + x2 | county", W, traces=traces, **kw)
    assert sar.info.extra["effects_traces"] == traces


def test_default_by_size_and_bad_options(monkeypatch: pytest.MonkeyPatch) -> None:
    df = simulate_spatial_panel(W, rho=0.3, seed=2)
    kw = {"draws": 99, "seed": 1, "progress": False}
    monkeypatch.setattr(_models, "EIGENVALUES_MAX_N", 50)
    res = sar_panel(df, FORMULA, W, **kw)
    assert res.info.extra["effects_traces"] == "mc"
    with pytest.raises(InvalidOptionError, match="traces"):
        sar_panel(df, FORMULA, W, traces="chebyshev", **kw)
    raw = knn_weights(county_seats("33"), k=5, row_standardise=False)
    with pytest.raises(SpatialWeightsError, match="row-standardised"):
        sar_panel(df, FORMULA, raw, traces="mc", **kw)
