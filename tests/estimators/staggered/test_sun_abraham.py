"""Sun-Abraham against (1) the saturated cohort x event-time regression written out here with
``ce.twfe`` and the IW aggregation done by hand (1e-10: same numbers, different assembly), and
(2) pyfixest 0.60.0 ``event_study(estimator="saturated").aggregate()`` (rtol 1e-6 for estimates,
its iterative demeaning; SEs rtol 1e-6). pyfixest 0.60 has no ``sunab``."""

from __future__ import annotations

import warnings

import numpy as np
import pyfixest as pf
import pytest

import countyeconomy as ce
from countyeconomy.errors import IdentificationError, RowsDroppedWarning
from countyeconomy.estimators.staggered._bacon_core import bacon_arrays, twfe_did_balanced
from countyeconomy.estimators.staggered.sun_abraham import sun_abraham
from tests.conftest import requires_data
from tests.estimators.staggered._data import diff_diff_mpdta, sim, true_tau_matrix, unbalanced

Y, G = "log_rural_income", "first_treated"


def test_matches_hand_written_saturated_regression() -> None:
    df = unbalanced(seed=11)
    ours = sun_abraham(df, Y, G, county="county", year="year")
    rel = df["year"] - df[G]
    cells = sorted({(int(g), int(r)) for g, r in zip(df[G], rel, strict=True) if g > 0 and r != -1})
    cols = {
        f"c{g}_{'m' if r < 0 else 'p'}{abs(r)}": ((df[G] == g) & (rel == r)).astype(float)
        for g, r in cells
    }
    sat = ce.twfe(
        df.assign(**cols), f"{Y} ~ {' + '.join(cols)} | county + year", county="county", year="year"
    )
    counts = np.array([c.sum() for c in cols.values()])
    ells = np.array([r for _, r in cells])
    times = sorted(set(ells))
    r = np.zeros((len(times) + 1, len(cells)))
    for i, t in enumerate(times):
        r[i, ells == t] = counts[ells == t] / counts[ells == t].sum()
    r[-1, ells >= 0] = counts[ells >= 0] / counts[ells >= 0].sum()
    b = sat.params.to_numpy()
    v = sat.vcov.to_numpy()
    np.testing.assert_allclose(ours.params.to_numpy(), r @ b, atol=1e-10)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), np.sqrt(np.diag(r @ v @ r.T)), rtol=1e-8)
    assert ours.event_times[:-1] == tuple(times)


def test_matches_pyfixest_saturated_aggregate() -> None:
    s = sim(seed=12, n=200)
    ours = sun_abraham(s.panel, Y, G)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = pf.event_study(
            s.panel.to_frame(),
            yname=Y,
            idname="county",
            tname="year",
            gname=G,
            estimator="saturated",
            cluster="county",
        )
        agg = m.aggregate()
    est = agg["Estimate"].to_numpy(dtype=float)
    se = agg["Std. Error"].to_numpy(dtype=float)
    np.testing.assert_allclose(ours.params.to_numpy()[:-1], est, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.std_errors.to_numpy()[:-1], se, rtol=1e-6)


def test_cohort_weights_exposed_and_sum_to_one() -> None:
    res = sun_abraham(sim(n=150).panel, Y, G)
    w = res.weights
    assert {"cohort", "event_time", "n", "weight"} <= set(w.columns)
    np.testing.assert_allclose(w.groupby("event_time")["weight"].sum(), 1.0)
    assert res.reference == -1 and -1 not in res.event_times
    assert res.event_frame().query("event_time == -1")["estimate"].item() == 0.0
    hc = res.with_vcov("hc1")
    assert not np.allclose(hc.std_errors, res.std_errors)
    np.testing.assert_allclose(hc.params, res.params)
    assert "layer" in res.plot().to_dict()


def test_last_treated_control() -> None:
    s = sim(n=150)
    with pytest.warns(RowsDroppedWarning, match="last-treated"):
        res = sun_abraham(s.panel, Y, G, control="last_treated")
    assert res.info.extra["control_cohorts"] == (0, 2020)
    assert 2020 not in set(res.weights["cohort"])
    df = s.panel.to_frame()
    no_never = df[df[G] > 0]
    with pytest.raises(IdentificationError, match="never-treated"):
        sun_abraham(no_never, Y, G, county="county", year="year")
    with pytest.warns(RowsDroppedWarning):
        sun_abraham(no_never, Y, G, control="last_treated", county="county", year="year")


def _truth_run(seeds: range) -> tuple[float, list[float], list[float]]:
    hits, twfe_z, expected_bias = 0, [], []
    for seed in seeds:
        s = sim(seed=seed, n=300)
        sa = sun_abraham(s.panel, Y, G)
        hits += abs(sa.params["ATT"] - s.att) < 3 * sa.std_errors["ATT"]
        tw = ce.twfe(s.panel, f"{Y} ~ policy | county + year")
        tau, d = true_tau_matrix(s)
        timing = np.where(d.any(1), d.argmax(1), d.shape[1])
        b = bacon_arrays(tau, timing)
        estimand = float(b.weight @ b.estimate)  # Bacon weights x noise-free 2x2 effects
        assert abs(estimand - twfe_did_balanced(tau, d)) < 1e-12
        twfe_z.append((float(tw.params["policy"]) - estimand) / float(tw.std_errors["policy"]))
        expected_bias.append(estimand - s.att)
    return hits / len(seeds), twfe_z, expected_bias


def test_known_truth_and_twfe_bias_3_seeds() -> None:
    share, z, bias = _truth_run(range(3))
    assert share == 1.0 and all(abs(v) < 3 for v in z)
    assert all(-0.10 < b < -0.06 for b in bias)


@pytest.mark.slow
def test_known_truth_and_twfe_bias_20_seeds() -> None:
    """SA's ATT is within 3 SE of the truth in >= 95% of 20 seeds; TWFE is centred on its
    Bacon-weighted estimand, about half of the true ATT (bias ~ -0.08 on a truth of ~0.16)."""
    share, z, bias = _truth_run(range(20))
    assert share >= 0.95
    assert np.mean(np.abs(z) < 3) >= 0.95
    assert all(-0.10 < b < -0.06 for b in bias)


def test_att_matches_diff_diff_sun_abraham() -> None:
    """diff-diff 3.13.0 ``SunAbraham`` (cluster by county): overall ATT and SE to rtol 1e-8."""
    dd = pytest.importorskip("diff_diff")
    s = sim(seed=1, n=300)
    ours = sun_abraham(s.panel, Y, G)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = dd.SunAbraham(cluster="county").fit(
            s.panel.to_frame(), outcome=Y, unit="county", time="year", first_treat=G
        )
    np.testing.assert_allclose(
        [ours.params["ATT"], ours.std_errors["ATT"]], [r.att, r.se], rtol=1e-8
    )


@requires_data
def test_mpdta_matches_diff_diff_sun_abraham() -> None:
    ours = sun_abraham(ce.datasets.load_mpdta(), "lemp", "first_treat")
    np.testing.assert_allclose(
        [ours.params["ATT"], ours.std_errors["ATT"]], diff_diff_mpdta("SunAbraham"), rtol=1e-8
    )
