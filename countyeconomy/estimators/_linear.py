"""Shared machinery of linear fixed-effect estimators: the fitted model kept by every result
(:class:`LinearModel`), covariances from it, and the result base (:class:`LinearResultBase`)."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from typing import Any, Self

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, IntArray, SmallSampleCorrection
from countyeconomy.errors import CountyEconomyWarning
from countyeconomy.estimators._design import ModelData
from countyeconomy.inference import (
    Cluster,
    VcovInputs,
    VcovResult,
    VcovSpec,
    cluster_factors,
    compute_vcov,
    describe_vcov,
    resolve_ssc,
    resolve_vcov,
)
from countyeconomy.linalg import Factor, scores
from countyeconomy.results import CoefResult, CoefTable, FitInfo, Summary, lock

__all__ = [
    "FewClustersWarning",
    "FitInfo",
    "LinearModel",
    "LinearResultBase",
    "ScaleWarning",
    "announce",
    "coef_table",
    "fit_warnings",
    "pow2_scale",
    "vcov_for",
]

_FEW_CLUSTERS = "fewer clusters"
_SCALE = "covariance not representable"


class FewClustersWarning(CountyEconomyWarning):
    """A clustered covariance with fewer clusters than coefficients (it is singular)."""


class ScaleWarning(CountyEconomyWarning):
    """Variables on a scale (``1e300``, ``1e-300``) whose covariance float64 cannot hold."""


@dataclass(frozen=True)
class LinearModel:
    """The fitted model a linear result keeps: what inference needs to recompute covariances,
    resample or refit. Public and read-only (arrays refuse writes); ``result.model``.

    Attributes
    ----------
    data
        The model's data: a copy-on-write copy of the caller's frame taken at fit time and the
        names of its panel keys (changing the caller's frame later changes nothing here).
    rows
        ``(n,)`` positions in ``data.frame`` of the rows used in the fit.
    xd
        ``(n, k)`` regressors after absorbing the fixed effects (2SLS: the fitted endogenous
        regressors), kept columns only.
    resid
        ``(n,)`` residuals.
    weights
        ``(n,)`` analytic weights, or ``None``.
    bread
        ``(k, k)`` inverse of ``xd' W xd``.
    fixed_effects
        The absorbed factors on ``rows`` (read-only codes).
    """

    data: ModelData
    rows: IntArray
    xd: FloatArray
    resid: FloatArray
    weights: FloatArray | None
    bread: FloatArray
    fixed_effects: tuple[Factor, ...]

    def __post_init__(self) -> None:
        # the fit owns these arrays: lock them in place (a copy only for views), no extra memory
        for name in ("rows", "xd", "resid", "weights", "bread"):
            object.__setattr__(self, name, lock(getattr(self, name)))
        fes = tuple(Factor(lock(f.codes), f.n_levels, f.name) for f in self.fixed_effects)
        object.__setattr__(self, "fixed_effects", fes)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # unpickled numpy arrays come back writeable: freeze them again
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.__post_init__()

    @property
    def nobs(self) -> int:
        """Rows used."""
        return len(self.resid)

    def estimation_frame(self) -> pd.DataFrame:
        """The rows of :attr:`data` used in the fit (a copy-on-write copy)."""
        return self.data.frame.iloc[np.asarray(self.rows)].copy(deep=False)


def pow2_scale(values: FloatArray) -> float:
    """A power of two near ``max |values|`` (1.0 when the scale is ordinary): dividing by it is
    exact, so rescaled numbers equal the unscaled ones wherever those do not over/underflow."""
    top = float(np.max(np.abs(values))) if len(values) else 0.0
    if top == 0.0 or not math.isfinite(top) or 1e-100 < top < 1e100:
        return 1.0
    return float(2.0 ** round(math.log2(top)))


def vcov_for(state: LinearModel, spec: VcovSpec, ssc: SmallSampleCorrection) -> VcovResult:
    """Covariance of a fitted linear model under ``spec`` and ``ssc``.

    Residuals on an extreme scale are divided by a power of two first (exact), so sums of
    squares neither overflow nor underflow; entries the float64 result cannot hold are ``NaN``.
    """
    w = state.weights
    s = pow2_scale(np.asarray(state.resid))
    resid = state.resid / s if s != 1.0 else state.resid
    rss = float(resid @ resid if w is None else (w * resid) @ resid)
    inputs = VcovInputs(
        scores=scores(state.xd, resid, w),
        bread=state.bread,
        rss=rss,
        nobs=len(resid),
        fixed_effects=state.fixed_effects,
    )
    v = compute_vcov(spec, ssc, inputs, cluster_factors(state, spec))
    if s == 1.0 and np.isfinite(v.vcov).all():
        return v
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        scaled = v.vcov * (s * s)
    lost = ~np.isfinite(scaled) | ((scaled == 0) & (v.vcov != 0))
    return replace(v, vcov=np.where(lost, np.nan, scaled))


def fit_warnings(v: VcovResult, spec: VcovSpec, k: int, scale_note: str = "") -> list[str]:
    """Messages about the covariance: fewer clusters than coefficients, unrepresentable scale."""
    out = []
    if isinstance(spec, Cluster) and v.n_clusters:
        g = min(v.n_clusters.values())
        if g < k:
            out.append(
                f"{_FEW_CLUSTERS} ({g}) than coefficients ({k}): the clustered covariance is "
                "singular and tests of several coefficients are not valid; cluster on a coarser "
                "level only with more clusters, or use fewer regressors."
            )
    if np.isnan(v.vcov).any():
        out.append(
            f"{_SCALE} in float64{scale_note}: standard errors are NaN and no p-values are "
            "given; divide the variable by a power of ten before fitting."
        )
    return out


def announce(messages: list[str], stacklevel: int = 3) -> None:
    """Issue each message as the matching warning class."""
    for m in messages:
        cls = (
            FewClustersWarning
            if m.startswith(_FEW_CLUSTERS)
            else ScaleWarning
            if m.startswith(_SCALE)
            else CountyEconomyWarning
        )
        warnings.warn(m, cls, stacklevel=stacklevel + 1)


def coef_table(names: tuple[str, ...], params: FloatArray, v: VcovResult) -> CoefTable:
    """The coefficient table of a linear fit."""
    return CoefTable(names, params, v.vcov, v.df_t)


@dataclass(frozen=True, repr=False)
class LinearResultBase(CoefResult):
    """The result protocol of linear estimators. Immutable; ``with_vcov`` returns a new result.

    Attributes
    ----------
    coefs
        Estimates and covariance.
    info
        :class:`~countyeconomy.FitInfo`; ``extra`` holds ``r2``, ``within_r2``, ``rss``,
        ``singletons``, ``collinear``, ``demean_method`` (readable as ``info.r2`` etc.).
    vcov_spec
        The covariance specification in use.
    model
        The fitted :class:`LinearModel` (read-only arrays) that ``with_vcov``, the wild bootstrap
        and randomization inference work from.
    """

    coefs: CoefTable
    info: FitInfo
    vcov_spec: VcovSpec
    model: LinearModel

    title: str = "Linear model"

    @property
    def estimation_rows(self) -> np.ndarray:
        """Positions (in the input data, sorted as the Panel) of the rows used in the fit."""
        return np.array(self.model.rows, copy=True)

    def with_vcov(self, vcov: str | VcovSpec, *, ssc: str | None = None) -> Self:
        """A new result with another covariance (and optionally convention); this one is unchanged."""
        spec = resolve_vcov(vcov)
        convention = resolve_ssc(ssc if ssc is not None else self.info.ssc)
        v = vcov_for(self.model, spec, convention)
        coefs = replace(self.coefs, vcov=v.vcov, df_t=v.df_t)
        kept = [
            m
            for m in self.info.warnings
            if not m.startswith(_FEW_CLUSTERS) and not m.startswith(_SCALE)
        ]
        new = fit_warnings(v, spec, len(coefs.names))
        announce(new, stacklevel=2)
        info = replace(
            self.info,
            clusters=v.n_clusters,
            vcov=describe_vcov(spec),
            ssc=convention,
            df_t=v.df_t,
            warnings=tuple(kept + new),
        )
        return replace(self, coefs=coefs, info=info, vcov_spec=spec)

    def summary(self) -> Summary:
        """Coefficient table with the fit information in the footer."""
        i = self.info
        extra: Any = i.extra
        footer = [
            ("Formula", i.specification),
            ("Observations", f"{i.nobs:,} (of {i.nobs_input:,})"),
            (
                "Fixed effects",
                ", ".join(f"{k} ({v:,})" for k, v in i.fixed_effects.items()) or "none",
            ),
            ("Std. errors", f"{i.vcov}; ssc={i.ssc}"),
            (
                "R2 / within R2",
                f"{extra.get('r2', float('nan')):.4f} / {extra.get('within_r2', float('nan')):.4f}",
            ),
        ]
        if i.clusters:
            footer.append(("Clusters", ", ".join(f"{k}: {v:,}" for k, v in i.clusters.items())))
        if i.dropped:
            footer.append(("Dropped", "; ".join(f"{v:,} {k}" for k, v in i.dropped.items())))
        if extra.get("collinear"):
            footer.append(("Collinear (dropped)", ", ".join(extra["collinear"])))
        for m in i.warnings:
            footer.append(("Warning", m))
        return Summary(self.title, self.to_frame(), tuple(footer))
