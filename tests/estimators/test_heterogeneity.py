"""Heterogeneity: subgroup estimates and tests of coefficient differences."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import countyeconomy as ce
from countyeconomy.errors import FormulaError, IdentificationError, InvalidOptionError
from countyeconomy.estimators.heterogeneity import heterogeneity

KEYS = dict(county="county", year="year")
FORMULA = "y ~ d + x | county + year"


def _panel(seed: int, n: int = 60, years: int = 8, gap: float = 0.0) -> pd.DataFrame:
    """Balanced panel, staggered-free treatment d, county-level group g (east / west); the
    effect of d is 0.5 in the east and 0.5 + gap in the west."""
    rng = np.random.default_rng(seed)
    county = np.repeat(np.arange(n), years)
    year = np.tile(np.arange(2010, 2010 + years), n)
    east = rng.permutation(np.arange(n) < n // 2)
    d = (rng.uniform(size=n * years) < 0.4).astype(float)
    x = rng.normal(size=n * years)
    eff = np.where(east[county], 0.5, 0.5 + gap)
    y = rng.normal(size=n)[county] + rng.normal(size=years)[year - 2010] + eff * d + 0.3 * x
    y += rng.normal(size=n * years)
    g = np.where(east[county], "east", "west")
    return pd.DataFrame({"county": county, "year": year, "region": g, "d": d, "x": x, "y": y})


def test_subgroups_equal_separate_twfe() -> None:
    df = _panel(0)
    het = heterogeneity((df, FORMULA), "region", test="interaction", **KEYS)
    for g in ("east", "west"):
        ref = ce.twfe(df[df.region == g], FORMULA, **KEYS)
        assert het.params[g] == pytest.approx(ref.params["d"], abs=1e-12)
        assert het.std_errors[g] == pytest.approx(ref.std_errors["d"], abs=1e-12)
    assert list(het.to_frame().columns) == list(ce.estimators.COLUMNS)
    # the TWFE result form gives the same numbers
    res = ce.twfe(df, FORMULA, **KEYS)
    het2 = heterogeneity(res, "region", test="interaction")
    pd.testing.assert_series_equal(het.params, het2.params)


def _hand_permutation(df: pd.DataFrame, seed: int, draws: int) -> tuple[float, np.ndarray]:
    counties = np.sort(df["county"].unique())
    region = df.groupby("county")["region"].first().loc[counties].to_numpy()
    labels = (region != "east").astype(int)  # 0 = the first group (east)

    def diff(assign: dict[int, int]) -> float:
        grp = df["county"].map(assign)
        b0 = ce.twfe(df[grp == 0], FORMULA, **KEYS).params["d"]
        b1 = ce.twfe(df[grp == 1], FORMULA, **KEYS).params["d"]
        return float(b0 - b1)

    observed = diff(dict(zip(counties, labels, strict=True)))
    # map_chunks: pair 0 uses child 0 of SeedSequence(seed); its chunk c of 50 draws child c
    pair = np.random.SeedSequence(seed).spawn(1)[0]
    sizes = [min(50, draws - i) for i in range(0, draws, 50)]
    perms = []
    for m, ch in zip(sizes, pair.spawn(len(sizes)), strict=True):
        rng = np.random.default_rng(ch)
        perms += [rng.permutation(labels) for _ in range(m)]
    out = np.array([diff(dict(zip(counties, p, strict=True))) for p in perms])
    return float(np.mean(np.abs(out) >= abs(observed))), out


def test_permutation_p_value_equals_hand_loop() -> None:
    df = _panel(1, n=30, gap=0.4)
    het = heterogeneity((df, FORMULA), "region", draws=25, seed=7, progress=False, **KEYS)
    p, draws = _hand_permutation(df, 7, 25)
    np.testing.assert_allclose(het.permutation_draws["east vs west"], draws, rtol=0, atol=1e-10)
    assert het.tests["p_value"].iloc[0] == p
    with ThreadPoolExecutor(2) as ex:
        again = heterogeneity(
            (df, FORMULA), "region", draws=25, seed=7, executor=ex, progress=False, **KEYS
        )
    assert again.tests["p_value"].iloc[0] == p


def test_permutation_p_in_range_under_null_fast() -> None:
    ps = [
        heterogeneity((_panel(s), FORMULA), "region", draws=39, seed=s, progress=False, **KEYS)
        .tests["p_value"]
        .iloc[0]
        for s in range(3)
    ]
    assert all(0 <= p <= 1 for p in ps)


@pytest.mark.slow
def test_permutation_p_uniform_under_null() -> None:
    ps = [
        heterogeneity(
            (_panel(s, n=30, years=5), FORMULA), "region", draws=99, seed=s, progress=False, **KEYS
        )
        .tests["p_value"]
        .iloc[0]
        for s in range(300)
    ]
    # discrete p on a grid of 1/99: a KS test against U(0, 1) at the 1% level
    assert stats.kstest(ps, "uniform").pvalue > 0.01


def test_permutation_detects_a_large_difference() -> None:
    het = heterogeneity(
        (_panel(2, gap=1.0), FORMULA), "region", draws=99, seed=0, progress=False, **KEYS
    )
    assert het.tests["p_value"].iloc[0] < 0.05


def test_sur_difference_matches_stacked_regression() -> None:
    df = _panel(3, gap=0.3)
    het = heterogeneity((df, FORMULA), "region", test="seemingly_unrelated", **KEYS)
    st = df.assign(
        d_e=df.d * (df.region == "east"),
        d_w=df.d * (df.region == "west"),
        x_e=df.x * (df.region == "east"),
        x_w=df.x * (df.region == "west"),
    )
    fit = ce.twfe(st, "y ~ d_e + d_w + x_e + x_w | county^region + year^region", **KEYS)
    v = fit.vcov
    se = np.sqrt(v.loc["d_e", "d_e"] + v.loc["d_w", "d_w"] - 2 * v.loc["d_e", "d_w"])
    row = het.tests.iloc[0]
    assert row["difference"] == pytest.approx(fit.params["d_e"] - fit.params["d_w"], abs=1e-12)
    assert row["difference"] == pytest.approx(het.params["east"] - het.params["west"], abs=1e-10)
    assert row["std_error"] == pytest.approx(se, rel=1e-10)
    assert row["p_value"] == pytest.approx(2 * stats.t(fit.info.df_t).sf(abs(row["statistic"])))


def test_three_groups_mapping_all_pairs_and_plot() -> None:
    df = _panel(4, n=90)
    df["prov"] = df["county"] % 9
    regions = {
        0: "east",
        1: "east",
        2: "east",
        3: "central",
        4: "central",
        5: "central",
        6: "west",
        7: "west",
        8: "west",
    }
    het = heterogeneity((df, FORMULA), "prov", groups=regions, test="interaction", **KEYS)
    assert list(het.params.index) == ["east", "central", "west"]
    assert len(het.tests) == 3
    assert "east - central" in het.summary().as_text()
    assert het.plot().to_dict()["$schema"].startswith("https://vega.github.io")


def test_bad_input() -> None:
    df = _panel(5)
    with pytest.raises(IdentificationError, match=r"'tiny'.*2 counties"):
        heterogeneity(
            (df.assign(region=np.where(df.county < 2, "tiny", "big")), FORMULA),
            "region",
            test="interaction",
            **KEYS,
        )
    with pytest.raises(FormulaError, match="zone"):
        heterogeneity((df, FORMULA), "zone", **KEYS)
    with pytest.raises(FormulaError, match="nope"):
        heterogeneity((df, "y ~ d + nope | county + year"), "region", test="interaction", **KEYS)
    with pytest.raises(FormulaError, match="term"):
        heterogeneity((df, FORMULA), "region", term="z", test="interaction", **KEYS)
    with pytest.raises(InvalidOptionError, match="test"):
        heterogeneity((df, FORMULA), "region", test="chow", **KEYS)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="result_or_design"):
        heterogeneity(df, "region")  # type: ignore[arg-type]
    with pytest.raises(IdentificationError, match="varies within county"):
        heterogeneity(
            (df.assign(region=np.where(df.year < 2014, "early", "late")), FORMULA),
            "region",
            draws=19,
            progress=False,
            **KEYS,
        )
    with pytest.raises(IdentificationError, match="at least 2"):
        heterogeneity((df.assign(region="all"), FORMULA), "region", **KEYS)
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        heterogeneity((df, FORMULA), "region", draws=19, progress=False, **KEYS)
    pd.testing.assert_frame_equal(df, before)
