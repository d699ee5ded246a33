"""Parse the code history into records and change edges.

A *record* is one row of the history: a code with a name, valid in the years
``start <= year < end``. Codes are reused, so a code alone does not name a record; a code and a
year do. A *succession* edge goes from a record that ended in year ``end`` to each record named in
its successor field without a date; a *transfer* edge (``code[YYYY]``) records that part of the
record's territory went to that code in year ``YYYY`` while the record itself continued.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from countyeconomy.errors import RegistryError

__all__ = ["RegistryTables", "build_tables"]

_PART = re.compile(r"(\d{6})(?:\[(\d{4})\])?")


@dataclass(frozen=True, eq=False, repr=False)
class RegistryTables:
    """Parsed history. ``records`` is indexed by record id; the dicts map ids to ids."""

    records: pd.DataFrame
    edges: pd.DataFrame
    by_code: dict[str, tuple[int, ...]]
    successors: dict[int, tuple[int, ...]]
    predecessors: dict[int, tuple[int, ...]]
    transfers_out: dict[int, tuple[tuple[int, int], ...]]
    transfers_in: dict[int, tuple[tuple[int, int], ...]]
    codes: tuple[str, ...]
    starts: tuple[int, ...]
    ends: tuple[int, ...]
    is_county: tuple[bool, ...]

    def record_at(self, code: str, year: int) -> int | None:
        """Id of the record with ``code`` valid in ``year``, if any."""
        for rid in self.by_code.get(code, ()):
            if self.starts[rid] <= year < self.ends[rid]:
                return rid
        return None


def _parse_edges(records: pd.DataFrame, by_code: dict[str, tuple[int, ...]]) -> pd.DataFrame:
    starts = records["start"].to_numpy()
    ends = records["end"].to_numpy()
    rows: list[tuple[int, int, int, str]] = []
    for rid, (field, end) in enumerate(zip(records["new_codes"], ends, strict=True)):
        if not field:
            continue
        for part in field.split(";"):
            match = _PART.fullmatch(part.strip())
            if match is None:
                raise RegistryError(f"cannot parse successor {part!r} of record {rid}.")
            year = int(match.group(2)) if match.group(2) else int(end)
            kind = "transfer" if match.group(2) else "succession"
            target = next(
                (r for r in by_code.get(match.group(1), ()) if starts[r] <= year < ends[r]), None
            )
            if target is None:
                raise RegistryError(
                    f"successor {part} of {records['code'].iat[rid]} is not valid in {year}."
                )
            rows.append((rid, target, year, kind))
    return pd.DataFrame(rows, columns=["from_rid", "to_rid", "year", "kind"])


def _group(pairs: list[tuple[int, int]]) -> dict[int, tuple[int, ...]]:
    out: dict[int, list[int]] = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return {k: tuple(v) for k, v in out.items()}


def _group_dated(triples: list[tuple[int, int, int]]) -> dict[int, tuple[tuple[int, int], ...]]:
    out: dict[int, list[tuple[int, int]]] = {}
    for key, year, other in triples:
        out.setdefault(key, []).append((year, other))
    return {k: tuple(v) for k, v in out.items()}


def build_tables(records: pd.DataFrame) -> RegistryTables:
    """Index the records of :func:`~countyeconomy.registry.read_areacodes`.

    Internally a record is valid in ``start <= year < end`` (``end = valid_to + 1``).
    """
    records = pd.DataFrame(records).reset_index(drop=True)
    if "valid_from" in records.columns:
        records = records.assign(start=records["valid_from"], end=records["valid_to"] + 1)
        records = records.drop(columns=["valid_from", "valid_to"])
    by_code = {
        str(code): tuple(int(i) for i in idx)
        for code, idx in records.groupby("code", sort=False).indices.items()
    }
    edges = _parse_edges(records, by_code)
    succ = edges[edges["kind"] == "succession"]
    trans = edges[edges["kind"] == "transfer"]
    pairs = list(zip(succ["from_rid"].tolist(), succ["to_rid"].tolist(), strict=True))
    dated = list(
        zip(
            trans["from_rid"].tolist(),
            trans["year"].tolist(),
            trans["to_rid"].tolist(),
            strict=True,
        )
    )
    return RegistryTables(
        records=records,
        edges=edges,
        by_code=by_code,
        successors=_group(pairs),
        predecessors=_group([(b, a) for a, b in pairs]),
        transfers_out=_group_dated(dated),
        transfers_in=_group_dated([(b, y, a) for a, y, b in dated]),
        codes=tuple(records["code"].astype(str)),
        starts=tuple(int(v) for v in records["start"]),
        ends=tuple(int(v) for v in records["end"]),
        is_county=tuple(bool(v) for v in records["level"] == "county"),
    )
