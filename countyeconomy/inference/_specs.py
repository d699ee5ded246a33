"""Covariance specifications: typed objects, with strings resolved through one registry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from countyeconomy._typing import SmallSampleCorrection, check_option
from countyeconomy.errors import InvalidOptionError

__all__ = [
    "HC1",
    "IID",
    "SSC_CHOICES",
    "Cluster",
    "DriscollKraay",
    "VcovSpec",
    "describe_vcov",
    "register_vcov_alias",
    "resolve_ssc",
    "resolve_vcov",
]

SSC_CHOICES: tuple[str, ...] = get_args(SmallSampleCorrection)


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

    Two-way clustering follows Cameron, Gelbach and Miller (2011): ``V_1 + V_2 - V_{12}``.
    """

    variables: tuple[str, ...]
    kind: Literal["cluster"] = "cluster"

    def __init__(self, *variables: str) -> None:
        if not 1 <= len(variables) <= 2 or not all(isinstance(v, str) for v in variables):
            raise InvalidOptionError(
                f"Cluster takes one or two column names, got {variables!r}; e.g. "
                'Cluster("county") or Cluster("county", "year").'
            )
        if len(set(variables)) != len(variables):
            raise InvalidOptionError(f"Cluster variables must differ, got {variables!r}.")
        object.__setattr__(self, "variables", tuple(variables))
        object.__setattr__(self, "kind", "cluster")


@dataclass(frozen=True)
class DriscollKraay:
    """Driscoll-Kraay (1998) errors: Newey-West with Bartlett weights over cross-sectional sums.

    Robust to cross-sectional (spatial) and serial correlation up to ``lags`` years.
    """

    lags: int = 2
    kind: Literal["driscoll_kraay"] = "driscoll_kraay"

    def __post_init__(self) -> None:
        if not isinstance(self.lags, int) or self.lags < 0:
            raise InvalidOptionError(
                f"DriscollKraay lags must be a non-negative int, got {self.lags!r}."
            )


VcovSpec = IID | HC1 | Cluster | DriscollKraay

_ALIASES: dict[str, VcovSpec] = {
    "iid": IID(),
    "hc1": HC1(),
    "hetero": HC1(),
    "robust": HC1(),
}


def register_vcov_alias(name: str, spec: VcovSpec) -> None:
    """Add a string alias for a covariance spec (e.g. ``"county"`` for ``Cluster("county")``)."""
    _ALIASES[name] = spec


def resolve_vcov(spec: str | VcovSpec) -> VcovSpec:
    """Turn a string alias or a spec object into a spec object.

    Strings ``"iid"``, ``"hc1"`` (also ``"hetero"``, ``"robust"``) and ``"cluster:NAME"`` or
    ``"cluster:A+B"`` are accepted; anything else is an error that lists the valid names.
    """
    if isinstance(spec, IID | HC1 | Cluster | DriscollKraay):
        return spec
    if isinstance(spec, str):
        if spec in _ALIASES:
            return _ALIASES[spec]
        if spec.startswith("cluster:"):
            names = [s.strip() for s in spec.split(":", 1)[1].split("+") if s.strip()]
            return Cluster(*names)
    valid = ", ".join(repr(k) for k in _ALIASES)
    raise InvalidOptionError(
        f"vcov={spec!r} is not valid; use one of {valid}, 'cluster:NAME', or an object such as "
        'Cluster("county"), Cluster("county", "year") or DriscollKraay(lags=2).'
    )


def resolve_ssc(ssc: str) -> SmallSampleCorrection:
    """Validate a small-sample-correction name."""
    return check_option("ssc", ssc, SmallSampleCorrection)  # type: ignore[return-value]


def describe_vcov(spec: VcovSpec) -> str:
    """A short human label, e.g. ``"cluster (county)"``."""
    if isinstance(spec, Cluster):
        return f"cluster ({', '.join(spec.variables)})"
    if isinstance(spec, DriscollKraay):
        return f"Driscoll-Kraay ({spec.lags} lags)"
    return spec.kind
