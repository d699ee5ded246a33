"""HonestDiD against the published Benzarti-Carloni output of the R and Stata packages."""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

import countyeconomy as ce
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.robustness import EventStudyInputs, EventStudyLike, HonestDiDResult, honest_did
from countyeconomy.robustness._honest_arp import dual_vertices
from countyeconomy.robustness._honest_flci import optimal_flci
from tests.robustness import bc_reference as ref

BETA = np.asarray(ref.BETAHAT)
SIGMA = np.asarray(ref.SIGMA)
BC = EventStudyInputs.from_arrays(BETA, SIGMA, num_pre=ref.NUM_PRE)
E3 = [0.0, 0.0, 1.0, 0.0]


def _rm(mbar: list[float], **kw: object) -> HonestDiDResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CountyEconomyWarning)  # sets reaching R's grid end
        return honest_did(BC, mbar=mbar, **kw)  # type: ignore[arg-type]


def _printed(x: float) -> float:
    """Half a unit in the third significant digit: the rounding of the printed R numbers."""
    return 0.5 * 10 ** (np.floor(np.log10(abs(x))) - 2) if x else 0.0


def _assert_close(
    res: HonestDiDResult, table: dict[float, tuple[float, float]], tol: float
) -> None:
    """``tol`` is the numerical tolerance on top of the printed rounding."""
    got = res.bounds.set_index("m")
    for m, (lo, hi) in table.items():
        row = got.loc[min(got.index, key=lambda v: abs(v - m))]
        assert row["ci_low"] == pytest.approx(lo, abs=tol + _printed(lo)), m
        assert row["ci_high"] == pytest.approx(hi, abs=tol + _printed(hi)), m


def test_rm_default_table_matches_r() -> None:
    # R: 1000 grid points (step 7.6e-4) and 1000 least-favourable draws from R's RNG; printed to
    # 3 significant digits. Tolerance: one grid step + the Monte Carlo error of the
    # least-favourable critical value (different draws) -> 1.5e-3 beyond rounding.
    res = _rm(list(np.linspace(0, 2, 10)))
    _assert_close(res, {round(k, 4): v for k, v in ref.RM_DEFAULT.items()}, 1.5e-3)
    assert 1.5556 < res.breakdown < 1.7778  # type: ignore[operator]
    assert res.original == pytest.approx(ref.ORIGINAL_E1, abs=1e-9)


def test_rm_coarse_grid_matches_r_and_stata() -> None:
    # 100 grid points in [-1, 1]: endpoints sit on grid points, so only print rounding remains.
    res = _rm([0, 0.5, 1, 1.5, 2], grid=(-1.0, 1.0), grid_points=100)
    _assert_close(res, ref.RM_GRID100_E1, 1e-4)
    # l = e_3 with the pure conditional test: with the hybrid, the Mbar = 2 endpoints sit on the
    # knife-edge of the least-favourable critical value, and our draws differ from R's.
    alt = _rm([0, 0.5, 1, 1.5, 2], grid=(-1.0, 1.0), grid_points=100, l_vec=E3, hybrid=False)
    _assert_close(alt, ref.RM_GRID100_E3, 1e-4)
    cond = _rm([0, 0.5, 1, 1.5, 2], grid=(-1.0, 1.0), grid_points=100, hybrid=False)
    _assert_close(cond, ref.RM_GRID100_E1, 1e-4)  # the doc: Conditional and C-LF identical here


def test_sd_flci_matches_r() -> None:
    # R optimises the FLCI on a grid of standard deviations and takes the folded-normal quantile
    # from 1e6 draws; ours is the exact optimum, so it may be marginally shorter: 1e-3 beyond
    # rounding.
    res = honest_did(BC, method="smoothness", m=list(ref.SD_FLCI_E1))
    _assert_close(res, ref.SD_FLCI_E1, 1e-3)
    alt = honest_did(BC, method="smoothness", m=list(ref.SD_FLCI_E3), l_vec=E3)
    _assert_close(alt, ref.SD_FLCI_E3, 1e-3)
    grid = [k * ref.SD_MPRE_UPPER / 9 for k in range(1, 10)]
    dflt = honest_did(BC, method="smoothness", m=grid)
    _assert_close(dflt, dict(zip(grid, ref.SD_FLCI_E1_DEFAULT_GRID, strict=True)), 1e-3)
    half = (dflt.bounds["ci_high"] - dflt.bounds["ci_low"]) / 2
    r_half = np.array([(h - lo) / 2 for lo, h in ref.SD_FLCI_E1_DEFAULT_GRID])
    assert (half.to_numpy() <= r_half + 6e-4).all()  # never longer than R's (up to rounding)


def test_flci_weights_are_unbiased_under_linear_trends() -> None:
    f = optimal_flci(BETA, SIGMA, 4, np.array([1.0, 0, 0, 0]), 0.1, 0.05)
    t = np.array([-5, -4, -3, -2, 0, 1, 2, 3]) + 1.0  # event time relative to the reference
    assert f.weights @ t == pytest.approx(0.0, abs=1e-8)
    assert f.weights[4:] == pytest.approx([1, 0, 0, 0])
    assert f.sd == pytest.approx(np.sqrt(f.weights @ SIGMA @ f.weights))


def test_dual_vertices_reproduce_the_lp_statistic() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        m, k = 7, 2
        x = rng.normal(size=(m, k))
        sd = rng.uniform(0.5, 2, size=m)
        y = rng.normal(size=m)
        lp = optimize.linprog(
            np.r_[1.0, np.zeros(k)],
            A_ub=-np.column_stack([sd, x]),
            b_ub=-y,
            bounds=[(None, None)] * (k + 1),
            method="highs",
        )
        verts = dual_vertices(sd, x)
        if not lp.success:
            assert verts.shape[0] == 0
            continue
        assert (verts @ y).max() == pytest.approx(lp.fun, abs=1e-9)


def test_one_post_period_mbar_zero_is_the_usual_interval() -> None:
    one = EventStudyInputs.from_arrays(BETA[:5], SIGMA[:5, :5], num_pre=4)
    res = honest_did(one, mbar=[0.0], hybrid=False, grid_points=4001)
    step = 40 * np.sqrt(SIGMA[4, 4]) / 4000
    assert res.bounds["ci_low"].iloc[0] == pytest.approx(res.original[0], abs=step)
    assert res.bounds["ci_high"].iloc[0] == pytest.approx(res.original[1], abs=step)


def test_event_study_result_adapter() -> None:
    sim = ce.datasets.simulate_staggered_panel(seed=2, n_counties=150)
    es = ce.event_study(sim.panel, "log_rural_income", "first_treated", window=(-4, 3))
    res = honest_did(es, mbar=[0, 1], seed=1)
    inp = res.inputs
    assert inp.event_times == (-4, -3, -2, 0, 1, 2, 3)
    assert (inp.num_pre, inp.num_post) == (3, 4)
    labels = list(inp.event_times)
    vcov = es.event_vcov() if callable(es.event_vcov) else es.event_vcov  # property or method
    np.testing.assert_allclose(inp.sigma, vcov.loc[labels, labels].to_numpy())
    frame = es.event_frame().set_index("event_time")
    np.testing.assert_allclose(inp.betahat, frame.loc[labels, "estimate"].to_numpy())
    assert honest_did(es, mbar=[0], num_pre=2).inputs.event_times[0] == -3
    chart = res.plot().to_dict()
    assert chart["$schema"].startswith("https://vega.github.io/schema/vega-lite")
    assert "Breakdown value" in repr(res)
    assert list(res.to_frame().columns) == ["m", "ci_low", "ci_high", "excludes_zero", "ci_method"]


def test_bad_input() -> None:
    with pytest.raises(InvalidOptionError, match="method"):
        honest_did(BC, method="bogus")  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="l_vec"):
        honest_did(BC, l_vec=[1.0, 0.0])
    with pytest.raises(InvalidOptionError, match="mbar"):
        honest_did(BC, mbar=[-1.0])
    with pytest.raises(InvalidOptionError, match="sigma"):
        EventStudyInputs.from_arrays(BETA, SIGMA[:3, :3], num_pre=4)
    with pytest.raises(InvalidOptionError, match="event-study result"):
        honest_did(pd.DataFrame({"a": [1]}))


def test_nonconsecutive_event_times_raise() -> None:
    class Gappy:
        times = (-3, -2, 0, 2)
        event_vcov = pd.DataFrame(np.eye(4) * 0.01, index=times, columns=times)

        def event_frame(self, level: float = 0.95) -> pd.DataFrame:
            return pd.DataFrame(
                {"event_time": [*self.times, -1], "estimate": [0, 0.1, 0.2, 0.3, 0]}
            )

    assert isinstance(Gappy(), EventStudyLike)
    with pytest.raises(IdentificationError, match="consecutive"):
        honest_did(Gappy())


def test_moderndid_agrees() -> None:
    md = pytest.importorskip("moderndid")  # moderndid==0.2.0 with the [didhonest] extra
    sd = float(np.sqrt(SIGMA[4, 4]))
    grid = [0.0, 0.6667, 1.5556]
    theirs = md.create_sensitivity_results_rm(
        betahat=BETA, sigma=SIGMA, num_pre_periods=4, num_post_periods=4, m_bar_vec=grid,
        grid_lb=-20 * sd, grid_ub=20 * sd, grid_points=400,
    )  # fmt: skip
    ours = _rm(grid, grid_points=400)
    # Same 400-point grid (step 1.9e-3); 1000 least-favourable draws from different generators:
    # one grid step plus Monte Carlo error, 3e-3.
    np.testing.assert_allclose(ours.bounds["ci_low"], theirs["lb"].to_numpy(), atol=3e-3)
    np.testing.assert_allclose(ours.bounds["ci_high"], theirs["ub"].to_numpy(), atol=3e-3)
    sm = md.create_sensitivity_results_sm(
        betahat=BETA, sigma=SIGMA, num_pre_periods=4, num_post_periods=4, m_vec=[0, 0.1, 0.2]
    )
    flci = honest_did(BC, method="smoothness", m=[0, 0.1, 0.2])
    np.testing.assert_allclose(flci.bounds["ci_low"], sm["lb"].to_numpy(), atol=1e-3)
    np.testing.assert_allclose(flci.bounds["ci_high"], sm["ub"].to_numpy(), atol=1e-3)


def test_callaway_santanna_and_sun_abraham_adapters() -> None:
    att_gt, sun_abraham = ce.att_gt, ce.sun_abraham
    sim = ce.datasets.simulate_staggered_panel(seed=2, n_counties=120)
    panel = sim.panel
    cs = att_gt(panel, "log_rural_income", "first_treated", base_period="universal")
    dyn = cs.aggregate("dynamic")
    res = honest_did(dyn, mbar=[0.0], num_pre=3)
    frame = dyn.to_frame().dropna(subset=["event_time"]).set_index("event_time")
    times = list(res.inputs.event_times)
    assert -1 not in times and times[:3] == [-4, -3, -2]
    np.testing.assert_allclose(res.inputs.betahat, frame.loc[times, "estimate"].to_numpy())
    with pytest.raises(InvalidOptionError, match="universal"):
        honest_did(att_gt(panel, "log_rural_income", "first_treated").aggregate("dynamic"))
    sa = sun_abraham(panel, "log_rural_income", "first_treated")
    res_sa = honest_did(sa, mbar=[0.0], num_pre=2)
    assert res_sa.inputs.source == type(sa).__name__
    assert res_sa.inputs.num_pre == 2


def test_breakdown_is_nan_when_it_does_not_exist() -> None:
    flat = EventStudyInputs.from_arrays([*BETA[:4].tolist(), 0.0], SIGMA[:5, :5], num_pre=4)
    res = honest_did(flat, mbar=[0.0, 1.0])
    assert isinstance(res.breakdown, float) and np.isnan(res.breakdown)
    assert "none (the CI covers 0" in repr(res)


def test_retired_names_warn_and_give_the_same_numbers() -> None:
    new = _rm([0.0, 1.0], level=0.9, draws=200, seed=3)
    with pytest.warns(FutureWarning, match="level="):
        old_alpha = _rm([0.0, 1.0], alpha=0.1, draws=200, seed=3)
    with pytest.warns(FutureWarning, match="draws="):
        old_sims = _rm([0.0, 1.0], level=0.9, lf_sims=200, seed=3)
    for old in (old_alpha, old_sims):
        pd.testing.assert_frame_equal(old.bounds, new.bounds)
    assert new.alpha == pytest.approx(0.1)


def test_seed_objects_are_not_consumed() -> None:
    ss = np.random.SeedSequence(5)
    a = _rm([1.0], seed=ss, draws=100)
    b = _rm([1.0], seed=ss, draws=100)
    pd.testing.assert_frame_equal(a.bounds, b.bounds)
    c = _rm([1.0], seed=np.random.default_rng(ss), draws=100)
    pd.testing.assert_frame_equal(a.bounds, c.bounds)
    d = _rm([1.0], seed=5, draws=100)
    pd.testing.assert_frame_equal(a.bounds, d.bounds)


def test_bad_arguments_are_named() -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"level": 1.5}, "level=1.5"),
        ({"level": "high"}, "level='high'"),
        ({"grid_points": 1}, "grid_points=1"),
        ({"draws": 0}, "draws=0"),
        ({"grid": (1.0, -1.0)}, "grid="),
        ({"grid": "wide"}, "grid="),
        ({"num_pre": 9}, "num_pre=9"),
        ({"mbar": ["a"]}, "mbar"),
        ({"l_vec": ["x", 1, 0, 0]}, "l_vec"),
        ({"seed": -3}, "seed=-3"),
    ]
    for kw, msg in cases:
        with pytest.raises(ce.CountyEconomyError, match=re.escape(msg)):
            honest_did(BC, **kw)  # type: ignore[arg-type]
    with pytest.raises(ce.CountyEconomyError, match="event_study_result"):
        honest_did(object())


def test_results_follow_the_contract_and_pickle() -> None:
    from countyeconomy.results import FitInfo, PostEstimationResult

    res = _rm([0.0, 0.5])
    assert isinstance(res, PostEstimationResult)
    assert isinstance(res.info, FitInfo) and res.info.method == "honest_did"
    assert res.info.nobs == len(BETA)
    back = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(back.to_frame(), res.to_frame())
    assert back.breakdown == res.breakdown and back.options == res.options
    np.testing.assert_array_equal(back.inputs.sigma, SIGMA)
    assert not res.l_vec.flags.writeable and not res.inputs.betahat.flags.writeable
    with pytest.raises(TypeError):
        res.options["seed"] = 1  # type: ignore[index]
    inp = pickle.loads(pickle.dumps(BC))
    assert inp.event_times == BC.event_times and isinstance(inp, PostEstimationResult)
