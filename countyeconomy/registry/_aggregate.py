"""Aggregation rules for merged counties."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from countyeconomy.errors import InvalidOptionError, RegistryError
from countyeconomy.panel import Panel

__all__ = ["Rule", "aggregate_merges", "check_rules"]

Rule = str | tuple[str, str]
_SIMPLE = ("sum", "mean", "first")


def check_rules(rules: Mapping[str, Rule], panel: Panel) -> dict[str, Rule]:
    """Validate ``rules`` against the panel's columns; return a plain dict."""
    columns = set(panel.frame.columns) - {panel.county, panel.year}
    out: dict[str, Rule] = {}
    for col, rule in rules.items():
        if col not in columns:
            raise RegistryError(
                f"rules names column {col!r}, which is not a data column of the panel; data "
                f"columns are {sorted(map(str, columns))}."
            )
        if isinstance(rule, tuple):
            if len(rule) != 2 or rule[0] != "weighted_mean" or rule[1] not in columns:
                raise InvalidOptionError(
                    f"rule for {col!r} is {rule!r}; a tuple rule is ('weighted_mean', w) with w "
                    f"one of the data columns {sorted(map(str, columns))}."
                )
        elif rule not in _SIMPLE:
            raise InvalidOptionError(
                f"rule for {col!r} is {rule!r}; choose 'sum', 'mean', 'first' or "
                "('weighted_mean', weight_column)."
            )
        out[col] = rule
    return out


def _apply(group: pd.DataFrame, keys: list[str], col: str, rule: Rule) -> pd.Series:
    by = group.groupby(keys, sort=True)
    if rule == "first":
        return by[col].first()
    if rule == "mean":
        return by[col].mean()
    if rule == "sum":
        total = by[col].sum()
        gaps = group[col].isna().groupby([group[k] for k in keys]).any()
        return total.mask(gaps)
    weight = group[rule[1]].astype("float64")
    num = (group[col].astype("float64") * weight).groupby([group[k] for k in keys]).sum()
    den = weight.where(group[col].notna()).groupby([group[k] for k in keys]).sum()
    return num / den.replace(0.0, np.nan)


def aggregate_merges(
    frame: pd.DataFrame,
    merge_rows: np.ndarray,
    county: str,
    year: str,
    rules: Mapping[str, Rule],
    old_codes: np.ndarray,
) -> pd.DataFrame:
    """Aggregate the rows flagged in ``merge_rows`` that share a (county, year) by ``rules``."""
    sub = frame.loc[merge_rows].assign(_old=old_codes[merge_rows])
    sizes = sub.groupby([county, year])[county].transform("size")
    multi = sub[sizes.to_numpy() > 1]
    if multi.empty:
        return frame
    data_cols = [c for c in frame.columns if c not in (county, year)]
    missing = [c for c in data_cols if c not in rules]
    if missing:
        ex = multi.iloc[0]
        olds = sorted(multi.loc[multi[county] == ex[county], "_old"].unique())
        raise RegistryError(
            f"counties {', '.join(map(str, olds))} merge into {ex[county]} (e.g. in "
            f"{ex[year]}) and column(s) {missing} have no aggregation rule; pass rules="
            "{column: 'sum' | 'mean' | 'first' | ('weighted_mean', weight_column)} for each."
        )
    multi = multi.sort_values([county, year, "_old"], kind="mergesort")
    keys = [county, year]
    agg = pd.DataFrame({c: _apply(multi, keys, c, rules[c]) for c in data_cols}).reset_index()
    keep = frame.drop(index=multi.index)
    out = pd.concat([keep, agg[frame.columns]], ignore_index=True)
    return out.astype({c: frame[c].dtype for c in data_cols if rules[c] == "first"})
