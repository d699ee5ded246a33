"""Tests of coefficient differences between groups: the Fisher permutation test (kernel and
driver) and the stacked / fully interacted pooled regressions."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import IdentificationError
from countyeconomy.estimators._design import ModelData, build_design
from countyeconomy.estimators._formula import parse_formula
from countyeconomy.estimators._mech_kernels import CHUNK, dense_factor, sorted_factor
from countyeconomy.estimators._threshold_boot import ChunkLike
from countyeconomy.estimators.twfe import twfe
from countyeconomy.inference import Cluster, VcovSpec, map_chunks
from countyeconomy.linalg import Factor, demean

__all__ = ["GROUP", "PermChunk", "permutation_test", "stacked_difference"]

GROUP = "__ce_group"
"""Column holding the group label in the working frame."""


def _perm_chunk(
    values: FloatArray,
    factors: tuple[Factor, ...],
    unit: np.ndarray,
    col: int,
    perms: np.ndarray,
) -> FloatArray:
    """Coefficient difference (label 0 minus label 1) for each permutation of unit labels.

    ``values`` columns: 0 = outcome, then the regressors; ``col`` is the term's column.
    """
    out = np.empty(len(perms))
    for i, labels in enumerate(perms):
        coef = []
        for g in (0, 1):
            mask = labels[unit] == g
            v = values[mask]
            facs = [dense_factor(f.codes[mask]) for f in factors]
            dm = demean(v, facs).values if facs else v
            b, *_ = np.linalg.lstsq(dm[:, 1:], dm[:, 0], rcond=None)
            coef.append(b[col - 1])
        out[i] = coef[0] - coef[1]
    return out


@dataclass(frozen=True)
class PermChunk:
    """One chunk of permutations (picklable for process executors): ``rng.permutation(labels)``
    per draw from the chunk's own generator, then :func:`_perm_chunk`."""

    values: FloatArray
    factors: tuple[Factor, ...]
    unit: IntArray
    labels: IntArray
    col: int

    def __call__(self, task: ChunkLike) -> FloatArray:
        rng = task.rng()
        perms = np.array([rng.permutation(self.labels) for _ in range(task.size)])
        return _perm_chunk(self.values, self.factors, self.unit, self.col, perms)


def stacked_difference(
    md: ModelData,
    frame: pd.DataFrame,
    formula: str,
    term: str,
    spec: VcovSpec,
    ssc: str,
    cross_fe: bool,
) -> tuple[float, float, int | None]:
    """Difference of ``term`` between the two groups of ``frame`` and its standard error from a
    pooled regression where every regressor is interacted with the group; the fixed effects are
    group-specific (``cross_fe``: seemingly unrelated) or common (fully interacted pooled)."""
    sub = ModelData(frame, md.county, md.year)
    parsed = parse_formula(formula)
    d = build_design(sub, parsed, extra_columns=[GROUP])
    g = (frame[GROUP].to_numpy()[d.rows] == frame[GROUP].iloc[0]).astype(float)
    cols: dict[str, Any] = {"__y": d.y}
    names = []
    for j, name in enumerate(d.x_names):
        if name == "Intercept":
            continue
        for k, ind in ((0, g), (1, 1 - g)):
            cols[f"__x{j}_g{k}"] = d.x[:, j] * ind
            names.append(f"__x{j}_g{k}")
    keep_cols = {md.resolve(c) for t in parsed.fixed_effects for c in t}
    clusters = [md.resolve(c) for c in spec.variables] if isinstance(spec, Cluster) else []
    keys = [c for c in (md.county, md.year) if c is not None]
    for c in sorted(keep_cols | set(clusters) | set(keys) | {GROUP}):
        cols[c] = frame[c].to_numpy()[d.rows]
    fe_terms = ["^".join(md.resolve(c) for c in t) for t in parsed.fixed_effects]
    if cross_fe or not fe_terms:
        fe_terms = [f"{t}^{GROUP}" for t in fe_terms] or [GROUP]
    stacked = pd.DataFrame(cols)
    fit = twfe(
        stacked,
        f"__y ~ {' + '.join(names)} | {' + '.join(fe_terms)}",
        vcov=Cluster(*clusters) if clusters else spec,
        ssc=ssc,
        county=md.county if len(keys) == 2 else None,
        year=md.year if len(keys) == 2 else None,
    )
    j = d.x_names.index(term)
    a, b = f"__x{j}_g0", f"__x{j}_g1"
    names = list(fit.coefs.names)
    ia, ib = names.index(a), names.index(b)
    v, est = fit.coefs.vcov, fit.coefs.estimates
    diff = float(est[ia] - est[ib])
    var = float(v[ia, ia] + v[ib, ib] - 2 * v[ia, ib])
    return diff, float(np.sqrt(max(var, 0.0))), fit.info.df_t


def permutation_test(
    md: ModelData,
    frame: pd.DataFrame,
    formula: str,
    term: str,
    draws: int,
    seed: np.random.SeedSequence,
    executor: Executor | None,
    progress: bool,
    observed: float,
) -> tuple[float, FloatArray]:
    """Fisher permutation p-value of the difference of ``term`` between the two groups of
    ``frame`` (county labels permuted; chunks through :func:`~countyeconomy.inference.map_chunks`)
    and the permuted differences."""
    sub = ModelData(frame, md.county, md.year)
    d = build_design(sub, parse_formula(formula), extra_columns=[GROUP])
    if md.county is None:
        raise IdentificationError("the permutation test permutes counties: pass county=.")
    unit = sorted_factor(frame[md.county].to_numpy()[d.rows], md.county)
    first = (frame[GROUP].to_numpy()[d.rows] != frame[GROUP].iloc[0]).astype(np.intp)
    per_unit = np.zeros(unit.n_levels, dtype=np.intp)
    per_unit[unit.codes] = first
    if not np.array_equal(per_unit[unit.codes], first):
        raise IdentificationError(
            "the group label varies within county; the Fisher permutation test reassigns whole "
            "counties. Use a county-level grouping or test='seemingly_unrelated'."
        )
    values = np.column_stack([d.y, d.x])
    col = 1 + d.x_names.index(term)
    chunk = PermChunk(values, d.fixed_effects, unit.codes, per_unit, col)
    parts = map_chunks(
        chunk, draws, seed, executor, CHUNK, progress=progress, desc="permutation test"
    )
    diffs = np.concatenate(parts)
    return float(np.mean(np.abs(diffs) >= abs(observed))), diffs
