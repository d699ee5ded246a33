"""Continuous-treatment DiD: :func:`dose_did` (Callaway, Goodman-Bacon and Sant'Anna 2024)."""

from __future__ import annotations

from concurrent.futures import Executor
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, SeedLike, check_option, resolve_seed
from countyeconomy.errors import IdentificationError, InvalidOptionError, PanelStructureError
from countyeconomy.estimators.staggered._cs_cells import plan_cells
from countyeconomy.estimators.staggered._cs_inference import (
    BootstrapResult,
    _cluster_sums,
    analytic_vcov,
)
from countyeconomy.estimators.staggered._cs_prepare import prepare
from countyeconomy.estimators.staggered._cs_results import ATTgtModel
from countyeconomy.estimators.staggered._dose_cck import CCKSummary
from countyeconomy.estimators.staggered._dose_fit import (
    cck_facts,
    check_units,
    choose_dimension,
    curve_labels,
    dose_basis,
    fit_cells,
)
from countyeconomy.estimators.staggered._dose_kernels import Basis
from countyeconomy.estimators.staggered._dose_result import (
    DoseResult,
    aggregate_cells,
    bootstrap,
    cell_result,
)
from countyeconomy.estimators.staggered.att_gt import Distribution, _cluster_column
from countyeconomy.inference import VcovSpec, check_draws
from countyeconomy.panel import Panel
from countyeconomy.results import CoefTable, FitInfo

__all__ = ["DoseControl", "DoseMethod", "DoseResult", "dose_did"]

DoseControl = Literal["never_treated", "not_yet_treated", "lowest_dose"]
DoseMethod = Literal["sieve", "cck"]
_CCK_DRAWS = 999


def dose_did(
    data: pd.DataFrame | Panel,
    outcome: str,
    dose: str,
    *,
    cohort: str,
    county: str | None = None,
    year: str | None = None,
    control: DoseControl = "never_treated",
    method: DoseMethod = "sieve",
    degree: int = 3,
    knots: int | None = None,
    discrete: bool | None = None,
    grid: Any = None,
    bins: Any = None,
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
    method
        How the sieve dimension is set. ``"sieve"`` (default): by ``degree`` and ``knots``.
        ``"cck"``: chosen from the data by the rule of Chen, Christensen and Kankanala (2025),
        the nonparametric estimator of the paper and of R ``contdid`` (through R ``npiv``), with
        uniform bands honest over that choice (see Notes). Passing ``knots=`` with ``"cck"``
        forces the dimension: the estimates, standard errors and (with ``draws=``) the sup-t
        bands are then those of ``"sieve"`` (R ``npiv`` with a given dimension, likewise).
    degree, knots
        The B-spline sieve: ``degree`` (default 3) and ``knots`` interior knots at quantiles of
        the treated doses (default 0 with ``"sieve"``: a cubic polynomial, as R ``contdid``'s
        parametric estimator; chosen from the data with ``"cck"``).
    discrete
        Treat the dose as discrete (ATT at each dose value, ACRT as the slope from the next
        lower value). ``None``: discrete when the treated doses take at most
        ``degree + knots + 1`` values (a binary dose is discrete).
    grid
        Doses at which to report the curves; default: the dose values (discrete) or 50 points
        between the 5th and 95th percentiles of the treated doses (``"cck"``: between the
        smallest and largest treated dose, as R ``contdid``). With ``"cck"`` the Lepski test and
        the band take their suprema over this grid.
    bins
        Dose-bin edges (increasing): ATT and ACRT are also averaged over the treated units
        whose dose falls in each bin ``[e_k, e_{k+1})`` (the last bin closed).
    vcov, draws, distribution, seed, executor, progress
        As in :func:`~countyeconomy.att_gt`. With ``draws=`` the standard errors come from the
        multiplier bootstrap and ``to_frame()`` adds sup-t uniform bands for each curve.
        With ``method="cck"`` the standard errors are analytic, ``draws`` (default 999, as R
        ``contdid``) is the number of multiplier draws of the dimension choice and of its band,
        and the bands are always reported.

    Raises
    ------
    IdentificationError
        No comparison units (no untreated units with ``"never_treated"``: use
        ``"not_yet_treated"`` or ``"lowest_dose"``), or too few distinct doses for the sieve.

    Notes
    -----
    **The CCK rule** (``method="cck"``; Chen, Christensen and Kankanala 2025, section 3, for
    the regression case where the dose is its own instrument). Candidate splines of degree
    ``degree`` have ``1, 2, 4, ...`` segments, ``J = degree + segments`` functions, up to the
    largest ``J`` with ``J sqrt(log J) max(1, (0.1 log n)^4) <= 10 sqrt(n)`` (``n``: treated
    units of the smallest cohort). For every pair ``J < J2`` the sup-t statistic of the
    difference of the two ATT(d) curves is compared with ``1.1 theta*``, ``theta*`` the
    ``1 - alpha_hat`` bootstrap quantile (``alpha_hat = min(0.5, sqrt(log J_max / J_max))``) of
    the largest such statistic; the smallest ``J`` passing against every larger one is chosen,
    capped at the second largest ``J``. The uniform band is ``estimate +- cv * se`` with
    ``cv = z* + max(0, log log J) theta*``, ``z*`` the 95% bootstrap quantile of the sup-t
    statistic over the dose grid and over the smaller dimensions of the grid: it is built to
    cover the whole curve with at least the nominal probability (asymptotically, over classes
    of smooth curves) whichever ``J`` was chosen, so it is wider than the sup-t band at a fixed
    ``J``. ``info.extra["cck"]`` records the grid, the choice,
    ``alpha_hat``, ``theta*``, the Lepski statistics and the critical values. The test compares
    levels (ATT(d)), so when the curve bends more than a cubic but within the noise it may keep
    a cubic whose slope is off: in the tests an S-shaped curve's ACRT(d) band covers at the
    nominal rate, a full sine wave's (700 treated units) only in about 60% of samples.

    **What differs from R contdid/npiv.** (i) contdid runs CCK only with two periods and one
    treated cohort; here every ``(g, t)`` cell shares one dimension, chosen on the aggregated
    ATT(d) curve from its influence function (with one cell this is contdid's test: the
    comparison mean cancels from differences across ``J``). (ii) contdid centres the outcome
    change at the comparison mean and then treats it as known, so its ATT(d) standard errors
    and band ignore that mean's sampling error; here it is included. (iii) Multipliers follow
    ``distribution=`` (Mammen by default; npiv draws Gaussian ones), through the shared seeded
    engine. (iv) npiv's band bootstrap uses one more interior knot than the estimate in its
    Python port (moderndid 0.2.0); here the same bases are used throughout. The tests check
    the choice and ``theta*`` against moderndid's port of npiv on identical Gaussian draws.

    References
    ----------
    Callaway, B., Goodman-Bacon, A. and Sant'Anna, P. H. C. (2024). Difference-in-differences
    with a continuous treatment. NBER Working Paper 32117.

    Chen, X., Christensen, T. M. and Kankanala, S. (2025). Adaptive estimation and uniform
    confidence bands for nonparametric structural functions and elasticities. *Review of
    Economic Studies* 92(1), 162-196.

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
    check_option("method", method, DoseMethod)
    for name, val, least in (("degree", degree, 1), ("knots", 0 if knots is None else knots, 0)):
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
    frame = check_units(panel, dose, cohort)
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
    basis = dose_basis(treated_doses, low, int(degree), int(knots or 0), discrete)
    data_driven = method == "cck" and knots is None
    if data_driven and basis.values is not None:
        raise InvalidOptionError(
            "method='cck' chooses the dimension of a B-spline in a continuous dose; these doses "
            f"are treated as discrete ({len(basis.values)} values, or discrete=True): use "
            "method='sieve'."
        )
    if grid is None:
        if basis.values is not None:
            grid_arr = basis.values
        elif data_driven:  # R contdid's CCK grid: the whole range of the treated doses
            grid_arr = np.linspace(treated_doses.min(), treated_doses.max(), 50)
        else:
            q = np.quantile(treated_doses, [0.05, 0.95])
            grid_arr = np.linspace(q[0], q[1], 50)
    else:
        grid_arr = np.unique(np.asarray(grid, dtype=float))
        if basis.values is not None and not np.isin(grid_arr, basis.values).all():
            raise InvalidOptionError(f"grid= must be among the dose values {basis.values}.")
    edges = None if bins is None else np.asarray(bins, dtype=float)
    if edges is not None and (edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0)):
        raise InvalidOptionError(f"bins={bins!r} must be at least two increasing dose edges.")
    nb = 0 if edges is None else len(edges) - 1
    groups = np.unique(coh[coh > 0])
    specs, _ = plan_cells(prep.periods, groups, base_period="varying", anticipation=0)
    n = len(coh)

    def fit(b: Basis) -> tuple[FloatArray, FloatArray, np.ndarray, np.ndarray]:
        return fit_cells(prep, b, specs, dvec, control, low, grid_arr, edges)

    root = resolve_seed(seed)
    show = bool(progress) if progress is not None else False
    m = len(grid_arr)
    cck: CCKSummary | None = None
    if data_driven:
        cck, basis = choose_dimension(
            fit,
            treated_doses,
            [dvec[(coh == g) & (dvec > low)] for g in groups.tolist()],
            low,
            int(degree),
            lambda a: _cluster_sums(a, prep.clustering),
            2 + 2 * nb,
            m,
            _CCK_DRAWS if draws is None else int(draws),
            root,
            distribution,
            executor,
            show,
        )
    est, inf, lab, treated = fit(basis)
    post = lab[:, 0] <= lab[:, 1]
    if not post.any():
        raise IdentificationError("no post-treatment (cohort, year) cells.")
    agg, agg_inf = aggregate_cells(est, inf, lab[:, 0], post, treated)
    boot_draws = None if draws is None or cck is not None else int(draws)
    model = ATTgtModel(
        units=np.asarray(prep.units),
        inf=inf[:, 0, :],
        treated=treated,
        cohort=coh,
        w=np.ones(n),
        periods=prep.periods,
        clustering=prep.clustering,
        draws=boot_draws,
        distribution=distribution,
        seed=root,
    )
    cov = analytic_vcov(agg_inf, prep.clustering)
    boot: BootstrapResult | None = None
    crit = None if cck is None else cck.crit
    if boot_draws is not None:
        boot, crit = bootstrap(
            agg_inf,
            prep.clustering,
            boot_draws,
            root,
            distribution,
            m,
            2 + 2 * nb,
            executor=executor,
            progress=show,
        )
        sd = np.sqrt(np.clip(np.diag(cov), 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = np.where(np.outer(sd, sd) > 0, cov / np.outer(sd, sd), 0.0)
        cov = corr * np.outer(boot.se, boot.se)
        cov[np.isnan(cov)] = 0.0
        cov[np.diag_indices_from(cov)] = boot.se**2
    names, extra = curve_labels(grid_arr, edges)
    info = FitInfo(
        method="dose_did",
        nobs=prep.nobs,
        nobs_input=prep.nobs_input,
        dropped=prep.dropped,
        clusters={prep.clustering.name: prep.clustering.n_clusters},
        specification=f"{outcome} ~ bs({dose}) x {cohort}",
        vcov=(f"multiplier bootstrap ({boot_draws} draws)" if boot_draws else "influence function")
        + f"; clustered by {prep.clustering.name}",
        df_t=None,
        warnings=prep.notes,
        extra={
            "n_units": n,
            "n_units_input": prep.n_units_input,
            "control": control,
            "estimation": "discrete" if basis.values is not None else "B-spline",
            "method": method,
            "degree": int(degree),
            "knots": tuple(basis.knots.tolist()),
            "sieve_dimension": basis.size,
            "cck": None if cck is None else cck_facts(cck, int(degree)),
            "lowest_dose": low,
            "base_period": "varying",
            "anticipation": 0,
            "covariates": (),
            "balanced": prep.balanced,
            "draws": None if draws is None else int(draws),
            "distribution": distribution,
        },
    )
    cells = [cell_result(est[:, j], inf[:, j, :], model, lab, info, j) for j in (0, 1)]
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
