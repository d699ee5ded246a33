"""A balanced county x year panel as arrays in the spatial weights' county order."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import FormulaError, InvalidOptionError, RowsDroppedWarning
from countyeconomy.panel import Panel, numeric_column
from countyeconomy.spatial._weights import SpatialWeights, SpatialWeightsError

__all__ = ["SpatialPanelData", "prepare_spatial_panel"]

EFFECTS = {
    frozenset({"county"}): "county",
    frozenset({"year"}): "year",
    frozenset({"county", "year"}): "twoways",
}


@dataclass(frozen=True)
class SpatialPanelData:
    """Arrays of a balanced panel: ``y`` is ``(T, N)``, ``x`` is ``(T, N, K)``."""

    y: FloatArray
    x: FloatArray
    names: tuple[str, ...]
    outcome: str
    codes: tuple[str, ...]
    years: tuple[int, ...]
    effects: str
    nobs_input: int
    dropped: dict[str, int]
    formula: str


def _parse(formula: str, county: str, year: str) -> tuple[str, list[str], str]:
    if not isinstance(formula, str) or "~" not in formula:
        raise FormulaError(
            f"formula={formula!r} is not valid; write 'y ~ x1 + x2 | county + year'."
        )
    lhs, rhs = formula.split("~", 1)
    parts = rhs.split("|")
    if len(parts) != 2:
        raise FormulaError(
            f"formula={formula!r} needs one '|' followed by the fixed effects: 'county', 'year' "
            "or 'county + year'."
        )
    xs = [t.strip() for t in parts[0].split("+") if t.strip() and t.strip() not in ("1", "0")]
    fes = {t.strip() for t in parts[1].split("+") if t.strip()}
    fes = {"county" if f == county else "year" if f == year else f for f in fes}
    key = frozenset(fes)
    if key not in EFFECTS:
        raise FormulaError(
            f"fixed effects {sorted(fes)} in {formula!r} are not supported; use 'county', 'year' "
            f"or 'county + year' (the panel keys {county!r}, {year!r})."
        )
    if not xs:
        raise FormulaError(f"formula={formula!r} has no regressors.")
    return lhs.strip(), xs, EFFECTS[key]


def prepare_spatial_panel(
    data: Panel | pd.DataFrame,
    formula: str,
    spatial_weights: SpatialWeights,
    county: str | None,
    year: str | None,
) -> SpatialPanelData:
    """Validate and reshape ``data`` to ``(T, N)`` arrays in ``spatial_weights.ids`` order.

    Counties absent from the weights are dropped (counted and announced); the remaining panel
    must be balanced, complete, and cover every county of the weights.
    """
    if not isinstance(spatial_weights, SpatialWeights):
        raise InvalidOptionError(
            f"spatial_weights={type(spatial_weights).__name__} is not valid; pass a "
            "countyeconomy.spatial.SpatialWeights (knn_weights, distance_weights)."
        )
    if isinstance(data, Panel):
        panel = data
    elif isinstance(data, pd.DataFrame):
        panel = Panel.from_frame(data, county=county or "county", year=year or "year")
    else:
        raise InvalidOptionError(
            f"data={type(data).__name__} is not valid; pass a countyeconomy.Panel or a DataFrame."
        )
    outcome, xs, effects = _parse(formula, panel.county, panel.year)
    frame = panel.frame
    for col in [outcome, *xs]:
        if col not in frame.columns:
            raise FormulaError(
                f"column {col!r} of formula {formula!r} is not in the data; columns are "
                f"{[c for c in frame.columns][:20]}."
            )
    codes = frame[panel.county].astype(str)
    keep = codes.isin(set(spatial_weights.ids)).to_numpy()
    dropped: dict[str, int] = {}
    if not keep.all():
        n_out = int((~keep).sum())
        dropped["county not in spatial weights"] = n_out
        warnings.warn(
            f"{n_out} row(s) of {codes[~keep].nunique()} county(ies) not in the spatial weights "
            f"are dropped (e.g. {codes[~keep].iloc[0]!r}); see info.dropped.",
            RowsDroppedWarning,
            stacklevel=4,
        )
    sub = frame.loc[keep]
    vals = {c: numeric_column(sub, c).to_numpy(dtype=float) for c in [outcome, *xs]}
    for c, v in vals.items():
        bad = ~np.isfinite(v)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise SpatialWeightsError(
                f"column {c!r} is missing or non-finite in {int(bad.sum())} row(s) (first: county "
                f"{sub[panel.county].iloc[i]!r}, year {sub[panel.year].iloc[i]}); spatial panel "
                "models need a complete balanced panel: impute or drop those counties (and "
                "rebuild the weights on the remaining codes)."
            )
    sub_codes = codes[keep].to_numpy()
    years = np.sort(sub[panel.year].unique())
    missing_c = sorted(set(spatial_weights.ids) - set(sub_codes))
    if missing_c:
        raise SpatialWeightsError(
            f"{len(missing_c)} county(ies) of the spatial weights are not in the data "
            f"(e.g. {missing_c[:5]}); build the weights on the data's codes (codes=...)."
        )
    n, t = spatial_weights.n, len(years)
    if len(sub) != n * t:
        counts = pd.Series(sub_codes).value_counts()
        short = counts[counts < t].index.tolist()
        raise SpatialWeightsError(
            f"the panel is not balanced: {len(short)} county(ies) lack some of the {t} years "
            f"(e.g. {short[:5]}); spatial panel models need every county in every year."
        )
    pos = pd.Index(spatial_weights.ids).get_indexer(pd.Index(sub_codes))
    tpos = pd.Index(years).get_indexer(sub[panel.year].to_numpy())
    y = np.empty((t, n))
    y[tpos, pos] = vals[outcome]
    x = np.empty((t, n, len(xs)))
    for k, c in enumerate(xs):
        x[tpos, pos, k] = vals[c]
    return SpatialPanelData(
        y=y,
        x=x,
        names=tuple(xs),
        outcome=outcome,
        codes=spatial_weights.ids,
        years=tuple(int(v) for v in years),
        effects=effects,
        nobs_input=len(frame),
        dropped=dropped,
        formula=formula,
    )
