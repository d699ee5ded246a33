"""Shared test panels for the regression-based staggered estimators (a helper, not an oracle)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import countyeconomy as ce
from countyeconomy.datasets import SimulatedPanel

HETERO: dict[str, object] = {
    "dynamic": 0.5,
    "heterogeneity": -1.0,  # early adopters gain more, effects grow with time
    "cohort_shares": [0.12] * 7,  # 84% treated: few never-treated controls
}
"""Strongly heterogeneous dynamic effects: TWFE recovers about half of the true ATT."""


def sim(seed: int = 3, n: int = 300, **kw: object) -> SimulatedPanel:
    """The simulator with strongly heterogeneous dynamic effects by default."""
    opts = {**HETERO, **kw}
    return ce.datasets.simulate_staggered_panel(seed=seed, n_counties=n, **opts)  # type: ignore[arg-type]


def unbalanced(seed: int = 3, n: int = 300, share: float = 0.1) -> pd.DataFrame:
    """The simulated panel with ``share`` of the rows dropped at random."""
    df = sim(seed, n).panel.to_frame()
    rng = np.random.default_rng(seed + 100)
    keep = rng.random(len(df)) > share
    return df.loc[keep].reset_index(drop=True)


def true_tau_matrix(s: SimulatedPanel) -> tuple[np.ndarray, np.ndarray]:
    """``(N, T)`` true effects and treatment of a simulated balanced panel (no noise)."""
    df = s.panel.to_frame()
    cells = s.att_gt.set_index(["cohort", "year"])["att"]
    key = pd.MultiIndex.from_arrays([df["first_treated"], df["year"]])
    tau = cells.reindex(key).fillna(0.0).to_numpy()
    n_t = df["year"].nunique()
    return tau.reshape(-1, n_t), df["policy"].to_numpy(dtype=float).reshape(-1, n_t)


def diff_diff_mpdta(estimator: str) -> tuple[float, float]:
    """ATT and SE of a diff-diff estimator class (by name) on mpdta, clustered by county."""
    import warnings

    import pytest

    dd = pytest.importorskip("diff_diff")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = getattr(dd, estimator)(cluster="countyreal").fit(
            ce.datasets.load_mpdta().to_frame(),
            outcome="lemp",
            unit="countyreal",
            time="year",
            first_treat="first_treat",
        )
    return float(r.att), float(r.se)
