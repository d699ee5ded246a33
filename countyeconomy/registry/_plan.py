"""How the county records of one year map onto the records of another year.

``F(r)``, the *territorial image* of record ``r`` in year ``Y``, is the set of records in use in
``Y`` that hold ``r``'s territory, found by following successions (partial transfers are not
followed; they are reported). A record in use in ``Y`` is its own image. For each record ``r``
in use in year ``y`` the *plan* says what harmonising to ``Y`` does with it:

- forward (``y <= Y``): ``F(r) = {t}`` and no other county of ``y`` maps wholly onto ``t``:
  ``"unchanged"`` or ``"rename"``; several counties map wholly onto ``t``: ``"merge"``;
  ``|F(r)| > 1``: ``"split"``; ``F(r)`` empty: ``"no_successor"``.
- backward (``y > Y``): relabel to ``s`` only when exactly one record ``s`` of ``Y`` maps wholly
  onto ``r`` and no other record of ``Y`` maps even partly onto it; otherwise
  ``"not_one_to_one"``.
"""

from __future__ import annotations

import functools

import pandas as pd

from countyeconomy.registry._tables import RegistryTables

__all__ = ["plan"]

_Row = tuple[int, int, str, str]
_Note = tuple[int, int, int, str]
_PLAN_COLUMNS = ["rid", "new_rid", "kind", "detail"]
_NOTE_COLUMNS = ["rid", "from_rid", "to_rid", "kind"]


@functools.lru_cache(maxsize=256)
def _images(tables: RegistryTables, to_year: int) -> dict[int, frozenset[int]]:
    """A memo for ``F`` towards ``to_year``, filled lazily by :func:`_image`."""
    del tables, to_year
    return {}


def _image(tables: RegistryTables, rid: int, to_year: int) -> frozenset[int]:
    memo = _images(tables, to_year)
    if rid in memo:
        return memo[rid]
    if tables.starts[rid] <= to_year < tables.ends[rid]:
        out = frozenset({rid})
    else:
        out = frozenset().union(
            *(_image(tables, s, to_year) for s in tables.successors.get(rid, ()))
        )
    memo[rid] = out
    return out


def _valid(tables: RegistryTables, year: int) -> list[int]:
    starts, ends = tables.starts, tables.ends
    return [
        r for r, county in enumerate(tables.is_county) if county and starts[r] <= year < ends[r]
    ]


def _transfers(
    tables: RegistryTables, row: int, rids: set[int], lo: int, hi: int
) -> list[tuple[int, int, int, str]]:
    """Partial transfers out of or into ``rids`` dated in the years ``lo < year <= hi``."""
    notes: list[tuple[int, int, int, str]] = []
    for rid in rids:
        for year, other in tables.transfers_out.get(rid, ()):
            if lo < year <= hi and other != rid:
                notes.append((row, rid, other, "partial_transfer"))
        for year, other in tables.transfers_in.get(rid, ()):
            if lo < year <= hi and other != rid:
                notes.append((row, other, rid, "partial_transfer"))
    return notes


def _forward(tables: RegistryTables, year: int, to_year: int) -> tuple[list[_Row], list[_Note]]:
    rids = _valid(tables, year)
    image = {r: _image(tables, r, to_year) for r in rids}
    single = {r: next(iter(img)) for r, img in image.items() if len(img) == 1}
    whole: dict[int, int] = {}
    for t in single.values():
        whole[t] = whole.get(t, 0) + 1
    dated = tables.transfers_out.keys() | tables.transfers_in.keys()
    codes = tables.codes
    rows: list[_Row] = []
    notes: list[_Note] = []
    for r, img in image.items():
        t = single.get(r, -1)
        if t < 0:
            kind = "split" if img else "no_successor"
            rows.append((r, -1, kind, ";".join(sorted(map(str, img)))))
            notes.extend((r, r, part, "split") for part in sorted(img))
            continue
        kind = "merge" if whole[t] > 1 else ("unchanged" if codes[r] == codes[t] else "rename")
        rows.append((r, t, kind, ""))
        if r in dated or t in dated:
            notes.extend(_transfers(tables, r, {r, t}, year, to_year))
    return rows, notes


def _backward(tables: RegistryTables, year: int, to_year: int) -> tuple[list[_Row], list[_Note]]:
    olds = _valid(tables, to_year)
    whole: dict[int, list[int]] = {}
    touched: dict[int, int] = {}
    for s in olds:
        img = _image(tables, s, year)
        for r in img:
            touched[r] = touched.get(r, 0) + 1
        if len(img) == 1:
            whole.setdefault(next(iter(img)), []).append(s)
    rows: list[_Row] = []
    notes: list[_Note] = []
    for r in _valid(tables, year):
        sources = whole.get(r, [])
        if len(sources) == 1 and touched.get(r, 0) == 1:
            s = sources[0]
            same = tables.codes[r] == tables.codes[s]
            rows.append((r, s, "unchanged" if same else "rename", ""))
            notes.extend(_transfers(tables, r, {r, s}, to_year, year))
        else:
            rows.append((r, -1, "not_one_to_one", ";".join(sorted(map(str, sources)))))
    return rows, notes


@functools.lru_cache(maxsize=4096)
def plan(tables: RegistryTables, year: int, to_year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The plan for the county records of ``year``, and the partial-transfer notes.

    Returns ``(plan, notes)``: ``plan`` has one row per county record in use in ``year``:
    ``rid``, ``new_rid`` (``-1`` when left alone), ``kind`` and ``detail`` (record ids of the
    parts of a split, or of the sources of a record that is not one-to-one backwards);
    ``notes`` lists, per ``rid``, the parts of a split (``kind="split"``) and the partial
    transfers (``from_rid`` to ``to_rid``) that touch the record or its image between the two
    years. The frames are cached: do not modify them.
    """
    step = _forward if year <= to_year else _backward
    rows, notes = step(tables, year, to_year)
    return (
        pd.DataFrame(rows, columns=_PLAN_COLUMNS),
        pd.DataFrame(notes, columns=_NOTE_COLUMNS).drop_duplicates(),
    )
