"""dCDH DID_l against moderndid 0.2.0 ``did_multiplegt`` (a port of R/Stata
did_multiplegt_dyn): estimates and analytic SEs to rtol 1e-8 (same closed-form algebra) on a
binary staggered panel and on a non-binary treatment that switches on and off."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import IdentificationError, InvalidOptionError, PanelStructureError
from countyeconomy.estimators.staggered.dcdh import did_multiplegt
from tests.conftest import requires_data
from tests.estimators.staggered._data import sim

md = pytest.importorskip("moderndid")


def _theirs(
    df: pd.DataFrame, y: str, d: str, effects: int, placebo: int, normalized: bool = False
) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return md.did_multiplegt(
            df,
            yname=y,
            tname="year",
            idname="cid",
            dname=d,
            effects=effects,
            placebo=placebo,
            normalized=normalized,
        )


def _assert_close(ours, theirs, effects: int, placebo: int) -> None:  # type: ignore[no-untyped-def]
    eff = [f"event_time::{k - 1}" for k in range(1, effects + 1)]
    pls = [f"event_time::{-k - 1}" for k in range(1, placebo + 1)]
    np.testing.assert_allclose(ours.params[eff], theirs.effects.estimates, rtol=1e-8)
    np.testing.assert_allclose(ours.std_errors[eff], theirs.effects.std_errors, rtol=1e-8)
    np.testing.assert_allclose(ours.params[pls], theirs.placebos.estimates, rtol=1e-8)
    np.testing.assert_allclose(ours.std_errors[pls], theirs.placebos.std_errors, rtol=1e-8)
    n = ours.to_frame().set_index("term")["n_switchers"]
    np.testing.assert_array_equal(n[eff].to_numpy(), theirs.effects.n_switchers)


def test_binary_staggered_matches_moderndid() -> None:
    s = sim(seed=1, n=300)
    df = s.panel.to_frame().assign(cid=lambda f: f["county"].astype(int))
    ours = did_multiplegt(
        df, "log_rural_income", "policy", effects=3, placebo=2, county="county", year="year"
    )
    _assert_close(ours, _theirs(df, "log_rural_income", "policy", 3, 2), 3, 2)
    assert ours.event_times == (-3, -2, 0, 1, 2)


def _switching(seed: int = 0, n_g: int = 120, n_t: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = np.zeros((n_g, n_t))
    for g in range(n_g):
        f = rng.integers(2, n_t + 3)
        if f < n_t:
            d[g, f:] = rng.choice([1, 2])
        if f < n_t - 2 and rng.random() < 0.3:
            d[g, f + 2 :] = 0  # switches off again
    y = rng.normal(size=(n_g, n_t)) + 0.5 * d + rng.normal(size=n_g)[:, None]
    return pd.DataFrame(
        {
            "cid": np.repeat(np.arange(n_g), n_t),
            "year": np.tile(np.arange(2001, 2001 + n_t), n_g),
            "y": y.ravel(),
            "d": d.ravel(),
        }
    )


def test_nonbinary_switching_matches_moderndid() -> None:
    df = _switching()
    ours = did_multiplegt(df, "y", "d", effects=3, placebo=2, county="cid", year="year")
    _assert_close(ours, _theirs(df, "y", "d", 3, 2), 3, 2)
    assert 0 <= ours.pretrend.p_value <= 1


def test_hand_computed_did1_small_example() -> None:
    # 4 units x 3 periods; unit 0 switches in at t=2, unit 1 at t=3, units 2-3 never.
    y = np.array([[1.0, 3.0, 4.0], [2.0, 2.5, 5.0], [0.0, 1.0, 1.5], [1.0, 1.0, 2.5]])
    d = np.array([[0, 1, 1], [0, 0, 1], [0, 0, 0], [0, 0, 0]], dtype=float)
    df = pd.DataFrame(
        {
            "cid": np.repeat(range(4), 3),
            "year": np.tile([1, 2, 3], 4),
            "y": y.ravel(),
            "d": d.ravel(),
        }
    )
    res = did_multiplegt(df, "y", "d", county="cid", year="year")
    # unit 0: (3-1) - mean of controls {1,2,3} over t1->t2: (0.5+1+0)/3 = 0.5 -> 1.5
    # unit 1: (5-2.5) - mean of controls {2,3} over t2->t3: (0.5+1.5)/2 = 1.0 -> 1.5
    assert res.params["event_time::0"] == pytest.approx(1.5)


def test_errors_and_protocol() -> None:
    df = sim(n=60).panel.to_frame()
    with pytest.raises(PanelStructureError, match="balanced"):
        did_multiplegt(df.iloc[1:], "log_rural_income", "policy", county="county", year="year")
    with pytest.raises(InvalidOptionError):
        did_multiplegt(df, "log_rural_income", "policy", effects=0, county="county", year="year")
    with pytest.raises(IdentificationError, match="never changes"):
        did_multiplegt(
            df.assign(policy=0), "log_rural_income", "policy", county="county", year="year"
        )
    res = did_multiplegt(
        df, "log_rural_income", "policy", effects=2, placebo=1, county="county", year="year"
    )
    assert "layer" in res.plot().to_dict()
    assert list(res.to_frame().columns[:7]) == [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "ci_low",
        "ci_high",
    ]
    assert res.event_vcov.shape == (3, 3)


@requires_data
def test_mpdta_matches_moderndid() -> None:
    panel = ce.datasets.load_mpdta()
    ours = did_multiplegt(panel, "lemp", "post", effects=2, placebo=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = md.did_multiplegt(
            panel.to_frame(),
            yname="lemp",
            tname="year",
            idname="countyreal",
            dname="post",
            effects=2,
            placebo=2,
        )
    _assert_close(ours, theirs, 2, 2)


def test_clustered_close_to_moderndid() -> None:
    """Clustering by province: estimates to 1e-8; SEs within 0.2% (moderndid 0.2.0's
    degrees-of-freedom bookkeeping for cohorts spanning clusters differs slightly from ours:
    sqrt(n / (n - 1)) with n the distinct clusters of each cohort)."""
    s = sim(seed=1, n=300)
    df = s.panel.to_frame().assign(
        cid=lambda f: f["county"].astype(int), prov=lambda f: f["province"].str[1:].astype(int)
    )
    ours = did_multiplegt(
        df,
        "log_rural_income",
        "policy",
        effects=2,
        placebo=1,
        vcov="prov",
        county="county",
        year="year",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = md.did_multiplegt(
            df,
            yname="log_rural_income",
            tname="year",
            idname="cid",
            dname="policy",
            effects=2,
            placebo=1,
            cluster="prov",
        )
    np.testing.assert_allclose(
        ours.params[["event_time::0", "event_time::1"]], theirs.effects.estimates, rtol=1e-8
    )
    np.testing.assert_allclose(
        ours.std_errors[["event_time::0", "event_time::1"]], theirs.effects.std_errors, rtol=2e-3
    )
    np.testing.assert_allclose(
        ours.std_errors[["event_time::-2"]], theirs.placebos.std_errors, rtol=2e-3
    )
    assert ours.info.clusters == {"prov": 31}


def test_normalized_matches_moderndid() -> None:
    df = _switching(seed=3)
    ours = did_multiplegt(
        df, "y", "d", effects=3, placebo=2, normalized=True, county="cid", year="year"
    )
    _assert_close(ours, _theirs(df, "y", "d", 3, 2, normalized=True), 3, 2)
    assert ours.info.extra["normalized"] is True


def test_known_truth_over_seeds() -> None:
    """DID_l (effect of having switched l periods ago) against the simulator's truth: with equal
    cohort shares and never-treated controls for every cohort, the estimand is the mean true
    ATT(g, g + l - 1) over cohorts. Within 3 SE in at least 19 of 20 seeds for l = 1 and l = 3."""
    hits = {1: 0, 3: 0}
    for seed in range(20):
        s = sim(seed=seed, n=300)
        res = did_multiplegt(
            s.panel, "log_rural_income", "policy", effects=3, county="county", year="year"
        )
        truth = s.att_gt.groupby("event_time")["att"].mean()
        for lag in hits:
            est = res.params[f"event_time::{lag - 1}"]
            se = res.std_errors[f"event_time::{lag - 1}"]
            hits[lag] += abs(est - truth[lag - 1]) < 3 * se
    assert hits[1] >= 19 and hits[3] >= 19, hits
