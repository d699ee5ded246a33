"""Two-way (and multi-way) fixed-effects OLS with clustered inference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError
from countyeconomy.estimators._design import ModelMatrices, as_model_data, build_design
from countyeconomy.estimators._formula import parse_formula
from countyeconomy.estimators._linear import (
    LinearModel,
    LinearResultBase,
    announce,
    coef_table,
    fit_warnings,
    pow2_scale,
    vcov_for,
)
from countyeconomy.estimators._ooc_engine import is_out_of_core
from countyeconomy.inference import Cluster, VcovSpec, describe_vcov, resolve_ssc, resolve_vcov
from countyeconomy.linalg import demean, ols
from countyeconomy.panel import Panel
from countyeconomy.results import FitInfo

__all__ = ["TWFEResult", "absorbed_columns", "twfe"]

ABSORBED_TOL = 1e-10
DEFAULT_VCOV = Cluster("county")


@dataclass(frozen=True, repr=False)
class TWFEResult(LinearResultBase):
    """Result of :func:`twfe`; see :class:`~countyeconomy.estimators._linear.LinearResultBase`."""

    title: str = "Fixed-effects OLS"

    def refit(self, data: Panel | pd.DataFrame, **keys: str) -> TWFEResult:
        """The same model (formula, weights, covariance, convention, singletons) on other data.

        ``keys`` are ``county=`` / ``year=`` for a DataFrame, as in :func:`twfe`.
        """
        extra = self.info.extra
        return twfe(
            data,
            self.info.specification,
            weights=extra.get("weights"),
            vcov=self.vcov_spec,
            ssc=self.info.ssc,
            drop_singletons=extra.get("drop_singletons"),
            **keys,
        )


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
    s = pow2_scale(y)
    if s != 1.0:  # scale-free ratios; the sum of squares itself may not be representable
        r2, within, rss = _r2(y / s, yd / s, resid / s, w)
        with np.errstate(over="ignore", under="ignore"):
            return r2, within, rss * s * s

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


def fit_design(
    design: ModelMatrices, names_for_errors: str
) -> tuple[FloatArray, FloatArray, str, list[str]]:
    """Demean ``[y, X]`` on the design's fixed effects; error on absorbed regressors.

    An outcome on an extreme scale (``|y|`` beyond ``1e100`` or below ``1e-100``) is divided by a
    power of two for the demeaning (exact) and scaled back. Returns the demeaned outcome and
    regressors, the demeaning method and diagnostic messages.
    """
    notes: list[str] = []
    s = pow2_scale(design.y)
    stacked = np.empty((len(design.y), 1 + design.x.shape[1]), order="F")
    stacked[:, 0] = design.y / s if s != 1.0 else design.y
    stacked[:, 1:] = design.x
    dm = demean(stacked, list(design.fixed_effects), design.weights)
    if not dm.converged:
        notes.append(f"fixed-effect demeaning did not converge after {dm.iterations} sweeps.")
    yd, xd = dm.values[:, 0], dm.values[:, 1:]
    if s != 1.0:
        yd = yd * s
    if design.fixed_effects and design.x.shape[1]:
        gone = absorbed_columns(design.x, xd, design.weights)
        if len(gone):
            bad = [design.x_names[j] for j in gone]
            fe = " + ".join(f.name for f in design.fixed_effects)
            raise IdentificationError(
                f"regressor(s) {bad} have no variation left after absorbing {fe} in "
                f"{names_for_errors!r}; remove them or absorb fewer effects."
            )
    return yd, xd, dm.method, notes


def twfe(
    data: Panel | pd.DataFrame | Any,
    formula: str,
    *,
    county: str | None = None,
    year: str | None = None,
    weights: str | None = None,
    vcov: str | VcovSpec = DEFAULT_VCOV,
    ssc: str = "fixest",
    drop_singletons: bool | None = None,
) -> TWFEResult:
    """OLS with absorbed fixed effects: ``y ~ x1 + x2 | county + year``.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel`, or a DataFrame. A DataFrame is validated as a panel
        (duplicate keys are an error) with keys ``county=`` and ``year=``; a key not passed
        defaults to a column literally named ``"county"`` / ``"year"`` when there is one.
        A ``dask.dataframe.DataFrame`` or a Parquet path (``"cells/*.parquet"``) is fitted out of
        core with the same numbers in 2 passes over the data (3 with ``vcov="hc1"``); see the
        "Large panels" guide.
    formula
        fixest-style formula. Right of ``~``: formulaic terms (``C(region)``, ``np.log(x)``,
        ``x:z``). After ``|``: absorbed effects, ``county + year`` or interactions such as
        ``province^year``. ``county`` and ``year`` name the panel's keys.
    weights
        Column of analytic weights (finite, non-negative; zero-weight rows are dropped and counted).
    vcov
        ``"iid"``, ``"hc1"``, :class:`~countyeconomy.Cluster` (default: by county),
        :class:`~countyeconomy.DriscollKraay` or :class:`~countyeconomy.Conley` (spatial HAC from
        county-seat or ``lat``/``lon`` coordinates; ``"conley:100"`` for a 100 km cutoff).
    ssc
        Small-sample convention: ``"fixest"`` (default, = ``"reghdfe"``), ``"xtreg"``,
        ``"linearmodels"`` or ``"none"``; each reproduces that package's default errors.
    drop_singletons
        Drop rows alone in a fixed-effect level (iteratively), counted in ``info.singletons``.
        Default (``None``): drop them, except under ``ssc="xtreg"`` (Stata's ``xtreg, fe`` keeps
        singleton groups, and so counts them in ``N`` and in the clusters).

    Returns
    -------
    TWFEResult
        Immutable; ``with_vcov()`` returns a new result, ``refit(data)`` fits the same model to
        other data, ``model`` is the fitted :class:`~countyeconomy.estimators._linear.LinearModel`.

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
    if is_out_of_core(data):  # dask DataFrame or Parquet path: the out-of-core engine
        from countyeconomy.estimators._ooc_api import twfe_out_of_core

        return twfe_out_of_core(
            data, formula, county=county, year=year, weights=weights, vcov=vcov, ssc=ssc,
            drop_singletons=drop_singletons,
        )  # fmt: skip
    parsed = parse_formula(formula)
    md = as_model_data(data, county, year)
    spec = resolve_vcov(vcov)
    convention = resolve_ssc(ssc)
    singles = drop_singletons if drop_singletons is not None else convention != "xtreg"
    extra = list(spec.variables) if isinstance(spec, Cluster) else []
    design = build_design(md, parsed, weights=weights, extra_columns=extra, drop_singletons=singles)
    yd, xd, method, notes = fit_design(design, formula)
    fit = ols(xd, yd, design.weights)
    names = tuple(design.x_names[j] for j in fit.kept)
    collinear = tuple(design.x_names[j] for j in fit.dropped)
    if collinear:
        notes.append(f"collinear regressor(s) dropped: {list(collinear)}.")
    xk = xd if len(fit.kept) == xd.shape[1] else xd[:, fit.kept]
    state = LinearModel(
        md, design.rows, xk, fit.residuals, design.weights, fit.bread, design.fixed_effects
    )
    v = vcov_for(state, spec, convention)
    notes += fit_warnings(v, spec, len(names), f" (outcome {parsed.outcome!r})")
    announce(notes, stacklevel=2)
    r2, within, rss = _r2(design.y, yd, fit.residuals, design.weights)
    info = FitInfo(
        method="twfe",
        nobs=len(design.y),
        nobs_input=len(md.frame),
        dropped=dict(design.dropped),
        clusters=v.n_clusters,
        specification=formula,
        vcov=describe_vcov(spec),
        ssc=convention,
        df_t=v.df_t,
        fixed_effects={f.name: f.n_levels for f in design.fixed_effects},
        warnings=tuple(notes),
        extra={
            "r2": r2,
            "within_r2": within,
            "rss": rss,
            "singletons": design.dropped.get("singletons", 0),
            "collinear": collinear,
            "demean_method": method,
            "weights": weights,
            "drop_singletons": singles,
        },
    )
    coefs = coef_table(names, fit.params, v)
    return TWFEResult(coefs=coefs, info=info, vcov_spec=spec, model=state)
