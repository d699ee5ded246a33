"""Monte-Carlo log-determinant against the exact one from the eigenvalues of W."""

from __future__ import annotations

import numpy as np
import pytest

from countyeconomy.errors import InvalidOptionError
from countyeconomy.spatial import knn_weights, log_det_mc
from tests.spatial._data import county_seats

W = knn_weights(county_seats("33").head(90), k=5)
EIG = np.linalg.eigvals(W.dense())
RHOS = [-0.5, 0.3, 0.6, 0.8]


def _exact(rho: float) -> float:
    return float(np.log(1 - rho * EIG).real.sum())


def test_within_monte_carlo_and_truncation_error() -> None:
    est = log_det_mc(W, RHOS, order=40, draws=400, seed=11)
    exact = np.array([_exact(r) for r in RHOS])
    assert np.all(np.abs(est.value - exact) <= 4 * est.std_error + est.truncation_bound)
    assert np.all(np.abs(est.value - exact) / np.abs(exact) < 0.02)
    frame = est.to_frame()
    assert list(frame.columns) == ["rho", "value", "std_error", "truncation_bound"]
    assert f"N={W.n}" in est.summary().title


def test_exact_low_order_terms_and_seeding() -> None:
    # with two terms both traces are exact: no Monte-Carlo error at all
    two = log_det_mc(W, 0.4, order=2, draws=5, seed=1)
    series = -0.4 * EIG.sum().real - 0.4**2 * (EIG**2).sum().real / 2
    assert two.value[0] == pytest.approx(series, abs=1e-10)
    assert two.std_error[0] == pytest.approx(0, abs=1e-12)
    ss = np.random.SeedSequence(5)
    a = log_det_mc(W, RHOS, draws=50, seed=ss)
    b = log_det_mc(W, RHOS, draws=50, seed=ss)
    np.testing.assert_array_equal(a.value, b.value)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"rho": 1.0}, "rho="),
        ({"rho": 0.5, "order": 1}, "order="),
        ({"rho": 0.5, "draws": 1}, "draws"),
    ],
)
def test_bad_options(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(InvalidOptionError, match=match):
        log_det_mc(W, **kwargs)  # type: ignore[arg-type]
