"""Randomization placebo test: batched statistics equal real refits, p-values are uniform under
the null, the same seed gives the same numbers on a dask LocalCluster, and bad input is named."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import countyeconomy as ce
from countyeconomy.errors import (
    CountyEconomyError,
    CountyEconomyWarning,
    IdentificationError,
    InvalidOptionError,
    TreatmentTimingError,
)
from countyeconomy.inference import placebo_assignments, placebo_test, wild_bootstrap

FORMULA = "log_rural_income ~ policy + log_gdp_pc | county + year"


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    frame: pd.DataFrame = ce.datasets.simulate_staggered_panel(seed=4, n_counties=120).panel.frame
    return frame.copy()


def _refit(frame: pd.DataFrame, rows: np.ndarray, column: np.ndarray, **kw: object) -> object:
    data = frame.copy()
    col = list(data.columns).index("policy")
    data.iloc[rows, col] = column
    return ce.twfe(data, FORMULA, county="county", year="year", **kw)  # type: ignore[arg-type]


@pytest.mark.filterwarnings("ignore::countyeconomy.errors.CountyEconomyWarning")
@pytest.mark.parametrize(
    ("vcov", "scheme", "group"),
    [
        (ce.Cluster("county"), "permute_counties", None),
        (ce.Cluster("province"), "within_group", "province"),
        ("hc1", "permute_timing", None),
        ("iid", "permute_counties", None),
        (ce.Cluster("county", "year"), "permute_counties", None),
    ],
)
@pytest.mark.parametrize("method", ["generic", "auto"])
def test_batched_equals_refits(
    sim: pd.DataFrame, vcov: object, scheme: str, group: str | None, method: str
) -> None:
    """Both batched paths (the grid path applies to the balanced panel under iid and clusters
    nesting counties; hc1 and two-way clustering use the generic path) equal real refits."""
    res = ce.twfe(sim, FORMULA, county="county", year="year", vcov=vcov)  # type: ignore[arg-type]
    kw = {"draws": 19, "scheme": scheme, "group": group, "seed": 11, "chunk": 4}
    out = placebo_test(res, "policy", progress=False, method=method, **kw)  # type: ignore[arg-type]
    cols = placebo_assignments(res, "policy", **kw)  # type: ignore[arg-type]
    for b in range(6):  # refit the first 6 of the 19 draws
        ref = _refit(sim, res.estimation_rows, cols[b].to_numpy(), vcov=vcov)
        assert out.coefs[b] == pytest.approx(float(ref.params["policy"]), abs=1e-10, rel=1e-10)  # type: ignore[attr-defined]
        assert out.tstats[b] == pytest.approx(float(ref.tstats["policy"]), abs=1e-10, rel=1e-10)  # type: ignore[attr-defined]


@pytest.mark.filterwarnings("ignore::countyeconomy.errors.CountyEconomyWarning")
@pytest.mark.filterwarnings("ignore::countyeconomy.errors.CountyEconomyWarning")
@pytest.mark.parametrize(
    ("vcov", "scheme", "group", "formula"),
    [
        (ce.Cluster("county"), "permute_counties", None, FORMULA),
        (ce.Cluster("province"), "within_group", "province", FORMULA),
        ("iid", "permute_timing", None, FORMULA),
        (
            ce.Cluster("county"),
            "permute_counties",
            None,
            "log_rural_income ~ policy | county + year",
        ),
    ],
)
def test_grid_path_equals_generic_path(
    sim: pd.DataFrame, vcov: object, scheme: str, group: str | None, formula: str
) -> None:
    res = ce.twfe(sim, formula, county="county", year="year", vcov=vcov)  # type: ignore[arg-type]
    kw = {"draws": 120, "scheme": scheme, "group": group, "seed": 3, "progress": False}
    grid = placebo_test(res, "policy", method="grid", **kw)  # type: ignore[arg-type]
    generic = placebo_test(res, "policy", method="generic", **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(grid.coefs, generic.coefs, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grid.tstats, generic.tstats, rtol=1e-10, atol=1e-10)


def test_grid_path_refuses_unbalanced_or_hc1(sim: pd.DataFrame) -> None:
    res = ce.twfe(sim, FORMULA, county="county", year="year", vcov="hc1")
    with pytest.raises(InvalidOptionError, match="method='grid' needs"):
        placebo_test(res, "policy", method="grid", progress=False)
    unbalanced = sim.drop(index=sim.index[::7])
    res = ce.twfe(unbalanced, FORMULA, county="county", year="year")
    with pytest.raises(InvalidOptionError, match="balanced panel"):
        placebo_test(res, "policy", method="grid", progress=False)
    out = placebo_test(res, "policy", draws=19, seed=1, progress=False)  # auto: generic path
    cols = placebo_assignments(res, "policy", draws=19, seed=1)
    ref = _refit(unbalanced, res.estimation_rows, cols[0].to_numpy())
    assert out.coefs[0] == pytest.approx(float(ref.params["policy"]), rel=1e-10)  # type: ignore[attr-defined]


@pytest.mark.filterwarnings("ignore::countyeconomy.errors.CountyEconomyWarning")
def test_reassignment_keeps_cohort_structure(sim: pd.DataFrame) -> None:
    res = ce.twfe(sim, FORMULA, county="county", year="year")
    rows = res.estimation_rows
    real = sim.iloc[rows]

    def cohorts(d: np.ndarray) -> pd.Series:
        first = real.assign(d=d).query("d == 1").groupby("county")["year"].min()
        return first.reindex(real["county"].unique())

    base = cohorts(real["policy"].to_numpy())
    for scheme, group in [
        ("permute_counties", None),
        ("permute_timing", None),
        ("within_group", "province"),
    ]:
        cols = placebo_assignments(res, "policy", draws=5, scheme=scheme, group=group, seed=2)
        for b in range(5):
            c = cohorts(cols[b].to_numpy())
            # same cohort sizes (never treated = NaN counted too)
            assert (
                c.value_counts(dropna=False)
                .sort_index()
                .equals(base.value_counts(dropna=False).sort_index())
            )
            if scheme == "permute_timing":
                assert c.isna().equals(base.isna())
            if scheme == "within_group":
                prov = real.groupby("county")["province"].first().reindex(c.index)
                for _, idx in prov.groupby(prov).groups.items():
                    assert sorted(c[idx].fillna(0)) == sorted(base[idx].fillna(0))


def test_result_api_and_plot(sim: pd.DataFrame) -> None:
    res = ce.twfe(sim, FORMULA, county="county", year="year")
    out = placebo_test(res, "policy", draws=60, seed=1, progress=False)
    assert out.draws == 60 and out.distribution().shape == (60, 2)
    assert set(out.to_frame().columns) >= {"p_value", "p_value_greater", "p_value_less"}
    assert out.p_value_greater + out.p_value_less >= 1.0 - 1e-12
    assert "Placebo test" in repr(out)
    spec = out.plot().to_dict()
    assert "layer" in spec
    assert "layer" in out.plot(statistic="t").to_dict()


def _null_panel(seed: int, n_c: int = 60, n_t: int = 8) -> pd.DataFrame:
    """Sharp null: outcome independent of treatment; cohorts assigned by a random permutation
    of 20 never / 20 at year 4 / 20 at year 6, the design permute_counties reproduces."""
    rng = np.random.default_rng(seed)
    cohort = rng.permutation(np.repeat([np.inf, 4.0, 6.0], n_c // 3))
    county = np.repeat(np.arange(n_c), n_t)
    year = np.tile(np.arange(n_t), n_c)
    y = rng.normal(size=n_c)[county] + 0.2 * year + rng.normal(size=n_c * n_t)
    y += 0.5 * rng.normal(size=n_c)[county] * (year / n_t)  # county trends: heteroskedastic
    return pd.DataFrame(
        {
            "county": county,
            "year": year,
            "y": y,
            "x": rng.normal(size=n_c * n_t),
            "d": (year >= cohort[county]).astype(float),
        }
    )


def _null_pvalues(seeds: range, draws: int) -> np.ndarray:
    out = []
    for s in seeds:
        res = ce.twfe(_null_panel(s), "y ~ d + x | county + year", county="county", year="year")
        out.append(placebo_test(res, "d", draws=draws, seed=s, progress=False).p_value)
    return np.asarray(out)


def test_null_pvalues_uniform_few_seeds() -> None:
    p = _null_pvalues(range(40), 99)
    assert stats.kstest(p, "uniform").pvalue > 0.001
    assert 0.3 < p.mean() < 0.7


@pytest.mark.slow
def test_null_pvalues_uniform_ks_many_seeds() -> None:
    p = _null_pvalues(range(400), 199)
    assert stats.kstest(p, "uniform").pvalue > 0.01
    assert abs(np.mean(p <= 0.05) - 0.05) < 0.035


def test_same_seed_same_numbers_serial_and_threads(sim: pd.DataFrame) -> None:
    res = ce.twfe(sim, FORMULA, county="county", year="year")
    a = placebo_test(res, "policy", draws=40, seed=5, chunk=7, progress=False)
    with ThreadPoolExecutor(2) as pool:
        b = placebo_test(res, "policy", draws=40, seed=5, chunk=7, executor=pool, progress=False)
    np.testing.assert_array_equal(a.coefs, b.coefs)
    np.testing.assert_array_equal(a.tstats, b.tstats)
    c = placebo_test(res, "policy", draws=40, seed=6, chunk=7, progress=False)
    assert not np.array_equal(a.coefs, c.coefs)


def test_dask_local_cluster_same_numbers(sim: pd.DataFrame) -> None:
    distributed = pytest.importorskip("distributed")
    res = ce.twfe(sim, FORMULA, county="county", year="year", vcov=ce.Cluster("province"))
    serial_p = placebo_test(res, "policy", draws=30, seed=3, chunk=8, progress=False)
    serial_w = wild_bootstrap(
        res, "policy", draws=999, seed=3, chunk=200, distribution="webb", progress=False
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        )
        client = distributed.Client(cluster)
    try:
        ex = client.get_executor()
        dist_p = placebo_test(res, "policy", draws=30, seed=3, chunk=8, executor=ex, progress=False)
        dist_w = wild_bootstrap(
            res,
            "policy",
            draws=999,
            seed=3,
            chunk=200,
            distribution="webb",
            executor=ex,
            progress=False,
        )
    finally:
        client.close()
        cluster.close()
    np.testing.assert_array_equal(serial_p.coefs, dist_p.coefs)
    np.testing.assert_array_equal(serial_p.tstats, dist_p.tstats)
    np.testing.assert_array_equal(serial_w.t_boot, dist_w.t_boot)
    assert (serial_w.p_value, serial_w.ci_low) == (dist_w.p_value, dist_w.ci_low)


def test_bad_input(sim: pd.DataFrame) -> None:
    res = ce.twfe(sim, FORMULA, county="county", year="year")
    with pytest.raises(InvalidOptionError, match="needs group="):
        placebo_test(res, "policy", scheme="within_group", progress=False)
    with pytest.raises(InvalidOptionError, match="only used with scheme='within_group'"):
        placebo_test(res, "policy", group="province", progress=False)
    with pytest.raises(InvalidOptionError, match="scheme='shuffle'"):
        placebo_test(res, "policy", scheme="shuffle", progress=False)
    with pytest.raises(TreatmentTimingError, match="0/1"):
        placebo_test(res, "log_gdp_pc", progress=False)
    with pytest.raises(InvalidOptionError, match="draws=18 is too few; at least 19"):
        placebo_test(res, "policy", draws=18, progress=False)
    with pytest.raises(InvalidOptionError, match=r"needs a fitted linear model.*placebo_refit"):
        placebo_test(object(), "policy")
    with pytest.raises(InvalidOptionError, match="varies within county"):
        placebo_test(res, "policy", scheme="within_group", group="year", progress=False)


def test_bad_timing_structures() -> None:
    df = _null_panel(1)
    # switching off
    off = df.copy()
    off.loc[
        (off["county"] == off.loc[off["d"] == 1, "county"].iloc[0]) & (off["year"] == 7), "d"
    ] = 0
    res = ce.twfe(off, "y ~ d + x | county + year", county="county", year="year")
    with pytest.raises(TreatmentTimingError, match="not absorbing in 1 county"):
        placebo_test(res, "d", progress=False)
    # one adoption year: nothing to permute in time
    one = df.assign(d=((df["year"] >= 4) & (df["county"] < 20)).astype(float))
    res = ce.twfe(one, "y ~ d + x | county + year", county="county", year="year")
    with pytest.raises(CountyEconomyError, match="all 20 treated counties adopt in the same year"):
        placebo_test(res, "d", scheme="permute_timing", progress=False)
    # groups: 0-19 all treated (with two cohorts), 20-59 mixed
    grp = one.assign(
        prov=np.where(one["county"] < 20, 0, 1),
        d=np.where(one["county"] < 20, (one["year"] >= 4 + (one["county"] % 2)), one["d"]).astype(
            float
        ),
    )
    grp.loc[grp["county"].between(20, 29), "d"] = (grp["year"] >= 5).astype(float)
    res = ce.twfe(grp, "y ~ d + x | county + year", county="county", year="year")
    with pytest.warns(
        CountyEconomyWarning, match="1 of 2 groups of 'prov' have treated but no untreated"
    ):
        placebo_test(res, "d", scheme="within_group", group="prov", draws=19, progress=False)
    # every group a single cohort: nothing changes
    same = df.assign(
        prov=df["county"] % 3, d=(df["year"] >= 4).astype(float) * (df["county"] % 3 == 0)
    )
    res = ce.twfe(same, "y ~ d + x | county + year", county="county", year="year")
    with pytest.raises(CountyEconomyError, match="all counties share one cohort"):
        placebo_test(res, "d", scheme="within_group", group="prov", progress=False)
    # everybody treated
    allt = df.assign(d=(df["year"] >= 3 + df["county"] % 2).astype(float))
    res = ce.twfe(allt, "y ~ d + x | county + year", county="county", year="year")
    with pytest.raises(IdentificationError, match="60 of 60 counties are treated"):
        placebo_test(res, "d", progress=False)


def _policy_from_cohort(df: pd.DataFrame) -> pd.DataFrame:
    g = df["first_treated"]
    return df.assign(policy=((g > 0) & (df["year"] >= g)).astype(float))


def test_refit_fallback_reproduces_batched_draws(sim: pd.DataFrame) -> None:
    """placebo_refit with a TWFE refit gives exactly the batched placebo_test draws."""
    from countyeconomy.inference import placebo_refit

    data = _policy_from_cohort(sim)
    res = ce.twfe(data, FORMULA, county="county", year="year")

    def fit(df: pd.DataFrame) -> float:
        out = ce.twfe(_policy_from_cohort(df), FORMULA, county="county", year="year")
        return float(out.params["policy"])

    kw = {"draws": 19, "seed": 8, "chunk": 3, "progress": False}
    batched = placebo_test(res, "policy", **kw)  # type: ignore[arg-type]
    refit = placebo_refit(data, fit, cohort="first_treated", county="county", year="year", **kw)  # type: ignore[arg-type]
    np.testing.assert_allclose(refit.coefs, batched.coefs, rtol=1e-10, atol=1e-12)
    assert refit.estimate == pytest.approx(batched.estimate, rel=1e-12)
    assert refit.p_value == batched.p_value


def test_refit_fallback_imputation_did_executor(sim: pd.DataFrame) -> None:
    from countyeconomy.inference import placebo_refit

    def att(df: pd.DataFrame) -> float:
        out = ce.imputation_did(
            df, "log_rural_income", "first_treated", county="county", year="year"
        )
        return float(out.params["ATT"])

    kw = {"cohort": "first_treated", "county": "county", "year": "year", "draws": 19, "seed": 2}
    serial = placebo_refit(sim, att, chunk=2, progress=False, **kw)  # type: ignore[arg-type]
    with ThreadPoolExecutor(2) as pool:
        par = placebo_refit(sim, att, chunk=2, executor=pool, progress=False, **kw)  # type: ignore[arg-type]
    np.testing.assert_array_equal(serial.coefs, par.coefs)
    assert serial.estimate == pytest.approx(att(sim))
    assert np.all(np.abs(serial.coefs) < abs(serial.estimate))  # a real effect vs placebos


def test_staggered_result_points_to_refit_fallback(sim: pd.DataFrame) -> None:
    res = ce.imputation_did(sim, "log_rural_income", "first_treated", county="county", year="year")
    with pytest.raises(InvalidOptionError, match="placebo_refit"):
        placebo_test(res, "ATT")
