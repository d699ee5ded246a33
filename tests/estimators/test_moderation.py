"""Moderation: interaction with centring, delta-method marginal effects, chart, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import countyeconomy as ce
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.estimators.moderation import moderation


def _panel(seed: int = 0, n: int = 120) -> pd.DataFrame:
    """Effect of policy grows with z: y += policy * (0.02 + 0.03 z)."""
    sim = ce.datasets.simulate_staggered_panel(seed=seed, n_counties=n)
    df = sim.panel.frame.copy()
    rng = np.random.default_rng(seed)
    df["z"] = rng.normal(1.0, 1.0, len(df))
    df["log_rural_income"] += df["policy"] * (0.02 + 0.03 * df["z"])
    return df


KEYS = dict(county="county", year="year")


def test_marginal_effects_match_hand_delta_method() -> None:
    df = _panel()
    res = moderation(df, "policy", "z", "log_rural_income", grid=7, level=0.9, **KEYS)
    zbar = df["z"].mean()
    ref_df = df.assign(z_c=df["z"] - zbar, policy_x_z_c=df["policy"] * (df["z"] - zbar))
    ref = ce.twfe(ref_df, "log_rural_income ~ policy + z_c + policy_x_z_c | county + year", **KEYS)
    b, v = ref.params, ref.vcov
    zgrid = np.linspace(df["z"].min(), df["z"].max(), 7)
    zc = zgrid - zbar
    eff = b["policy"] + b["policy_x_z_c"] * zc
    var = (
        v.loc["policy", "policy"]
        + zc**2 * v.loc["policy_x_z_c", "policy_x_z_c"]
        + 2 * zc * v.loc["policy", "policy_x_z_c"]
    )
    q = stats.t(ref.info.df_t).ppf(0.95)
    m = res.marginal
    np.testing.assert_allclose(m["moderator"], zgrid, atol=1e-12)
    np.testing.assert_allclose(m["effect"], eff, atol=1e-12)
    np.testing.assert_allclose(m["std_error"], np.sqrt(var), atol=1e-12)
    np.testing.assert_allclose(m["ci_low"], eff - q * np.sqrt(var), atol=1e-12)
    np.testing.assert_allclose(m["ci_high"], eff + q * np.sqrt(var), atol=1e-12)
    at = res.marginal_effect([1.0])
    np.testing.assert_allclose(at["effect"], b["policy"] + b["policy_x_z_c"] * (1.0 - zbar))
    assert res.params["policy_x_z_c"] == pytest.approx(0.03, abs=0.01)


def test_centring_changes_b1_not_b3() -> None:
    df = _panel(1)
    fits = {
        c: moderation(df, "policy", "z", "log_rural_income", center=c, **KEYS)
        for c in ("mean", "median", None)
    }
    b3 = [f.params[f.terms[2]] for f in fits.values()]
    np.testing.assert_allclose(b3, b3[0], rtol=1e-10)
    b1 = [f.params["policy"] for f in fits.values()]
    assert abs(b1[0] - b1[2]) > 1e-4 and abs(b1[0] - b1[1]) > 1e-6
    # the marginal-effect curve itself does not depend on the centring
    for f in fits.values():
        np.testing.assert_allclose(
            f.marginal["effect"], fits["mean"].marginal["effect"], atol=1e-10
        )
    assert fits[None].center == 0.0 and fits[None].terms[1] == "z"


def test_time_invariant_moderator_is_absorbed_but_interaction_kept() -> None:
    df = _panel(2)
    df["base"] = df.groupby("county")["z"].transform("first")
    with pytest.warns(CountyEconomyWarning, match="constant within county"):
        res = moderation(df, "policy", "base", "log_rural_income", **KEYS)
    assert res.terms[1] is None
    assert list(res.params.index) == ["policy", "policy_x_base_c"]


def test_result_protocol_and_plot() -> None:
    res = moderation(_panel(), "policy", "z", "log_rural_income", **KEYS)
    assert list(res.to_frame().columns) == list(ce.estimators.COLUMNS)
    assert set(res.conf_int().columns) == {"ci_low", "ci_high"}
    assert "centred at" in res.summary().as_text()
    assert "<table" in res._repr_html_()
    spec = res.plot().to_dict()
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite")
    with pytest.raises(AttributeError):
        res.center = 1.0  # type: ignore[misc]


def test_bad_input() -> None:
    df = _panel()
    with pytest.raises(IdentificationError, match="no variation"):
        moderation(df.assign(z=2.0), "policy", "z", "log_rural_income", **KEYS)
    with pytest.raises(ce.errors.FormulaError, match="zz"):
        moderation(df, "policy", "zz", "log_rural_income", **KEYS)
    with pytest.raises(InvalidOptionError, match="center"):
        moderation(df, "policy", "z", "log_rural_income", center="mode", **KEYS)  # type: ignore[arg-type]
    with pytest.raises(InvalidOptionError, match="grid"):
        moderation(df, "policy", "z", "log_rural_income", grid=1, **KEYS)
    before = df.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        moderation(df, "policy", "z", "log_rural_income", **KEYS)
    pd.testing.assert_frame_equal(df, before)
