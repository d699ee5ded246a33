"""Two-stage least squares with absorbed fixed effects and first-stage diagnostics."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import FormulaError, IdentificationError
from countyeconomy.estimators._design import as_model_data, build_design
from countyeconomy.estimators._formula import parse_formula
from countyeconomy.estimators._linear import (
    LinearModel,
    LinearResultBase,
    announce,
    coef_table,
    fit_warnings,
    vcov_for,
)
from countyeconomy.estimators._ooc_engine import is_out_of_core
from countyeconomy.estimators.twfe import DEFAULT_VCOV, absorbed_columns
from countyeconomy.inference import Cluster, VcovSpec, describe_vcov, resolve_ssc, resolve_vcov
from countyeconomy.linalg import demean, ols
from countyeconomy.panel import Panel
from countyeconomy.results import FitInfo, FrozenResult, Summary

__all__ = ["FirstStage", "IVResult", "iv"]

_EMPTY = pd.DataFrame(
    {"endogenous": [], "partial_r2": [], "f_stat": [], "p_value": [], "f_iid": []}
)


@dataclass(frozen=True, repr=False)
class FirstStage(FrozenResult):
    """First-stage diagnostics, one row per endogenous regressor.

    ``table`` columns: ``endogenous``, ``partial_r2`` (of the excluded instruments),
    ``f_stat`` (Wald test of the excluded instruments divided by their number, under the model's
    covariance: with clustering this is the Kleibergen-Paap rk Wald F for one endogenous
    regressor), ``p_value``, ``f_iid`` (the classical, homoskedastic first-stage F).
    """

    table: pd.DataFrame
    n_instruments: int

    @property
    def kleibergen_paap_f(self) -> float | None:
        """Kleibergen-Paap rk Wald F (one endogenous regressor; else ``None``)."""
        return float(self.table["f_stat"].iloc[0]) if len(self.table) == 1 else None

    def to_frame(self) -> pd.DataFrame:
        """The diagnostics table."""
        return self.table

    def summary(self) -> Summary:
        """The diagnostics table with the number of excluded instruments."""
        return Summary("First stage", self.table, (("Instruments", str(self.n_instruments)),))


@dataclass(frozen=True, repr=False)
class IVResult(LinearResultBase):
    """Result of :func:`iv`: second-stage coefficients plus :attr:`first_stage`.

    ``first_stage`` is computed under the covariance chosen at fit time; ``with_vcov`` changes the
    second-stage errors only (refit to get first-stage statistics under another covariance).
    """

    title: str = "Fixed-effects 2SLS"
    first_stage: FirstStage = field(default_factory=lambda: FirstStage(_EMPTY, 0))

    def refit(self, data: Panel | pd.DataFrame, **keys: str) -> IVResult:
        """The same model (formula, weights, covariance, convention) on other data.

        ``keys`` are ``county=`` / ``year=`` for a DataFrame, as in :func:`iv`.
        """
        return iv(
            data,
            self.info.specification,
            weights=self.info.extra.get("weights"),
            vcov=self.vcov_spec,
            ssc=self.info.ssc,
            **keys,
        )


def _first_stage(
    state_base: LinearModel,
    endog_d: np.ndarray,
    exog_d: np.ndarray,
    z_d: np.ndarray,
    names: tuple[str, ...],
    spec: VcovSpec,
    ssc: str,
) -> FirstStage:
    from scipy import stats

    rows = []
    w = state_base.weights
    m = z_d.shape[1]
    for j, name in enumerate(names):
        xfull = np.column_stack([exog_d, z_d])
        fit = ols(xfull, endog_d[:, j], w)
        kz = [i for i, col in enumerate(fit.kept) if col >= exog_d.shape[1]]
        st = replace(state_base, xd=xfull[:, fit.kept], resid=fit.residuals, bread=fit.bread)
        v = vcov_for(st, spec, resolve_ssc(ssc)).vcov
        b = fit.params[kz]
        wald = float(b @ np.linalg.solve(v[np.ix_(kz, kz)], b))
        f_stat = wald / len(kz) if kz else float("nan")
        restricted = ols(exog_d, endog_d[:, j], w) if exog_d.shape[1] else None
        e_r = restricted.residuals if restricted is not None else endog_d[:, j]
        ww = np.ones(len(e_r)) if w is None else w
        rss_r, rss_u = float(ww @ e_r**2), float(ww @ fit.residuals**2)
        n_fe = sum(f.n_levels for f in state_base.fixed_effects) - max(
            len(state_base.fixed_effects) - 1, 0
        )
        df_u = len(e_r) - len(fit.kept) - n_fe
        f_iid = ((rss_r - rss_u) / len(kz)) / (rss_u / df_u) if kz else float("nan")
        rows.append(
            {
                "endogenous": name,
                "partial_r2": 1 - rss_u / rss_r if rss_r > 0 else float("nan"),
                "f_stat": f_stat,
                "p_value": float(stats.chi2(len(kz)).sf(wald)) if kz else float("nan"),
                "f_iid": f_iid,
            }
        )
    return FirstStage(pd.DataFrame(rows), m)


def iv(
    data: Panel | pd.DataFrame | Any,
    formula: str,
    *,
    county: str | None = None,
    year: str | None = None,
    weights: str | None = None,
    vcov: str | VcovSpec = DEFAULT_VCOV,
    ssc: str = "fixest",
) -> IVResult:
    """2SLS with absorbed fixed effects: ``"y ~ exog | county + year | endog ~ z1 + z2"``.

    All variables are demeaned on the fixed effects; the endogenous regressors are replaced by
    their first-stage fitted values on the exogenous regressors and excluded instruments; the
    residuals use the actual endogenous values. Standard errors follow ``vcov`` and ``ssc`` as in
    :func:`~countyeconomy.twfe`. A ``dask.dataframe.DataFrame`` or a Parquet path as ``data`` is
    fitted out of core with the same numbers in 2 passes over the data (3 with ``vcov="hc1"``).

    References
    ----------
    Kleibergen, F. and Paap, R. (2006). Generalized reduced rank tests using the singular value
    decomposition. *Journal of Econometrics* 133(1), 97-126.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> import countyeconomy as ce
    >>> rng = np.random.default_rng(0)
    >>> n = 2000
    >>> df = pd.DataFrame({"county": np.repeat(np.arange(200), 10), "year": np.tile(np.arange(2010, 2020), 200)})
    >>> df["z"] = rng.normal(size=n); u = rng.normal(size=n)
    >>> df["d"] = df["z"] + u + rng.normal(size=n); df["y"] = 0.5 * df["d"] + u
    >>> res = ce.iv(df, "y ~ 1 | county + year | d ~ z", county="county", year="year")
    >>> abs(float(res.params["d"]) - 0.5) < 0.1
    True
    """
    if is_out_of_core(data):  # dask DataFrame or Parquet path: the out-of-core engine
        from countyeconomy.estimators._ooc_iv import iv_out_of_core

        return iv_out_of_core(
            data, formula, county=county, year=year, weights=weights, vcov=vcov, ssc=ssc
        )
    parsed = parse_formula(formula)
    if parsed.endogenous is None:
        raise FormulaError(
            f"iv() needs an instrumental-variables part, e.g. 'y ~ x | county + year | d ~ z'; got {formula!r}."
        )
    md = as_model_data(data, county, year)
    spec = resolve_vcov(vcov)
    convention = resolve_ssc(ssc)
    extra = list(spec.variables) if isinstance(spec, Cluster) else []
    design = build_design(md, parsed, weights=weights, extra_columns=extra)
    if design.endog is None or design.z is None:  # pragma: no cover - the parser guarantees both
        raise FormulaError(f"no endogenous part parsed from {formula!r}.")
    if design.z.shape[1] < design.endog.shape[1]:
        raise IdentificationError(
            f"{design.endog.shape[1]} endogenous regressor(s) but only {design.z.shape[1]} "
            "excluded instrument(s); 2SLS needs at least as many instruments."
        )
    k_x, k_d = design.x.shape[1], design.endog.shape[1]
    stacked = np.column_stack([design.y, design.x, design.endog, design.z])
    dm = demean(stacked, list(design.fixed_effects), design.weights).values
    yd = dm[:, 0]
    xd, dd, zd = dm[:, 1 : 1 + k_x], dm[:, 1 + k_x : 1 + k_x + k_d], dm[:, 1 + k_x + k_d :]
    if design.fixed_effects:
        raw = np.column_stack([design.x, design.endog, design.z])
        gone = absorbed_columns(raw, dm[:, 1:], design.weights)
        if len(gone):
            allnames = design.x_names + design.endog_names + design.z_names
            raise IdentificationError(
                f"variable(s) {[allnames[j] for j in gone]} have no variation left after absorbing "
                "the fixed effects."
            )
    first = np.column_stack([xd, zd])
    fitted = np.column_stack(
        [dd[:, j] - ols(first, dd[:, j], design.weights).residuals for j in range(k_d)]
    )
    xhat = np.column_stack([xd, fitted])
    fit = ols(xhat, yd, design.weights)
    names_all = design.x_names + design.endog_names
    names = tuple(names_all[j] for j in fit.kept)
    x_actual = np.column_stack([xd, dd])[:, fit.kept]
    resid = yd - x_actual @ fit.params
    state = LinearModel(
        md, design.rows, xhat[:, fit.kept], resid, design.weights, fit.bread, design.fixed_effects
    )
    v = vcov_for(state, spec, convention)
    fs = _first_stage(state, dd, xd, zd, design.endog_names, spec, convention)
    collinear = tuple(names_all[j] for j in fit.dropped)
    notes = [f"collinear regressor(s) dropped: {list(collinear)}."] if collinear else []
    notes += fit_warnings(v, spec, len(names), f" (outcome {parsed.outcome!r})")
    announce(notes, stacklevel=2)
    ww = np.ones(len(yd)) if design.weights is None else design.weights
    rss = float(ww @ resid**2)
    ybar = float(ww @ design.y / ww.sum())
    info = FitInfo(
        method="iv",
        nobs=len(yd),
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
            "r2": 1 - rss / float(ww @ (design.y - ybar) ** 2),
            "within_r2": 1 - rss / float(ww @ yd**2),
            "rss": rss,
            "singletons": design.dropped.get("singletons", 0),
            "collinear": collinear,
            "demean_method": "",
            "first_stage_f": tuple(float(f) for f in fs.table["f_stat"]),
            "weights": weights,
        },
    )
    return IVResult(
        coefs=coef_table(names, fit.params, v),
        info=info,
        vcov_spec=spec,
        model=state,
        first_stage=fs,
    )
