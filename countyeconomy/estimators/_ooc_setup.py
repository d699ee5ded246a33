"""Out-of-core fits, set-up: columns, keys and the per-partition spec, validated on the dask
DataFrame's metadata (no pass over the data)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from countyeconomy.errors import FormulaError, RowsDroppedWarning
from countyeconomy.estimators._formula import ParsedFormula, formula_columns
from countyeconomy.estimators._ooc_engine import compute
from countyeconomy.estimators._ooc_partition import OocSpec
from countyeconomy.inference import Cluster, DriscollKraay, VcovSpec
from countyeconomy.panel import describe_values

__all__ = ["Setup", "announce_dropped", "make_setup"]


@dataclass(frozen=True)
class Setup:
    """A validated out-of-core problem: the spec, the key aliases and the data."""

    spec: OocSpec
    aliases: tuple[tuple[str, str], ...]
    ddf: Any


def _resolve(columns: list[str], county: str | None, year: str | None, name: str) -> str:
    if name in columns:
        return name
    if name == "county" and county is not None:
        return county
    if name == "year" and year is not None:
        return year
    return name


def _pick_partition_effect(ddf: Any, fe_cols: list[tuple[str, ...]]) -> int:
    """The absorbed effect with the most levels in the first partition (cell or firm)."""
    if len(fe_cols) == 1:
        return 0
    (head,) = compute(ddf.get_partition(0)[sorted({c for t in fe_cols for c in t})])
    sizes = [len(head[list(t)].drop_duplicates()) for t in fe_cols]
    return int(np.argmax(sizes))


def make_setup(
    ddf: Any,
    parsed: ParsedFormula,
    *,
    county: str | None,
    year: str | None,
    weights: str | None,
    vcov: VcovSpec,
    drop_singletons: bool,
) -> Setup:
    """Check the columns a model needs against the data and build the per-partition spec."""
    columns = [str(c) for c in ddf.columns]
    if county is None and "county" in columns and year != "county":
        county = "county"
    if year is None and "year" in columns and county != "year":
        year = "year"
    if not parsed.fixed_effects:
        raise FormulaError(
            f"out of core, {parsed.text!r} needs absorbed effects after '|' (e.g. "
            "'y ~ x | cell + year'): the first pass demeans within the largest of them."
        )
    fe_cols = [tuple(_resolve(columns, county, year, c) for c in t) for t in parsed.fixed_effects]
    parts = [parsed.outcome, parsed.rhs]
    if parsed.endogenous is not None and parsed.instruments is not None:
        parts += [parsed.endogenous, parsed.instruments]
    names: set[str] = set()
    for p in parts:
        names |= formula_columns(p)
    aliases = {n: _resolve(columns, county, year, n) for n in names}
    extra = [_resolve(columns, county, year, v) for v in _cluster_vars(vcov)]
    needed = sorted({aliases[n] for n in names} | {c for t in fe_cols for c in t})
    needed += [c for c in extra if c not in needed]
    if weights is not None:
        needed.append(weights)
    missing = [c for c in needed if c not in columns]
    if missing:
        where = (
            f"(not in the formula {parsed.text!r}: a cluster variable of vcov= or another "
            "column the estimator needs)"
            if set(missing) <= set(extra) - set(aliases.values())
            else f"in formula {parsed.text!r}"
        )
        raise FormulaError(
            f"unknown column {describe_values(missing)} {where}; the data has columns "
            f"{describe_values(columns, limit=25)}."
        )
    keys: list[tuple[str, str]] = []
    if county is not None and "county" not in columns:
        keys.append(("county", county))
    if year is not None and "year" not in columns:
        keys.append(("year", year))
    group_sets: list[tuple[str, ...]] = []
    if extra:
        group_sets.append(tuple(extra))
    if year is not None and year in columns and (year,) not in group_sets:
        group_sets.append((year,))
    group_cols = [c for g in group_sets for c in g]
    read = needed + [c for c in dict.fromkeys(group_cols) if c not in needed]
    nested_cols = tuple(dict.fromkeys(group_cols))
    spec = OocSpec(
        text=parsed.text,
        outcome=parsed.outcome,
        rhs=parsed.rhs,
        endogenous=parsed.endogenous,
        instruments=parsed.instruments,
        needed=tuple(needed),
        renamed=tuple((v, k) for k, v in aliases.items() if k != v),
        numeric=tuple(sorted({aliases[n] for n in names} & set(columns))),
        fe_cols=tuple(fe_cols),
        a_term=_pick_partition_effect(ddf, fe_cols),
        weights=weights,
        group_sets=tuple(group_sets),
        nested_cols=nested_cols,
        drop_singletons=drop_singletons,
    )
    return Setup(spec, tuple(keys), ddf[read])


def _cluster_vars(vcov: VcovSpec) -> list[str]:
    if isinstance(vcov, Cluster):
        return list(vcov.variables)
    if isinstance(vcov, DriscollKraay):
        return []
    return []


def announce_dropped(dropped: dict[str, int], n_input: int, stacklevel: int) -> None:
    """One :class:`RowsDroppedWarning` naming how many rows were dropped and why."""
    total = sum(dropped.values())
    if total:
        detail = "; ".join(f"{v} {k}" for k, v in dropped.items() if v)
        warnings.warn(
            f"dropped {total} of {n_input} rows ({detail}).",
            RowsDroppedWarning,
            stacklevel=stacklevel + 1,
        )
