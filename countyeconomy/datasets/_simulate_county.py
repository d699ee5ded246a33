"""The county-panel simulator: real Chinese counties, a staggered policy, known true effects.

The counties, their provinces, prefectures and seat coordinates are real (the county list
bundled with ``cpca``, see :mod:`countyeconomy.datasets._county_list`); the outcomes are
synthetic. The data-generating process is documented with its equations on the docs page
``methods/simulator.md``; the symbols below follow it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.datasets._county_list import county_list, neighbour_pairs
from countyeconomy.datasets._simulate import SimulatedPanel
from countyeconomy.errors import InvalidOptionError
from countyeconomy.panel import Panel

__all__ = ["CountySimConfig", "SimulatedCountyPanel", "TrueEffects", "simulate_county_panel"]


@dataclass(frozen=True)
class CountySimConfig:
    """Options of :func:`simulate_county_panel` (frozen; later options get defaults).

    Attributes
    ----------
    years
        Calendar years of the panel.
    batches
        Adoption years of the policy batches (like the e-commerce demonstration counties).
    batch_shares
        Share of counties in each batch; the rest are never treated.
    effect
        Mean true effect on log rural income in the adoption year, ``beta``.
    batch_slope
        Change of the mean effect per year of later adoption, ``kappa``.
    effect_sd
        Standard deviation of county-specific effects, ``sigma_eta``.
    dynamic
        Growth of the effect per year since adoption, ``delta`` (``tau(e) = b_i (1 + delta e)``).
    anticipation
        Number of years before adoption with an anticipation effect, ``k``.
    anticipation_share
        Anticipation effect as a share of the adoption-year effect, ``a``.
    spillover
        Effect on log rural income of an untreated county with a treated county within
        ``spillover_km``, ``phi`` (0 switches spillovers off).
    spillover_km
        Radius of the spillover, great-circle kilometres between county seats.
    urban_share
        Effect on log urban income as a share of the rural effect, ``rho``.
    noise
        Standard deviation of the idiosyncratic errors, ``sigma``.
    n_counties
        Random sample of this many real counties (``None``: all of them).
    provinces
        Keep the counties of these provinces (two-digit codes such as ``"33"``), or all.
    """

    years: tuple[int, ...] = tuple(range(2008, 2023))
    batches: tuple[int, ...] = (2014, 2015, 2016, 2017, 2018, 2019, 2020)
    batch_shares: tuple[float, ...] = (0.03, 0.03, 0.03, 0.04, 0.04, 0.04, 0.04)
    effect: float = 0.05
    batch_slope: float = -0.004
    effect_sd: float = 0.02
    dynamic: float = 0.1
    anticipation: int = 0
    anticipation_share: float = 0.5
    spillover: float = 0.0
    spillover_km: float = 50.0
    urban_share: float = 0.3
    noise: float = 0.05
    n_counties: int | None = None
    provinces: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if len(self.batches) != len(self.batch_shares):
            raise InvalidOptionError(
                f"batch_shares has {len(self.batch_shares)} entries but batches has "
                f"{len(self.batches)}; give one share per batch."
            )
        if any(s < 0 for s in self.batch_shares) or sum(self.batch_shares) > 1:
            raise InvalidOptionError(
                f"batch_shares={self.batch_shares} must be non-negative and sum to at most 1."
            )
        if len(self.years) < 2 or list(self.years) != sorted(set(self.years)):
            raise InvalidOptionError(f"years={self.years} must be two or more increasing years.")
        outside = [g for g in self.batches if not self.years[0] < g <= self.years[-1]]
        if outside:
            raise InvalidOptionError(
                f"batches {outside} are not after the first year and within "
                f"{self.years[0]}-{self.years[-1]}; every batch needs a pre-period."
            )
        if self.anticipation < 0 or self.noise < 0 or self.effect_sd < 0:
            raise InvalidOptionError("anticipation, noise and effect_sd must be non-negative.")
        if self.n_counties is not None and self.n_counties < 2:
            raise InvalidOptionError(f"n_counties={self.n_counties} must be at least 2 or None.")


@dataclass(frozen=True)
class TrueEffects:
    """The truth of a simulated panel.

    Attributes
    ----------
    att_gt
        True ATT(g, t) for every batch ``cohort`` and ``year`` (pre-periods included: zero, or
        the anticipation effect): columns ``cohort``, ``year``, ``event_time``, ``att``, ``n``.
    simple
        Average effect over treated county-years (``t >= g``).
    group, dynamic, calendar
        Aggregates of ATT(g, t) over ``t >= g`` by batch (``cohort``, ``att``), by event time
        (``event_time``, ``att``; all event times) and by year (``year``, ``att``), weighted by
        batch size as in Callaway and Sant'Anna (2021).
    group_overall, dynamic_overall, calendar_overall
        Their overall summaries: batch-size-weighted mean of ``group``, mean of ``dynamic`` over
        event times ``>= 0``, mean of ``calendar``.
    components
        County-year terms of the log rural income equation: ``county``, ``year``, ``alpha``,
        ``lam``, ``x_term``, ``tau``, ``spill``, ``eps``; ``log_rural_income`` is their sum.
    effects
        County-level effect draws: ``county``, ``cohort``, ``b`` (effect in the adoption year).
    """

    att_gt: pd.DataFrame
    simple: float
    group: pd.DataFrame
    group_overall: float
    dynamic: pd.DataFrame
    dynamic_overall: float
    calendar: pd.DataFrame
    calendar_overall: float
    components: pd.DataFrame
    effects: pd.DataFrame


def _weighted(cells: pd.DataFrame, by: str) -> pd.DataFrame:
    w = cells.assign(wa=cells["att"] * cells["n"])
    out = w.groupby(by, as_index=False)[["wa", "n"]].sum()
    return pd.DataFrame({by: out[by], "att": out["wa"] / out["n"]})


def true_effects(components: pd.DataFrame, effects: pd.DataFrame) -> TrueEffects:
    """ATT(g, t) and its aggregates from the county-year direct effects ``tau``."""
    cohort = components["county"].map(effects.set_index("county")["cohort"])
    treated = components.assign(cohort=cohort)[cohort > 0]
    att_gt = treated.groupby(["cohort", "year"], as_index=False).agg(
        att=("tau", "mean"), n=("tau", "size")
    )
    att_gt.insert(2, "event_time", att_gt["year"] - att_gt["cohort"])
    post = att_gt[att_gt["event_time"] >= 0]
    simple = float((post["att"] * post["n"]).sum() / post["n"].sum()) if len(post) else 0.0
    group = post.groupby("cohort")["att"].mean().reset_index()
    sizes = post.groupby("cohort")["n"].first()
    g_overall = (
        float(np.average(group["att"], weights=sizes[group["cohort"]])) if len(group) else 0.0
    )
    dynamic = _weighted(att_gt, "event_time")
    calendar = _weighted(post, "year")
    dyn_post = dynamic.loc[dynamic["event_time"] >= 0, "att"]
    return TrueEffects(
        att_gt=att_gt.reset_index(drop=True),
        simple=simple,
        group=group,
        group_overall=g_overall,
        dynamic=dynamic,
        dynamic_overall=float(dyn_post.mean()) if len(dyn_post) else 0.0,
        calendar=calendar,
        calendar_overall=float(calendar["att"].mean()) if len(calendar) else 0.0,
        components=components,
        effects=effects,
    )


@dataclass(frozen=True, kw_only=True)
class SimulatedCountyPanel(SimulatedPanel):
    """A simulated county panel and its truth (extends :class:`SimulatedPanel`).

    Attributes
    ----------
    truth
        :class:`TrueEffects`: ATT(g, t), its simple, group, dynamic and calendar aggregates,
        county-year effects and the components of the outcome equation.
    spec
        The :class:`CountySimConfig` used.
    seed
        The seed used.
    """

    truth: TrueEffects
    spec: CountySimConfig
    seed: int | None = field(default=None)


def _counties(cfg: CountySimConfig, rng: np.random.Generator) -> pd.DataFrame:
    base = county_list()
    if cfg.provinces is not None:
        base = base[base["code"].str.slice(0, 2).isin(cfg.provinces)]
    if cfg.n_counties is not None and cfg.n_counties < len(base):
        keep = np.sort(rng.choice(len(base), cfg.n_counties, replace=False))
        base = base.iloc[keep]
    if len(base) < 2:
        raise InvalidOptionError(f"provinces={cfg.provinces} leave fewer than 2 counties.")
    return base.reset_index(drop=True)


def _assign_batches(cfg: CountySimConfig, n: int, rng: np.random.Generator) -> np.ndarray:
    counts = np.floor(np.asarray(cfg.batch_shares) * n).astype(int)
    cohort = np.concatenate(
        [np.repeat(np.asarray(cfg.batches, dtype=np.int64), counts), np.zeros(n - counts.sum())]
    )
    return rng.permutation(cohort.astype(np.int64))


def _group_effect(codes: pd.Series, sd: float, rng: np.random.Generator) -> FloatArray:
    _, inverse = np.unique(codes.to_numpy(), return_inverse=True)
    return np.asarray(rng.normal(0.0, sd, inverse.max() + 1)[inverse], dtype=np.float64)


def _effects(
    cfg: CountySimConfig, cohort: np.ndarray, b: FloatArray, years: np.ndarray
) -> tuple[FloatArray, np.ndarray]:
    """Direct effects ``tau`` (county x year) and the treatment indicator ``D``."""
    g = cohort[:, None]
    e = years[None, :] - g
    treated = (g > 0) & (e >= 0)
    ahead = (g > 0) & (e < 0) & (e >= -cfg.anticipation)
    tau = np.where(treated, b[:, None] * (1.0 + cfg.dynamic * e), 0.0)
    tau = np.where(ahead, cfg.anticipation_share * b[:, None], tau)
    return np.asarray(tau, dtype=np.float64), treated


def _spill(cfg: CountySimConfig, counties: pd.DataFrame, treated: np.ndarray) -> FloatArray:
    """``phi`` times 1{untreated and a treated county within the radius}, county x year."""
    out = np.zeros(treated.shape)
    if cfg.spillover == 0.0:
        return out
    pairs = neighbour_pairs(
        counties["lon"].to_numpy(), counties["lat"].to_numpy(), cfg.spillover_km
    )
    exposed = np.zeros(treated.shape, dtype=bool)
    for i, j in ((pairs[:, 0], pairs[:, 1]), (pairs[:, 1], pairs[:, 0])):
        np.logical_or.at(exposed, i, treated[j])
    return np.where(exposed & ~treated, cfg.spillover, 0.0)


def _logistic(z: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


def _draw(
    cfg: CountySimConfig, counties: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Draw every variable; see ``docs/methods/simulator.md`` for the equations."""
    n, years = len(counties), np.asarray(cfg.years, dtype=np.int64)
    t = (years - years[0]).astype(np.float64)[None, :]
    shape = (n, len(years))
    cohort = _assign_batches(cfg, n, rng)
    g_bar = float(np.mean(cfg.batches)) if cfg.batches else 0.0
    b = cfg.effect + cfg.batch_slope * (cohort - g_bar) + rng.normal(0.0, cfg.effect_sd, n)
    b = np.where(cohort > 0, b, 0.0)
    tau, treated = _effects(cfg, cohort, b, years)
    spill = _spill(cfg, counties, treated)
    lon = counties["lon"].to_numpy()
    alpha = (
        8.6
        + 0.01 * (lon - 110.0)
        + _group_effect(counties["province_code"], 0.25, rng)
        + _group_effect(counties["prefecture_code"], 0.10, rng)
        + rng.normal(0.0, 0.10, n)
    )
    lam = 0.08 * t[0] + rng.normal(0.0, 0.01, len(years))
    x = 10.2 + 0.8 * (alpha[:, None] - 8.6) + 0.07 * t + rng.normal(0.0, 0.2, n)[:, None]
    x = x + rng.normal(0.0, 0.05, shape)
    x_term = 0.3 * (x - x.mean())
    eps = rng.normal(0.0, cfg.noise, shape)
    y_rural = alpha[:, None] + lam[None, :] + x_term + tau + spill + eps
    alpha_u = alpha + 0.85 + rng.normal(0.0, 0.10, n)
    y_urban = alpha_u[:, None] + 0.07 * t + 0.2 * (x - x.mean()) + cfg.urban_share * tau
    y_urban = y_urban + rng.normal(0.0, cfg.noise, shape)
    pop = np.exp(rng.normal(np.log(4.0e5), 0.6, n))[:, None] * np.exp(
        rng.normal(0.003, 0.005, n)[:, None] * t
    )
    urban = _logistic(rng.normal(-0.6 + 1.5 * (alpha - 8.6), 0.5, n)[:, None] + 0.08 * t)
    internet = _logistic(rng.normal(-1.0, 0.5, n)[:, None] + 0.25 * (t - 7.0))
    level = rng.normal(0.0, 0.3, (n, 3))[:, :, None] + np.array([0.4, 0.0, 0.1])[None, :, None]
    trend = np.array([-0.06, 0.0, 0.04])[None, :, None] * t[:, None, :]
    share = np.exp(level + trend)
    share = share / share.sum(axis=1, keepdims=True)
    emp = 0.55 * pop[:, None, :] * share
    keys = {"county": np.repeat(counties["code"].to_numpy(), len(years)), "year": np.tile(years, n)}
    info = counties.drop(columns="code").loc[np.repeat(np.arange(n), len(years))]
    frame = pd.DataFrame(keys).join(info.reset_index(drop=True))
    cols = {
        "log_rural_income": y_rural,
        "log_urban_income": y_urban,
        "rural_income": np.exp(y_rural),
        "urban_income": np.exp(y_urban),
        "population": pop,
        "urban_population": pop * urban,
        "rural_population": pop * (1.0 - urban),
        "log_gdp_pc": x,
        "internet_rate": internet,
        "emp_primary": emp[:, 0, :],
        "emp_secondary": emp[:, 1, :],
        "emp_tertiary": emp[:, 2, :],
    }
    for name, values in cols.items():
        frame[name] = np.asarray(values).ravel()
    frame["policy"] = treated.ravel().astype(np.int64)
    frame["first_treated"] = np.repeat(cohort, len(years))
    parts = {"alpha": np.repeat(alpha, len(years)), "lam": np.tile(lam, n)}
    parts |= {"x_term": x_term, "tau": tau, "spill": spill, "eps": eps}
    components = pd.DataFrame(keys).assign(**{k: np.asarray(v).ravel() for k, v in parts.items()})
    effects = pd.DataFrame({"county": counties["code"].to_numpy(), "cohort": cohort, "b": b})
    return frame, components, effects


def simulate_county_panel(
    *,
    seed: int | None = 0,
    years: Sequence[int] | None = None,
    config: CountySimConfig | None = None,
    effect: float | None = None,
    anticipation: int | None = None,
    spillover: float | None = None,
    n_counties: int | None = None,
) -> SimulatedCountyPanel:
    """Simulate log rural and urban income of real Chinese counties under a staggered policy.

    Keyword arguments other than ``seed`` and ``config`` override fields of ``config``
    (default :class:`CountySimConfig`). The same seed and options give identical data.

    Returns
    -------
    SimulatedCountyPanel
        ``.panel`` with columns ``county`` (code), ``year``, ``name``, ``province``,
        ``province_code``, ``prefecture``, ``prefecture_code``, ``lon``, ``lat``,
        ``log_rural_income``, ``log_urban_income``, ``rural_income``, ``urban_income`` (yuan per
        person), ``population``, ``urban_population``, ``rural_population``, ``log_gdp_pc``,
        ``internet_rate``, ``emp_primary``, ``emp_secondary``, ``emp_tertiary``, ``policy``
        (0/1) and ``first_treated`` (batch year, 0 = never treated); ``.truth``; ``.att_gt``
        and ``.att`` as in :class:`SimulatedPanel`.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. *Journal of Econometrics* 225(2), 200-230 (the ATT(g, t) aggregates).

    Examples
    --------
    >>> from countyeconomy.datasets._simulate_county import simulate_county_panel
    >>> sim = simulate_county_panel(seed=1, n_counties=200)
    >>> sim.panel.nobs
    3000
    >>> round(sim.truth.simple, 3) == round(sim.att, 3)
    True
    """
    cfg = config if config is not None else CountySimConfig()
    overrides: dict[str, Any] = {
        "years": tuple(years) if years is not None else None,
        "effect": effect,
        "anticipation": anticipation,
        "spillover": spillover,
        "n_counties": n_counties,
    }
    cfg = replace(cfg, **{k: v for k, v in overrides.items() if v is not None})
    rng = np.random.default_rng(seed)
    counties = _counties(cfg, rng)
    frame, components, effects = _draw(cfg, counties, rng)
    truth = true_effects(components, effects)
    panel = Panel.from_frame(frame, county="county", year="year")
    return SimulatedCountyPanel(
        panel=panel,
        att_gt=truth.att_gt,
        att=truth.simple,
        config={"seed": seed, **asdict(cfg)},
        truth=truth,
        spec=cfg,
        seed=seed,
    )
