"""Conley (1999) spatial-HAC covariance, with Hsiang's (2010) serial part for panels.

With scores ``s_it = w_it x_it u_it`` (demeaned regressors), great-circle distance ``d_ij``
between the coordinates of rows ``i`` and ``j``, and a distance kernel ``K``, the meat is

``sum_t sum_{i,j in t} K(d_ij) s_it s_jt'``  (spatial part: pairs within the same period)
``+ sum_c sum_{t != s, |t - s| <= L} (1 - |t - s| / (L + 1)) s_ct s_cs'``  (serial part)

where the second sum runs over the rows of one county ``c`` (the panel's county key) in
different periods. Pairs of different counties in different periods get no weight. This is the
block decomposition of Hsiang (2010) ``ols_spatial_HAC``, R ``conleyreg`` (Duesterhoeft 2021) and
diff-diff's ``vcov_type="conley"``; the serial kernel is always Bartlett. ``K`` is ``1{d <= h}``
(``"uniform"``) or ``max(0, 1 - d/h)`` with ``K(0) = 1`` (``"bartlett"``), ``h`` the cutoff in km.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.linalg import Factor

if TYPE_CHECKING:
    from countyeconomy.inference._model import FittedLinearModel

__all__ = [
    "CONLEY_EARTH_RADIUS_KM",
    "Conley",
    "ConleyKernel",
    "IndefiniteCovarianceWarning",
    "Places",
    "conley_factors",
    "conley_meat",
    "haversine_km",
]

ConleyKernel = Literal["bartlett", "uniform"]
CONLEY_EARTH_RADIUS_KM = 6371.0088
"""Mean Earth radius (IUGG), as ``countyeconomy.spatial.EARTH_RADIUS_KM``."""


class IndefiniteCovarianceWarning(CountyEconomyWarning):
    """A spatial-HAC meat with a materially negative eigenvalue (kernels are not PSD-safe)."""


@dataclass(frozen=True)
class Conley:
    """Conley (1999) spatial-HAC errors: correlation between rows within ``cutoff_km`` of each
    other in the same year, plus (``lags > 0``) serial correlation within county over ``lags``
    years (Hsiang 2010).

    Parameters
    ----------
    cutoff_km
        Distance cutoff ``h`` in km (great-circle). ``0``: only rows at the same point in the same
        year are correlated (with one row per county and year and ``lags=0``, that is
        :class:`HC1`).
    kernel
        ``"bartlett"`` (default; weight ``1 - d/h``) or ``"uniform"`` (weight 1 within ``h``).
        Neither is guaranteed positive semi-definite; a materially negative eigenvalue warns.
    lags
        Years of serial correlation within county, Bartlett weights ``1 - l/(lags+1)``; lags
        count the distinct years of the estimation sample (as :class:`DriscollKraay`).
    lat, lon
        Columns of latitude and longitude in degrees. ``None`` (both): the registry's
        county-seat coordinates of the panel's county codes.
    codes_year
        With registry coordinates, the code vintage to look the codes up in; ``None``: each code
        in the latest year of the sample in which it appears.

    Examples
    --------
    >>> Conley(100.0, lags=2)
    Conley(cutoff_km=100.0, kernel='bartlett', lags=2, lat=None, lon=None, codes_year=None, \
kind='conley')
    """

    cutoff_km: float
    kernel: ConleyKernel = "bartlett"
    lags: int = 0
    lat: str | None = None
    lon: str | None = None
    codes_year: int | None = None
    kind: Literal["conley"] = "conley"

    def __post_init__(self) -> None:
        h = self.cutoff_km
        if (
            isinstance(h, bool)
            or not isinstance(h, int | float)
            or not (math.isfinite(h) and h >= 0)
        ):
            raise InvalidOptionError(
                f"Conley cutoff_km must be a finite distance in km >= 0, got {h!r}."
            )
        object.__setattr__(self, "cutoff_km", float(h))
        check_option("Conley(kernel)", self.kernel, ConleyKernel)
        if isinstance(self.lags, bool) or not isinstance(self.lags, int) or self.lags < 0:
            raise InvalidOptionError(f"Conley lags must be a non-negative int, got {self.lags!r}.")
        if (self.lat is None) != (self.lon is None):
            raise InvalidOptionError(
                f"Conley needs both lat= and lon= columns or neither (registry coordinates), got "
                f"lat={self.lat!r}, lon={self.lon!r}."
            )
        y = self.codes_year
        if y is not None and (isinstance(y, bool) or not isinstance(y, int)):
            raise InvalidOptionError(f"Conley codes_year must be a year (int), got {y!r}.")


@dataclass(frozen=True)
class Places(Factor):
    """A factor whose levels are distinct points, with each point's latitude and longitude."""

    lat: FloatArray = field(default_factory=lambda: np.empty(0))
    lon: FloatArray = field(default_factory=lambda: np.empty(0))


def haversine_km(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Great-circle distance in km (haversine formula, radius :data:`CONLEY_EARTH_RADIUS_KM`)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return np.asarray(2.0 * CONLEY_EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))))


def _codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    levels, inv = np.unique(values, return_inverse=True)
    return inv.astype(np.intp).ravel(), len(levels)


def _registry_points(codes: np.ndarray, years: np.ndarray | None, spec: Conley) -> FloatArray:
    """``(n, 2)`` lat, lon of each row's county code from the registry's county seats."""
    from countyeconomy.errors import CountyEconomyError
    from countyeconomy.registry import Registry, UnmatchedCodesWarning

    reg = Registry.load()
    found: dict[str, tuple[float, float]] = {}
    if spec.codes_year is not None:
        plan = [(spec.codes_year, np.unique(codes))]
    elif years is None:
        raise IdentificationError(
            "Conley with registry coordinates needs a year key or codes_year=; or pass lat= and "
            "lon= columns."
        )
    else:
        plan = [(int(y), np.unique(codes[years == y])) for y in np.unique(years)[::-1]]
    for year, wanted in plan:
        todo = [c for c in wanted if c not in found]
        if not todo:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UnmatchedCodesWarning)
                table = reg.coordinates(year).table
        except CountyEconomyError:
            continue  # a year outside the registry: other years (or the error below) decide
        table = table[np.isfinite(table["lat"]) & np.isfinite(table["lon"])]
        seats = dict(
            zip(
                table["code"].astype(str), zip(table["lat"], table["lon"], strict=True), strict=True
            )
        )
        found.update({c: seats[c] for c in todo if c in seats})
    missing = sorted(set(codes) - set(found))
    if missing:
        raise IdentificationError(
            f"Conley: {len(missing)} county code(s) have no county-seat coordinates in the registry"
            f"{'' if spec.codes_year is None else f' of {spec.codes_year}'}: "
            f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}. Pass lat= and lon= "
            "columns of coordinates, or codes_year= the vintage of the codes."
        )
    return np.array([found[c] for c in codes], dtype=float).reshape(-1, 2)


def _column_points(frame: pd.DataFrame, rows: np.ndarray, spec: Conley) -> FloatArray:
    out = []
    for name, bound in ((spec.lat, 90.0), (spec.lon, 180.0)):
        assert name is not None  # both set: checked by Conley
        if name not in frame.columns:
            raise IdentificationError(
                f"Conley coordinate column {name!r} is not a column; the data has "
                f"{list(frame.columns)[:20]}."
            )
        v = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)[rows]
        bad = ~np.isfinite(v) | (np.abs(v) > bound)
        if bad.any():
            raise IdentificationError(
                f"Conley coordinate column {name!r} is missing, non-numeric or outside "
                f"[-{bound:g}, {bound:g}] degrees in {int(bad.sum())} estimation row(s); fix or drop "
                "those rows before fitting."
            )
        out.append(v)
    return np.column_stack(out)


def conley_factors(model: FittedLinearModel, spec: Conley) -> list[Factor]:
    """``[period, county, places]`` of the estimation rows, as :func:`conley_meat` reads them.

    The period factor codes the distinct years in chronological order (one level without a year
    key); the county factor is the panel's county key (one level when there is none and
    ``lags=0``); :class:`Places` codes the distinct coordinate pairs and carries them.
    """
    data = model.data
    frame = data.frame
    rows = np.asarray(model.rows)
    years = None if data.year is None else frame[data.year].to_numpy()[rows]
    if years is None:
        if spec.lags:
            raise IdentificationError(
                "Conley lags > 0 needs a panel with a year key (pass year=...)."
            )
        period = Factor(np.zeros(len(rows), dtype=np.intp), 1, "period")
    else:
        codes, n = _codes(years)
        period = Factor(codes, n, str(data.year))
    if data.county is None:
        if spec.lags or spec.lat is None:
            raise IdentificationError(
                "Conley needs the panel's county key for lags > 0 and for registry coordinates "
                "(pass county=...), or lags=0 with lat= and lon= columns."
            )
        unit = Factor(np.zeros(len(rows), dtype=np.intp), 1, "county")
        county_codes = None
    else:
        county_codes = frame[data.county].astype(str).to_numpy()[rows]
        ucodes, n = _codes(county_codes)
        unit = Factor(ucodes, n, str(data.county))
    if spec.lat is not None:
        pts = _column_points(frame, rows, spec)
    else:
        assert county_codes is not None
        pts = _registry_points(county_codes, years, spec)
    uniq, inv = np.unique(pts, axis=0, return_inverse=True)
    places = Places(
        inv.astype(np.intp).ravel(),
        len(uniq),
        "places",
        lat=uniq[:, 0].copy(),
        lon=uniq[:, 1].copy(),
    )
    return [period, unit, places]


def _unit_vectors(lat: FloatArray, lon: FloatArray) -> FloatArray:
    p, q = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(p) * np.cos(q), np.cos(p) * np.sin(q), np.sin(p)])


def _kernel(places: Places, cutoff: float, kernel: ConleyKernel) -> sp.csr_array:
    """Sparse ``(P, P)`` kernel between places (unit diagonal), pairs found by a KD-tree on the
    unit sphere and weighted by their exact haversine distance."""
    from scipy.spatial import cKDTree

    p = places.n_levels
    diag = sp.identity(p, format="csr", dtype=np.float64)
    if cutoff <= 0 or p < 2:
        return sp.csr_array(diag)
    angle = min(cutoff / CONLEY_EARTH_RADIUS_KM, math.pi)
    chord = 2.0 * math.sin(angle / 2.0) * (1.0 + 1e-9) + 1e-12
    pairs = cKDTree(_unit_vectors(places.lat, places.lon)).query_pairs(chord, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    d = haversine_km(places.lat[i], places.lon[i], places.lat[j], places.lon[j])
    w = (d <= cutoff).astype(float) if kernel == "uniform" else np.maximum(0.0, 1.0 - d / cutoff)
    keep = w > 0
    i, j, w = i[keep], j[keep], w[keep]
    off = sp.coo_array((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(p, p))
    return sp.csr_array(diag + off.tocsr())


def conley_meat(scores: FloatArray, spec: Conley, factors: list[Factor]) -> FloatArray:
    """The ``(k, k)`` Conley meat of ``scores`` (module docstring); ``factors`` from
    :func:`conley_factors`. Warns :class:`IndefiniteCovarianceWarning` when the meat has a
    materially negative eigenvalue."""
    if len(factors) != 3 or not isinstance(factors[2], Places):
        raise InvalidOptionError(
            f"{spec!r} needs the period, county and places factors of the estimation rows "
            "(cluster_factors)."
        )
    period, unit, places = factors
    assert isinstance(places, Places)  # narrowed above, for the type checker
    s = np.asarray(scores, dtype=float)
    k = s.shape[1]
    kern = _kernel(places, spec.cutoff_km, spec.kernel)
    by_place = np.zeros((period.n_levels, places.n_levels, k))
    np.add.at(by_place, (period.codes, places.codes), s)
    meat = np.zeros((k, k))
    for st in by_place:
        meat += st.T @ (kern @ st)
    if spec.lags > 0:
        by_unit = np.zeros((unit.n_levels, period.n_levels, k))
        np.add.at(by_unit, (unit.codes, period.codes), s)
        for lag in range(1, min(spec.lags, period.n_levels - 1) + 1):
            a, b = by_unit[:, lag:, :].reshape(-1, k), by_unit[:, :-lag, :].reshape(-1, k)
            cross = a.T @ b
            meat += (1.0 - lag / (spec.lags + 1.0)) * (cross + cross.T)
    meat = (meat + meat.T) / 2.0
    vals = np.linalg.eigvalsh(meat) if np.isfinite(meat).all() else np.zeros(1)
    if vals.size and vals.min() < -1e-10 * max(float(np.abs(vals).max()), 1e-300):
        warnings.warn(
            f"the Conley meat ({spec.kernel} kernel, {spec.cutoff_km:g} km) has a negative "
            f"eigenvalue ({vals.min():.3g}): some variances may be negative (standard errors NaN). "
            "Try the bartlett kernel or another cutoff.",
            IndefiniteCovarianceWarning,
            stacklevel=4,
        )
    return meat
