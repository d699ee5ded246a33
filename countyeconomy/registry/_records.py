"""The public records table: inclusive ``valid_from``/``valid_to``, one convention everywhere.

Every registry object states validity the same way: ``valid_from`` is the first year a record is
in the official list and ``valid_to`` the last (inclusive; ``2024`` while in use). The retired
columns ``start`` and ``end`` (``end`` exclusive, ``2025`` while in use) stay readable for one
release with a :class:`FutureWarning`.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from countyeconomy._deprecate import warn_renamed

__all__ = ["RecordsFrame", "records_frame"]

_RETIRED = {"start": "valid_from", "end": "valid_to"}


class RecordsFrame(pd.DataFrame):
    """A DataFrame of code records whose retired columns ``start``/``end`` still read, with a warning.

    ``frame["start"]`` is ``frame["valid_from"]``; ``frame["end"]`` is ``frame["valid_to"] + 1``
    (the old exclusive end). Derived frames are plain DataFrames.
    """

    @property
    def _constructor(self) -> Any:
        return pd.DataFrame

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str) and key in _RETIRED and key not in self.columns:
            new = _RETIRED[key]
            warn_renamed(f"records[{key!r}]", f"records[{new!r}] (inclusive)", stacklevel=3)
            col = pd.DataFrame(self)[new]
            return (col + 1).rename("end") if key == "end" else col.rename("start")
        return super().__getitem__(key)


def records_frame(internal: pd.DataFrame, *, keep_new_codes: bool = False) -> RecordsFrame:
    """Public copy of the internal records (``start``, exclusive ``end``) in the one convention."""
    drop = ["start", "end"] if keep_new_codes else ["new_codes", "start", "end"]
    out = internal.drop(columns=drop, errors="ignore").copy()
    out["valid_from"] = internal["start"].to_numpy()
    out["valid_to"] = internal["end"].to_numpy() - 1
    return RecordsFrame(out)
