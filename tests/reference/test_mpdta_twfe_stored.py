"""TWFE on mpdta against stored pyfixest numbers (see reference/mpdta_twfe.py for provenance).

Tolerances: 1e-10 relative for the coefficient, 1e-8 for standard errors: both are deterministic
linear algebra on 2,500 rows; the slack covers floating-point summation order only."""

from __future__ import annotations

import pytest

import countyeconomy as ce
from tests.reference import mpdta_twfe as ref


@pytest.mark.parametrize(
    ("vcov", "key"),
    [
        (ce.Cluster("county"), "CRV1 countyreal"),
        ("hc1", "hetero"),
        ("iid", "iid"),
        (ce.Cluster("county", "year"), "CRV1 countyreal+year"),
    ],
)
def test_mpdta_twfe_matches_stored_pyfixest(data_dir: object, vcov: object, key: str) -> None:
    res = ce.twfe(ce.datasets.load_mpdta(), "lemp ~ post | county + year", vcov=vcov)  # type: ignore[arg-type]
    assert res.params["post"] == pytest.approx(ref.POST_COEF, rel=1e-10)
    assert res.std_errors["post"] == pytest.approx(ref.POST_SE[key], rel=1e-8)
