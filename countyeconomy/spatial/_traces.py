"""Traces of the powers of ``W`` for the LeSage-Pace effects without eigenvalues.

For row-standardised ``W`` (eigenvalues in the unit disc) and ``|rho| < 1``,

``tr(I - rho W)^-1 / N = sum_k rho^k t_k`` and ``tr((I - rho W)^-1 W) / N = sum_k rho^k t_{k+1}``

with ``t_k = tr(W^k) / N`` (LeSage and Pace 2009, 4.2; R ``spdep::trW``). The traces are computed
once; each simulated draw then costs ``O(K)``.

- ``"powers"``: every ``t_k`` exactly, as ``tr(W^a W^b) = sum(W^a * ((W^T)^b))`` elementwise with
  ``a + b = k`` (sparse products while ``W^a`` stays sparse, dense after that).
- ``"mc"``: ``t_k`` exactly while ``W^a`` stays sparse (at most :data:`EXACT_NNZ_PER_ROW` entries
  per row; for a 5-nearest-neighbour ``W`` of the ~2,800 counties this covers ``k <= 20``), and
  Hutchinson's estimator ``x' W^k x / N`` with :data:`PROBES` Rademacher probes ``x`` for the
  higher powers (seeded through :func:`countyeconomy.inference.map_chunks`).

Accuracy. Truncating the series after ``K`` terms errs by at most ``|rho|^(K+1) / (1 - |rho|)``
in each of the two traces (``|t_k| <= 1``): :func:`series_order` picks ``K`` so that this is below
:data:`TOLERANCE` at the largest ``|rho|`` the draws are expected to reach, capped at
:data:`MAX_ORDER` (the bound then reported is larger: ``rho`` near 1 needs the eigenvalues).
The Monte-Carlo part adds an error whose standard error (over probes) is reported.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from countyeconomy._typing import FloatArray, SeedLike, resolve_seed
from countyeconomy.inference import ChunkTask, map_chunks

__all__ = ["MAX_ORDER", "PROBES", "TOLERANCE", "PowerTraces", "power_traces", "series_order"]

TOLERANCE = 1e-10
"""Target truncation error of ``tr S^-1 / N`` and ``tr S^-1 W / N``."""
MAX_ORDER = 1000
"""Largest number of series terms."""
PROBES = 100
"""Rademacher probes of the Monte-Carlo traces."""
EXACT_NNZ_PER_ROW = 200
"""``"mc"``: powers ``W^a`` are formed exactly while they have at most this many entries per row."""
_DENSE_SHARE = 0.1
_PROBE_KEY = 2**31 - 1  # spawn key of the probes' seed: no chunk of the draws reaches it


def series_order(rho_max: float) -> int:
    """Terms ``K`` with ``rho_max^(K+1) / (1 - rho_max) <= TOLERANCE`` (at most ``MAX_ORDER``).

    >>> series_order(0.5), series_order(0.7), series_order(0.0)
    (34, 67, 1)
    """
    r = min(abs(float(rho_max)), 1.0 - 1e-9)
    if r <= TOLERANCE:
        return 1
    k = int(np.ceil(np.log(TOLERANCE * (1.0 - r)) / np.log(r))) - 1
    return int(min(max(k, 1), MAX_ORDER))


@dataclass(frozen=True)
class PowerTraces:
    """``t_k = tr(W^k) / N`` for ``k = 0 .. order + 1``.

    Attributes
    ----------
    values
        The traces (Monte-Carlo means above ``exact_upto``).
    per_probe
        ``(probes, order + 2)`` per-probe estimates (exact columns repeated), or ``(0, order + 2)``.
    exact_upto
        The highest power whose trace is exact.
    method
        ``"powers"`` or ``"mc"``.
    """

    values: FloatArray
    per_probe: FloatArray
    exact_upto: int
    method: str

    @property
    def order(self) -> int:
        """Series terms ``K``."""
        return int(self.values.size - 2)

    def scalars(self, rho: float) -> tuple[float, float]:
        """``tr S^-1 / N`` and ``tr S^-1 W / N`` by the truncated series."""
        p = rho ** np.arange(self.order + 1)
        return float(p @ self.values[:-1]), float(p @ self.values[1:])

    def bound(self, rho: float) -> float:
        """Truncation error bound of either trace at ``rho``."""
        r = abs(float(rho))
        return float(r ** (self.order + 1) / (1.0 - r)) if r < 1 else float("inf")

    def std_error(self, rho: float) -> float:
        """Monte-Carlo standard error of ``tr S^-1 / N`` and ``tr S^-1 W / N`` (the larger)."""
        if self.per_probe.shape[0] < 2:
            return 0.0
        p = rho ** np.arange(self.order + 1)
        a = self.per_probe[:, :-1] @ p
        b = self.per_probe[:, 1:] @ p
        m = self.per_probe.shape[0]
        return float(max(a.std(ddof=1), b.std(ddof=1)) / np.sqrt(m))


@dataclass(frozen=True)
class _Probes:
    """Picklable chunk function: ``x' W^k x / N`` for ``k = first .. last``, Rademacher ``x``."""

    w: sp.csr_array
    first: int
    last: int

    def __call__(self, task: ChunkTask) -> FloatArray:
        n = self.w.shape[0]
        x = 2.0 * task.rng().integers(0, 2, size=(n, task.size)) - 1.0
        out = np.empty((task.size, self.last - self.first + 1))
        v = x
        for k in range(1, self.last + 1):
            v = self.w @ v
            if k >= self.first:
                out[:, k - self.first] = np.einsum("ij,ij->j", x, v) / n
        return out


def _tr(a: sp.csr_array | FloatArray, b: sp.csr_array | FloatArray) -> float:
    """``sum(a * b)`` elementwise (``= tr(a b')``)."""
    if isinstance(a, np.ndarray):
        dense = b if isinstance(b, np.ndarray) else b.toarray()
        return float(np.einsum("ij,ij->", a, dense))
    return float(a.multiply(b).sum())


def _exact(w: sp.csr_array, upto: int, budget: float) -> list[float]:
    """Exact ``t_0 .. t_m`` with ``m <= upto``, stopping once ``W^a`` has more than ``budget``
    entries."""
    n = w.shape[0]
    wt = sp.csr_array(w.T)
    v: sp.csr_array | FloatArray = sp.eye_array(n, format="csr")
    u: sp.csr_array | FloatArray = sp.eye_array(n, format="csr")
    out = [1.0]
    while len(out) <= upto:
        v_new = w @ v
        u_new = wt @ u
        if isinstance(v_new, np.ndarray):
            v_new, u_new = np.asarray(v_new), np.asarray(u_new)
        elif v_new.nnz > _DENSE_SHARE * n * n:
            v_new, u_new = v_new.toarray(), u_new.toarray()
        else:
            v_new, u_new = sp.csr_array(v_new), sp.csr_array(u_new)
        out.append(_tr(v_new, u) / n)  # tr(W^a W^(a-1))
        out.append(_tr(v_new, u_new) / n)  # tr(W^a W^a)
        v, u = v_new, u_new
        nnz = v.size if isinstance(v, np.ndarray) else v.nnz
        if nnz > budget:
            break
    return out[: upto + 1]


def power_traces(
    w: sp.csr_array,
    order: int,
    method: str,
    *,
    seed: SeedLike = None,
    executor: Executor | None = None,
    nnz_per_row: int = EXACT_NNZ_PER_ROW,
) -> PowerTraces:
    """``t_k = tr(W^k) / N`` for ``k = 0 .. order + 1`` (module docstring).

    ``seed`` is the caller's ``seed=`` for the effect draws: the probes use a child of it that
    the draws never use, so both are reproducible and independent. ``nnz_per_row``: the
    ``"mc"`` budget of exact powers.

    >>> w = sp.csr_array(np.array([[0, 0.5, 0.5], [1, 0, 0], [0.5, 0.5, 0]]))
    >>> tr = power_traces(w, 6, "powers")
    >>> eig = np.linalg.eigvals(w.toarray())
    >>> bool(np.allclose(tr.values, [(eig**k).real.mean() for k in range(8)]))
    True
    """
    n = w.shape[0]
    last = order + 1
    budget = float("inf") if method == "powers" else float(nnz_per_row * n)
    exact = _exact(w, last, budget)
    m = len(exact) - 1
    if m >= last:
        values = np.asarray(exact, dtype=float)
        return PowerTraces(values, np.empty((0, last + 1)), m, method)
    root = resolve_seed(seed)
    child = np.random.SeedSequence(
        entropy=root.entropy, spawn_key=(*root.spawn_key, _PROBE_KEY), pool_size=root.pool_size
    )
    parts = map_chunks(_Probes(w, m + 1, last), PROBES, child, executor, progress=False)
    tail = np.concatenate(parts)
    per_probe = np.concatenate([np.tile(np.asarray(exact), (tail.shape[0], 1)), tail], axis=1)
    return PowerTraces(per_probe.mean(axis=0), per_probe, m, method)
