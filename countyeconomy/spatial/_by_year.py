"""Moran's I for each year of a panel (table and chart), and ring exposure for spatial DID."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import SeedLike
from countyeconomy.errors import FormulaError, InvalidOptionError
from countyeconomy.panel import Panel, numeric_column
from countyeconomy.results import FrozenResult, Summary
from countyeconomy.spatial._moran import morans_i
from countyeconomy.spatial._weights import EARTH_RADIUS_KM, SpatialWeights, SpatialWeightsError

__all__ = ["MoranByYearResult", "moran_by_year", "ring_exposure"]


def _panel(data: Panel | pd.DataFrame, county: str | None, year: str | None) -> Panel:
    if isinstance(data, Panel):
        return data
    if isinstance(data, pd.DataFrame):
        return Panel.from_frame(data, county=county or "county", year=year or "year")
    raise InvalidOptionError(
        f"data={type(data).__name__} is not valid; pass a countyeconomy.Panel or a DataFrame."
    )


def _column(panel: Panel, name: str, arg: str) -> pd.Series:
    if name not in panel.frame.columns:
        raise FormulaError(
            f"{arg}={name!r} is not a column; columns are {list(panel.frame.columns)[:20]}."
        )
    return numeric_column(panel.frame, name)


@dataclass(frozen=True, repr=False)
class MoranByYearResult(FrozenResult):
    """Moran's I per year: ``table`` has ``year, value, expected, z_norm, p_norm, p_sim, n``."""

    table: pd.DataFrame
    outcome: str

    def to_frame(self) -> pd.DataFrame:
        """The per-year table."""
        return self.table

    def summary(self) -> Summary:
        """The per-year table."""
        return Summary(title=f"Moran's I of {self.outcome} by year", table=self.table)

    def plot(self) -> Any:
        """Moran's I over the years (an altair line chart; filled points: p_norm < 0.05)."""
        import altair as alt

        df = self.table.assign(significant=self.table["p_norm"] < 0.05)
        base = alt.Chart(df).encode(x=alt.X("year:O", title="year"))
        line = base.mark_line().encode(y=alt.Y("value:Q", title="Moran's I"))
        pts = base.mark_point(size=60).encode(
            y="value:Q",
            shape="significant:N",
            tooltip=[
                "year",
                alt.Tooltip("value:Q", format=".3f"),
                alt.Tooltip("p_norm:Q", format=".3g"),
            ],
        )
        rule = alt.Chart(df).mark_rule(strokeDash=[4, 4]).encode(y="mean(expected):Q")
        return (line + pts + rule).properties(title=f"Moran's I of {self.outcome}")


def moran_by_year(
    data: Panel | pd.DataFrame,
    outcome: str,
    spatial_weights: SpatialWeights,
    *,
    county: str | None = None,
    year: str | None = None,
    draws: int = 0,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = False,
) -> MoranByYearResult:
    """Global Moran's I of ``outcome`` in each year, on the counties of ``spatial_weights``.

    Every county of the weights needs a finite value in every year (else an error names the
    county and year). ``draws > 0`` adds permutation p-values, seeded per year from ``seed``.
    """
    panel = _panel(data, county, year)
    vals = _column(panel, outcome, "outcome")
    frame = pd.DataFrame(
        {
            "c": panel.frame[panel.county].astype(str).to_numpy(),
            "t": panel.frame[panel.year].to_numpy(),
            "v": vals.to_numpy(),
        }
    )
    root = np.random.SeedSequence(seed) if isinstance(seed, int) else seed
    rows = []
    for t, grp in frame.groupby("t", sort=True):
        s = grp.set_index("c")["v"]
        try:
            r = morans_i(
                s, spatial_weights, draws=draws, seed=root, executor=executor, progress=progress
            )
        except SpatialWeightsError as err:
            raise SpatialWeightsError(f"year {t}: {err}") from None
        rows.append(
            {
                "year": int(str(t)),
                "value": r.value,
                "expected": r.expected,
                "z_norm": r.z_norm,
                "p_norm": r.p_norm,
                "p_sim": r.p_sim,
                "n": r.n,
            }
        )
    return MoranByYearResult(table=pd.DataFrame(rows), outcome=outcome)


def _haversine(lon1: Any, lat1: Any, lon2: Any, lat2: Any) -> Any:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    h = (
        np.sin((p2 - p1) / 2) ** 2
        + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0, 1)))


def ring_exposure(
    data: Panel | pd.DataFrame,
    treatment: str,
    coordinates: pd.DataFrame,
    bands: Sequence[float],
    *,
    county: str | None = None,
    year: str | None = None,
) -> pd.DataFrame:
    """Ring (distance-band) exposure columns for a spillover DID after Butts (2023).

    For each row, the great-circle distance (km) from the county's seat to the nearest seat of a
    county treated in the same year; an untreated county within ``(bands[j-1], bands[j]]`` km of
    a treated one gets ``ring_{bands[j-1]}_{bands[j]} = 1`` (the first ring starts at 0). Counties
    beyond the last band are the "far" controls. Add the ring columns to a ``twfe`` formula
    (``y ~ d + ring_0_50 + ring_50_100 | county + year``): ``d`` is then the direct effect
    against far controls and each ring coefficient the spillover at that distance.

    Returns a copy of the panel's frame with ``nearest_treated_km`` and the ring columns.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"county": ["a", "b", "c"] * 2, "year": [1] * 3 + [2] * 3,
    ...                    "d": [0, 0, 0, 1, 0, 0]})
    >>> xy = pd.DataFrame({"code": ["a", "b", "c"], "lon": [116.0, 116.5, 120.0],
    ...                    "lat": [40.0, 40.0, 40.0]})
    >>> ring_exposure(df, "d", xy, [50, 100])["ring_0_50"].tolist()
    [0, 0, 0, 1, 0, 0]
    """
    panel = _panel(data, county, year)
    d = _column(panel, treatment, "treatment")
    if not d.dropna().isin([0, 1]).all():
        raise InvalidOptionError(f"treatment={treatment!r} must be 0/1.")
    edges = [float(b) for b in bands]
    if not edges or any(b <= 0 for b in edges) or sorted(edges) != edges:
        raise InvalidOptionError(f"bands={list(bands)!r} is not valid; pass increasing km > 0.")
    if not {"code", "lon", "lat"} <= set(coordinates.columns):
        raise SpatialWeightsError("coordinates need columns code, lon, lat.")
    xy = coordinates.assign(code=coordinates["code"].astype(str)).set_index("code")
    out = panel.frame
    codes = out[panel.county].astype(str)
    absent = sorted(set(codes) - set(xy.index[xy["lon"].notna()]))
    if absent:
        raise SpatialWeightsError(
            f"{len(absent)} county(ies) have no coordinates (e.g. {absent[:5]}); pass their "
            "seats or drop them first."
        )
    lon = codes.map(xy["lon"]).to_numpy(float)
    lat = codes.map(xy["lat"]).to_numpy(float)
    treated = d.fillna(0).to_numpy() == 1
    near = np.full(len(out), np.inf)
    years = out[panel.year].to_numpy()
    for t in np.unique(years):
        rows = np.flatnonzero(years == t)
        tr = rows[treated[rows]]
        if tr.size == 0:
            continue
        dist = _haversine(
            lon[rows][:, None], lat[rows][:, None], lon[tr][None, :], lat[tr][None, :]
        )
        dist[np.isin(rows, tr)[:, None] & (rows[:, None] == tr[None, :])] = np.inf
        near[rows] = dist.min(axis=1)
    out = out.assign(nearest_treated_km=near)
    lo = 0.0
    for hi in edges:
        name = f"ring_{lo:g}_{hi:g}"
        out[name] = ((~treated) & (near > lo) & (near <= hi)).astype("int64")
        if lo == 0.0:
            out[name] = ((~treated) & (near <= hi)).astype("int64")
        lo = hi
    return out
