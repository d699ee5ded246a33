"""Argument checks of :func:`~countyeconomy.honest_did`; each error names the argument."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np

from countyeconomy._deprecate import warn_renamed
from countyeconomy.errors import InvalidOptionError

__all__ = ["check_count", "check_grid", "check_number", "level_from_alpha", "theta_grid"]

R = TypeVar("R")


def check_grid(values: Sequence[float], name: str) -> tuple[float, ...]:
    try:
        out = tuple(float(v) for v in values)
    except (TypeError, ValueError):
        raise InvalidOptionError(f"{name} must be non-negative numbers, got {values!r}.") from None
    if not out or any(not np.isfinite(v) or v < 0 for v in out):
        raise InvalidOptionError(f"{name} must be non-negative finite numbers, got {values!r}.")
    return tuple(sorted(out))


def level_from_alpha(fn: Callable[..., R]) -> Callable[..., R]:
    """Accept the retired ``alpha=`` (``level = 1 - alpha``) with a ``FutureWarning``."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> R:
        if "alpha" in kwargs:
            if "level" in kwargs:
                raise InvalidOptionError("honest_did() got both alpha= (retired) and level=.")
            warn_renamed("honest_did(alpha=...)", "level=... (level = 1 - alpha)")
            alpha = kwargs.pop("alpha")
            kwargs["level"] = 1.0 - float(alpha) if isinstance(alpha, int | float) else alpha
        return fn(*args, **kwargs)

    renamed = {**getattr(fn, "__ce_renamed__", {}), "alpha": "level"}
    wrapper.__ce_renamed__ = renamed  # type: ignore[attr-defined]
    return wrapper


def check_number(name: str, value: Any, *, low: float, high: float = np.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        raise InvalidOptionError(f"{name}={value!r} must be a number.")
    v = float(value)
    if not (np.isfinite(v) and low < v < high) and not (v == low == 0 and high == np.inf):
        raise InvalidOptionError(f"{name}={value!r} must lie in ({low:g}, {high:g}).")
    return v


def check_count(name: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise InvalidOptionError(f"{name}={value!r} must be an int >= {minimum}.")
    return int(value)


def theta_grid(grid: Any, sd: float) -> tuple[float, float]:
    if grid is None:
        return (-20 * sd, 20 * sd)
    try:
        lb, ub = (float(v) for v in grid)
    except (TypeError, ValueError):
        raise InvalidOptionError(f"grid={grid!r} must be a pair (low, high).") from None
    if not (np.isfinite(lb) and np.isfinite(ub) and lb < ub):
        raise InvalidOptionError(f"grid={grid!r} must be finite with low < high.")
    return (lb, ub)
