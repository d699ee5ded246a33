"""Shared machinery of linear fixed-effect estimators: fit info, state for re-computing the
covariance, and the result protocol (params, std_errors, conf_int, to_frame, summary, with_vcov)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Self

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, SmallSampleCorrection
from countyeconomy.errors import IdentificationError
from countyeconomy.estimators._coefs import CoefProtocol, CoefTable, Summary
from countyeconomy.estimators._design import ModelData, columns_as_factor
from countyeconomy.inference import (
    Cluster,
    DriscollKraay,
    VcovInputs,
    VcovResult,
    VcovSpec,
    compute_vcov,
    describe_vcov,
    resolve_ssc,
    resolve_vcov,
)
from countyeconomy.linalg import Factor, scores

__all__ = ["FitInfo", "LinearModel", "LinearResultBase", "vcov_for"]


@dataclass(frozen=True)
class FitInfo:
    """What happened in a fit: sample, drops, fixed effects, clusters, fit statistics."""

    formula: str
    nobs: int
    nobs_input: int
    dropped: dict[str, int]
    singletons: int
    collinear: tuple[str, ...]
    fixed_effects: dict[str, int]
    clusters: dict[str, int]
    vcov: str
    ssc: str
    r2: float
    within_r2: float
    rss: float
    df_t: int | None
    demean_method: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LinearModel:
    """Arrays kept to recompute covariances: demeaned regressors, residuals, weights, factors."""

    data: ModelData
    rows: np.ndarray
    xd: FloatArray
    resid: FloatArray
    weights: FloatArray | None
    bread: FloatArray
    fixed_effects: tuple[Factor, ...]


def _cluster_factors(state: LinearModel, spec: VcovSpec) -> list[Factor] | None:
    data = state.data
    if isinstance(spec, Cluster):
        out = []
        for name in spec.variables:
            col = data.resolve(name)
            if col not in data.frame.columns:
                raise IdentificationError(
                    f"cluster variable {name!r} is not a column; the data has "
                    f"{list(data.frame.columns)[:20]}."
                )
            same = [fe for fe in state.fixed_effects if fe.name == col]
            if same:  # a fixed-effect column: already coded on the estimation rows
                out.append(Factor(same[0].codes, same[0].n_levels, name))
                continue
            values = data.frame[col].to_numpy()[state.rows]
            if pd.isna(values).any():
                raise IdentificationError(
                    f"cluster variable {name!r} is missing in {int(pd.isna(values).sum())} "
                    "estimation row(s); fill it or drop those rows before fitting."
                )
            f = columns_as_factor(data, [col], state.rows)
            out.append(Factor(f.codes, f.n_levels, name))
        return out
    if isinstance(spec, DriscollKraay):
        if data.year is None:
            raise IdentificationError(
                "DriscollKraay needs a panel with a year key (pass year=...)."
            )
        years = data.frame[data.year].to_numpy()[state.rows]
        order = np.unique(years)
        codes = np.searchsorted(order, years).astype(np.intp)
        return [Factor(codes, len(order), data.year)]
    return None


def vcov_for(state: LinearModel, spec: VcovSpec, ssc: SmallSampleCorrection) -> VcovResult:
    """Covariance of a fitted linear model under ``spec`` and ``ssc``."""
    w = state.weights
    resid = state.resid
    rss = float(resid @ resid if w is None else (w * resid) @ resid)
    inputs = VcovInputs(
        scores=scores(state.xd, resid, w),
        bread=state.bread,
        rss=rss,
        nobs=len(resid),
        fixed_effects=state.fixed_effects,
    )
    return compute_vcov(spec, ssc, inputs, _cluster_factors(state, spec))


@dataclass(frozen=True, repr=False)
class LinearResultBase(CoefProtocol):
    """The result protocol of linear estimators. Immutable; ``with_vcov`` returns a new result."""

    coefs: CoefTable
    info: FitInfo
    vcov_spec: VcovSpec
    model: LinearModel

    title: str = "Linear model"

    @property
    def nobs(self) -> int:
        """Rows used."""
        return self.info.nobs

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: term, estimate, std_error, statistic, p_value, ci_low, ci_high."""
        return self.coefs.to_frame(level)

    @property
    def estimation_rows(self) -> np.ndarray:
        """Positions (in the input data, sorted as the Panel) of the rows used in the fit."""
        return self.model.rows.copy()

    def with_vcov(self, vcov: str | VcovSpec, *, ssc: str | None = None) -> Self:
        """A new result with another covariance (and optionally convention); this one is unchanged."""
        spec = resolve_vcov(vcov)
        convention = resolve_ssc(ssc if ssc is not None else self.info.ssc)
        v = vcov_for(self.model, spec, convention)
        coefs = replace(self.coefs, vcov=v.vcov, df_t=v.df_t)
        info = replace(
            self.info, clusters=v.n_clusters, vcov=describe_vcov(spec), ssc=convention, df_t=v.df_t
        )
        return replace(self, coefs=coefs, info=info, vcov_spec=spec)

    def summary(self) -> Summary:
        """Coefficient table with the fit information in the footer."""
        i = self.info
        footer = [
            ("Formula", i.formula),
            ("Observations", f"{i.nobs:,} (of {i.nobs_input:,})"),
            (
                "Fixed effects",
                ", ".join(f"{k} ({v:,})" for k, v in i.fixed_effects.items()) or "none",
            ),
            ("Std. errors", f"{i.vcov}; ssc={i.ssc}"),
            ("R2 / within R2", f"{i.r2:.4f} / {i.within_r2:.4f}"),
        ]
        if i.clusters:
            footer.append(("Clusters", ", ".join(f"{k}: {v:,}" for k, v in i.clusters.items())))
        if i.dropped:
            footer.append(("Dropped", "; ".join(f"{v:,} {k}" for k, v in i.dropped.items())))
        if i.collinear:
            footer.append(("Collinear (dropped)", ", ".join(i.collinear)))
        return Summary(self.title, self.to_frame(), tuple(footer))

    def plot(self, *, level: float = 0.95) -> Any:
        """Coefficient plot with confidence intervals (an altair chart)."""
        from countyeconomy.report import coefplot  # charts live in the report layer

        return coefplot(self, level=level)

    def __repr__(self) -> str:
        return self.summary().as_text()

    def _repr_html_(self) -> str:
        return self.summary().as_html()
