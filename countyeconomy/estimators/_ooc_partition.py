"""Out-of-core linear models, one partition at a time: pure functions on a pandas partition.

Every pass over the data calls one of the ``pass_*`` functions on each partition; the driver
(:mod:`countyeconomy.estimators._ooc_engine`) adds their small outputs up. A partition holds every
row of each level of the *partition effect* ``A`` (the cell or firm effect), so demeaning on ``A``
is local; the other absorbed effects ``B`` (year, province^year, ...) enter through small global
sums keyed by their level values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pandas.api.types import is_numeric_dtype

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.estimators._design import _matrix, check_numeric
from countyeconomy.estimators._ooc_chunks import sorted_codes

DENSE_CELLS = 30_000_000
"""Above this many (partition level x other level) cells a partition's tables are sparse."""

__all__ = ["OocSpec", "Prepared", "pass_hc", "pass_moments", "pass_scores", "prepare"]


@dataclass(frozen=True)
class OocSpec:
    """What each partition needs to build the model arrays (plain, picklable values).

    ``needed`` lists the columns in the order :func:`build_design` counts missing values in;
    ``renamed`` maps a key column to the alias the formula uses; ``fe_cols`` holds the resolved
    columns of each absorbed term and ``a_term`` the index of the partition effect;
    ``group_sets`` are the column tuples whose per-level sums are collected (clusters, year).
    """

    text: str
    outcome: str
    rhs: str
    endogenous: str | None
    instruments: str | None
    needed: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]
    numeric: tuple[str, ...]
    fe_cols: tuple[tuple[str, ...], ...]
    a_term: int
    weights: str | None
    group_sets: tuple[tuple[str, ...], ...]
    nested_cols: tuple[str, ...]
    drop_singletons: bool


@dataclass
class Prepared:
    """The usable rows of one partition as arrays (``v``: ``[y, X, D, Z]`` column-major)."""

    v: FloatArray
    names: tuple[tuple[str, ...], ...]
    w: FloatArray | None
    a_codes: IntArray
    n_a: int
    b_codes: list[IntArray]
    b_uniques: list[pd.Index]
    frame: pd.DataFrame
    dropped: dict[str, int]
    n_input: int
    bad_weights: int
    y_present: int
    a_keys: np.ndarray


def _keys(frame: pd.DataFrame, cols: tuple[str, ...]) -> tuple[IntArray, pd.Index]:
    if len(cols) == 1:
        fast = sorted_codes(frame[cols[0]].to_numpy())
        if fast is not None:
            return fast[0], pd.Index(fast[1])
        codes, uniques = pd.factorize(frame[cols[0]], sort=False)
        return codes.astype(np.intp, copy=False), pd.Index(uniques)
    combined = np.zeros(len(frame), dtype=np.int64)
    for c in cols:
        part, uni = pd.factorize(frame[c], sort=False)
        combined = combined * np.int64(max(len(uni), 1)) + part
    codes, _ = pd.factorize(combined, sort=False)
    first = np.unique(codes, return_index=True)[1]
    uniques = pd.MultiIndex.from_arrays(
        [frame[c].to_numpy()[first] for c in cols], names=list(cols)
    )
    return codes.astype(np.intp, copy=False), uniques


def _model_columns(
    exprs: list[str], work: pd.DataFrame
) -> tuple[FloatArray, tuple[tuple[str, ...], ...]]:
    """``[y X D Z]`` as one column-major array; plain numeric columns are copied straight in."""
    blocks: list[FloatArray | list[str]] = []
    names: list[tuple[str, ...]] = []
    for i, expr in enumerate(exprs):
        terms = [t.strip() for t in expr.split("+")]
        if i == 1 and expr == "1":
            blocks.append([])
            names.append(())
        elif all(t in work.columns and is_numeric_dtype(work[t]) for t in terms):
            blocks.append(terms)
            names.append(tuple(terms))
        else:
            m, nm = _matrix(expr, work, intercept=False)
            blocks.append(m)
            names.append(nm)
    width = sum(len(b) if isinstance(b, list) else b.shape[1] for b in blocks)
    v: FloatArray = np.empty((len(work), width), order="F")
    j = 0
    for b in blocks:
        if isinstance(b, list):
            for t in b:
                v[:, j] = work[t].to_numpy(dtype=float)
                j += 1
        else:
            v[:, j : j + b.shape[1]] = b
            j += b.shape[1]
    return v, tuple(names)


def _demean_local(v: FloatArray, codes: IntArray, n: int, w: FloatArray | None) -> FloatArray:
    """``v`` minus its (weighted) means within the levels of the partition effect."""
    wsum = np.bincount(codes, weights=w, minlength=n).astype(float)
    inv = np.divide(1.0, wsum, out=np.zeros_like(wsum), where=wsum > 0)
    out: FloatArray = np.empty_like(v, order="F")
    for j in range(v.shape[1]):
        col = v[:, j]
        sums = np.bincount(codes, weights=col if w is None else w * col, minlength=n)
        np.subtract(col, (sums * inv)[codes], out=out[:, j])
    return out


def prepare(
    part: pd.DataFrame, spec: OocSpec, dead: tuple[pd.Index, ...], locality: bool = False
) -> Prepared:
    """Validate and build the arrays of a partition, counting every dropped row by reason.

    ``dead`` holds, per non-partition effect, the levels left with one row in the whole data
    (singletons found by the driver); their rows are dropped and counted as singletons.
    ``locality``: also return hashes of the partition effect's levels (for the locality check).
    """
    n_input = len(part)
    sub = part[list(spec.needed)]
    check_numeric(part, list(spec.numeric), spec.text)
    dropped: dict[str, int] = {}
    na = sub.isna().to_numpy()
    keep = ~na.any(axis=1)
    for j, col in enumerate(spec.needed):
        only = na[:, j] & ~na[:, :j].any(axis=1)
        if only.any():
            dropped[f"missing {col!r}"] = int(only.sum())
    names_map = dict(spec.renamed)
    y_col = next((k for k, v in names_map.items() if v == spec.outcome), spec.outcome)
    y_present = int(sub[y_col].notna().sum()) if y_col in sub.columns else n_input
    bad_weights = 0
    if spec.weights is not None:
        w_all = pd.to_numeric(sub[spec.weights], errors="coerce").to_numpy(dtype=float)
        bad_weights = int((np.isnan(w_all) | (w_all < 0) | np.isinf(w_all)).sum())
        zero = (w_all == 0) & keep
        if zero.any():
            dropped["zero weight"] = int(zero.sum())
            keep &= ~zero
    rows = np.flatnonzero(keep)
    work = sub if len(rows) == len(sub) else sub.iloc[rows]
    if names_map:
        work = work.rename(columns=names_map)
    exprs = [spec.outcome, spec.rhs]
    if spec.endogenous is not None and spec.instruments is not None:
        exprs += [spec.endogenous, spec.instruments]
    v, names = _model_columns(exprs, work)
    finite = np.isfinite(v).all(axis=1)
    if not finite.all():
        dropped["non-finite after transformation"] = int((~finite).sum())
        rows, v = rows[finite], np.asfortranarray(v[finite])
    frame = part if len(rows) == n_input else part.iloc[rows]
    a_cols = spec.fe_cols[spec.a_term]
    a_codes, a_uni = _keys(frame, a_cols)
    n_a = len(a_uni)
    a_keys = np.zeros(0, dtype=np.uint64)
    if locality:
        a_keys = np.sort(pd.util.hash_pandas_object(a_uni, index=False).to_numpy())
    w = None if spec.weights is None else frame[spec.weights].to_numpy(dtype=float)
    b_terms = [t for i, t in enumerate(spec.fe_cols) if i != spec.a_term]
    if spec.drop_singletons:
        ok = np.ones(len(rows), dtype=bool)
        for cols, gone in zip(b_terms, dead, strict=True):
            if len(gone):
                ok &= ~_keys_in(frame, cols, gone)
        counts = np.bincount(a_codes[ok], minlength=n_a)
        ok &= counts[a_codes] != 1
        if not ok.all():
            dropped["singletons"] = int((~ok).sum())
            frame, v = frame.iloc[np.flatnonzero(ok)], np.asfortranarray(v[ok])
            w = None if w is None else w[ok]
            present = np.bincount(a_codes[ok], minlength=n_a) > 0
            recode = np.cumsum(present) - 1
            a_codes, n_a = recode[a_codes[ok]].astype(np.intp), int(present.sum())
    b_codes, b_uniques = [], []
    for cols in b_terms:
        c, u = _keys(frame, cols)
        b_codes.append(c)
        b_uniques.append(u)
    return Prepared(
        v, tuple(names), w, a_codes, n_a, b_codes, b_uniques, frame, dropped, n_input,
        bad_weights, y_present, a_keys,
    )  # fmt: skip


def _keys_in(frame: pd.DataFrame, cols: tuple[str, ...], levels: pd.Index) -> np.ndarray:
    if len(cols) == 1:
        return np.asarray(frame[cols[0]].isin(levels).to_numpy(), dtype=bool)
    mi = pd.MultiIndex.from_arrays([frame[c].to_numpy() for c in cols])
    return np.asarray(mi.isin(levels), dtype=bool)


def _stack_b(p: Prepared) -> tuple[IntArray, int]:
    """Row positions of every non-partition level, stacked: ``(n, n_b)`` codes with offsets."""
    offs = np.cumsum([0] + [len(u) for u in p.b_uniques])
    cols = [c + o for c, o in zip(p.b_codes, offs[:-1], strict=True)]
    stacked = np.column_stack(cols) if cols else np.empty((len(p.a_codes), 0), dtype=np.intp)
    return stacked, int(offs[-1])


def pass_moments(part: pd.DataFrame, spec: OocSpec, dead: tuple[pd.Index, ...]) -> dict[str, Any]:
    """First pass: counts, raw sums and the partition's share of the Schur system.

    With ``E`` the indicators of the non-partition levels, ``M_A`` the within-partition-effect
    projection and ``W`` the weights, returns ``S_p = E'W M_A E`` and ``R_p = E'W M_A [y X D Z]``
    on the partition's levels, whose sums over partitions give the exact two-way (or multi-way)
    solution.
    """
    p = prepare(part, spec, dead, locality=True)
    n, m = p.v.shape
    w = np.ones(n) if p.w is None else p.w
    out: dict[str, Any] = {
        "dropped": p.dropped,
        "n_input": p.n_input,
        "bad_weights": p.bad_weights,
        "y_present": p.y_present,
        "names": p.names,
        "a_keys": p.a_keys,
        "nobs": n,
        "n_a": p.n_a,
        "sum_w": float(w.sum()),
        "sum_v": w @ p.v,
        "sum_v2": w @ (p.v * p.v),
        "b_uniques": p.b_uniques,
        "b_counts": [
            np.bincount(c, minlength=len(u)) for c, u in zip(p.b_codes, p.b_uniques, strict=True)
        ],
    }
    out["nested"] = _nested(p, spec)
    if n == 0 or not p.b_codes:
        out["S"], out["R"] = np.zeros((0, 0)), np.zeros((0, m))
        return out
    mv = _demean_local(p.v, p.a_codes, p.n_a, p.w)
    out["S"], out["R"] = _schur_parts(p, mv, w)
    return out


def _schur_parts(p: Prepared, mv: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """``E'W M_A E`` and ``E'W M_A V`` on the partition's levels (``mv = M_A V``)."""
    sizes = [len(u) for u in p.b_uniques]
    offs = np.cumsum([0, *sizes])
    total, n_a = int(offs[-1]), p.n_a
    wmv = mv * w[:, None]
    r_mat = np.empty((total, mv.shape[1]))
    for codes, lo, size in zip(p.b_codes, offs[:-1], sizes, strict=True):
        for c in range(mv.shape[1]):
            r_mat[lo : lo + size, c] = np.bincount(codes, weights=wmv[:, c], minlength=size)
    wa = np.bincount(p.a_codes, weights=w, minlength=n_a)
    inv_wa = np.divide(1.0, wa, out=np.zeros_like(wa), where=wa > 0)
    if n_a * total > DENSE_CELLS:
        return _schur_sparse(p, w, inv_wa, total), r_mat
    cells = np.empty((n_a, total))
    ewe = np.zeros((total, total))
    for j, (codes, lo, size) in enumerate(zip(p.b_codes, offs[:-1], sizes, strict=True)):
        flat = p.a_codes.astype(np.int64) * size + codes
        cells[:, lo : lo + size] = np.bincount(flat, w, minlength=n_a * size).reshape(n_a, size)
        ewe[lo : lo + size, lo : lo + size] = np.diag(np.bincount(codes, w, minlength=size))
        for codes2, lo2, size2 in zip(
            p.b_codes[j + 1 :], offs[j + 1 : -1], sizes[j + 1 :], strict=True
        ):
            pair = np.bincount(codes.astype(np.int64) * size2 + codes2, w, minlength=size * size2)
            block = pair.reshape(size, size2)
            ewe[lo : lo + size, lo2 : lo2 + size2] = block
            ewe[lo2 : lo2 + size2, lo : lo + size] = block.T
    s_mat: FloatArray = ewe - (cells * inv_wa[:, None]).T @ cells
    return s_mat, r_mat


def _schur_sparse(p: Prepared, w: FloatArray, inv_wa: FloatArray, total: int) -> FloatArray:
    """:func:`_schur_parts`'s ``S`` with sparse indicators (many levels in one partition)."""
    stacked, _ = _stack_b(p)
    n, k_b = stacked.shape
    rows = np.repeat(np.arange(n), k_b)
    e_w = sp.csr_matrix((np.repeat(w, k_b), (rows, stacked.ravel())), shape=(n, total))
    e_1 = sp.csr_matrix((np.ones(n * k_b), (rows, stacked.ravel())), shape=(n, total))
    d_a = sp.csr_matrix((np.ones(n), (p.a_codes, np.arange(n))), shape=(p.n_a, n))
    c = d_a @ e_w
    out: FloatArray = (e_1.T @ e_w - c.T @ sp.diags(inv_wa) @ c).toarray()
    return out


def _nested(p: Prepared, spec: OocSpec) -> dict[str, Any]:
    """Per cluster column: is the partition effect nested in it (locally), and the observed
    (level, value) pairs of every other effect (nested when each level has one value)."""
    res: dict[str, Any] = {}
    for col in spec.nested_cols:
        vc, vuni = pd.factorize(p.frame[col].to_numpy())
        seen = np.full(p.n_a, -1, dtype=np.intp)
        seen[p.a_codes] = vc
        a_nested = bool(np.array_equal(seen[p.a_codes], vc))
        n_c = max(len(vuni), 1)
        pairs = []
        for codes, uniques in zip(p.b_codes, p.b_uniques, strict=True):
            flat = codes.astype(np.int64) * n_c + vc
            if len(uniques) * n_c <= DENSE_CELLS:
                present = np.flatnonzero(np.bincount(flat, minlength=len(uniques) * n_c))
            else:
                present = np.unique(flat)
            frame = pd.DataFrame({"b": present // n_c, "c": np.asarray(vuni)[present % n_c]})
            pairs.append((uniques, frame))
        res[col] = (a_nested, pairs)
    return res


def _offsets(p: Prepared, lam: tuple[tuple[pd.Index, FloatArray], ...]) -> FloatArray:
    """``D_B Lambda`` on the partition's rows: the fitted non-partition effects of each column."""
    out = np.zeros(p.v.shape)
    for (index, values), codes, uniques in zip(lam, p.b_codes, p.b_uniques, strict=True):
        pos = index.get_indexer(uniques)
        out += values[pos][codes]
    return out


def residualised(p: Prepared, lam: tuple[tuple[pd.Index, FloatArray], ...]) -> FloatArray:
    """``[y X D Z]`` with every absorbed effect removed (exact, given the solved ``Lambda``)."""
    v = p.v - _offsets(p, lam) if lam else p.v
    return _demean_local(np.asfortranarray(v), p.a_codes, p.n_a, p.w)


def _group_grams(
    frame: pd.DataFrame, cols: tuple[str, ...], vt: FloatArray, w: FloatArray | None
) -> pd.DataFrame:
    """Per level of ``cols``: the weighted cross-products of ``vt`` (upper triangle, flattened)."""
    codes, uniques = _keys(frame, cols)
    n_g, m = len(uniques), vt.shape[1]
    iu = np.triu_indices(m)
    vals = np.empty((n_g, len(iu[0])))
    wv = vt if w is None else vt * w[:, None]
    for j, (a, b) in enumerate(zip(*iu, strict=True)):
        vals[:, j] = np.bincount(codes, weights=wv[:, a] * vt[:, b], minlength=n_g)
    out = pd.DataFrame(vals)
    if isinstance(uniques, pd.MultiIndex):
        for i, c in enumerate(cols):
            out.insert(i, c, uniques.get_level_values(i).to_numpy())
    else:
        out.insert(0, cols[0], uniques.to_numpy())
    return out


def pass_scores(
    part: pd.DataFrame,
    spec: OocSpec,
    dead: tuple[pd.Index, ...],
    lam: tuple[tuple[pd.Index, FloatArray], ...],
) -> dict[str, Any]:
    """Second pass: the Gram matrix of the fully demeaned columns, in total and per level of
    each group set (cluster variables, year), from which coefficients and scores follow."""
    p = prepare(part, spec, dead)
    vt = residualised(p, lam)
    wv = vt if p.w is None else vt * p.w[:, None]
    groups = [_group_grams(p.frame, cols, vt, p.w) for cols in spec.group_sets]
    return {"gram": wv.T @ vt, "groups": groups}


def pass_hc(
    part: pd.DataFrame,
    spec: OocSpec,
    dead: tuple[pd.Index, ...],
    lam: tuple[tuple[pd.Index, FloatArray], ...],
    maps: tuple[tuple[FloatArray, FloatArray], ...],
) -> list[FloatArray]:
    """Third pass (heteroskedasticity-robust errors only): ``sum_i s_i s_i'`` per regression,
    with regressors ``V T`` and residuals ``V t`` for each ``(T, t)`` in ``maps``."""
    p = prepare(part, spec, dead)
    vt = residualised(p, lam)
    out = []
    for t_mat, t_vec in maps:
        u = vt @ t_vec
        s = (vt @ t_mat) * (u if p.w is None else p.w * u)[:, None]
        out.append(s.T @ s)
    return out
