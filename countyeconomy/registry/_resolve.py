"""Find the code record of each (code, year) of a panel, vectorised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from countyeconomy.registry._areacodes import FIRST_YEAR, LAST_YEAR
from countyeconomy.registry._tables import RegistryTables

__all__ = ["code_strings", "resolve"]


def code_strings(codes: pd.Series) -> pd.Series:
    """County codes as strings: integers ``330112`` become ``"330112"``; text is stripped."""
    if pd.api.types.is_integer_dtype(codes.dtype):
        return codes.astype("int64").astype(str).astype(object)
    if pd.api.types.is_float_dtype(codes.dtype):
        whole = np.isfinite(codes) & (codes == np.round(codes))
        text = codes.astype(str)
        text[whole] = codes[whole].astype("int64").astype(str)
        return text.astype(object)
    return codes.astype(str).str.strip().astype(object)


def resolve(tables: RegistryTables, codes: pd.Series, years: np.ndarray) -> pd.DataFrame:
    """One row per distinct (code, year): ``n`` rows, ``rid``, ``plan_year`` and ``off_year``.

    ``rid`` is the record of the code in use that year (``-1``: the code is not in the
    registry). A code used in a year it is not in use resolves to its nearest record in time
    (``off_year``), and ``plan_year`` is the nearest year that record is in use. Years outside
    1981-2024 are treated as the nearest year of the history.
    """
    pairs = (
        pd.DataFrame({"code": codes.to_numpy(), "year": years})
        .groupby(["code", "year"], as_index=False, sort=True)
        .size()
        .rename(columns={"size": "n"})
    )
    recs = pd.DataFrame(
        {
            "code": np.asarray(tables.codes, dtype=object),
            "start": tables.starts,
            "end": tables.ends,
            "rid": np.arange(len(tables.codes)),
        }
    )
    cand = pairs.merge(recs, on="code", how="inner")
    yc = cand["year"].clip(FIRST_YEAR, LAST_YEAR)
    dist = np.maximum(cand["start"] - yc, 0) + np.maximum(yc - cand["end"] + 1, 0)
    cand = cand.assign(dist=dist, plan_year=np.clip(yc, cand["start"], cand["end"] - 1))
    best = cand.sort_values(["code", "year", "dist"]).drop_duplicates(["code", "year"])
    out = pairs.merge(best[["code", "year", "rid", "plan_year", "dist"]], how="left")
    out["off_year"] = out["dist"].fillna(0).to_numpy() > 0
    out["rid"] = out["rid"].fillna(-1).astype("int64")
    out["plan_year"] = out["plan_year"].fillna(-1).astype("int64")
    return out.drop(columns="dist")
