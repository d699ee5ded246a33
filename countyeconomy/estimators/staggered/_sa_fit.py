"""The saturated cohort x event-time regression of :func:`sun_abraham`, two ways.

:func:`estimate` fits it on the structure of the dummies (:mod:`._sa_core`: no ``n x K``
matrix) when the model is the standard one: county and year effects, plain numeric
covariates, no singleton rows, identified regressors and a covariance it supports. Anything
else (other absorbed effects, formula terms, singletons to drop, collinear or absorbed dummies,
fewer clusters than coefficients, an outcome on an extreme scale) goes through
:func:`dense_fit`, the saturated :func:`~countyeconomy.twfe` with one column per dummy, which
handles and reports those cases. Both give the same numbers where both apply.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from countyeconomy._typing import FloatArray, IntArray, SmallSampleCorrection
from countyeconomy.estimators._linear import pow2_scale
from countyeconomy.estimators.staggered._rows import RowCodes, row_codes
from countyeconomy.estimators.staggered._sa_core import fit_saturated, saturated_vcov
from countyeconomy.estimators.twfe import TWFEResult, twfe
from countyeconomy.inference import Cluster, DriscollKraay, VcovSpec, describe_vcov
from countyeconomy.linalg import Factor, factorize
from countyeconomy.panel import Panel
from countyeconomy.results import lock

__all__ = ["SADesign", "Saturated", "cell_codes", "dense_fit", "estimate", "term"]


def term(cohort: int, event_time: int) -> str:
    """The name of a cell's coefficient."""
    return f"cohort::{cohort}:event_time::{event_time}"


def _column(cohort: int, event_time: int) -> str:
    return f"_ce_sa_{cohort}_{'m' if event_time < 0 else 'p'}{abs(event_time)}"


@dataclass(frozen=True)
class SADesign:
    """The estimation sample and the model, fixed once the rows are selected.

    Attributes
    ----------
    panel
        The rows used (before singleton drops).
    outcome, covariates, absorb
        As passed to :func:`sun_abraham`.
    g
        ``(n,)`` cohort of each row.
    cells
        ``(cohort, event time)`` of each dummy, in column order.
    """

    panel: Panel
    outcome: str
    covariates: tuple[str, ...]
    absorb: str
    g: IntArray
    cells: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "g", lock(np.asarray(self.g)))


@dataclass(frozen=True)
class Saturated:
    """The fitted saturated regression: coefficients of the kept terms and fit facts."""

    names: tuple[str, ...]
    estimates: FloatArray
    vcov: FloatArray
    df_t: int | None
    clusters: dict[str, int]
    nobs: int
    dropped: dict[str, int]
    fixed_effects: dict[str, int]
    collinear: tuple[str, ...]
    cell_rows: dict[str, int]
    vcov_label: str
    ssc: str


def cell_codes(design: SADesign) -> IntArray:
    """``(n,)`` the dummy (position in ``design.cells``) of each row, ``-1`` for none."""
    panel = design.panel
    rel = panel.frame[panel.year].to_numpy(dtype=np.int64) - design.g
    out = np.full(len(rel), -1, dtype=np.intp)
    if not design.cells:
        return out
    lo = int(rel.min())
    stride = int(rel.max()) - lo + 1
    keys = np.asarray([e * stride + (ell - lo) for e, ell in design.cells], dtype=np.int64)
    row_keys = design.g * stride + (rel - lo)
    pos = np.minimum(np.searchsorted(keys, row_keys), len(keys) - 1)
    hit = keys[pos] == row_keys
    out[hit] = pos[hit]
    return out


def dense_fit(design: SADesign, spec: VcovSpec, ssc: str) -> TWFEResult:
    """The saturated :func:`~countyeconomy.twfe`, terms renamed ``cohort::e:event_time::l``."""
    codes = cell_codes(design)
    cols = {
        _column(e, ell): (codes == j).astype(np.float64) for j, (e, ell) in enumerate(design.cells)
    }
    rhs = " + ".join([*cols, *design.covariates])
    fit = twfe(
        design.panel.assign(**cols),
        f"{design.outcome} ~ {rhs} | {design.absorb}",
        vcov=spec,
        ssc=ssc,
    )
    display = {_column(e, ell): term(e, ell) for e, ell in design.cells}
    names = tuple(display.get(n, n) for n in fit.coefs.names)
    return replace(fit, coefs=replace(fit.coefs, names=names))


def _from_dense(design: SADesign, fit: TWFEResult) -> Saturated:
    codes = cell_codes(design)[fit.estimation_rows]
    counts = np.bincount(codes[codes >= 0], minlength=len(design.cells))
    n_of = {term(e, ell): int(counts[j]) for j, (e, ell) in enumerate(design.cells)}
    return Saturated(
        names=fit.coefs.names,
        estimates=fit.coefs.estimates,
        vcov=fit.coefs.vcov,
        df_t=fit.info.df_t,
        clusters=dict(fit.info.clusters),
        nobs=fit.info.nobs,
        dropped=dict(fit.info.dropped),
        fixed_effects=dict(fit.info.fixed_effects),
        collinear=tuple(fit.info.extra.get("collinear", ())),
        cell_rows={n: n_of[n] for n in fit.coefs.names if n in n_of},
        vcov_label=fit.info.vcov,
        ssc=fit.info.ssc,
    )


def _plain(design: SADesign) -> bool:
    panel = design.panel
    effects = [part.strip() for part in design.absorb.split("+")]
    keys = ("county", panel.county), ("year", panel.year)
    return (
        len(effects) == 2
        and all(e in k for e, k in zip(effects, keys, strict=True))
        and all(c.isidentifier() for c in design.covariates)
    )


def _cluster_factors(
    panel: Panel, spec: VcovSpec, county: Factor, year: Factor
) -> tuple[bool, list[Factor] | None]:
    """The factors the covariance needs, as :func:`countyeconomy.inference.cluster_factors`;
    ``(False, None)`` when the dense fit must handle (and report) a cluster variable."""
    if isinstance(spec, DriscollKraay):
        return True, [Factor(year.codes, year.n_levels, panel.year)]
    if not isinstance(spec, Cluster):
        return True, None
    frame = panel.frame
    out = []
    for name in spec.variables:
        col = name
        if name not in frame.columns:
            col = {"county": panel.county, "year": panel.year}.get(name, name)
        if col == panel.county:
            out.append(Factor(county.codes, county.n_levels, name))
        elif col == panel.year:
            out.append(Factor(year.codes, year.n_levels, name))
        elif col not in frame.columns or frame[col].isna().any():
            return False, None
        else:
            f = factorize(frame[col].to_numpy())
            out.append(Factor(f.codes, f.n_levels, name))
    return True, out


def _fast(design: SADesign, spec: VcovSpec, ssc: SmallSampleCorrection) -> Saturated | None:
    if not _plain(design):
        return None
    panel = design.panel
    frame = panel.frame
    y = frame[design.outcome].to_numpy(dtype=float)
    codes: RowCodes = row_codes(panel)
    county, year = codes.factors(panel.county, panel.year)
    if pow2_scale(y) != 1.0 or (
        ssc != "xtreg" and (county.counts().min() < 2 or year.counts().min() < 2)
    ):
        return None
    ok, clusters = _cluster_factors(panel, spec, county, year)
    if not ok:
        return None
    x = frame[list(design.covariates)].to_numpy(dtype=float).reshape(len(y), -1)
    cell = cell_codes(design)
    fit = fit_saturated(y, x, cell, len(design.cells), county, year)
    if fit is None:
        return None
    v, df_t, n_clusters = saturated_vcov(fit, spec, ssc, (county, year), clusters)
    if (
        n_clusters and isinstance(spec, Cluster) and min(n_clusters.values()) < len(fit.params)
    ) or (not np.isfinite(v).all()):
        return None  # the dense fit warns about these
    names = (*(term(e, ell) for e, ell in design.cells), *design.covariates)
    return Saturated(
        names=names,
        estimates=fit.params,
        vcov=v,
        df_t=df_t,
        clusters=n_clusters,
        nobs=len(y),
        dropped={},
        fixed_effects={panel.county: county.n_levels, panel.year: year.n_levels},
        collinear=(),
        cell_rows={n: int(c) for n, c in zip(names, fit.counts, strict=False)},
        vcov_label=describe_vcov(spec),
        ssc=ssc,
    )


def estimate(design: SADesign, spec: VcovSpec, ssc: SmallSampleCorrection) -> Saturated:
    """The saturated regression under ``spec`` and ``ssc`` (see the module docstring)."""
    fast = _fast(design, spec, ssc)
    return fast if fast is not None else _from_dense(design, dense_fit(design, spec, ssc))
