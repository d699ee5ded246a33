"""Batched placebo statistics: generic demeaning path and the balanced-grid path."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.linalg import blas

from countyeconomy._typing import FloatArray
from countyeconomy.errors import InvalidOptionError
from countyeconomy.inference._compute import VcovInputs, compute_vcov, is_nested
from countyeconomy.inference._model import FittedLinearResult, cluster_factor
from countyeconomy.inference._placebo_assign import Assignment, permuted_cohorts
from countyeconomy.inference._resample import ChunkTask
from countyeconomy.inference._specs import HC1, IID, Cluster, resolve_ssc
from countyeconomy.linalg import Factor, cross, demean, group_sums, scores


@dataclass(frozen=True)
class Reassign:
    """``__call__`` gives the ``(n, chunk)`` placebo treatment columns of a chunk of draws."""

    assignment: Assignment
    scheme: str

    def __call__(self, task: ChunkTask) -> FloatArray:
        a = self.assignment
        cohorts = permuted_cohorts(a, self.scheme, task.size, task.rng())
        # built as (chunk, n) rows and returned transposed: (n, chunk) in column-major order,
        # the layout the batched demeaning works on, without a copy
        rows = (a.year[None, :] >= cohorts[:, a.county]).astype(float)
        out: FloatArray = rows.T
        return out


@dataclass(frozen=True)
class PlaceboDraws:
    """Everything a chunk of placebo draws needs; ``__call__`` returns ``(chunk, 2)``
    placebo coefficients and t-statistics.

    Attributes
    ----------
    assignment
        Timing on the estimation rows.
    scheme
        Reassignment scheme.
    fixed_effects
        Absorbed factors on the estimation rows.
    weights
        ``(n,)`` observation weights of a weighted fit, or ``None``. A weighted fit is handled as
        the transformed model ``sqrt(w) y = sqrt(w) X b + e``: the placebo column is demeaned
        with the weights and multiplied by ``sqrt(w)``; ``q_w`` and ``my`` are in that model.
    q_w
        ``(n, m)`` orthonormal basis of the demeaned controls.
    my
        ``(n,)`` demeaned outcome with the controls partialled out.
    vcov_kind
        ``"cluster"``, ``"hc1"`` or ``"iid"``.
    clusters
        Cluster factors (for two-way clustering ``(A, B, A^B)``).
    factors
        The result's small-sample factor per cluster component (one factor otherwise).
    dof
        Residual degrees of freedom for ``"iid"``.
    """

    assignment: Assignment
    scheme: str
    fixed_effects: tuple[Factor, ...]
    weights: FloatArray | None
    q_w: FloatArray
    my: FloatArray
    vcov_kind: str
    clusters: tuple[Factor, ...]
    factors: tuple[float, ...]
    dof: int

    @property
    def factor(self) -> float:
        """The small-sample factor (the first component's for two-way clustering)."""
        return self.factors[0]

    def __call__(self, task: ChunkTask) -> FloatArray:
        d = Reassign(self.assignment, self.scheme)(task)
        r = demean(d, list(self.fixed_effects), self.weights).values
        if self.weights is not None:
            r = np.asfortranarray(r * np.sqrt(self.weights)[:, None])
        if self.q_w.shape[1]:
            r = np.asfortranarray(r)
            # r -= Q (Q'r) in place (one BLAS call, no n x chunk temporary)
            r = blas.dgemm(-1.0, self.q_w, self.q_w.T @ r, 1.0, r, overwrite_c=True)
        rr = np.einsum("ij,ij->j", r, r)
        with np.errstate(divide="ignore", invalid="ignore"):
            beta = (self.my @ r) / rr
            e = r * -beta[None, :]
            e += self.my[:, None]  # placebo residuals M_W y - r beta
            var = self._variance(r, e, rr)
            out = np.column_stack([beta, beta / np.sqrt(var)])
        return np.asarray(out, dtype=float)

    def _variance(self, r: FloatArray, e: FloatArray, rr: FloatArray) -> FloatArray:
        n = len(r)
        if self.vcov_kind == "iid":
            return np.asarray(self.factor * np.einsum("ij,ij->j", e, e) / n / rr)
        s = e
        s *= r  # scores r * e, in place
        if self.vcov_kind == "hc1":
            meat = np.einsum("ij,ij->j", s, s)
        else:
            sums = [group_sums(s, f.codes, f.n_levels) for f in self.clusters]
            parts = [np.einsum("gj,gj->j", m, m) for m in sums]
            if len(parts) == 1:
                meat = parts[0]
            elif len(set(self.factors)) == 1:
                meat = parts[0] + parts[1] - parts[2]
            else:  # Cluster(..., df="conventional"): one factor per component
                c = self.factors
                return np.asarray((c[0] * parts[0] + c[1] * parts[1] - c[2] * parts[2]) / (rr * rr))
        return np.asarray(self.factor * meat / (rr * rr))


def _vcov_parts(
    res: FittedLinearResult,
) -> tuple[str, tuple[Factor, ...], tuple[float, ...], int]:
    """The covariance kind, cluster factors, small-sample factors and residual df of a fit."""
    model = res.model
    spec = res.vcov_spec
    w = model.weights
    resid = model.resid
    rss = float(resid @ resid if w is None else (w * resid) @ resid)
    inputs = VcovInputs(
        scores(model.xd, resid, w), model.bread, rss, len(resid), model.fixed_effects
    )
    ssc = resolve_ssc(res.info.ssc)
    if isinstance(spec, Cluster):
        facs = [cluster_factor(model, v) for v in spec.variables]
        v = compute_vcov(spec, ssc, inputs, facs)
        if len(facs) == 2:
            facs.append(cross(facs[0], facs[1]))
        return "cluster", tuple(facs), v.components or (v.factor,), v.df_t or 0
    if isinstance(spec, HC1 | IID):
        v = compute_vcov(spec, ssc, inputs, None)
        return ("hc1" if isinstance(spec, HC1) else "iid"), (), (v.factor,), v.df_t or 0
    raise InvalidOptionError(
        f"placebo_test computes placebo t-statistics under iid, hc1 or Cluster covariances; the "
        f"result uses {spec!r}. Refit with one of those (res.with_vcov(...))."
    )


@dataclass(frozen=True)
class GridPlaceboDraws:
    """Placebo draws on a balanced county x year grid with county and year effects.

    With ``k_i`` the adoption-year index of county ``i`` (``T`` = never), the two-way demeaned
    placebo is ``d_it = 1{t >= k_i} - (T - k_i)/T - h_t`` where ``h_t`` (the demeaned year share
    of treated counties) is the same in every draw, as permutations keep the cohort sizes. For any
    demeaned column ``z`` (zero county and year sums) ``sum_t d_it z_it = tail_z[i, k_i] -
    hz_i`` with ``tail_z[i, k] = sum_{t >= k} z_it``, and ``sum_t d_it^2 = f2[k_i]``. So the
    FWL coefficient, residual sum of squares and per-county scores are gathers from ``(C, T+1)``
    tables.

    Attributes
    ----------
    generic
        The generic draws (for the reassignment and the small-sample factor).
    years
        ``(T,)`` sorted years.
    tail_y, hy
        ``(C, T+1)`` tails and ``(C,)`` ``h``-products of ``M_W y``.
    tail_q, hq, qy, qq
        The same for the ``m`` orthonormal control columns ``(m, C, T+1)``, ``(m, C)``; and
        per-county ``sum_t Q_it y_it`` ``(C, m)`` and ``sum_t Q_it Q_it'`` ``(C, m, m)``.
    f2
        ``(T+1,)`` ``sum_t d_it^2`` by adoption index.
    yy, n
        ``(M_W y)'(M_W y)`` and rows.
    to_cluster
        ``(C,)`` cluster code of each county (``None`` for iid).
    by_county
        The clusters are the counties (no aggregation needed).
    """

    generic: PlaceboDraws
    years: FloatArray
    tail_y: FloatArray
    hy: FloatArray
    tail_q: FloatArray
    hq: FloatArray
    qy: FloatArray
    qq: FloatArray
    f2: FloatArray
    yy: float
    n: int
    to_cluster: np.ndarray | None
    by_county: bool

    def __call__(self, task: ChunkTask) -> FloatArray:
        g = self.generic
        a = g.assignment
        cohorts = permuted_cohorts(a, g.scheme, task.size, task.rng())
        k = np.searchsorted(self.years, cohorts, side="left")  # (chunk, C); inf -> T
        cidx = np.arange(k.shape[1])[None, :]
        dy = self.tail_y[cidx, k] - self.hy[None, :]
        m = self.tail_q.shape[0]
        dq = np.zeros((0, *k.shape))
        if m:
            dq = np.stack([self.tail_q[j][cidx, k] - self.hq[j][None, :] for j in range(m)])
        aq = dq.sum(axis=2)  # (m, chunk): Q'd
        f2 = self.f2[k]
        rr = f2.sum(axis=1) - np.einsum("mc,mc->c", aq, aq)
        ry = dy.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            beta = ry / rr
            if self.to_cluster is None:
                ee = self.yy - 2 * beta * ry + beta * beta * rr
                var = g.factor * ee / self.n / rr
            else:
                ry_i = dy - np.einsum("mc,im->ci", aq, self.qy)
                rr_i = (
                    f2
                    - 2 * np.einsum("mc,mci->ci", aq, dq)
                    + np.einsum("mc,imn,nc->ci", aq, self.qq, aq)
                )
                score = ry_i - beta[:, None] * rr_i  # (chunk, C) per-county score sums
                if not self.by_county:
                    n_g = int(self.to_cluster.max()) + 1
                    score = np.stack(
                        [np.bincount(self.to_cluster, weights=row, minlength=n_g) for row in score]
                    )
                var = g.factor * np.einsum("cg,cg->c", score, score) / (rr * rr)
            out = np.column_stack([beta, beta / np.sqrt(var)])
        return np.asarray(out, dtype=float)


def grid_draws(generic: PlaceboDraws) -> GridPlaceboDraws | None:
    """The grid path's tables, or ``None`` when the design does not allow it."""
    a = generic.assignment
    fes = generic.fixed_effects
    n, c = len(a.county), len(a.cohort)
    years = np.unique(a.year)
    t = len(years)
    if generic.weights is not None:
        return None
    if len(fes) != 2 or n != c * t or generic.vcov_kind not in ("cluster", "iid"):
        return None
    cf = Factor(a.county.astype(np.intp), c, "county")
    tcode = np.searchsorted(years, a.year).astype(np.intp)
    yf = Factor(tcode, t, "year")
    cells = np.bincount(a.county * t + tcode, minlength=n)
    if not np.all(cells == 1):
        return None
    same = [any(is_nested(f, x) and is_nested(x, f) for f in fes) for x in (cf, yf)]
    if not all(same):
        return None
    to_cluster: np.ndarray | None = None
    if generic.vcov_kind == "cluster":
        if len(generic.clusters) != 1:
            return None
        clf = generic.clusters[0]
        codes = clf.codes
        if not is_nested(cf, clf):
            return None
        per_county = np.empty(c, dtype=np.intp)
        per_county[a.county] = codes
        to_cluster = per_county

    def grid(z: FloatArray) -> FloatArray:
        out = np.empty((c, t))
        out[a.county, tcode] = z
        return out

    def tail(zg: FloatArray) -> FloatArray:
        out = np.zeros((c, t + 1))
        out[:, :t] = np.cumsum(zg[:, ::-1], axis=1)[:, ::-1]
        return out

    k0 = np.searchsorted(years, a.cohort, side="left")
    share = np.array([(k0 <= s).mean() for s in range(t)])
    h = share - share.mean()
    htail = np.concatenate([np.cumsum(h[::-1])[::-1], [0.0]])
    rem = t - np.arange(t + 1, dtype=float)
    f2 = rem - rem * rem / t - 2 * htail + float(h @ h)
    yg = grid(generic.my)
    q = generic.q_w
    qg = [grid(q[:, j]) for j in range(q.shape[1])]
    m = len(qg)
    return GridPlaceboDraws(
        generic=generic,
        years=years,
        tail_y=tail(yg),
        hy=yg @ h,
        tail_q=np.stack([tail(x) for x in qg]) if m else np.zeros((0, c, t + 1)),
        hq=np.stack([x @ h for x in qg]) if m else np.zeros((0, c)),
        qy=np.stack([(x * yg).sum(axis=1) for x in qg], axis=1) if m else np.zeros((c, 0)),
        qq=np.einsum("mct,nct->cmn", np.stack(qg), np.stack(qg)) if m else np.zeros((c, 0, 0)),
        f2=f2,
        yy=float(generic.my @ generic.my),
        n=n,
        to_cluster=to_cluster,
        by_county=to_cluster is not None and len(np.unique(to_cluster)) == c,
    )
