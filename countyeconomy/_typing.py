"""Option vocabularies as ``Literal`` aliases, and the one validator that checks them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, TypeVar, get_args

import numpy as np
import numpy.typing as npt

from countyeconomy.errors import InvalidOptionError

__all__ = [
    "Aggregation",
    "ControlGroup",
    "FloatArray",
    "IntArray",
    "SeedLike",
    "SmallSampleCorrection",
    "TheilKind",
    "check_option",
    "resolve_seed",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

SmallSampleCorrection = Literal["fixest", "reghdfe", "xtreg", "linearmodels", "none"]
TheilKind = Literal["T", "L"]
ControlGroup = Literal["never_treated", "not_yet_treated", "last_treated"]
"""Comparison groups, one vocabulary for every estimator (each accepts the subset it supports)."""

SeedLike = int | np.random.SeedSequence | np.random.Generator | None
"""What ``seed=`` accepts everywhere; see :func:`resolve_seed`."""
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


def resolve_seed(seed: object, *, name: str = "seed") -> np.random.SeedSequence:
    """A fresh :class:`numpy.random.SeedSequence` for ``seed=``, never consuming the caller's object.

    ``seed`` is a non-negative int, a ``SeedSequence`` (copied: spawning children from the copy
    leaves the caller's sequence untouched), a ``Generator`` (its seed sequence is read, its state is
    not advanced) or ``None`` (fresh entropy). Passing the same object twice gives the same numbers.

    >>> ss = np.random.SeedSequence(7)
    >>> a = resolve_seed(ss).spawn(1)[0].generate_state(1)
    >>> b = resolve_seed(ss).spawn(1)[0].generate_state(1)
    >>> bool((a == b).all())
    True
    >>> resolve_seed(-1)
    Traceback (most recent call last):
    ...
    countyeconomy.errors.InvalidOptionError: seed=-1 is not valid; pass a non-negative int, a numpy SeedSequence or Generator, or None.
    """
    if isinstance(seed, np.random.Generator):
        seq = seed.bit_generator.seed_seq
        if not isinstance(seq, np.random.SeedSequence):
            raise InvalidOptionError(
                f"{name}= got a Generator without a SeedSequence; pass an int or a SeedSequence."
            )
        seed = seq
    if isinstance(seed, np.random.SeedSequence):
        return np.random.SeedSequence(
            entropy=seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size
        )
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or int(seed) < 0:
        raise InvalidOptionError(
            f"{name}={seed!r} is not valid; pass a non-negative int, a numpy SeedSequence or "
            "Generator, or None."
        )
    return np.random.SeedSequence(int(seed))
