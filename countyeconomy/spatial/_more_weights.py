"""Nested (same prefecture / province) weights, and weights built year by year from the registry."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import pandas as pd

from countyeconomy._typing import check_option
from countyeconomy.errors import InvalidOptionError
from countyeconomy.registry import Registry, UnmatchedCodesWarning
from countyeconomy.spatial._weights import SpatialWeights, _finish, distance_weights, knn_weights

__all__ = ["nested_weights", "weights_by_year"]

Level = Literal["prefecture", "province"]


def nested_weights(
    codes: Sequence[object], *, level: Level = "prefecture", row_standardise: bool = True
) -> SpatialWeights:
    """Binary weights linking counties of the same prefecture (code prefix of 4 digits) or
    province (2 digits), built with libpysal's ``block_weights``.

    A county alone in its prefecture is an island (zero row, listed and announced). Codes are
    6-digit statistical codes; prefecture-level cities' districts share their city's prefix.

    Examples
    --------
    >>> w = nested_weights(["330102", "330105", "330212"])
    >>> w.dense()[0].tolist(), w.islands
    ([0.0, 1.0, 0.0], ('330212',))
    """
    check_option("level", level, ("prefecture", "province"))
    ids = [str(c) for c in codes]
    bad = [c for c in ids if len(c) != 6 or not c.isdigit()]
    if bad:
        raise InvalidOptionError(
            f"nested_weights needs 6-digit county codes; got {bad[:5]} ({len(bad)} in all)."
        )
    if len(set(ids)) != len(ids):
        raise InvalidOptionError("nested_weights: codes must be unique.")
    from libpysal.weights.util import block_weights  # type: ignore[import-untyped]

    width = 4 if level == "prefecture" else 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = block_weights([c[:width] for c in ids], ids=ids, silence_warnings=True)
    return _finish(w, ids, f"nested_{level}", row_standardise, {"level": level}, [])


def weights_by_year(
    years: Iterable[int],
    *,
    kind: Literal["knn", "inverse_distance"] = "knn",
    registry: Registry | None = None,
    **options: Any,
) -> dict[int, SpatialWeights]:
    """One :class:`SpatialWeights` per year on that year's county list and county seats.

    For a panel whose county set changes over the years (mergers, county-to-district
    conversions): each year's weights follow the registry's codes of that year. ``options``
    go to :func:`knn_weights` (``k``) or :func:`distance_weights` (``cutoff``, ``power``);
    ``row_standardise`` too. Codes without coordinates are left out of each year's weights
    and listed in its ``unmatched`` (one warning per year).
    """
    check_option("kind", kind, ("knn", "inverse_distance"))
    reg = registry if registry is not None else Registry.load()
    out: dict[int, SpatialWeights] = {}
    for y in years:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UnmatchedCodesWarning)
            coords = reg.coordinates(int(y))
        codes = pd.Series(coords.table["code"]).astype(str).tolist()
        build = knn_weights if kind == "knn" else distance_weights
        out[int(y)] = build(coords, codes, **options)
    return out
