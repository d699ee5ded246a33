"""A documented simulator of a county x year panel with a staggered policy and known effects.

The data-generating process (one row per county and year):

.. math::

    \\log y_{it} = \\alpha_i + \\lambda_t + \\gamma x_{it} + \\tau_{g(i)}(t) D_{it} + \\varepsilon_{it}

with county effects :math:`\\alpha_i \\sim N(8.5, 0.3^2)`, year effects on a 6% growth path, a covariate
:math:`x_{it}` (log county GDP per capita), and the true effect of a county adopted in year ``g``, at
event time :math:`e = t - g \\ge 0`,

.. math::

    \\tau_g(e) = \\text{effect} \\cdot (1 + \\text{dynamic} \\cdot e) \\cdot (1 + \\text{heterogeneity}
    \\cdot (g - \\bar g) / 3).

The policy is adopted in batches (``cohorts``); the shares of counties in each batch are
``cohort_shares`` and the rest are never treated (cohort ``0``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from countyeconomy.errors import InvalidOptionError
from countyeconomy.panel import Panel

__all__ = ["SimulatedPanel", "simulate_staggered_panel"]


@dataclass(frozen=True)
class SimulatedPanel:
    """A simulated panel and its truth.

    Attributes
    ----------
    panel
        The county x year :class:`~countyeconomy.Panel`.
    att_gt
        True ATT(g, t) for every treated cohort and year, columns ``cohort``, ``year``,
        ``event_time``, ``att``.
    att
        True simple aggregate: the average effect over treated county-years.
    config
        The arguments that generated the panel.
    """

    panel: Panel
    att_gt: pd.DataFrame
    att: float
    config: dict[str, object] = field(default_factory=dict)


def simulate_staggered_panel(
    *,
    seed: int | None = 0,
    n_counties: int = 600,
    years: Sequence[int] = range(2008, 2023),
    cohorts: Sequence[int] = (2014, 2015, 2016, 2017, 2018, 2019, 2020),
    cohort_shares: Sequence[float] | None = None,
    effect: float = 0.05,
    dynamic: float = 0.0,
    heterogeneity: float = 0.0,
    noise: float = 0.05,
) -> SimulatedPanel:
    """Simulate a county panel with a staggered policy and a known true effect.

    Parameters
    ----------
    seed
        Seed of :func:`numpy.random.default_rng`; the same seed gives identical data.
    n_counties
        Number of counties.
    years
        Calendar years of the panel.
    cohorts
        Adoption years of the policy batches.
    cohort_shares
        Share of counties in each batch (default: 8% each); the rest are never treated.
    effect, dynamic, heterogeneity
        True effect on log rural income at adoption, its growth per year since adoption, and how
        much it differs between early and late batches (see the module docstring).
    noise
        Standard deviation of the idiosyncratic error.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=50)
    >>> sim.panel.nobs
    750
    """
    years = list(years)
    cohorts = list(cohorts)
    shares = list(cohort_shares) if cohort_shares is not None else [0.08] * len(cohorts)
    if len(shares) != len(cohorts):
        raise InvalidOptionError(
            f"cohort_shares has {len(shares)} entries but cohorts has {len(cohorts)}."
        )
    if any(s < 0 for s in shares) or sum(shares) > 1:
        raise InvalidOptionError("cohort_shares must be non-negative and sum to at most 1.")
    rng = np.random.default_rng(seed)
    counts = np.floor(np.asarray(shares) * n_counties).astype(int)
    cohort_of = np.concatenate(
        [np.repeat(cohorts, counts), np.zeros(n_counties - counts.sum(), dtype=int)]
    )
    cohort_of = rng.permutation(cohort_of)
    county = np.array([f"{100000 + i:06d}" for i in range(n_counties)])
    province = np.array([f"P{i % 31:02d}" for i in range(n_counties)])

    n_t = len(years)
    alpha = rng.normal(8.5, 0.3, n_counties)
    lam = 0.06 * np.arange(n_t) + rng.normal(0, 0.01, n_t)
    x = rng.normal(0, 1, (n_counties, n_t)) + 0.3 * alpha[:, None] - 2.5
    g_bar = float(np.mean(cohorts)) if cohorts else 0.0
    yr = np.asarray(years)[None, :]
    g = cohort_of[:, None]
    treated = (g > 0) & (yr >= g)
    e = np.where(treated, yr - g, 0)
    tau = np.where(
        treated,
        effect * (1 + dynamic * e) * (1 + heterogeneity * (g - g_bar) / 3.0),
        0.0,
    )
    y = alpha[:, None] + lam[None, :] + 0.2 * x + tau + rng.normal(0, noise, (n_counties, n_t))

    frame = pd.DataFrame(
        {
            "county": np.repeat(county, n_t),
            "year": np.tile(np.asarray(years, dtype=np.int64), n_counties),
            "province": np.repeat(province, n_t),
            "log_rural_income": y.ravel(),
            "log_gdp_pc": x.ravel(),
            "policy": treated.ravel().astype(np.int64),
            "first_treated": np.repeat(cohort_of, n_t).astype(np.int64),
        }
    )
    truth = pd.DataFrame(
        {
            "cohort": np.repeat(cohort_of, n_t),
            "year": np.tile(years, n_counties),
            "att": tau.ravel(),
            "treated": treated.ravel(),
        }
    )
    truth = truth[truth["treated"]]
    cells = truth.groupby(["cohort", "year"]).agg(att=("att", "mean")).reset_index()
    cells["event_time"] = cells["year"] - cells["cohort"]
    att_gt: pd.DataFrame = cells.loc[:, ["cohort", "year", "event_time", "att"]]
    config: dict[str, object] = {
        "seed": seed,
        "n_counties": n_counties,
        "years": years,
        "cohorts": cohorts,
        "cohort_shares": shares,
        "effect": effect,
        "dynamic": dynamic,
        "heterogeneity": heterogeneity,
        "noise": noise,
    }
    return SimulatedPanel(
        panel=Panel.from_frame(frame, county="county", year="year"),
        att_gt=att_gt.reset_index(drop=True),
        att=float(truth["att"].mean()) if len(truth) else 0.0,
        config=config,
    )
