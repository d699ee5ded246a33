"""Theil indices: overall, urban-rural, and between/within decompositions (one and two levels)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
import xarray as xr

from countyeconomy._typing import TheilKind, check_option
from countyeconomy.errors import DimensionError, WeightsError
from countyeconomy.indicators._common import (
    ArrayInput,
    ZeroPolicy,
    apply_zero_policy,
    as_dataarray,
    restore,
)
from countyeconomy.indicators._inequality_kernels import (
    group_codes,
    make_groups,
    prepare,
    theil_terms,
    tidy_frame,
    xlog,
    xlogx_ratio,
)
from countyeconomy.indicators._undefined import announce_undefined

__all__ = [
    "NestedTheilDecomposition",
    "PopulationBasis",
    "TheilDecomposition",
    "nested_theil_decomposition",
    "theil",
    "theil_decomposition",
    "urban_rural_theil",
]

PopulationBasis = Literal["resident", "hukou", "non_agricultural", "other"]


def theil(
    values: ArrayInput,
    *,
    weights: ArrayInput | None = None,
    dim: str = "county",
    kind: TheilKind = "T",
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> xr.DataArray | pd.Series[Any]:
    r"""Theil index of ``values`` across ``dim`` (Theil-T = GE(1) or Theil-L = GE(0)).

    With weights :math:`w_i` (population), weighted mean :math:`\mu=\sum w_iy_i/\sum w_i`,
    income shares :math:`s_i=w_iy_i/\sum w_jy_j` and population shares :math:`p_i=w_i/\sum w_j`:

    .. math:: T=\sum_i s_i\ln\frac{s_i}{p_i}=\sum_i s_i\ln\frac{y_i}{\mu},\qquad
              L=\sum_i p_i\ln\frac{p_i}{s_i}=\sum_i p_i\ln\frac{\mu}{y_i}.

    Without weights every unit counts 1/n, which is PySAL's ``inequality.theil.Theil``.

    Parameters
    ----------
    values : DataArray or pandas Series/DataFrame
        Per-capita incomes with a dim ``dim``. pandas input returns pandas (a float when 0-d).
    weights : DataArray or pandas, optional
        Population (people, not counts of counties) over ``dim`` (and optionally other dims).
    dim : str
        The dim to measure inequality across.
    kind : {"T", "L"}
        Theil-T (income-share weighted) or Theil-L (mean log deviation, population weighted).
    zero_policy : {"raise", "mask", "allow"}
        Zeros raise :class:`~countyeconomy.indicators.ValueCheckError` unless "mask" (leave those
        units out) or "allow" (T then uses :math:`0\ln 0=0`, L becomes ``inf``). Negative values
        always raise.
    skipna : bool
        Missing values (NaN) make the result NaN for that slice (default), or with ``skipna=True``
        leave those units out.

    Returns
    -------
    DataArray (or pandas Series) with ``dim`` removed; lazy on dask input. A slice whose
    weights sum to zero is undefined (0/0): NaN, counted and named in an
    :class:`~countyeconomy.errors.UndefinedValueWarning` (per chunk, when computed, for dask
    input).

    Raises
    ------
    WeightsError
        Weights are negative, infinite or missing, or (numpy input) sum to zero in every slice.

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="county")
    >>> round(float(theil(y)), 6)
    0.10644
    >>> round(float(theil(y, weights=xr.DataArray([4.0, 3, 2, 1], dims="county"), kind="L")), 6)
    0.126851

    References
    ----------
    Theil, H. (1967). *Economics and Information Theory*. North-Holland.
    Shorrocks, A. F. (1980). The class of additively decomposable inequality measures.
    *Econometrica* 48(3), 613-625.
    """
    kind = check_option("kind", kind, TheilKind)  # type: ignore[assignment]
    y, w, from_pandas, complete = prepare(values, weights, dim, zero_policy, skipna=skipna)
    out = theil_terms(y, w, dim, kind).where(complete).rename(f"theil_{kind}")
    out.attrs.update(kind=kind, weighted=weights is not None)
    out = announce_undefined(
        out,
        (w.sum(dim, skipna=False) == 0) & complete,
        subject="theil",
        reason=f"population weights (of the units not left out) sum to zero across {dim!r}",
        all_error=WeightsError if weights is not None else None,
    )
    return restore(out, from_pandas)


def urban_rural_theil(
    urban_income: ArrayInput,
    rural_income: ArrayInput,
    urban_pop: ArrayInput,
    rural_pop: ArrayInput,
    *,
    kind: TheilKind = "T",
    population_basis: PopulationBasis = "resident",
    zero_policy: ZeroPolicy = "raise",
) -> xr.DataArray | pd.Series[Any]:
    r"""Two-group (urban, rural) Theil index, element by element (e.g. per county and year).

    With :math:`P_j=\bar y_jZ_j` total income and :math:`Z_j` population of group
    :math:`j\in\{u,r\}`, :math:`P=P_u+P_r`, :math:`Z=Z_u+Z_r`:

    .. math:: T=\sum_j\frac{P_j}{P}\ln\frac{P_j/P}{Z_j/Z},\qquad
              L=\sum_j\frac{Z_j}{Z}\ln\frac{Z_j/Z}{P_j/P}.

    ``T`` is the form Chinese papers attribute to Wang & Ouyang (2007) and often call
    "population-weighted". ``population_basis`` (resident 常住, hukou 户籍, non-agricultural, other)
    does not change the arithmetic; it is recorded in ``attrs`` because it moves the level materially.

    Examples
    --------
    >>> import xarray as xr
    >>> da = lambda v: xr.DataArray([v], dims="county")
    >>> round(float(urban_rural_theil(da(200.0), da(50.0), da(100.0), da(1000.0))[0]), 6)
    0.154922

    References
    ----------
    Wang, S. & Ouyang, Z. (2007). 中国城乡收入差距的度量及其对经济增长的效应. 经济研究.
    """
    kind = check_option("kind", kind, TheilKind)  # type: ignore[assignment]
    basis = check_option("population_basis", population_basis, PopulationBasis)
    arrays = []
    from_pandas = False
    names = ("urban_income", "rural_income", "urban_pop", "rural_pop")
    for name, obj in zip(names, (urban_income, rural_income, urban_pop, rural_pop), strict=True):
        arr, fp = as_dataarray(obj, name=name)
        from_pandas = from_pandas or fp
        arrays.append(apply_zero_policy(arr.astype(float), zero_policy, name=name))
    try:
        yu, yr, zu, zr = xr.align(*arrays, join="exact")
    except ValueError as exc:
        raise DimensionError(f"urban and rural inputs have different labels: {exc}") from None
    pu, pr = yu * zu, yr * zr
    income, pop = pu + pr, zu + zr
    if kind == "T":
        out = xlogx_ratio(pu / income, zu / pop) + xlogx_ratio(pr / income, zr / pop)
    else:
        out = xlogx_ratio(zu / pop, pu / income) + xlogx_ratio(zr / pop, pr / income)
    out = out.rename(f"urban_rural_theil_{kind}")
    out.attrs.update(kind=kind, population_basis=basis)
    return restore(out, from_pandas)


@dataclass(frozen=True)
class TheilDecomposition:
    """Between/within split of a Theil index; every field is a (lazy on dask) DataArray.

    ``group_contribution`` (dim ``group``) is :math:`S_gT_g` for T or :math:`P_gL_g` for L and sums
    to ``within``. ``group_theil`` is each group's own index; ``income_share`` and
    ``population_share`` are :math:`S_g` and :math:`P_g`.
    """

    total: xr.DataArray
    between: xr.DataArray
    within: xr.DataArray
    group_contribution: xr.DataArray
    group_theil: xr.DataArray
    income_share: xr.DataArray
    population_share: xr.DataArray
    kind: str

    @property
    def between_share(self) -> xr.DataArray:
        """Between-group share of the total."""
        return self.between / self.total

    @property
    def within_share(self) -> xr.DataArray:
        """Within-group share of the total."""
        return self.within / self.total

    @property
    def group_share(self) -> xr.DataArray:
        """Each group's within contribution as a share of the total."""
        return self.group_contribution / self.total

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: component (total/between/within/group), group, other dims, value, share."""
        parts = {
            "total": self.total,
            "between": self.between,
            "within": self.within,
            "group": self.group_contribution,
        }
        return tidy_frame(parts, self.total, ("group",))


def theil_decomposition(
    values: ArrayInput,
    groups: ArrayInput,
    *,
    weights: ArrayInput | None = None,
    dim: str = "county",
    kind: TheilKind = "T",
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> TheilDecomposition:
    r"""Decompose the Theil index across ``dim`` into between- and within-group parts.

    For T, with group income shares :math:`S_g`, population shares :math:`P_g`, means
    :math:`\mu_g`:

    .. math:: T=\underbrace{\sum_g S_g\ln\frac{\mu_g}{\mu}}_{T_B}+\underbrace{\sum_g S_gT_g}_{T_W},
       \qquad L=\underbrace{\sum_g P_g\ln\frac{\mu}{\mu_g}}_{L_B}+\underbrace{\sum_g P_gL_g}_{L_W}.

    Within-group weights are income shares for T and population shares for L, which is what makes
    the split exact. Unweighted it is PySAL's ``TheilD``.

    Parameters
    ----------
    values, weights, dim, kind, zero_policy, skipna
        As in :func:`theil`.
    groups : DataArray or Series over ``dim``
        Group label (region) of each unit; read eagerly (labels, not data).

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([1.0, 2.0, 3.0, 4.0], dims="county")
    >>> g = xr.DataArray(["a", "a", "b", "b"], dims="county")
    >>> d = theil_decomposition(y, g)
    >>> abs(round(float(d.between + d.within - d.total), 12))
    0.0
    >>> d.to_frame()["component"].tolist()
    ['total', 'between', 'within', 'group', 'group']

    References
    ----------
    Shorrocks, A. F. (1980). *Econometrica* 48(3), 613-625. Jenkins, S. P. ``ineqdeco`` (Stata, SSC).
    """
    kind = check_option("kind", kind, TheilKind)  # type: ignore[assignment]
    y, w, _, complete = prepare(values, weights, dim, zero_policy, skipna=skipna)
    grp = make_groups(groups, y, dim, "groups")
    wy = w * y
    total_w, total_y = w.sum(dim, skipna=False), wy.sum(dim, skipna=False)
    mu = total_y / total_w
    gw, gy = grp.sum(w), grp.sum(wy)
    mu_g = gy / gw
    mu_unit = grp.expand(mu_g)  # each unit's group mean
    s_g, p_g = gy / total_y, gw / total_w
    if kind == "T":
        contrib = grp.sum(xlogx_ratio(wy, w * mu_unit)) / total_y
        between = (s_g * xlog(mu_g / mu)).sum("group")
        own = contrib / s_g
    else:
        contrib = grp.sum(w * xlog(mu_unit / y)) / total_w
        between = (p_g * xlog(mu / mu_g)).sum("group")
        own = contrib / p_g
    return TheilDecomposition(
        total=theil_terms(y, w, dim, kind).where(complete),
        between=between.where(complete),
        within=contrib.sum("group").where(complete),
        group_contribution=contrib.where(complete),
        group_theil=announce_undefined(
            own.where(complete),
            (gw == 0) & complete,
            subject="theil_decomposition group_theil",
            reason="the group's weights sum to zero",
            unit="group cell(s)",
        ),
        income_share=s_g.where(complete),
        population_share=p_g.where(complete),
        kind=kind,
    )


@dataclass(frozen=True)
class NestedTheilDecomposition:
    """Two-level (region → province → unit) Theil split: the four terms sum to ``total``.

    ``region_contribution`` (dim ``region``) is each region's between-province plus within-province
    part.
    """

    total: xr.DataArray
    between_regions: xr.DataArray
    between_provinces: xr.DataArray
    within_provinces: xr.DataArray
    region_contribution: xr.DataArray
    kind: str

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: component, region, other dims, value and share of the total."""
        parts = {
            "total": self.total,
            "between_regions": self.between_regions,
            "between_provinces": self.between_provinces,
            "within_provinces": self.within_provinces,
            "region": self.region_contribution,
        }
        return tidy_frame(parts, self.total, ("region",))


def nested_theil_decomposition(
    values: ArrayInput,
    regions: ArrayInput,
    provinces: ArrayInput,
    *,
    weights: ArrayInput | None = None,
    dim: str = "county",
    kind: TheilKind = "T",
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> NestedTheilDecomposition:
    r"""Two-level nested Theil decomposition (Akita 2003): region → province → county.

    .. math:: T = T_{BR} + \sum_r S_r T_{BP,r} + \sum_r\sum_{p\in r} S_p T_p

    between regions, between provinces within regions, and within provinces (L analogously with
    population shares). Every province must lie in exactly one region.

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([1.0, 2.0, 3.0, 5.0, 8.0, 9.0], dims="county")
    >>> reg = xr.DataArray(list("aaabbb"), dims="county")
    >>> prov = xr.DataArray(["p", "p", "q", "r", "r", "s"], dims="county")
    >>> d = nested_theil_decomposition(y, reg, prov)
    >>> parts = d.between_regions + d.between_provinces + d.within_provinces
    >>> abs(round(float(parts - d.total), 12))
    0.0

    References
    ----------
    Akita, T. (2003). Decomposing regional income inequality in China and Indonesia using two-stage
    nested Theil decomposition method. *Annals of Regional Science* 37, 55-77.
    """
    y, _ = as_dataarray(values, name="values")
    reg = group_codes(regions, y, dim, "regions")
    prov = group_codes(provinces, y, dim, "provinces")
    pairs = pd.DataFrame({"r": reg.values, "p": prov.values}).drop_duplicates()
    split = pairs["p"][pairs["p"].duplicated()].unique().tolist()
    if split:
        raise DimensionError(f"provinces {split[:5]} appear in more than one region; not nested.")
    opts: dict[str, Any] = {
        "weights": weights,
        "dim": dim,
        "kind": kind,
        "zero_policy": zero_policy,
        "skipna": skipna,
    }
    by_r = theil_decomposition(y, reg, **opts)
    by_p = theil_decomposition(y, prov, **opts)
    prov_labels = by_p.income_share["group"].values
    region_of = xr.DataArray(
        pairs.set_index("p").loc[prov_labels, "r"].to_numpy(),
        dims="group",
        coords={"group": prov_labels},
    )
    prov_share = by_p.income_share if by_p.kind == "T" else by_p.population_share
    mu_p, mu_r = _group_means(by_p), _group_means(by_r)
    mu_r_of_p = (
        mu_r.sel(group=xr.DataArray(region_of.values, dims="_p"))
        .drop_vars("group")
        .rename(_p="group")
        .assign_coords(group=prov_labels)
    )
    sign = 1.0 if by_p.kind == "T" else -1.0
    bp_terms = sign * prov_share * xlog(mu_p / mu_r_of_p)
    per_region = (bp_terms + by_p.group_contribution).groupby(region_of.rename("region")).sum()
    return NestedTheilDecomposition(
        total=by_p.total,
        between_regions=by_r.between,
        between_provinces=by_p.between - by_r.between,
        within_provinces=by_p.within,
        region_contribution=per_region,
        kind=by_p.kind,
    )


def _group_means(d: TheilDecomposition) -> xr.DataArray:
    """Group mean relative to the overall mean, :math:`\\mu_g/\\mu = S_g/P_g`."""
    return d.income_share / d.population_share
