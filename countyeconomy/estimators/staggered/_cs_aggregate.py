"""Aggregations of ATT(g,t) (Callaway and Sant'Anna 2021, section 3): simple, group (by cohort),
dynamic (by event time) and calendar (by year), with influence functions that account for the
estimated cohort-share weights (as R ``did::aggte`` does)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import IdentificationError
from countyeconomy.estimators.staggered._cs_kernels import aggregate_if, weight_if

__all__ = ["Aggregated", "aggregate_cells"]


@dataclass(frozen=True)
class Aggregated:
    """Overall estimate and rows. ``att`` ``(1 + R,)`` with the overall effect first, ``inf``
    ``(n, 1 + R)`` influence functions, ``labels`` ``(R,)`` the cohort, event time or year of each
    row."""

    att: FloatArray
    inf: FloatArray
    labels: IntArray


def _shares(
    group: IntArray, unit_cohort: IntArray, w: FloatArray, treated: np.ndarray
) -> tuple[FloatArray, FloatArray, dict[int, float]]:
    """Cell shares ``pg_k = mean(w * 1{i treated and observed in cell k})``, those indicators
    ``(n, K)``, and each cohort's unit share. In a balanced panel ``pg_k`` is the cohort share
    ``P(G = g_k)`` of R ``did``; in an unbalanced one it is the share of the cell's observed
    treated units, so aggregates weight cells by the treated county-years they rest on."""
    by_g = {int(g): float(np.mean(w * (unit_cohort == g))) for g in np.unique(group).tolist()}
    ind = treated.astype(float)
    pg = (w @ ind) / len(w)
    return pg, ind, by_g


def _weighted(
    att: FloatArray,
    inf: FloatArray,
    keep: np.ndarray,
    pg: FloatArray,
    w: FloatArray,
    ind: FloatArray,
) -> tuple[float, FloatArray]:
    idx = np.flatnonzero(keep)
    wts = pg[idx] / pg[idx].sum()
    est = float(att[idx] @ wts)
    wif = weight_if(idx, pg, w, ind)
    return est, aggregate_if(inf, att, idx, wts, wif)


def aggregate_cells(
    kind: str,
    att: FloatArray,
    inf: FloatArray,
    group: IntArray,
    year: IntArray,
    unit_cohort: IntArray,
    w: FloatArray,
    treated: np.ndarray,
    *,
    last_period: int,
    first_period: int,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
) -> Aggregated:
    """Aggregate cells ``att`` ``(K,)`` with influence functions ``inf`` ``(n, K)``.

    ``group`` and ``year`` give each cell's cohort and period; ``unit_cohort`` and ``w`` each
    unit's cohort and weight; ``treated`` ``(n, K)`` marks the treated units observed in a cell. Post-treatment cells are those with ``group <= year`` (and
    ``year - group <= max_e``), as in R ``did::aggte``.
    """
    pg, ind, by_g = _shares(group, unit_cohort, w, treated)
    n = inf.shape[0]
    post = (group <= year) & (year - group <= max_e)
    if kind == "simple":
        if not post.any():
            raise IdentificationError("no post-treatment ATT(g,t) cells to aggregate.")
        est, psi = _weighted(att, inf, post, pg, w, ind)
        return Aggregated(np.asarray([est]), psi[:, None], np.zeros(0, dtype=np.int64))
    rows: list[float] = []
    cols: list[FloatArray] = []
    labels: list[int] = []
    if kind == "group":
        for g in np.unique(group).tolist():
            keep = np.flatnonzero((group == g) & post)
            if len(keep) == 0:
                continue
            wts = np.full(len(keep), 1.0 / len(keep))
            rows.append(float(att[keep] @ wts))
            cols.append(aggregate_if(inf, att, keep, wts, None))
            labels.append(int(g))
        r_att, r_inf = np.asarray(rows), np.column_stack(cols)
        gp = np.asarray([by_g[g] for g in labels])
        gind = (unit_cohort[:, None] == np.asarray(labels)[None, :]).astype(float)
        allk = np.arange(len(labels))
        wif = weight_if(allk, gp, w, gind)
        overall = float(r_att @ (gp / gp.sum()))
        o_inf = aggregate_if(r_inf, r_att, allk, gp / gp.sum(), wif)
    elif kind == "dynamic":
        e = year - group
        incl = np.ones(len(att), dtype=bool)
        eseq = np.unique(e)
        if balance_e is not None:
            incl = (last_period - group) >= balance_e
            eseq = np.unique(e[incl])
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - last_period + first_period)]
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        for ev in eseq.tolist():
            keep = (e == ev) & incl
            est, psi = _weighted(att, inf, keep, pg, w, ind)
            rows.append(est)
            cols.append(psi)
            labels.append(int(ev))
        if not rows:
            raise IdentificationError("no event times left after min_e/max_e/balance_e.")
        r_att, r_inf = np.asarray(rows), np.column_stack(cols)
        pos = np.flatnonzero(np.asarray(labels) >= 0)
        if len(pos) == 0:
            raise IdentificationError("no post-treatment event times to average.")
        wts = np.full(len(pos), 1.0 / len(pos))
        overall = float(r_att[pos] @ wts)
        o_inf = aggregate_if(r_inf, r_att, pos, wts, None)
    elif kind == "calendar":
        for t in np.unique(year[year >= group.min()]).tolist():
            keep = (year == t) & (group <= t)
            if not keep.any():
                continue
            est, psi = _weighted(att, inf, keep, pg, w, ind)
            rows.append(est)
            cols.append(psi)
            labels.append(int(t))
        r_att, r_inf = np.asarray(rows), np.column_stack(cols)
        wts = np.full(len(rows), 1.0 / len(rows))
        overall = float(r_att @ wts)
        o_inf = aggregate_if(r_inf, r_att, np.arange(len(rows)), wts, None)
    else:  # pragma: no cover - validated by the caller
        raise IdentificationError(f"unknown aggregation {kind!r}")
    all_att = np.concatenate([[overall], r_att])
    all_inf = np.column_stack([o_inf.reshape(n, 1), r_inf])
    return Aggregated(all_att, all_inf, np.asarray(labels, dtype=np.int64))
