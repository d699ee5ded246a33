"""Ellison-Glaeser agglomeration index.

Re-exported from :mod:`countyeconomy.indicators.structure`.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import xarray as xr

from countyeconomy.errors import DimensionError
from countyeconomy.indicators._common import (
    PandasInput,
    ValueCheckError,
    align_like,
    as_dataarray,
    check_values,
    employment_array,
    shares,
)

__all__ = ["EllisonGlaeser", "ellison_glaeser", "ellison_glaeser_from_plants"]


@dataclass(frozen=True)
class EllisonGlaeser:
    """Ellison-Glaeser agglomeration index and its parts, one value per sector.

    Attributes
    ----------
    gamma : DataArray
        :math:`\\gamma_j`; < 0.02 low, 0.02-0.05 moderate, > 0.05 high agglomeration.
    raw_concentration : DataArray
        :math:`G_j = \\sum_i (s_{ij} - x_i)^2`.
    herfindahl : DataArray
        Plant Herfindahl :math:`H_j` used.
    region_concentration : DataArray
        :math:`\\sum_i x_i^2` of the regions' shares of total employment.
    """

    gamma: xr.DataArray
    raw_concentration: xr.DataArray
    herfindahl: xr.DataArray
    region_concentration: xr.DataArray

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per sector (and other dim), columns gamma, G, H, sum_x2."""
        ds = xr.Dataset(
            {
                "gamma": self.gamma,
                "raw_concentration": self.raw_concentration,
                "herfindahl": self.herfindahl,
                "region_concentration": self.region_concentration,
            }
        )
        return ds.to_dataframe()


def ellison_glaeser(
    x: xr.DataArray | PandasInput,
    *,
    herfindahl: object,
    region_dim: str = "county",
    sector_dim: str = "sector",
) -> EllisonGlaeser:
    r"""Ellison-Glaeser index of the geographic concentration of each sector.

    .. math::
        \gamma_j = \frac{G_j - (1 - \sum_i x_i^2) H_j}{(1 - \sum_i x_i^2)(1 - H_j)}, \qquad
        G_j = \sum_i (s_{ij} - x_i)^2

    :math:`s_{ij}` is region *i*'s share of sector *j*, :math:`x_i` region *i*'s share of total
    employment over all sectors in ``x``, :math:`H_j = \sum_f z_{fj}^2` the plant Herfindahl of
    sector *j*. Build from plant records with :func:`ellison_glaeser_from_plants`.

    Parameters
    ----------
    x : DataArray, Series or DataFrame
        Region x sector employment (all sectors, so that :math:`x_i` is total employment).
    herfindahl : DataArray, Series or float
        :math:`H_j \in [0, 1)` per sector (dim ``sector_dim``), or one number for all. ``0`` gives
        the plant-free variant :math:`G_j / (1 - \sum_i x_i^2)`.

    References
    ----------
    Ellison, G. & Glaeser, E. L. (1997). Geographic concentration in U.S. manufacturing industries:
    a dartboard approach. *Journal of Political Economy* 105(5), 889-927.

    Examples
    --------
    >>> import xarray as xr
    >>> e = xr.DataArray([[70, 30], [30, 70]], dims=("county", "sector"))
    >>> ellison_glaeser(e, herfindahl=0.1).gamma.round(4).values.tolist()
    [0.0667, 0.0667]
    """
    da, _ = employment_array(x, region_dim, sector_dim)
    if isinstance(herfindahl, int | float):
        h = xr.DataArray(float(herfindahl))
    else:
        h, _ = as_dataarray(herfindahl, name="herfindahl")
        align_like(h, da, name="herfindahl", like_name="x")
        if region_dim in h.dims:
            raise DimensionError(f"herfindahl must not have the region dim {region_dim!r}.")
    h = check_values(
        h,
        lambda b: ~((b >= 0) & (b < 1)),
        name="herfindahl",
        problem="value(s) outside [0, 1); a plant Herfindahl must be at least 0 and below 1",
    )
    region_share = shares(da.sum(sector_dim, skipna=False), region_dim)
    sum_x2 = (region_share**2).sum(region_dim, skipna=False)
    g = ((shares(da, region_dim) - region_share) ** 2).sum(region_dim, skipna=False)
    gamma = (g / (1 - sum_x2) - h) / (1 - h)
    return EllisonGlaeser(
        gamma=gamma.rename("gamma"),
        raw_concentration=g.rename("raw_concentration"),
        herfindahl=(h + 0 * g).rename("herfindahl"),
        region_concentration=(sum_x2 + 0 * g).rename("region_concentration"),
    )


def ellison_glaeser_from_plants(
    plants: pd.DataFrame,
    *,
    region: str = "county",
    sector: str = "sector",
    value: str = "employment",
) -> EllisonGlaeser:
    """Ellison-Glaeser index from plant (firm) records: one row per plant.

    Aggregates ``value`` to region x sector employment, takes each sector's plant Herfindahl
    :math:`H_j = \\sum_f z_{fj}^2` and calls :func:`ellison_glaeser`. ``plants`` is not modified.

    References
    ----------
    Ellison & Glaeser (1997); ``EG(data, region, industry, y)`` in the R package mathmodels.

    Examples
    --------
    >>> import pandas as pd
    >>> plants = pd.DataFrame({"county": ["A", "A", "B", "A", "B", "B"],
    ...                        "sector": ["x", "x", "x", "y", "y", "y"],
    ...                        "employment": [30, 30, 20, 20, 50, 50]})
    >>> ellison_glaeser_from_plants(plants).gamma.round(4).values.tolist()
    [0.254, -0.237]
    """
    missing = [c for c in (region, sector, value) if c not in plants.columns]
    if missing:
        raise DimensionError(f"plants has no column(s) {missing}; it has {list(plants.columns)}.")
    frame = plants[[region, sector, value]]
    if not bool((frame[value] >= 0).all()):
        raise ValueCheckError(
            f"plants[{value!r}] has negative or missing values; employment must be >= 0."
        )
    cube = frame.groupby([region, sector])[value].sum().unstack(fill_value=0)
    cube = cube.rename_axis(index=region, columns=sector)
    z = frame[value] / frame.groupby(sector)[value].transform("sum")
    h = (z**2).groupby(frame[sector]).sum().rename_axis(sector)
    da = xr.DataArray(
        cube.to_numpy(dtype=float),
        dims=(region, sector),
        coords={region: cube.index, sector: cube.columns},
    )
    return ellison_glaeser(
        da,
        herfindahl=xr.DataArray.from_series(h.astype(float)),
        region_dim=region,
        sector_dim=sector,
    )
