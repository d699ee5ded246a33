"""Kernels shared by mechanism, moderation and heterogeneity: fixed-effect OLS on row subsets,
cluster resampling and the common-sample helper."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._codes import sorted_codes
from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.errors import FormulaError, RowsDroppedWarning
from countyeconomy.estimators._design import ModelData, as_model_data, infer_keys
from countyeconomy.estimators._formula import formula_columns
from countyeconomy.linalg import Factor
from countyeconomy.panel import Panel, describe_values

__all__ = [
    "CHUNK",
    "ResampleDesign",
    "common_sample",
    "dense_factor",
    "needed_columns",
    "resample_rows",
    "sorted_factor",
]

CHUNK = 50
"""Draws per chunk of :func:`countyeconomy.inference.map_chunks`: fixed, so the numbers do not
depend on the executor."""


def needed_columns(terms: Sequence[str]) -> list[str]:
    """Data columns that formula terms (plain names or expressions) need, in order."""
    out: list[str] = []
    for t in terms:
        for c in sorted(formula_columns(t)):
            if c not in out:
                out.append(c)
    return out


def common_sample(
    data: Panel | pd.DataFrame,
    columns: Sequence[str],
    county: str | None,
    year: str | None,
    *,
    what: str,
) -> tuple[Panel | pd.DataFrame, ModelData, int]:
    """The data restricted to rows complete in ``columns``; announces and counts the drops.

    Returns the data to pass to :func:`~countyeconomy.twfe` (a Panel when keys are known), its
    model view, and the number of rows dropped.

    All equations of one analysis then use the same rows (needed for ``c = c' + ab``).
    """
    if isinstance(data, pd.DataFrame):
        county, year = infer_keys(data, county, year)
        if county is not None and year is not None:
            data = Panel.from_frame(data, county=county, year=year)
    md = as_model_data(data, county, year)
    resolved = list(dict.fromkeys(md.resolve(c) for c in columns))
    missing = [c for c in resolved if c not in md.frame.columns]
    if missing:
        raise FormulaError(
            f"unknown column {describe_values(missing)} for {what}; the data has columns "
            f"{describe_values(list(md.frame.columns), limit=25)}."
        )
    ok = md.frame[resolved].notna().all(axis=1).to_numpy()
    n_drop = int((~ok).sum())
    if n_drop == 0:
        return data, md, 0
    warnings.warn(
        f"{what}: dropped {n_drop} of {len(ok)} rows with a missing value in "
        f"{describe_values(resolved)} so that every equation uses the same sample.",
        RowsDroppedWarning,
        stacklevel=3,
    )
    frame = md.frame.loc[ok].reset_index(drop=True)
    if md.county is not None and md.year is not None:
        panel = Panel.from_frame(frame, county=md.county, year=md.year)
        return panel, as_model_data(panel, None, None), n_drop
    return frame, ModelData(frame, md.county, md.year), n_drop


def sorted_factor(values: np.ndarray, name: str) -> Factor:
    """A factor coded in sorted order of the values (the order resampling tests rely on)."""
    codes, n = sorted_codes(np.asarray(values))
    return Factor(codes, n, name)


def dense_factor(codes: np.ndarray) -> Factor:
    """Consecutive codes for the distinct values of ``codes`` (in sorted order)."""
    return sorted_factor(codes, "")


@dataclass(frozen=True)
class ResampleDesign:
    """Arrays for cluster resampling.

    Attributes
    ----------
    values
        ``(n, p)`` outcome and regressor columns on the estimation rows.
    factors
        Absorbed factors on those rows.
    nested
        Per factor, whether it is nested in the cluster (then each resampled copy of a cluster
        gets its own levels, as a new county would).
    cluster
        ``(n,)`` cluster codes ``0..G-1`` in sorted order of the cluster values.
    """

    values: FloatArray
    factors: tuple[Factor, ...]
    nested: tuple[bool, ...]
    cluster: IntArray
    n_clusters: int


def resample_rows(design: ResampleDesign, draw: IntArray) -> tuple[IntArray, list[Factor]]:
    """Rows of a cluster bootstrap sample (clusters ``draw``, with repeats) and its factors."""
    order = np.argsort(design.cluster, kind="stable")
    counts = np.bincount(design.cluster, minlength=design.n_clusters)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    lengths = counts[draw]
    occurrence = np.repeat(np.arange(len(draw)), lengths)
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    rows = order[np.repeat(starts[draw], lengths) + offsets]
    facs = []
    for f, nested in zip(design.factors, design.nested, strict=True):
        codes = f.codes[rows]
        facs.append(dense_factor(occurrence * f.n_levels + codes if nested else codes))
    return rows.astype(np.intp), facs
