"""Two-way (and multi-way) fixed-effects OLS with clustered inference."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import CountyEconomyWarning, IdentificationError
from countyeconomy.estimators._coefs import CoefTable
from countyeconomy.estimators._design import Design, as_model_data, build_design
from countyeconomy.estimators._formula import parse_formula
from countyeconomy.estimators._linear import FitInfo, LinearModel, LinearResultBase, vcov_for
from countyeconomy.inference import Cluster, VcovSpec, describe_vcov, resolve_ssc, resolve_vcov
from countyeconomy.linalg import demean, ols
from countyeconomy.panel import Panel

__all__ = ["TWFEResult", "absorbed_columns", "twfe"]

ABSORBED_TOL = 1e-10
DEFAULT_VCOV = Cluster("county")


@dataclass(frozen=True, repr=False)
class TWFEResult(LinearResultBase):
    """Result of :func:`twfe`; see :class:`~countyeconomy.estimators._linear.LinearResultBase`."""

    title: str = "Fixed-effects OLS"


def absorbed_columns(x: FloatArray, xd: FloatArray, w: FloatArray | None) -> np.ndarray:
    """Indices of columns with (almost) no variation left after demeaning."""
    gone = []
    total = float(len(x)) if w is None else float(w.sum())
    for j in range(x.shape[1]):
        xj, dj = x[:, j], xd[:, j]
        if w is None:
            s1, s2 = float(xj.sum()), float(np.einsum("i,i->", xj, xj))
            after = float(np.einsum("i,i->", dj, dj))
        else:
            s1 = float(np.einsum("i,i->", w, xj))
            s2 = float(np.einsum("i,i,i->", w, xj, xj))
            after = float(np.einsum("i,i,i->", w, dj, dj))
        before = max(s2 - s1 * s1 / total, 0.0)
        if after <= ABSORBED_TOL * max(before, s2, 1e-300):
            gone.append(j)
    return np.asarray(gone, dtype=np.intp)


def _r2(
    y: FloatArray, yd: FloatArray, resid: FloatArray, w: FloatArray | None
) -> tuple[float, float, float]:
    def wdot(a: FloatArray, b: FloatArray) -> float:
        return float(np.einsum("i,i->", a, b) if w is None else np.einsum("i,i,i->", w, a, b))

    total = float(len(y)) if w is None else float(w.sum())
    rss = wdot(resid, resid)
    sy = float(y.sum()) if w is None else float(np.einsum("i,i->", w, y))
    tss = wdot(y, y) - sy * sy / total
    wtss = wdot(yd, yd)
    r2 = 1 - rss / tss if tss > 0 else float("nan")
    within = 1 - rss / wtss if wtss > 0 else float("nan")
    return r2, within, rss


def fit_design(design: Design, names_for_errors: str) -> tuple[FloatArray, FloatArray, str]:
    """Demean ``[y, X]`` on the design's fixed effects; error on absorbed regressors."""
    stacked = np.empty((len(design.y), 1 + design.x.shape[1]), order="F")
    stacked[:, 0] = design.y
    stacked[:, 1:] = design.x
    dm = demean(stacked, list(design.fixed_effects), design.weights)
    if not dm.converged:
        warnings.warn(
            f"fixed-effect demeaning did not converge after {dm.iterations} sweeps.",
            CountyEconomyWarning,
            stacklevel=3,
        )
    yd, xd = dm.values[:, 0], dm.values[:, 1:]
    if design.fixed_effects and design.x.shape[1]:
        gone = absorbed_columns(design.x, xd, design.weights)
        if len(gone):
            bad = [design.x_names[j] for j in gone]
            fe = " + ".join(f.name for f in design.fixed_effects)
            raise IdentificationError(
                f"regressor(s) {bad} have no variation left after absorbing {fe} in "
                f"{names_for_errors!r}; remove them or absorb fewer effects."
            )
    return yd, xd, dm.method


def twfe(
    data: Panel | pd.DataFrame,
    formula: str,
    *,
    county: str | None = None,
    year: str | None = None,
    weights: str | None = None,
    vcov: str | VcovSpec = DEFAULT_VCOV,
    ssc: str = "fixest",
    drop_singletons: bool = True,
) -> TWFEResult:
    """OLS with absorbed fixed effects: ``y ~ x1 + x2 | county + year``.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel`, or a DataFrame (pass ``county=`` and ``year=`` to validate
        it as a panel and use the key aliases).
    formula
        fixest-style formula. Right of ``~``: formulaic terms (``C(region)``, ``np.log(x)``,
        ``x:z``). After ``|``: absorbed effects, ``county + year`` or interactions such as
        ``province^year``. ``county`` and ``year`` name the panel's keys.
    weights
        Column of analytic weights (finite, non-negative; zero-weight rows are dropped and counted).
    vcov
        ``"iid"``, ``"hc1"``, :class:`~countyeconomy.Cluster` (default: by county) or
        :class:`~countyeconomy.DriscollKraay`.
    ssc
        Small-sample convention: ``"fixest"`` (default, = ``"reghdfe"``), ``"xtreg"``,
        ``"linearmodels"`` or ``"none"``; each reproduces that package's default errors.
    drop_singletons
        Drop rows alone in a fixed-effect level (iteratively), counted in ``info.singletons``.

    Returns
    -------
    TWFEResult
        Immutable; ``with_vcov()`` returns a new result.

    References
    ----------
    Correia, S. (2017). Linear models with high-dimensional fixed effects: an efficient and
    feasible estimator. Working paper. Berge, L. (2018). Efficient estimation of maximum likelihood
    models with multiple fixed-effects: the R package FENmlm. CREA Discussion Paper 2018-13.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    >>> res = ce.twfe(sim.panel, "log_rural_income ~ policy + log_gdp_pc | county + year")
    >>> round(float(res.params["policy"]), 2)
    0.05
    """
    parsed = parse_formula(formula)
    md = as_model_data(data, county, year)
    spec = resolve_vcov(vcov)
    convention = resolve_ssc(ssc)
    extra = list(spec.variables) if isinstance(spec, Cluster) else []
    design = build_design(
        md, parsed, weights=weights, extra_columns=extra, drop_singletons=drop_singletons
    )
    yd, xd, method = fit_design(design, formula)
    fit = ols(xd, yd, design.weights)
    names = tuple(design.x_names[j] for j in fit.kept)
    collinear = tuple(design.x_names[j] for j in fit.dropped)
    if collinear:
        warnings.warn(
            f"collinear regressor(s) dropped: {list(collinear)}.",
            CountyEconomyWarning,
            stacklevel=2,
        )
    xk = xd if len(fit.kept) == xd.shape[1] else xd[:, fit.kept]
    state = LinearModel(
        md, design.rows, xk, fit.residuals, design.weights, fit.bread, design.fixed_effects
    )
    v = vcov_for(state, spec, convention)
    r2, within, rss = _r2(design.y, yd, fit.residuals, design.weights)
    info = FitInfo(
        formula=formula,
        nobs=len(design.y),
        nobs_input=len(md.frame),
        dropped=dict(design.dropped),
        singletons=design.dropped.get("singletons", 0),
        collinear=collinear,
        fixed_effects={f.name: f.n_levels for f in design.fixed_effects},
        clusters=v.n_clusters,
        vcov=describe_vcov(spec),
        ssc=convention,
        r2=r2,
        within_r2=within,
        rss=rss,
        df_t=v.df_t,
        demean_method=method,
    )
    coefs = CoefTable(names, fit.params, v.vcov, v.df_t)
    return TWFEResult(coefs=coefs, info=info, vcov_spec=spec, model=state)
