"""Local Moran's I (LISA) with conditional permutation inference and cluster categories.

Scaling convention (esda's ``Moran_Local``): ``I_i = (n - 1) z_i (W z)_i / sum_j z_j^2`` with ``z``
the deviations from the mean, so that with row-standardised weights ``sum_i I_i = (n - 1) I``
(``I`` the global Moran's I). GeoDa divides by ``n`` instead of ``n - 1``; multiply by
``n / (n - 1)`` to compare. Quadrants follow esda's default coding: 1 High-High, 2 Low-High,
3 Low-Low, 4 High-Low.
"""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from countyeconomy._typing import FloatArray, SeedLike
from countyeconomy.errors import InvalidOptionError
from countyeconomy.inference import ChunkTask, check_draws, map_chunks
from countyeconomy.results import FrozenResult, Summary
from countyeconomy.spatial._moran import align_values
from countyeconomy.spatial._weights import SpatialWeights

__all__ = ["CLUSTER_LABELS", "LocalMoranResult", "local_morans_i"]

CLUSTER_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
"""Quadrant codes (esda's default) and their cluster-map labels."""


@dataclass(frozen=True, repr=False)
class LocalMoranResult(FrozenResult):
    """Local Moran's I for every county.

    Attributes
    ----------
    ids
        County codes (the weights' order).
    local_i, quadrant
        The statistic and the Moran-scatterplot quadrant (1 HH, 2 LH, 3 LL, 4 HL).
    expected_norm, variance_norm
        Analytical moments under conditional randomisation (esda's ``EIc`` and ``VIc``).
    p_sim
        Pseudo p-values from conditional permutations (one-sided, esda's folding); NaN if
        ``draws == 0``.
    draws, alpha
        Permutations and the significance level of :attr:`clusters`.
    """

    ids: tuple[str, ...]
    local_i: FloatArray
    quadrant: np.ndarray[Any, np.dtype[np.int64]]
    expected_norm: FloatArray
    variance_norm: FloatArray
    p_sim: FloatArray
    draws: int
    alpha: float

    @property
    def clusters(self) -> pd.Series:
        """Cluster-map category per county: a quadrant label if ``p_sim < alpha``, else
        ``"Not significant"`` (all ``"Not significant"`` without permutations)."""
        labels = np.array([CLUSTER_LABELS[int(q)] for q in self.quadrant], dtype=object)
        sig = np.nan_to_num(self.p_sim, nan=1.0) < self.alpha
        return pd.Series(
            np.where(sig, labels, "Not significant"), index=pd.Index(self.ids), name="cluster"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per county: ``county, local_i, quadrant, p_sim, cluster``."""
        return pd.DataFrame(
            {
                "county": list(self.ids),
                "local_i": self.local_i,
                "quadrant": self.quadrant,
                "p_sim": self.p_sim,
                "cluster": self.clusters.to_numpy(),
            }
        )

    def summary(self) -> Summary:
        """Counts of counties per cluster category."""
        counts = self.clusters.value_counts().rename_axis("cluster").reset_index(name="counties")
        return Summary(
            title="Local Moran's I (LISA)",
            table=counts,
            footer=(("permutations", str(self.draws)), ("alpha", str(self.alpha))),
        )


@dataclass(frozen=True)
class _Conditional:
    """Picklable chunk function: local I with each county's neighbours drawn from the others.

    Per permutation, ``max k_i`` distinct positions among ``0 .. n - 2`` are drawn once and
    shared by every county (position ``j >= i`` stands for county ``j + 1``, skipping ``i``),
    as esda's ``crand`` does: ``O(links)`` work per permutation.
    """

    w: Any
    z: FloatArray
    den: float

    def __call__(self, task: ChunkTask) -> FloatArray:
        rng = task.rng()
        w: sp.csr_array = self.w
        n = self.z.size
        card = np.diff(w.indptr)
        kmax = int(card.max())
        out = np.empty((task.size, n))
        rows = np.repeat(np.arange(n), card)
        pos = np.arange(w.indptr[-1]) - np.repeat(w.indptr[:-1], card)
        for b in range(task.size):
            # one draw of kmax distinct positions among the n - 1 others, shared by every
            # county in this permutation (as esda's conditional randomisation)
            picks = rng.choice(n - 1, size=kmax, replace=False)
            draw = picks[pos]
            draw = draw + (draw >= rows)  # skip the county itself
            lag = np.bincount(rows, weights=w.data * self.z[draw], minlength=n)
            out[b] = (n - 1) * self.z * lag / self.den
        return out


def local_morans_i(
    values: object,
    spatial_weights: SpatialWeights,
    *,
    draws: int = 999,
    level: float = 0.95,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> LocalMoranResult:
    """Local Moran's I (LISA) with conditional permutation p-values and cluster categories.

    Parameters
    ----------
    values, spatial_weights
        As in :func:`countyeconomy.spatial.morans_i`.
    draws
        Conditional permutations (``0``: none). Each draw gives every county a random set of
        neighbours' values from the other ``n - 1`` counties.
    level
        Confidence level; a county is in a cluster if ``p_sim < 1 - level``.
    seed, executor, progress
        The resampling engine's options.

    Examples
    --------
    >>> import pandas as pd
    >>> from countyeconomy.spatial import knn_weights
    >>> xy = pd.DataFrame({"code": list("abcdef"), "lon": [100.0, 101, 102, 110, 111, 112],
    ...                    "lat": [30.0] * 6})
    >>> r = local_morans_i([1.0, 2, 1.5, 8, 9, 8.5], knn_weights(xy, k=2), draws=0)
    >>> r.quadrant.tolist()
    [3, 3, 3, 1, 1, 1]
    """
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or int(draws) < 0:
        raise InvalidOptionError(f"local_morans_i: draws={draws!r} is not valid; pass 0 or >= 19.")
    if not 0 < float(level) < 1:
        raise InvalidOptionError(f"level={level!r} is not valid; pass a float in (0, 1).")
    y = align_values(values, spatial_weights)
    w = spatial_weights.matrix
    n = y.size
    z = y - y.mean()
    den = float((z * z).sum())
    lag = w @ z
    local_i = (n - 1) * z * lag / den
    quadrant = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3)).astype(np.int64)
    m2 = den / n
    wi = np.asarray(w.sum(axis=1)).ravel()
    wi2 = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    expected = -(z**2 * wi) / ((n - 1) * m2)
    variance = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi**2 / (n - 1)) * (m2 - z**2 / (n - 1))
    p_sim = np.full(n, np.nan)
    nd = int(draws)
    if nd:
        nd = check_draws(nd, caller="local_morans_i", interval=False)
        sims = np.vstack(
            map_chunks(
                _Conditional(w, z, den),
                nd,
                seed,
                executor,
                progress=progress,
                desc="local_morans_i",
            )
        )
        larger = (sims >= local_i).sum(axis=0)
        low = (nd - larger) < larger
        larger[low] = nd - larger[low]
        p_sim = (larger + 1.0) / (nd + 1.0)
    return LocalMoranResult(
        ids=spatial_weights.ids,
        local_i=local_i,
        quadrant=quadrant,
        expected_norm=expected,
        variance_norm=variance,
        p_sim=p_sim,
        draws=nd,
        alpha=1.0 - float(level),
    )
