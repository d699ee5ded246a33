"""Continuous-treatment DiD: :func:`dose_did` (Callaway, Goodman-Bacon and Sant'Anna 2024)."""

from __future__ import annotations

import dataclasses
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, SeedLike, check_option, resolve_seed
from countyeconomy.errors import IdentificationError, InvalidOptionError, PanelStructureError
from countyeconomy.estimators.staggered._cs_cells import plan_cells
from countyeconomy.estimators.staggered._cs_inference import (
    BootstrapResult,
    analytic_vcov,
    multiplier_bootstrap,
    wald_pretrend,
)
from countyeconomy.estimators.staggered._cs_kernels import weight_if
from countyeconomy.estimators.staggered._cs_prepare import prepare
from countyeconomy.estimators.staggered._cs_results import (
    ATTgtModel,
    ATTgtResult,
    _CSResultBase,
    inference,
)
from countyeconomy.estimators.staggered._dose_kernels import Basis, dose_cell
from countyeconomy.estimators.staggered.att_gt import Distribution, _cluster_column
from countyeconomy.inference import VcovSpec, check_draws
from countyeconomy.panel import Panel
from countyeconomy.results import CoefTable, FitInfo

__all__ = ["DoseControl", "DoseResult", "dose_did"]

DoseControl = Literal["never_treated", "not_yet_treated", "lowest_dose"]


@dataclass(frozen=True, repr=False, eq=False)
class DoseResult(_CSResultBase):
    """Dose-response of :func:`dose_did`.

    Terms: ``"ATT"`` and ``"ACRT"`` (overall averages over the treated doses), then
    ``"ATT(d=...)"`` and ``"ACRT(d=...)"`` on the dose grid; ``to_frame()`` adds ``estimand``
    (``ATT``, ``ACRT``, ``ATT(d)``, ``ACRT(d)``) and ``dose``, and with ``draws=`` the sup-t
    uniform band of each curve (``band_low``/``band_high``). ``cells`` and ``acrt_cells`` hold
    the overall ``ATT^o(g,t)`` and ``ACRT^o(g,t)`` per cohort and year (``.aggregate("dynamic")``
    gives the event study); ``doses`` the treated units' doses.
    """

    cells: ATTgtResult
    acrt_cells: ATTgtResult
    doses: FloatArray
    crit: tuple[float, float] | None

    def uniform_band(self) -> pd.DataFrame | None:
        """Sup-t bands of the ATT(d) and ACRT(d) curves (each with its own critical value)."""
        if self.crit is None:
            return None
        kind = self.extra["estimand"].to_numpy()
        c = np.where(kind == "ATT(d)", self.crit[0], np.where(kind == "ACRT(d)", self.crit[1], 0))
        se = self.std_errors.to_numpy()
        est = self.params.to_numpy()
        band = pd.DataFrame({"band_low": est - c * se, "band_high": est + c * se})
        band.loc[c == 0, ["band_low", "band_high"]] = np.nan
        return band

    def curve(self, estimand: str = "ATT(d)", level: float = 0.95) -> pd.DataFrame:
        """Rows of one curve (``"ATT(d)"`` or ``"ACRT(d)"``) of :meth:`to_frame`."""
        frame = self.to_frame(level)
        return frame[frame["estimand"] == estimand].reset_index(drop=True)

    def plot(self, *, level: float = 0.95, kind: str = "att") -> Any:
        """ATT(d) (``kind="att"``) or ACRT(d) (``"acrt"``) with pointwise (and uniform) bands,
        or the dose distribution of the treated units (``"doses"``); an altair chart."""
        import altair as alt

        check_option("kind", kind, Literal["att", "acrt", "doses"])
        if kind == "doses":
            data = pd.DataFrame({"dose": np.asarray(self.doses)})
            return (
                alt.Chart(data)
                .mark_bar()
                .encode(alt.X("dose:Q", bin=alt.Bin(maxbins=30)), alt.Y("count():Q"))
                .properties(title="Doses of the treated units")
            )
        frame = self.curve("ATT(d)" if kind == "att" else "ACRT(d)", level)
        base = alt.Chart(frame).encode(alt.X("dose:Q", title="dose"))
        layers = [
            base.mark_area(opacity=0.3).encode(alt.Y("ci_low:Q", title=kind.upper()), y2="ci_high")
        ]
        if "band_low" in frame:
            layers.append(base.mark_area(opacity=0.15).encode(y="band_low:Q", y2="band_high"))
        layers.append(base.mark_line().encode(y="estimate:Q"))
        return alt.layer(*layers).properties(title=f"{kind.upper()}(d), {self.title}")


def _units(panel: Panel, dose: str, cohort: str) -> pd.DataFrame:
    frame = panel.frame
    for col in (dose, cohort):
        if col not in frame.columns:
            raise PanelStructureError(
                f"column {col!r} not found; the data has {list(frame.columns)[:20]}."
            )
    d = pd.to_numeric(frame[dose], errors="coerce")
    if d.isna().any() or not np.isfinite(d.to_numpy(float)).all() or (d < 0).any():
        raise PanelStructureError(
            f"dose column {dose!r} must hold finite non-negative numbers in every row."
        )
    if (d.groupby(frame[panel.county].to_numpy()).nunique() > 1).any():
        raise PanelStructureError(f"dose column {dose!r} must be constant within each unit.")
    return frame


def _basis(doses: FloatArray, low: float, degree: int, knots: int, discrete: bool | None) -> Basis:
    vals = np.unique(doses)
    if discrete is None:
        discrete = len(vals) <= degree + knots + 1
    if discrete:
        return Basis(degree, np.zeros(0), float(vals[0]), float(vals[-1]), vals, low)
    inner = np.quantile(doses, np.linspace(0, 1, knots + 2)[1:-1]) if knots else np.zeros(0)
    return Basis(degree, inner, float(vals[0]), float(vals[-1]), None, low)


def dose_did(
    data: pd.DataFrame | Panel,
    outcome: str,
    dose: str,
    *,
    cohort: str,
    county: str | None = None,
    year: str | None = None,
    control: DoseControl = "never_treated",
    degree: int = 3,
    knots: int = 0,
    discrete: bool | None = None,
    grid: Any = None,
    vcov: VcovSpec | str = "county",
    draws: int | None = None,
    distribution: Distribution = "mammen",
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> DoseResult:
    r"""Continuous-treatment DiD of Callaway, Goodman-Bacon and Sant'Anna (2024).

    Units of cohort ``g`` (first treated year) receive a dose ``D > 0`` (transfers per capita,
    stations per township, a credit quota), constant over time. For every cohort and year the
    outcome change since ``g - 1`` of the treated units is regressed on a B-spline in the dose
    and compared with that of the comparison units, giving

    - ``ATT(d) = E[Y_t(d) - Y_t(0) | D = d]``, the effect of dose ``d`` on the units that got it;
    - ``ACRT(d) = dATT(d)/dd`` (the slope of the fitted curve), which is the *causal response*
      to a marginal increase of the dose only under **strong parallel trends**: untreated trends
      would be the same for every dose group, and so would be the trends *at every dose*, i.e.
      units that got dose ``d`` would have responded to any other dose ``d'`` as the units that
      got ``d'`` did. Plain parallel trends identify ATT(d) only; differences of ATT(d) across
      doses then mix causal responses with selection into doses;
    - the overall ``ATT = E[ATT(D) | D > 0]`` and ``ACRT = E[ACRT(D) | D > 0]`` (averages over
      the treated doses, the paper's ``ATT^o`` and ``ACRT^o``).

    Post-treatment cells ``(g, t)`` are averaged within cohort and cohorts weighted by their
    number of treated units (R ``contdid``'s convention, also diff-diff's); ``result.cells`` holds
    the ``ATT^o(g,t)`` cells with ``.aggregate("dynamic")`` for the event study.

    Parameters
    ----------
    data
        A long DataFrame (``county`` and ``year`` name the keys) or a :class:`Panel`.
    outcome, dose
        Outcome column; dose column (non-negative, constant within unit, ``0`` = untreated).
    cohort
        First treated year (``0`` = never treated); for two periods, the second year.
    control
        ``"never_treated"`` (units with cohort 0), ``"not_yet_treated"`` (also units adopting
        after both years of a cell) or ``"lowest_dose"``: when every unit is treated, the units
        of the same cohort at the lowest dose ``d_L`` (there must be several); ATT(d) is then
        ``ATT(d) - ATT(d_L)`` (under strong parallel trends) and ACRT is unaffected.
    degree, knots
        The B-spline sieve: ``degree`` (default 3) and ``knots`` interior knots at quantiles of
        the treated doses (default 0: a cubic polynomial, as R ``contdid``).
    discrete
        Treat the dose as discrete (ATT at each dose value, ACRT as the slope from the next
        lower value). ``None``: discrete when the treated doses take at most
        ``degree + knots + 1`` values (a binary dose is discrete).
    grid
        Doses at which to report the curves; default: the dose values (discrete) or 50 points
        between the 5th and 95th percentiles of the treated doses.
    vcov, draws, distribution, seed, executor, progress
        As in :func:`~countyeconomy.att_gt`. With ``draws=`` the standard errors come from the
        multiplier bootstrap and ``to_frame()`` adds sup-t uniform bands for each curve.

    Raises
    ------
    IdentificationError
        No comparison units (no untreated units with ``"never_treated"``: use
        ``"not_yet_treated"`` or ``"lowest_dose"``), or too few distinct doses for the sieve.

    References
    ----------
    Callaway, B., Goodman-Bacon, A. and Sant'Anna, P. H. C. (2024). Difference-in-differences
    with a continuous treatment. NBER Working Paper 32117.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import countyeconomy as ce
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> d = np.where(rng.random(n) < 0.3, 0.0, rng.uniform(0.5, 2.0, n))
    >>> df = pd.DataFrame({"id": np.repeat(np.arange(n), 2), "year": np.tile([1, 2], n),
    ...                    "d": np.repeat(d, 2), "g": np.repeat(np.where(d > 0, 2, 0), 2)})
    >>> df["y"] = (df["year"] == 2) * df["d"] ** 2 + rng.normal(size=2 * n)
    >>> res = ce.dose_did(df, "y", "d", cohort="g", county="id", year="year")
    >>> bool(abs(res.params["ACRT"] - 2 * d[d > 0].mean()) < 4 * res.std_errors["ACRT"])
    True
    """
    check_option("control", control, DoseControl)
    check_option("distribution", distribution, Distribution)
    for name, val, least in (("degree", degree, 1), ("knots", knots, 0)):
        if isinstance(val, bool) or not isinstance(val, int | np.integer) or val < least:
            raise InvalidOptionError(f"{name}={val!r} must be an integer >= {least}.")
    if draws is not None:
        if isinstance(draws, bool) or not isinstance(draws, int | np.integer):
            raise InvalidOptionError(f"draws={draws!r} must be None or a positive integer.")
        check_draws(int(draws), caller="dose_did", interval=True)
    panel = (
        data
        if isinstance(data, Panel)
        else Panel.from_frame(data, county=county or "county", year=year or "year")
    )
    frame = _units(panel, dose, cohort)
    inconsistent = (pd.to_numeric(frame[dose]) > 0) != (pd.to_numeric(frame[cohort]) > 0)
    if control != "lowest_dose" and inconsistent.any():
        raise PanelStructureError(
            f"rows where {dose!r} > 0 and {cohort!r} > 0 disagree (e.g. unit "
            f"{frame.loc[inconsistent, panel.county].iloc[0]!r}): a treated unit needs a "
            "positive dose and a cohort, an untreated one dose 0 and cohort 0."
        )
    prep = prepare(
        panel,
        outcome=outcome,
        cohort=cohort,
        county=None,
        year=None,
        covariates=(dose,),
        weights=None,
        cluster=_cluster_column(vcov),
        control="not_yet_treated",  # the never-treated check is made below, for doses
        anticipation=0,
    )
    with np.errstate(all="ignore"):
        dvec = np.nanmax(prep.x[:, :, 0], axis=1)
    coh = prep.cohort
    treated_doses = dvec[coh > 0]
    low = 0.0
    if control == "lowest_dose":
        low = float(treated_doses.min())
        n_low = int((treated_doses == low).sum())
        if n_low < 2:
            raise IdentificationError(
                f"control='lowest_dose' needs several units at the lowest dose {low:g}; there are "
                f"{n_low}. With a continuous dose and no untreated units ATT(d) is not identified."
            )
        treated_doses = treated_doses[treated_doses > low]
    elif control == "never_treated" and not (coh == 0).any():
        raise IdentificationError(
            "no untreated units (dose 0, cohort 0) to compare with: pass control="
            "'not_yet_treated' (staggered timing) or 'lowest_dose' (every unit treated)."
        )
    basis = _basis(treated_doses, low, int(degree), int(knots), discrete)
    if grid is None:
        if basis.values is not None:
            grid_arr = basis.values
        else:
            q = np.quantile(treated_doses, [0.05, 0.95])
            grid_arr = np.linspace(q[0], q[1], 50)
    else:
        grid_arr = np.unique(np.asarray(grid, dtype=float))
        if basis.values is not None and not np.isin(grid_arr, basis.values).all():
            raise InvalidOptionError(f"grid= must be among the dose values {basis.values}.")
    groups = np.unique(coh[coh > 0])
    specs, _ = plan_cells(prep.periods, groups, base_period="varying", anticipation=0)
    obs = ~np.isnan(prep.y)
    y0 = np.where(obs, prep.y, 0.0)
    n = len(coh)
    ests, infs, rows, tmask = [], [], [], []
    for s in specs:
        valid = obs[:, s.cur] & obs[:, s.base]
        in_g = (coh == s.g) & valid
        if control == "lowest_dose":
            tr, ctl = in_g & (dvec > low), in_g & (dvec == low)
        elif control == "never_treated":
            tr, ctl = in_g, (coh == 0) & valid
        else:
            limit = prep.periods[max(s.cur, s.base)]
            tr, ctl = in_g, ((coh == 0) | (coh > limit)) & (coh != s.g) & valid
        year_t = int(prep.periods[s.cur])
        if not tr.any() or ctl.sum() < 1:
            continue
        fit = dose_cell(
            y0[:, s.cur] - y0[:, s.base],
            dvec,
            tr,
            ctl,
            basis,
            grid_arr,
            f"cohort {s.g}, year {year_t}",
        )
        ests.append(fit.est)
        infs.append(fit.inf)
        rows.append((s.g, year_t, int(prep.periods[s.base]), int(tr.sum()), int(ctl.sum())))
        tmask.append(tr)
    if not ests:
        raise IdentificationError("no (cohort, year) cell has treated and comparison units.")
    est = np.vstack(ests)  # (K, 2 + 2m)
    inf = np.stack(infs, axis=2)  # (n, 2 + 2m, K)
    lab = np.asarray(rows, dtype=np.int64)
    treated = np.column_stack(tmask)
    post = lab[:, 0] <= lab[:, 1]
    if not post.any():
        raise IdentificationError("no post-treatment (cohort, year) cells.")
    agg, agg_inf = _aggregate(est, inf, lab[:, 0], post, treated)
    root = resolve_seed(seed)
    model = ATTgtModel(
        units=np.asarray(prep.units),
        inf=inf[:, 0, :],
        treated=treated,
        cohort=coh,
        w=np.ones(n),
        periods=prep.periods,
        clustering=prep.clustering,
        draws=None if draws is None else int(draws),
        distribution=distribution,
        seed=root,
    )
    show = bool(progress) if progress is not None else False
    m = len(grid_arr)
    cov = analytic_vcov(agg_inf, prep.clustering)
    boot: BootstrapResult | None = None
    crit: tuple[float, float] | None = None
    if draws is not None:
        cov, boot, _ = inference(agg, agg_inf, model, executor=executor, progress=show)
        crits = []
        for cols in (slice(2, 2 + m), slice(2 + m, 2 + 2 * m)):
            b = multiplier_bootstrap(
                agg_inf[:, cols],
                prep.clustering,
                draws=int(draws),
                seed=root,
                distribution=distribution,
                executor=executor,
            )
            crits.append(b.crit)
        crit = (crits[0], crits[1])
    fmt = [f"{v:.6g}" for v in grid_arr.tolist()]
    names = ("ATT", "ACRT", *(f"ATT(d={v})" for v in fmt), *(f"ACRT(d={v})" for v in fmt))
    extra = pd.DataFrame(
        {
            "estimand": ["ATT", "ACRT", *["ATT(d)"] * m, *["ACRT(d)"] * m],
            "dose": np.r_[np.nan, np.nan, grid_arr, grid_arr],
        }
    )
    info = FitInfo(
        method="dose_did",
        nobs=prep.nobs,
        nobs_input=prep.nobs_input,
        dropped=prep.dropped,
        clusters={prep.clustering.name: prep.clustering.n_clusters},
        specification=f"{outcome} ~ bs({dose}) x {cohort}",
        vcov=(f"multiplier bootstrap ({draws} draws)" if draws else "influence function")
        + f"; clustered by {prep.clustering.name}",
        df_t=None,
        warnings=prep.notes,
        extra={
            "n_units": n,
            "n_units_input": prep.n_units_input,
            "control": control,
            "estimation": "discrete" if basis.values is not None else "B-spline",
            "degree": int(degree),
            "knots": tuple(basis.knots.tolist()),
            "lowest_dose": low,
            "base_period": "varying",
            "anticipation": 0,
            "covariates": (),
            "balanced": prep.balanced,
            "draws": None if draws is None else int(draws),
            "distribution": distribution,
        },
    )
    cells = [_cells(est[:, j], inf[:, j, :], model, lab, info, j) for j in (0, 1)]
    return DoseResult(
        coefs=CoefTable(names, agg, cov, None),
        info=info,
        title="Continuous-treatment DiD (dose_did)",
        extra=extra,
        boot=boot,
        pretrend=cells[0].pretrend,
        cells=cells[0],
        acrt_cells=cells[1],
        doses=treated_doses,
        crit=crit,
    )


def _aggregate(
    est: FloatArray, inf: FloatArray, group: np.ndarray, post: np.ndarray, treated: np.ndarray
) -> tuple[FloatArray, FloatArray]:
    """R ``contdid``'s weights: post-treatment cells averaged within cohort, cohorts weighted by
    their number of treated units (estimated shares: their influence is included)."""
    n = inf.shape[0]
    labels = np.unique(group[post])
    by_g = []
    inf_g = []
    for g in labels.tolist():
        k = np.flatnonzero(post & (group == g))
        by_g.append(est[k].mean(axis=0))
        inf_g.append(inf[:, :, k].mean(axis=2))
    r_est = np.vstack(by_g)  # (G, q)
    ind = np.column_stack([treated[:, post & (group == g)].any(axis=1) for g in labels.tolist()])
    gp = ind.astype(float).mean(axis=0)
    wts = gp / gp.sum()
    wif = weight_if(np.arange(len(labels)), gp, np.ones(n), ind.astype(float))
    agg = r_est.T @ wts
    agg_inf = np.stack(inf_g, axis=2) @ wts + wif @ r_est
    return agg, agg_inf


def _cells(
    att: FloatArray, inf: FloatArray, model: ATTgtModel, lab: np.ndarray, info: FitInfo, j: int
) -> ATTgtResult:
    """The overall ATT^o(g,t) (``j=0``) or ACRT^o(g,t) (``j=1``) cells as an ``att_gt`` result
    (``aggregate("dynamic")`` gives the event study of that estimand)."""
    model = dataclasses.replace(model, inf=inf, draws=None)
    cov, _, analytic = inference(att, inf, model, executor=None, progress=False)
    kind = ("ATT", "ACRT")[j]
    names = tuple(f"{kind}({g},{t})" for g, t in lab[:, :2].tolist())
    post = lab[:, 0] <= lab[:, 1]
    test = wald_pretrend(att, analytic, ~post, names)
    extra = pd.DataFrame(
        {
            "cohort": lab[:, 0],
            "year": lab[:, 1],
            "event_time": lab[:, 1] - lab[:, 0],
            "base_year": lab[:, 2],
            "post": post,
            "n_treated": lab[:, 3],
            "n_control": lab[:, 4],
        }
    )
    return ATTgtResult(
        coefs=CoefTable(names, att, cov, None),
        info=info,
        title=f"dose_did: overall {kind}(g,t) cells",
        extra=extra,
        boot=None,
        pretrend=test,
        model=model,
    )
