"""Global Moran's I and Geary's C with normal and seeded permutation inference.

Conventions follow ``esda`` (the oracle in the tests): ``I = n / S0 * z'Wz / z'z`` with ``z`` the
deviations from the mean; the normal moments are those under normality (esda's ``*_norm``), the
permutation p-value is one-sided in the direction of the observed statistic,
``(min(#{I_b >= I}, B - #{I_b >= I}) + 1) / (B + 1)`` (esda's ``p_sim``). Permutations go through
:func:`countyeconomy.inference.map_chunks` (seeded, chunked, progress bar).
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
from countyeconomy.results import FrozenResult, Summary, format_p_value
from countyeconomy.spatial._weights import SpatialWeights, SpatialWeightsError

__all__ = ["GlobalSpatialResult", "align_values", "gearys_c", "morans_i"]


def align_values(
    values: object, spatial_weights: SpatialWeights, name: str = "values"
) -> FloatArray:
    """``values`` as a float vector in the order of ``spatial_weights.ids``.

    A :class:`pandas.Series` is aligned on its index (county codes as strings); an array must
    already be in the weights' order. Every county needs a finite value.
    """
    if isinstance(values, pd.Series):
        s = values.copy()
        s.index = s.index.astype(str)
        if s.index.duplicated().any():
            raise SpatialWeightsError(f"{name} has duplicated county codes in its index.")
        absent = [c for c in spatial_weights.ids if c not in s.index]
        if absent:
            raise SpatialWeightsError(
                f"{name} has no value for {len(absent)} county(ies) of the weights: {absent[:10]}."
            )
        arr = pd.to_numeric(s.loc[list(spatial_weights.ids)], errors="coerce").to_numpy(dtype=float)
    else:
        arr = np.asarray(values, dtype=float).ravel()
        if arr.shape[0] != spatial_weights.n:
            raise SpatialWeightsError(
                f"{name} has {arr.shape[0]} values; the weights have {spatial_weights.n} counties."
            )
    bad = ~np.isfinite(arr)
    if bad.any():
        codes = [spatial_weights.ids[i] for i in np.flatnonzero(bad)[:10]]
        raise SpatialWeightsError(f"{name} is missing or non-finite for counties {codes}.")
    if np.ptp(arr) == 0:
        raise SpatialWeightsError(f"{name} is constant; the statistic is undefined.")
    return arr


@dataclass(frozen=True, repr=False)
class GlobalSpatialResult(FrozenResult):
    """A global autocorrelation statistic (Moran's I or Geary's C) and its inference.

    Attributes
    ----------
    statistic
        ``"morans_i"`` or ``"gearys_c"``.
    value, expected
        The statistic and its expectation under no autocorrelation.
    variance_norm, z_norm, p_norm
        Moments under normality; ``p_norm`` is two-sided.
    draws, p_sim, z_sim, simulated
        The permutation inference (``draws == 0``: none; then ``p_sim`` and ``z_sim`` are NaN).
    n, row_standardised
        Counties and the weights' standardisation.
    """

    statistic: str
    value: float
    expected: float
    variance_norm: float
    z_norm: float
    p_norm: float
    draws: int
    p_sim: float
    z_sim: float
    simulated: FloatArray
    n: int
    row_standardised: bool

    def to_frame(self) -> pd.DataFrame:
        """One row: statistic, expected, z and p (normal and permutation)."""
        return pd.DataFrame(
            [
                {
                    "statistic": self.statistic,
                    "value": self.value,
                    "expected": self.expected,
                    "z_norm": self.z_norm,
                    "p_norm": self.p_norm,
                    "z_sim": self.z_sim,
                    "p_sim": self.p_sim,
                    "draws": self.draws,
                    "n": self.n,
                }
            ]
        )

    def summary(self) -> Summary:
        """The statistic with its two p-values."""
        title = "Moran's I" if self.statistic == "morans_i" else "Geary's C"
        table = pd.DataFrame(
            [
                ("value", f"{self.value:.4f}"),
                ("expected", f"{self.expected:.4f}"),
                ("z (normal)", f"{self.z_norm:.3f}"),
                ("p (normal, two-sided)", format_p_value(self.p_norm)),
                (
                    "p (permutation)",
                    format_p_value(self.p_sim, self.draws or None) if self.draws else "-",
                ),
            ],
            columns=["item", "value"],
        )
        return Summary(title=title, table=table, footer=(("counties", str(self.n)),))


def _s_terms(w: sp.csr_array) -> tuple[float, float, float]:
    s0 = float(w.sum())
    sym = w + w.T
    s1 = float(sym.multiply(sym).sum()) / 2.0
    s2 = float(((np.asarray(w.sum(axis=1)).ravel() + np.asarray(w.sum(axis=0)).ravel()) ** 2).sum())
    return s0, s1, s2


def _moran_values(w: sp.csr_array, z: FloatArray, s0: float) -> FloatArray:
    """Moran's I for each column of ``z`` (demeaned)."""
    return np.asarray(len(z) / s0 * (z * (w @ z)).sum(axis=0) / (z * z).sum(axis=0))


def _geary_values(w: sp.csr_array, y: FloatArray, s0: float) -> FloatArray:
    """Geary's C for each column of ``y``."""
    n = y.shape[0]
    z = y - y.mean(axis=0)
    coo = w.tocoo()
    diff = y[coo.row] - y[coo.col]
    num = (coo.data[:, None] * diff * diff).sum(axis=0)
    return np.asarray((n - 1) * num / (2.0 * s0 * (z * z).sum(axis=0)))


@dataclass(frozen=True)
class _Permute:
    """Picklable chunk function: the statistic on permuted values."""

    w: Any
    y: FloatArray
    s0: float
    which: str

    def __call__(self, task: ChunkTask) -> FloatArray:
        rng = task.rng()
        ys = np.column_stack([rng.permutation(self.y) for _ in range(task.size)])
        if self.which == "morans_i":
            return _moran_values(self.w, ys - ys.mean(axis=0), self.s0)
        return _geary_values(self.w, ys, self.s0)


def _simulate(
    which: str,
    w: sp.csr_array,
    y: FloatArray,
    s0: float,
    draws: int,
    seed: SeedLike,
    executor: Executor | None,
    progress: bool,
    caller: str,
) -> FloatArray:
    if draws == 0:
        return np.empty(0)
    draws = check_draws(draws, caller=caller, interval=False, stacklevel=4)
    parts = map_chunks(
        _Permute(w, y, s0, which), draws, seed, executor, progress=progress, desc=caller
    )
    return np.concatenate(parts)


def _p_sim(value: float, sims: FloatArray) -> tuple[float, float]:
    if sims.size == 0:
        return float("nan"), float("nan")
    b = sims.size
    larger = int((sims >= value).sum())
    if b - larger < larger:
        larger = b - larger
    sd = float(sims.std())  # ddof=0, as esda
    z = (value - float(sims.mean())) / sd if sd > 0 else float("nan")
    return (larger + 1.0) / (b + 1.0), z


def _check_draws_arg(draws: object, caller: str) -> int:
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or int(draws) < 0:
        raise InvalidOptionError(f"{caller}: draws={draws!r} is not valid; pass 0 or an int >= 19.")
    return int(draws)


def morans_i(
    values: object,
    spatial_weights: SpatialWeights,
    *,
    draws: int = 999,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> GlobalSpatialResult:
    """Global Moran's I with normal and permutation inference.

    Parameters
    ----------
    values
        One value per county: a Series indexed by county code, or an array in ``weights.ids``
        order.
    spatial_weights
        A :class:`SpatialWeights`.
    draws
        Random permutations for ``p_sim`` (``0``: none).
    seed, executor, progress
        The resampling engine's options (conventions table).

    Examples
    --------
    >>> import pandas as pd
    >>> from countyeconomy.spatial import knn_weights
    >>> xy = pd.DataFrame({"code": list("abcdef"), "lon": [100.0, 101, 102, 110, 111, 112],
    ...                    "lat": [30.0] * 6})
    >>> w = knn_weights(xy, k=2)
    >>> r = morans_i([1.0, 2, 1.5, 8, 9, 8.5], w, draws=0)
    >>> round(r.value, 4)
    0.9799
    """
    from scipy import stats

    draws = _check_draws_arg(draws, "morans_i")
    y = align_values(values, spatial_weights)
    w = spatial_weights.matrix
    s0, s1, s2 = _s_terms(w)
    if s0 == 0:
        raise SpatialWeightsError("the weights have no links; Moran's I is undefined.")
    n = float(y.size)
    z = y - y.mean()
    value = float(_moran_values(w, z[:, None], s0)[0])
    ei = -1.0 / (n - 1.0)
    var = (n * n * s1 - n * s2 + 3.0 * s0 * s0) / ((n * n - 1.0) * s0 * s0) - ei * ei
    z_norm = (value - ei) / np.sqrt(var)
    sims = _simulate("morans_i", w, y, s0, draws, seed, executor, progress, "morans_i")
    p_sim, z_sim = _p_sim(value, sims)
    return GlobalSpatialResult(
        statistic="morans_i",
        value=value,
        expected=ei,
        variance_norm=float(var),
        z_norm=float(z_norm),
        p_norm=float(2.0 * stats.norm.sf(abs(z_norm))),
        draws=draws,
        p_sim=p_sim,
        z_sim=z_sim,
        simulated=sims,
        n=int(n),
        row_standardised=spatial_weights.row_standardised,
    )


def gearys_c(
    values: object,
    spatial_weights: SpatialWeights,
    *,
    draws: int = 999,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> GlobalSpatialResult:
    """Geary's C (expected value 1; below 1 means positive autocorrelation).

    Normal moments as esda's ``Geary`` (``VC_norm``); arguments as :func:`morans_i`.
    """
    from scipy import stats

    draws = _check_draws_arg(draws, "gearys_c")
    y = align_values(values, spatial_weights)
    w = spatial_weights.matrix
    s0, s1, s2 = _s_terms(w)
    if s0 == 0:
        raise SpatialWeightsError("the weights have no links; Geary's C is undefined.")
    n = float(y.size)
    value = float(_geary_values(w, y[:, None], s0)[0])
    var = (1.0 / (2.0 * (n + 1.0) * s0 * s0)) * ((2.0 * s1 + s2) * (n - 1.0) - 4.0 * s0 * s0)
    z_norm = (value - 1.0) / np.sqrt(var)
    sims = _simulate("gearys_c", w, y, s0, draws, seed, executor, progress, "gearys_c")
    p_sim, z_sim = _p_sim(value, sims)
    return GlobalSpatialResult(
        statistic="gearys_c",
        value=value,
        expected=1.0,
        variance_norm=float(var),
        z_norm=float(z_norm),
        p_norm=float(2.0 * stats.norm.sf(abs(z_norm))),
        draws=draws,
        p_sim=p_sim,
        z_sim=z_sim,
        simulated=sims,
        n=int(n),
        row_standardised=spatial_weights.row_standardised,
    )
