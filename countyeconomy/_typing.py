"""Option vocabularies as ``Literal`` aliases, and the one validator that checks them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeVar, get_args

import numpy as np
import numpy.typing as npt

from countyeconomy.errors import InvalidOptionError

__all__ = [
    "FloatArray",
    "IntArray",
    "SmallSampleCorrection",
    "TheilKind",
    "check_option",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

SmallSampleCorrection = Literal["fixest", "reghdfe", "xtreg", "linearmodels", "none"]
TheilKind = Literal["T", "L"]
ControlGroup = Literal["never_treated", "not_yet_treated"]
Aggregation = Literal["simple", "group", "dynamic", "calendar"]

_T = TypeVar("_T", bound=str)


def check_option(name: str, value: object, allowed: Iterable[str] | object) -> str:
    """Return ``value`` if it is one of ``allowed``; otherwise raise a listing error.

    ``allowed`` is an iterable of strings or a ``Literal`` alias.
    """
    choices = get_args(allowed) if get_args(allowed) else tuple(allowed)  # type: ignore[arg-type]
    if not isinstance(value, str) or value not in choices:
        valid = ", ".join(repr(c) for c in choices)
        raise InvalidOptionError(f"{name}={value!r} is not valid; choose one of {valid}.")
    return value
