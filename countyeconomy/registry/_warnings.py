"""Warnings of the registry."""

from __future__ import annotations

from countyeconomy.errors import RowsDroppedWarning

__all__ = ["UnmatchedCodesWarning"]


class UnmatchedCodesWarning(RowsDroppedWarning):
    """Codes could not be matched to the registry; the count and the codes are in the message.

    Rows with unmatched codes are kept unchanged and listed, never dropped.
    """
