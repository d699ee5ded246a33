"""Spatial weights from county-seat coordinates (libpysal underneath).

Distances are great-circle distances in kilometres on a sphere of radius
:data:`EARTH_RADIUS_KM`, computed by :class:`libpysal.cg.KDTree` with ``distance_metric="Arc"``;
the weights themselves come from :class:`libpysal.weights.DistanceBand` (inverse distance) and
:class:`libpysal.weights.KNN` (k nearest). This module only selects the counties, records what was
done, and stores the result as a read-only sparse matrix.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from countyeconomy._typing import FloatArray
from countyeconomy.errors import CountyEconomyError, InvalidOptionError
from countyeconomy.registry import CountyCoordinates, Registry, UnmatchedCodesWarning
from countyeconomy.results import FrozenResult, Summary

__all__ = [
    "EARTH_RADIUS_KM",
    "IslandsWarning",
    "SpatialWeights",
    "SpatialWeightsError",
    "distance_weights",
    "knn_weights",
]

EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG) used for great-circle distances."""

# just inside libpysal's limit (half the circumference): every pair on the sphere
_HALF_CIRCUMFERENCE = float(np.pi * EARTH_RADIUS_KM) * (1.0 - 1e-12)


class SpatialWeightsError(CountyEconomyError, ValueError):
    """Spatial weights cannot be built or do not fit the data."""


class IslandsWarning(UserWarning):
    """Some counties have no neighbour under the chosen weights (their row is zero)."""


@dataclass(frozen=True, repr=False)
class SpatialWeights(FrozenResult):
    """A spatial weights matrix over county codes: frozen, picklable, scipy-sparse underneath.

    Attributes
    ----------
    ids
        County codes, the order of the rows and columns.
    data, indices, indptr
        The CSR arrays of the matrix (read-only); use :attr:`matrix`.
    kind
        ``"inverse_distance"`` or ``"knn"``.
    row_standardised
        Whether each non-empty row sums to one.
    params
        The construction options (``cutoff``, ``power``, ``k``, ``year``, ``radius_km``).
    islands
        Codes without any neighbour (a zero row, also after row standardisation).
    unmatched
        Requested codes left out because they have no coordinates.
    """

    ids: tuple[str, ...]
    data: FloatArray
    indices: np.ndarray[Any, np.dtype[np.int32]]
    indptr: np.ndarray[Any, np.dtype[np.int32]]
    kind: str
    row_standardised: bool
    params: Mapping[str, Any] = field(default_factory=dict)
    islands: tuple[str, ...] = ()
    unmatched: tuple[str, ...] = ()

    @property
    def n(self) -> int:
        """Number of counties."""
        return len(self.ids)

    @property
    def matrix(self) -> sp.csr_array:
        """The weights as a new ``scipy.sparse.csr_array`` (a copy: edit it freely)."""
        return sp.csr_array(
            (self.data.copy(), self.indices.copy(), self.indptr.copy()), shape=(self.n, self.n)
        )

    def dense(self) -> FloatArray:
        """The weights as a dense ``(n, n)`` array."""
        return np.asarray(self.matrix.toarray(), dtype=np.float64)

    @property
    def cardinalities(self) -> pd.Series:
        """Number of neighbours of each county."""
        return pd.Series(np.diff(self.indptr), index=pd.Index(self.ids, name="county"))

    def to_libpysal(self) -> Any:
        """The same matrix as a :class:`libpysal.weights.W` (transform ``"O"``: as stored)."""
        from libpysal.weights import WSP  # type: ignore[import-untyped]

        return WSP(sp.csr_matrix(self.matrix), id_order=list(self.ids)).to_W(silence_warnings=True)

    def summary(self) -> Summary:
        """Counties, links, neighbour counts, islands and unmatched codes."""
        card = np.diff(self.indptr)
        rows = [
            ("counties", str(self.n)),
            ("links", str(int(card.sum()))),
            ("neighbours (min / mean / max)", f"{card.min()} / {card.mean():.2f} / {card.max()}")
            if self.n
            else ("neighbours", "-"),
            ("row standardised", str(self.row_standardised)),
            ("islands", str(len(self.islands))),
            ("unmatched codes", str(len(self.unmatched))),
        ]
        rows += [(k, str(v)) for k, v in self.params.items()]
        table = pd.DataFrame(rows, columns=["item", "value"])
        return Summary(title=f"Spatial weights ({self.kind})", table=table)


def _coordinate_table(coordinates: object) -> pd.DataFrame:
    """``code``, ``lon``, ``lat`` from a year, a CountyCoordinates or a DataFrame."""
    if isinstance(coordinates, bool):
        raise InvalidOptionError(f"coordinates={coordinates!r} is not valid.")
    if isinstance(coordinates, int | np.integer):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnmatchedCodesWarning)
            coordinates = Registry.load().coordinates(int(coordinates))
    if isinstance(coordinates, CountyCoordinates):
        table = coordinates.table
    elif isinstance(coordinates, pd.DataFrame):
        table = coordinates
    else:
        raise InvalidOptionError(
            f"coordinates={type(coordinates).__name__} is not valid; pass a year (int), a "
            "registry CountyCoordinates, or a DataFrame with columns code, lon, lat."
        )
    missing = [c for c in ("code", "lon", "lat") if c not in table.columns]
    if missing:
        raise SpatialWeightsError(
            f"coordinates lack column(s) {missing}; columns are {list(table.columns)}."
        )
    out = pd.DataFrame(
        {
            "code": table["code"].astype(str).to_numpy(),
            "lon": pd.to_numeric(table["lon"], errors="coerce").to_numpy(dtype=float),
            "lat": pd.to_numeric(table["lat"], errors="coerce").to_numpy(dtype=float),
        }
    )
    dup = out["code"][out["code"].duplicated()].unique()
    if len(dup):
        raise SpatialWeightsError(f"coordinates list code(s) {list(dup[:10])} more than once.")
    return out


def _select(table: pd.DataFrame, codes: Sequence[object] | None) -> tuple[pd.DataFrame, list[str]]:
    """Rows for ``codes`` (all with coordinates if None), and the codes left out."""
    have = table[np.isfinite(table["lon"]) & np.isfinite(table["lat"])]
    if codes is None:
        unmatched = table.loc[~table.index.isin(have.index), "code"].tolist()
        return have.reset_index(drop=True), unmatched
    wanted = pd.Index(pd.Series(list(codes), dtype=object).astype(str).unique())
    by_code = have.set_index("code")
    unmatched = [c for c in wanted if c not in by_code.index]
    kept = [c for c in wanted if c in by_code.index]
    return by_code.loc[kept].reset_index(), unmatched


def _finish(
    w: Any,
    ids: list[str],
    kind: str,
    row_standardise: bool,
    params: dict[str, Any],
    unmatched: list[str],
) -> SpatialWeights:
    mat = sp.csr_array(w.sparse, dtype=np.float64)
    mat.sort_indices()
    card = np.diff(mat.indptr)
    if row_standardise:
        sums = np.asarray(mat.sum(axis=1)).ravel()
        scale = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
        mat = sp.csr_array(sp.diags_array(scale) @ mat)
        mat.sort_indices()
    islands = tuple(ids[i] for i in np.flatnonzero(card == 0))
    if unmatched:
        warnings.warn(
            f"{len(unmatched)} code(s) have no coordinates and are left out of the weights: "
            f"{', '.join(unmatched[:10])}{' ...' if len(unmatched) > 10 else ''} "
            "(listed in .unmatched).",
            UnmatchedCodesWarning,
            stacklevel=3,
        )
    if islands:
        warnings.warn(
            f"{len(islands)} county(ies) have no neighbour: {', '.join(islands[:10])}"
            f"{' ...' if len(islands) > 10 else ''} (listed in .islands; their rows are zero).",
            IslandsWarning,
            stacklevel=3,
        )
    return SpatialWeights(
        ids=tuple(ids),
        data=np.asarray(mat.data, dtype=np.float64),
        indices=np.asarray(mat.indices, dtype=np.int32),
        indptr=np.asarray(mat.indptr, dtype=np.int32),
        kind=kind,
        row_standardised=row_standardise,
        params=params,
        islands=islands,
        unmatched=tuple(unmatched),
    )


def _tree(table: pd.DataFrame) -> Any:
    from libpysal.cg import KDTree  # type: ignore[import-untyped]

    pts = table[["lon", "lat"]].to_numpy(dtype=float)
    return KDTree(pts, distance_metric="Arc", radius=EARTH_RADIUS_KM)


def _year(coordinates: object) -> int | None:
    if isinstance(coordinates, CountyCoordinates):
        return coordinates.year
    if isinstance(coordinates, int | np.integer) and not isinstance(coordinates, bool):
        return int(coordinates)
    return None


def distance_weights(
    coordinates: int | CountyCoordinates | pd.DataFrame,
    codes: Sequence[object] | None = None,
    *,
    cutoff: float | None = None,
    power: float = 1.0,
    row_standardise: bool = True,
) -> SpatialWeights:
    """Inverse great-circle distance weights ``w_ij = d_ij ** -power`` for ``d_ij <= cutoff`` km.

    Parameters
    ----------
    coordinates
        A year (the registry's county-seat coordinates of that year's county list), a
        :class:`countyeconomy.registry.CountyCoordinates`, or a DataFrame with ``code``, ``lon``,
        ``lat`` (degrees).
    codes
        The counties to keep, in this order (e.g. a panel's county codes); codes without
        coordinates are left out, listed in ``.unmatched`` and announced. ``None``: every code
        with coordinates.
    cutoff
        Distance band in km (``None``: every pair). Counties with no other seat within it are
        islands (listed in ``.islands``, announced, zero rows).
    power
        The distance decay exponent (``1``: inverse distance, ``2``: inverse squared).
    row_standardise
        Scale each non-empty row to sum to one (recorded in ``.row_standardised``).

    Examples
    --------
    >>> import pandas as pd
    >>> xy = pd.DataFrame({"code": ["a", "b", "c"], "lon": [116.0, 117.0, 118.0],
    ...                    "lat": [40.0, 40.0, 40.0]})
    >>> w = distance_weights(xy, cutoff=100.0)
    >>> w.cardinalities.tolist()
    [1, 2, 1]
    """
    if cutoff is not None and not (np.isfinite(cutoff) and cutoff > 0):
        raise InvalidOptionError(f"cutoff={cutoff!r} is not valid; pass a positive distance in km.")
    if not np.isfinite(power) or power <= 0:
        raise InvalidOptionError(f"power={power!r} is not valid; pass a positive exponent.")
    table, unmatched = _select(_coordinate_table(coordinates), codes)
    if len(table) < 2:
        raise SpatialWeightsError(f"{len(table)} county(ies) with coordinates; at least 2 needed.")
    coincident = table[table.duplicated(["lon", "lat"], keep=False)]
    if len(coincident):
        raise SpatialWeightsError(
            f"codes {coincident['code'].tolist()[:10]} share a county seat (distance 0), so "
            "inverse-distance weights are infinite; drop or merge them, or use knn_weights."
        )
    from libpysal.weights import DistanceBand

    threshold = _HALF_CIRCUMFERENCE if cutoff is None else float(cutoff)
    with warnings.catch_warnings(), np.errstate(divide="ignore"):
        warnings.simplefilter("ignore")
        w = DistanceBand(
            _tree(table),
            threshold=threshold,
            binary=False,
            alpha=-float(power),
            silence_warnings=True,
        )
    params = {
        "cutoff": cutoff,
        "power": float(power),
        "year": _year(coordinates),
        "radius_km": EARTH_RADIUS_KM,
    }
    return _finish(
        w, table["code"].tolist(), "inverse_distance", row_standardise, params, unmatched
    )


def knn_weights(
    coordinates: int | CountyCoordinates | pd.DataFrame,
    codes: Sequence[object] | None = None,
    *,
    k: int = 5,
    row_standardise: bool = True,
) -> SpatialWeights:
    """Binary k-nearest-neighbour weights by great-circle distance (then row-standardised).

    Each county gets exactly ``k`` neighbours (the matrix is not symmetric in general). Ties at
    the k-th distance are broken by libpysal's KD-tree query order (deterministic for the same
    input order, otherwise arbitrary): exactly ``k`` are kept, never more. Seats that coincide
    are neighbours at distance 0.

    Parameters
    ----------
    coordinates, codes
        As in :func:`distance_weights`.
    k
        Number of neighbours (``1 <= k < n``).
    row_standardise
        Scale each row to sum to one (each entry ``1/k``).

    Examples
    --------
    >>> import pandas as pd
    >>> xy = pd.DataFrame({"code": ["a", "b", "c", "d"], "lon": [116.0, 117.0, 118.0, 130.0],
    ...                    "lat": [40.0, 40.0, 40.0, 40.0]})
    >>> knn_weights(xy, k=1).dense()[3].tolist()
    [0.0, 0.0, 1.0, 0.0]
    """
    table, unmatched = _select(_coordinate_table(coordinates), codes)
    n = len(table)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or not 1 <= int(k) < n:
        raise InvalidOptionError(f"k={k!r} is not valid; pass an int from 1 to {n - 1}.")
    from libpysal.weights import KNN

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = KNN(_tree(table), k=int(k))
    params = {"k": int(k), "year": _year(coordinates), "radius_km": EARTH_RADIUS_KM}
    return _finish(w, table["code"].tolist(), "knn", row_standardise, params, unmatched)
