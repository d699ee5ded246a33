"""Retired argument names: the old spelling works for one release with a ``FutureWarning``."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from countyeconomy.errors import InvalidOptionError

__all__ = ["renamed_kwargs", "warn_renamed"]

P = ParamSpec("P")
R = TypeVar("R")


def warn_renamed(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` is now ``new`` (a ``FutureWarning``: removed in the next release)."""
    warnings.warn(
        f"{old} is renamed {new}; the old spelling is removed in the next release.",
        FutureWarning,
        stacklevel=stacklevel,
    )


def renamed_kwargs(func_name: str, **mapping: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Accept retired keyword names (``old="new"``), warn, and pass them on under the new name.

    >>> @renamed_kwargs("f", reps="draws")
    ... def f(*, draws: int = 9) -> int:
    ...     return draws
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as w:
    ...     warnings.simplefilter("always")
    ...     f(reps=99), w[0].category.__name__
    (99, 'FutureWarning')
    """

    def deco(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            for old, new in mapping.items():
                if old in kwargs:
                    if new in kwargs:
                        raise InvalidOptionError(
                            f"{func_name}() got both {old}= (retired) and {new}=; pass {new}= only."
                        )
                    warn_renamed(f"{func_name}({old}=...)", f"{new}=...")
                    kwargs[new] = kwargs.pop(old)
            return fn(*args, **kwargs)

        wrapper.__ce_renamed__ = dict(mapping)  # type: ignore[attr-defined]
        return wrapper

    return deco
