"""IV with absorbed effects against linearmodels IV2SLS on the demeaned data and pyfixest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyfixest as pf
import pytest
from linearmodels.iv import IV2SLS

import countyeconomy as ce
from countyeconomy.linalg import demean, factorize


def _data(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_i, n_t = 250, 8
    df = pd.DataFrame(
        {
            "county": np.repeat(np.arange(n_i), n_t),
            "year": np.tile(np.arange(2010, 2010 + n_t), n_i),
        }
    )
    n = len(df)
    u = rng.normal(size=n)
    df["z1"], df["z2"], df["w"] = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    df["d"] = 0.8 * df["z1"] + 0.4 * df["z2"] + u + rng.normal(size=n) + (df["county"] % 5) * 0.2
    df["y"] = 0.5 * df["d"] + 0.3 * df["w"] + u + 0.05 * df["county"] + 0.1 * (df["year"] - 2010)
    return df.sample(frac=0.9, random_state=seed).reset_index(drop=True)


@pytest.mark.parametrize("seed", [0, 1])
def test_matches_iv2sls_on_demeaned_data(seed: int) -> None:
    df = _data(seed)
    res = ce.iv(df, "y ~ w | county + year | d ~ z1 + z2", county="county", year="year", ssc="none")
    fes = [factorize(df["county"]), factorize(df["year"])]
    dm = demean(df[["y", "w", "d", "z1", "z2"]].to_numpy(), fes).values
    ref = IV2SLS(dm[:, 0], dm[:, [1]], dm[:, [2]], dm[:, 3:]).fit(
        cov_type="clustered", clusters=df["county"].to_numpy()
    )
    np.testing.assert_allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(res.std_errors.to_numpy(), ref.std_errors.to_numpy(), rtol=1e-6)


def test_matches_pyfixest_default_and_first_stage() -> None:
    df = _data(2)
    res = ce.iv(df, "y ~ w | county + year | d ~ z1 + z2", county="county", year="year")
    ref = pf.feols("y ~ w | county + year | d ~ z1 + z2", data=df, vcov={"CRV1": "county"})
    np.testing.assert_allclose(
        res.params.to_numpy(), ref.coef()[res.params.index].to_numpy(), rtol=1e-8
    )
    np.testing.assert_allclose(
        res.std_errors.to_numpy(), ref.se()[res.params.index].to_numpy(), rtol=1e-6
    )
    # first stage: the robust Wald F equals an independent cluster-robust first-stage regression
    first = ce.twfe(df, "d ~ w + z1 + z2 | county + year", county="county", year="year")
    b = first.params[["z1", "z2"]].to_numpy()
    v = first.vcov.loc[["z1", "z2"], ["z1", "z2"]].to_numpy()
    np.testing.assert_allclose(
        res.first_stage.kleibergen_paap_f, b @ np.linalg.solve(v, b) / 2, rtol=1e-10
    )
    assert res.first_stage.table.loc[0, "f_iid"] > 10


def test_iv_errors() -> None:
    df = _data(3)
    with pytest.raises(ce.errors.FormulaError, match="needs an instrumental-variables part"):
        ce.iv(df, "y ~ w | county + year", county="county", year="year")
    with pytest.raises(ce.errors.IdentificationError, match="only 1 excluded instrument"):
        ce.iv(df, "y ~ 1 | county + year | d + w ~ z1", county="county", year="year")
