"""Results of out-of-core fits: the sufficient statistics they keep, and covariances from them.

An out-of-core fit keeps no row-level arrays. What the covariance needs is kept instead: the
bread, the residual sum of squares, the score sums per cluster (and per year) and, when computed,
the heteroskedasticity-robust meat. :func:`vcov_from_stats` feeds these to
:func:`countyeconomy.inference.compute_vcov` as one pseudo-row per cluster level, with factors
that carry the true level counts and nesting, so every small-sample convention gives the numbers
of the in-memory fit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Self

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import InvalidOptionError
from countyeconomy.estimators._linear import announce, fit_warnings
from countyeconomy.estimators.iv import IVResult
from countyeconomy.estimators.twfe import TWFEResult
from countyeconomy.inference import (
    HC1,
    IID,
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
from countyeconomy.linalg import Factor
from countyeconomy.results import lock

__all__ = [
    "GroupScores",
    "OutOfCoreIVResult",
    "OutOfCoreModel",
    "OutOfCoreTWFEResult",
    "vcov_from_stats",
]


@dataclass(frozen=True)
class GroupScores:
    """Score sums per level of ``columns``: ``keys`` (one array per column) and ``(P, k)``
    ``scores``."""

    columns: tuple[str, ...]
    keys: tuple[np.ndarray, ...]
    scores: FloatArray

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(lock(k) for k in self.keys))
        object.__setattr__(self, "scores", lock(self.scores))

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.__post_init__()


@dataclass(frozen=True)
class OutOfCoreModel:
    """What an out-of-core fit keeps for its covariance (``result.model``); no row-level data.

    Attributes
    ----------
    nobs
        Rows used.
    bread
        ``(k, k)`` ``(X'WX)^{-1}`` of the demeaned regressors (2SLS: fitted values).
    rss
        Weighted residual sum of squares.
    fixed_effects
        ``(name, levels)`` per absorbed effect, in formula order.
    nested
        ``(effect position, cluster column, nested)`` for the cluster columns and the year.
    groups
        Score sums per cluster level (the fit's clustering) and per year.
    hc_meat
        ``sum_i s_i s_i'`` when the fit computed it (``vcov="hc1"``), else ``None``.
    aliases
        ``("county", column)`` and ``("year", column)`` for the panel keys.
    passes
        Passes over the data the fit took.
    """

    nobs: int
    bread: FloatArray
    rss: float
    fixed_effects: tuple[tuple[str, int], ...]
    nested: tuple[tuple[int, str, bool], ...]
    groups: tuple[GroupScores, ...]
    hc_meat: FloatArray | None
    aliases: tuple[tuple[str, str], ...]
    passes: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "bread", lock(self.bread))
        object.__setattr__(self, "hc_meat", lock(self.hc_meat))

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        self.__post_init__()

    def resolve(self, name: str) -> str:
        """The column a cluster name refers to (``"county"``/``"year"`` name the panel keys)."""
        return dict(self.aliases).get(name, name)


def _nested_flag(model: OutOfCoreModel, fe: int, column: str) -> bool:
    for i, col, flag in model.nested:
        if i == fe and col == column:
            return flag
    raise InvalidOptionError(
        f"an out-of-core fit keeps cluster sums only for the covariance chosen at fit time; "
        f"cluster column {column!r} was not used. Refit with vcov=Cluster({column!r})."
    )


def _pseudo_factors(
    model: OutOfCoreModel, clusters: list[Factor], columns: list[str]
) -> tuple[Factor, ...]:
    """Absorbed factors on the pseudo-rows: true level counts, true nesting in the clusters."""
    p = len(clusters[0].codes) if clusters else 1
    out = []
    for i, (name, n) in enumerate(model.fixed_effects):
        if not clusters:
            out.append(Factor(np.zeros(1, dtype=np.intp), n, name))
            continue
        flags = [_nested_flag(model, i, c) for c in columns]
        if all(flags):
            codes = clusters[0].codes if len(clusters) == 1 else np.arange(p, dtype=np.intp)
        elif flags[0]:
            codes = clusters[0].codes
        elif len(flags) > 1 and flags[1]:
            codes = clusters[1].codes
        else:
            codes = np.zeros(p, dtype=np.intp)
        out.append(Factor(codes, n, name))
    return tuple(out)


def _group_for(model: OutOfCoreModel, columns: list[str]) -> GroupScores:
    for g in model.groups:
        if set(columns) <= set(g.columns):
            return g
    raise InvalidOptionError(
        f"an out-of-core fit keeps score sums only for the clustering chosen at fit time "
        f"{[g.columns for g in model.groups]}; {columns} needs another pass over the data. "
        f"Refit with vcov=Cluster({', '.join(repr(c) for c in columns)})."
    )


def _collapse(g: GroupScores, columns: list[str]) -> tuple[list[np.ndarray], FloatArray]:
    frame = pd.DataFrame({c: g.keys[g.columns.index(c)] for c in columns})
    k = g.scores.shape[1]
    for j in range(k):
        frame[f"_s{j}"] = g.scores[:, j]
    summed = frame.groupby(columns, sort=True, dropna=False).sum().reset_index()
    keys = [summed[c].to_numpy() for c in columns]
    return keys, summed[[f"_s{j}" for j in range(k)]].to_numpy(dtype=float).reshape(-1, k)


def vcov_from_stats(model: OutOfCoreModel, spec: VcovSpec, ssc: str) -> VcovResult:
    """The covariance of an out-of-core fit under ``spec`` and ``ssc`` from its statistics."""
    convention = resolve_ssc(ssc)
    k = model.bread.shape[0]
    empty = np.zeros((0, k))

    def inputs(scores: FloatArray, fes: tuple[Factor, ...]) -> VcovInputs:
        return VcovInputs(scores, np.asarray(model.bread), model.rss, model.nobs, fes)

    if isinstance(spec, IID):
        return compute_vcov(spec, convention, inputs(empty, _pseudo_factors(model, [], [])))
    if isinstance(spec, HC1):
        if model.hc_meat is None:
            raise InvalidOptionError(
                "out of core, heteroskedasticity-robust errors take one more pass over the data: "
                "refit with vcov='hc1'."
            )
        vals, vecs = np.linalg.eigh(np.asarray(model.hc_meat))
        root = (vecs * np.sqrt(np.maximum(vals, 0.0))).T  # root' root = meat
        return compute_vcov(spec, convention, inputs(root, _pseudo_factors(model, [], [])))
    if isinstance(spec, Cluster):
        columns = [model.resolve(v) for v in spec.variables]
        keys, scores = _collapse(_group_for(model, columns), columns)
        clusters = []
        for name, values in zip(spec.variables, keys, strict=True):
            codes, uniques = pd.factorize(values)
            clusters.append(Factor(codes.astype(np.intp), len(uniques), name))
        fes = _pseudo_factors(model, clusters, columns)
        return compute_vcov(spec, convention, inputs(scores, fes), clusters)
    if isinstance(spec, DriscollKraay):
        year = model.resolve("year")
        keys, scores = _collapse(_group_for(model, [year]), [year])
        order = np.argsort(keys[0], kind="stable")
        time = Factor(np.arange(len(order), dtype=np.intp), len(order), year)
        fes = _pseudo_factors(model, [], [])
        return compute_vcov(spec, convention, inputs(scores[order], fes), [time])
    raise InvalidOptionError(f"vcov={spec!r} is not a covariance spec.")


def _with_vcov(result: Any, vcov: str | VcovSpec, ssc: str | None) -> Any:
    spec = resolve_vcov(vcov)
    convention = resolve_ssc(ssc if ssc is not None else result.info.ssc)
    v = vcov_from_stats(result.model, spec, convention)
    coefs = replace(result.coefs, vcov=v.vcov, df_t=v.df_t)
    kept = [
        m
        for m in result.info.warnings
        if not m.startswith("fewer clusters") and not m.startswith("covariance not representable")
    ]
    new = fit_warnings(v, spec, len(coefs.names))
    announce(new, stacklevel=3)
    info = replace(
        result.info,
        clusters=v.n_clusters,
        vcov=describe_vcov(spec),
        ssc=convention,
        df_t=v.df_t,
        warnings=tuple(kept + new),
    )
    return replace(result, coefs=coefs, info=info, vcov_spec=spec)


@dataclass(frozen=True, repr=False)
class OutOfCoreTWFEResult(TWFEResult):
    """A :class:`~countyeconomy.estimators.twfe.TWFEResult` fitted out of core.

    ``model`` is an :class:`OutOfCoreModel` (sufficient statistics, no rows): ``with_vcov``
    works for iid errors, the clustering of the fit (or one of its two variables), clustering
    by year and Driscoll-Kraay when the data have a year key, and HC1 when the fit used it.
    Row-level tools (wild bootstrap, randomization inference) need an in-memory fit.
    """

    model: OutOfCoreModel  # type: ignore[assignment]

    @property
    def estimation_rows(self) -> np.ndarray:
        """Not available out of core (the rows never live in memory)."""
        raise InvalidOptionError(
            "an out-of-core fit keeps no row positions; fit in memory for estimation_rows."
        )

    def with_vcov(self, vcov: str | VcovSpec, *, ssc: str | None = None) -> Self:
        """A new result with another covariance, from the kept statistics (no pass)."""
        out: Self = _with_vcov(self, vcov, ssc)
        return out


@dataclass(frozen=True, repr=False)
class OutOfCoreIVResult(IVResult):
    """An :class:`~countyeconomy.estimators.iv.IVResult` fitted out of core (see
    :class:`OutOfCoreTWFEResult` for what ``with_vcov`` supports)."""

    model: OutOfCoreModel  # type: ignore[assignment]

    @property
    def estimation_rows(self) -> np.ndarray:
        """Not available out of core (the rows never live in memory)."""
        raise InvalidOptionError(
            "an out-of-core fit keeps no row positions; fit in memory for estimation_rows."
        )

    def with_vcov(self, vcov: str | VcovSpec, *, ssc: str | None = None) -> Self:
        """A new result with another covariance, from the kept statistics (no pass)."""
        out: Self = _with_vcov(self, vcov, ssc)
        return out
