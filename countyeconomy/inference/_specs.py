"""Covariance specifications: typed objects, and the fixed meaning of the string shorthands.

Strings are resolved by one pure rule, never by a registry that could change: ``"iid"``,
``"hc1"`` (also ``"hetero"`` and ``"robust"``) are the built-in names; any other string is a
column name, ``"name"`` meaning ``Cluster("name")`` (``"A+B"`` and ``"cluster:A+B"`` meaning
``Cluster("A", "B")``). The one other prefix, ``"conley:<km>"``, means ``Conley(cutoff_km=<km>)``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal, get_args

from countyeconomy._typing import SmallSampleCorrection, check_option
from countyeconomy.errors import InvalidOptionError
from countyeconomy.inference._conley import Conley

__all__ = [
    "BUILTIN_VCOV_NAMES",
    "HC1",
    "IID",
    "SSC_CHOICES",
    "Cluster",
    "ClusterDF",
    "Conley",
    "DriscollKraay",
    "VcovSpec",
    "describe_vcov",
    "register_vcov_alias",
    "resolve_ssc",
    "resolve_vcov",
]

SSC_CHOICES: tuple[str, ...] = get_args(SmallSampleCorrection)
ClusterDF = Literal["min", "conventional"]
"""How multiway clustering applies ``G/(G-1)``: see :class:`Cluster`."""


@dataclass(frozen=True)
class IID:
    """Homoskedastic errors: ``s^2 (X'X)^{-1}``."""

    kind: Literal["iid"] = "iid"


@dataclass(frozen=True)
class HC1:
    """Heteroskedasticity-robust (White) errors with the HC1 degrees-of-freedom scaling."""

    kind: Literal["hc1"] = "hc1"


@dataclass(frozen=True, init=False)
class Cluster:
    """Cluster-robust errors, one-way ``Cluster("county")`` or two-way ``Cluster("county", "year")``.

    Two-way clustering follows Cameron, Gelbach and Miller (2011): ``V_1 + V_2 - V_12``.

    Parameters
    ----------
    *variables
        One or two column names (``"county"`` and ``"year"`` also name a panel's keys).
    df
        Small-sample factor of the two-way components. ``"min"`` (default; fixest
        ``cluster.df="min"``, reghdfe, ivreg2, pyfixest ``ssc(G_df="min")``): every component
        uses ``G/(G-1)`` with ``G = min(G_1, G_2)``. ``"conventional"`` (Cameron, Gelbach and
        Miller 2011; fixest ``cluster.df="conventional"``, pyfixest
        ``ssc(G_df="conventional")``, R ``sandwich::vcovCL`` with ``multi0 = FALSE``): each
        component ``V_1``, ``V_2``, ``V_12`` gets its own ``G_k/(G_k-1)``. Ignored for one-way
        clustering.

    Examples
    --------
    >>> Cluster("county", "year", df="conventional").df
    'conventional'
    """

    variables: tuple[str, ...]
    kind: Literal["cluster"] = "cluster"
    df: ClusterDF = "min"

    def __init__(self, *variables: str, df: ClusterDF = "min") -> None:
        if not 1 <= len(variables) <= 2 or not all(isinstance(v, str) and v for v in variables):
            raise InvalidOptionError(
                f"Cluster takes one or two column names, got {variables!r}; e.g. "
                'Cluster("county") or Cluster("county", "year").'
            )
        if len(set(variables)) != len(variables):
            raise InvalidOptionError(f"Cluster variables must differ, got {variables!r}.")
        check_option("Cluster(df)", df, ClusterDF)
        object.__setattr__(self, "variables", tuple(variables))
        object.__setattr__(self, "kind", "cluster")
        # one-way clustering has one G: the choice only matters for two-way
        object.__setattr__(self, "df", df if len(variables) == 2 else "min")


@dataclass(frozen=True)
class DriscollKraay:
    """Driscoll-Kraay (1998) errors: Newey-West with Bartlett weights over cross-sectional sums.

    Robust to cross-sectional (spatial) and serial correlation up to ``lags`` years.
    """

    lags: int = 2
    kind: Literal["driscoll_kraay"] = "driscoll_kraay"

    def __post_init__(self) -> None:
        if isinstance(self.lags, bool) or not isinstance(self.lags, int) or self.lags < 0:
            raise InvalidOptionError(
                f"DriscollKraay lags must be a non-negative int, got {self.lags!r}."
            )


VcovSpec = IID | HC1 | Cluster | DriscollKraay | Conley

_BUILTIN: dict[str, IID | HC1] = {"iid": IID(), "hc1": HC1(), "hetero": HC1(), "robust": HC1()}
BUILTIN_VCOV_NAMES: tuple[str, ...] = tuple(_BUILTIN)
"""The string shorthands that are not column names."""


def register_vcov_alias(name: str, spec: VcovSpec) -> None:
    """Retired: string shorthands now have one fixed meaning and nothing is registered.

    ``"iid"``, ``"hc1"``, ``"hetero"`` and ``"robust"`` are built in (re-registering them is an
    error); any other string is a column name meaning ``Cluster(name)``, so
    ``vcov="province"`` already is ``Cluster("province")``. Pass the spec object itself for
    anything else. This function changes nothing and warns; it is removed in the next release.
    """
    if name in _BUILTIN:
        raise InvalidOptionError(
            f"vcov name {name!r} is built in ({describe_vcov(_BUILTIN[name])}) and cannot be "
            're-registered; pass the covariance object, e.g. vcov=Cluster("county").'
        )
    warnings.warn(
        "register_vcov_alias is retired and registers nothing: a vcov string other than "
        f"{', '.join(repr(k) for k in _BUILTIN)} is a column name (vcov={name!r} means "
        f"Cluster({name!r})). Pass vcov={spec!r} instead; register_vcov_alias is removed in the "
        "next release.",
        FutureWarning,
        stacklevel=2,
    )


def resolve_vcov(spec: str | VcovSpec) -> VcovSpec:
    """Turn a string shorthand or a spec object into a spec object.

    ``"iid"``; ``"hc1"`` (also ``"hetero"``, ``"robust"``); any other string is a cluster
    column: ``"county"`` is ``Cluster("county")``, ``"county+year"`` and ``"cluster:county+year"``
    are ``Cluster("county", "year")``; ``"conley:100"`` is ``Conley(cutoff_km=100)``. Whether the
    column exists is checked by the estimator.

    >>> resolve_vcov("province")
    Cluster(variables=('province',), kind='cluster', df='min')
    >>> resolve_vcov("robust")
    HC1(kind='hc1')
    """
    if isinstance(spec, IID | HC1 | Cluster | DriscollKraay | Conley):
        return spec
    if isinstance(spec, str):
        text = spec.strip()
        if text in _BUILTIN:
            return _BUILTIN[text]
        if text.startswith("conley:"):
            return _conley_from_text(spec, text.split(":", 1)[1])
        if text.startswith("cluster:"):
            text = text.split(":", 1)[1]
        names = [s.strip() for s in text.split("+")]
        if text and all(names):
            return Cluster(*names)
    valid = ", ".join(repr(k) for k in _BUILTIN)
    raise InvalidOptionError(
        f"vcov={spec!r} is not valid; use one of {valid}, a cluster column name such as "
        "'county' or 'county+year', or an object such as Cluster(\"county\"), "
        'Cluster("county", "year"), DriscollKraay(lags=2) or Conley(cutoff_km=100).'
    )


def _conley_from_text(spec: str, km: str) -> Conley:
    try:
        cutoff = float(km)
    except ValueError:
        raise InvalidOptionError(
            f"vcov={spec!r} is not valid; 'conley:<km>' takes a distance, e.g. 'conley:100', "
            "or pass Conley(cutoff_km=100, kernel=..., lags=...)."
        ) from None
    return Conley(cutoff_km=cutoff)


def resolve_ssc(ssc: str) -> SmallSampleCorrection:
    """Validate a small-sample-correction name."""
    return check_option("ssc", ssc, SmallSampleCorrection)  # type: ignore[return-value]


def describe_vcov(spec: VcovSpec) -> str:
    """A short human label, e.g. ``"cluster (county)"``."""
    if isinstance(spec, Cluster):
        conv = "; df conventional" if spec.df == "conventional" and len(spec.variables) > 1 else ""
        return f"cluster ({', '.join(spec.variables)}{conv})"
    if isinstance(spec, DriscollKraay):
        return f"Driscoll-Kraay ({spec.lags} lags)"
    if isinstance(spec, Conley):
        return f"Conley ({spec.cutoff_km:g} km, {spec.kernel}, {spec.lags} lags)"
    return spec.kind
