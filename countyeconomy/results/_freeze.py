"""Deep immutability: read-only mappings and arrays, structural equality."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

import numpy as np
import pandas as pd

__all__ = ["FrozenDict", "freeze", "lock", "same"]

_K = TypeVar("_K")
_V = TypeVar("_V")


class FrozenDict(Mapping[_K, _V]):
    """A read-only mapping that pickles (unlike :class:`types.MappingProxyType`).

    >>> d = FrozenDict({"county": 80})
    >>> d["county"]
    80
    >>> d["year"] = 8
    Traceback (most recent call last):
    ...
    TypeError: 'FrozenDict' object does not support item assignment
    """

    __slots__ = ("_data",)
    _data: dict[_K, _V]

    def __init__(self, data: Mapping[_K, _V] | None = None) -> None:
        object.__setattr__(self, "_data", dict(data or {}))

    def __getitem__(self, key: _K) -> _V:
        return self._data[key]

    def __iter__(self) -> Iterator[_K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self.items()) == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._data.items(), key=repr)))

    def __setattr__(self, name: str, value: object) -> None:
        raise TypeError("'FrozenDict' object is read-only")

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (self._data,))


def freeze(value: Any) -> Any:
    """A deeply read-only version of ``value``.

    numpy arrays become read-only copies, dicts become :class:`FrozenDict` (values frozen too),
    lists and tuples become tuples of frozen items, and pandas objects become copy-on-write
    copies (so the caller's object and the result never share mutable state). Other values are
    returned as they are.
    """
    if isinstance(value, np.ndarray):
        if not value.flags.writeable and value.base is None:
            return value
        out = np.array(value, copy=True)
        out.flags.writeable = False
        return out
    if isinstance(value, FrozenDict):
        return value
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
        return tuple(freeze(v) for v in value)
    if isinstance(value, pd.DataFrame | pd.Series | pd.Index):
        return value.copy(deep=False)
    return value


def lock(value: Any) -> Any:
    """Make a value the caller owns read-only without copying it: an array that owns its data is
    locked in place (a view is copied, as by :func:`freeze`). Used for arrays a fit computed
    itself and for values restored from a pickle (arrays lose their write lock in a pickle)."""
    if isinstance(value, np.ndarray):
        if value.flags.writeable:
            if value.base is None:
                value.flags.writeable = False
                return value
            return freeze(value)
        return value
    if isinstance(value, dict) and not isinstance(value, FrozenDict):
        return freeze(value)
    if isinstance(value, list):
        return freeze(value)
    return value


def same(a: Any, b: Any) -> bool:
    """Structural equality: arrays and frames by value (NaN equal to NaN), mappings, sequences
    and dataclasses field by field. ``==`` on every result uses it, so a pickled and restored
    result equals the original.

    >>> same(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
    True
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        if a.shape != b.shape or a.dtype != b.dtype:
            return False
        if a.dtype.kind in "fc":
            return bool(np.array_equal(a, b, equal_nan=True))
        return bool(np.array_equal(a, b))
    if isinstance(a, pd.DataFrame | pd.Series | pd.Index):
        return bool(a.equals(b))
    if isinstance(a, np.random.SeedSequence):
        return bool(
            a.entropy == b.entropy
            and a.spawn_key == b.spawn_key
            and a.pool_size == b.pool_size
            and a.n_children_spawned == b.n_children_spawned
        )
    if isinstance(a, Mapping):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return all(
            same(object.__getattribute__(a, f.name), object.__getattribute__(b, f.name))
            for f in dataclasses.fields(a)
        )
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)
