"""The county code registry: names, levels and the change history of Chinese codes, 1981-2024."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from countyeconomy._fetch import data_path
from countyeconomy.errors import RegistryError
from countyeconomy.registry._areacodes import AREACODES_RESULT, read_areacodes
from countyeconomy.registry._checks import check_code, check_year
from countyeconomy.registry._names import strip_suffix
from countyeconomy.registry._records import records_frame
from countyeconomy.registry._resolve import code_strings, resolve
from countyeconomy.registry._tables import RegistryTables, build_tables

if TYPE_CHECKING:
    from countyeconomy.registry._coordinates import CountyCoordinates

__all__ = ["CodeRecord", "Registry"]


@dataclass(frozen=True)
class CodeRecord:
    """One code record: a code with its name, valid from ``valid_from`` to ``valid_to``.

    ``valid_to`` is the last year the record is in the official list (``2024`` while in use).
    ``prefecture`` is ``"直辖"`` for units directly under a province-level unit.
    """

    code: str
    name: str
    level: str
    province: str
    prefecture: str
    valid_from: int
    valid_to: int
    status: str


@dataclass(frozen=True, eq=False, repr=False)
class Registry:
    """Chinese administrative-division codes of county level and above, 1981-2024.

    Built from the CC0 code history of yescallop/areacodes (see :data:`AREACODES_RESULT`).
    Each code record is valid over a span of years; codes are sometimes reused, so a code and a
    year name one record.

    References
    ----------
    Ministry of Civil Affairs of the PRC, 中华人民共和国县级以上行政区划代码 (1980-2024), compiled
    with the change records by yescallop/areacodes.

    Examples
    --------
    >>> from countyeconomy.registry import Registry
    >>> reg = Registry.load()  # doctest: +SKIP
    >>> reg.lookup("330112", 2020).name  # doctest: +SKIP
    '临安区'
    >>> sorted(reg.successors("330185")["code"])  # doctest: +SKIP
    ['330112']
    """

    tables: RegistryTables

    @classmethod
    def load(cls) -> Registry:
        """The registry from the pinned code history (local mirror, cache or download).

        Parsed tables are cached in-process, so later calls are immediate.
        """
        return _load_cached(str(data_path(AREACODES_RESULT)))

    def __repr__(self) -> str:
        recs = self.tables.records
        return (
            f"<Registry {len(recs)} code records, {int(recs['start'].min())}-"
            f"{int(recs['end'].max()) - 1}; yescallop/areacodes (CC0-1.0)>"
        )

    @property
    def records(self) -> pd.DataFrame:
        """Every record (a copy): code, province, prefecture, name, level, status, validity.

        ``valid_from`` and ``valid_to`` are the first and last year (inclusive) the record is in
        the official list, as in :class:`CodeRecord` and :meth:`counties`. The retired columns
        ``start`` and ``end`` (exclusive) still read for one release with a ``FutureWarning``.
        """
        return records_frame(self.tables.records)

    # ------------------------------------------------------------------ look-ups
    def _record(self, rid: int) -> CodeRecord:
        row = self.tables.records.iloc[rid]
        return CodeRecord(
            code=str(row["code"]),
            name=str(row["name"]),
            level=str(row["level"]),
            province=str(row["province"]),
            prefecture=str(row["prefecture"]),
            valid_from=int(row["start"]),
            valid_to=int(row["end"]) - 1,
            status=str(row["status"]),
        )

    def _spans(self, code: str) -> str:
        spans = [self._record(r) for r in self.tables.by_code.get(code, ())]
        return ", ".join(f"{r.name} {r.valid_from}-{r.valid_to}" for r in spans)

    def lookup(self, code: str | int, year: int) -> CodeRecord:
        """The record of ``code`` valid in ``year``.

        Raises
        ------
        RegistryError
            The code is not six digits, the year is outside 1981-2024, or the code is not in use
            that year (the message lists the years it is in use).
        """
        text, year = check_code(code), check_year(year)
        rid = self.tables.record_at(text, year)
        if rid is None:
            spans = self._spans(text)
            valid = f"it is in use as {spans}" if spans else "it never appears in 1981-2024"
            raise RegistryError(f"code {text} is not in use in {year}; {valid}.")
        return self._record(rid)

    def find(self, name: str, year: int | None = None, province: str | None = None) -> CodeRecord:
        """The one record called ``name`` (exactly, else ignoring 县/市/区/自治县/旗... suffixes).

        ``year`` keeps records in use that year; ``province`` keeps records whose province name
        contains it (``"浙江"`` or ``"浙江省"``).

        Raises
        ------
        RegistryError
            No record matches, or several do (the message lists them with codes and years).
        """
        recs = self.tables.records
        keep = pd.Series(True, index=recs.index)
        if year is not None:
            y = check_year(year)
            keep &= (recs["start"] <= y) & (y < recs["end"])
        if province is not None:
            keep &= recs["province"].str.contains(strip_suffix(province), regex=False)
        pool = recs[keep]
        hits = pool.index[pool["name"] == name]
        if len(hits) == 0:
            stem = strip_suffix(name)
            hits = pool.index[pool["name"].map(strip_suffix) == stem]
        if len(hits) == 1:
            return self._record(int(hits[0]))
        where = f" in {year}" if year is not None else ""
        where += f" in province {province!r}" if province is not None else ""
        if len(hits) == 0:
            raise RegistryError(f"no code is named {name!r}{where}; check the name and year.")
        found = "; ".join(
            f"{r.code} {r.province}{r.prefecture}{r.name} {r.valid_from}-{r.valid_to}"
            for r in (self._record(int(i)) for i in hits[:20])
        )
        raise RegistryError(
            f"name {name!r}{where} is ambiguous: {len(hits)} candidates ({found}). "
            "Pass year= or province=, or use the code."
        )

    def counties(self, year: int) -> pd.DataFrame:
        """Every county-level unit in use in ``year``: code, name, prefecture, province, span."""
        y = check_year(year)
        recs = self.tables.records
        mask = (recs["level"] == "county") & (recs["start"] <= y) & (y < recs["end"])
        out = recs.loc[mask, ["code", "name", "prefecture", "province", "start", "end"]]
        out = out.assign(valid_from=out["start"], valid_to=out["end"] - 1)
        return out.drop(columns=["start", "end"]).sort_values("code").reset_index(drop=True)

    def match(self, codes: pd.Series | list[str] | list[int], year: int) -> pd.DataFrame:
        """The record of each code in ``year``, vectorised: one row per input code, in order.

        Columns: ``code`` (six-character string), ``found`` (the code is in the registry; when it
        is not in use in ``year`` its nearest record in time is used), ``in_use`` (found and in
        use in ``year``), ``name``, ``province``, ``prefecture`` and ``level`` (missing where
        not found).

        Examples
        --------
        >>> reg = Registry.load()  # doctest: +SKIP
        >>> reg.match(["330112", 999999], 2020)[["code", "in_use", "name"]]  # doctest: +SKIP
             code  in_use  name
        0  330112    True   临安区
        1  999999   False   NaN
        """
        y = check_year(year)
        text = code_strings(pd.Series(codes).reset_index(drop=True))
        pairs = resolve(self.tables, text, np.full(len(text), y, dtype=np.int64))
        per_code = pairs.set_index("code")
        rid = per_code["rid"].reindex(text.to_numpy()).to_numpy(dtype=np.int64)
        off = per_code["off_year"].reindex(text.to_numpy()).to_numpy(dtype=bool)
        found = rid >= 0
        recs = self.tables.records
        out = pd.DataFrame({"code": text.to_numpy(), "found": found, "in_use": found & ~off})
        for col in ("name", "province", "prefecture", "level"):
            values = recs[col].to_numpy(dtype=object)[np.where(found, rid, 0)]
            values[~found] = None
            out[col] = values
        return out

    # ------------------------------------------------------------------ change history
    def _changes(self, code: str | int, year: int | None, side: str) -> pd.DataFrame:
        text = check_code(code)
        rids = self.tables.by_code.get(text, ())
        if year is not None:
            rid = self.tables.record_at(text, check_year(year))
            rids = (rid,) if rid is not None else ()
        if not rids:
            spans = self._spans(text)
            when = f" in {year}" if year is not None else ""
            raise RegistryError(
                f"code {text} is not in the registry{when}"
                + (f"; it is in use as {spans}." if spans else "; it never appears in 1981-2024.")
            )
        edges = self.tables.edges
        mine, other = ("from_rid", "to_rid") if side == "successors" else ("to_rid", "from_rid")
        sel = edges[edges[mine].isin(rids)]
        codes = self.tables.records["code"].to_numpy()
        names = self.tables.records["name"].to_numpy()
        out = pd.DataFrame(
            {
                "code": codes[sel[other].to_numpy()],
                "name": names[sel[other].to_numpy()],
                "year": sel["year"].to_numpy(),
                "kind": sel["kind"].to_numpy(),
            }
        )
        return out.sort_values(["year", "code"]).reset_index(drop=True)

    def successors(self, code: str | int, year: int | None = None) -> pd.DataFrame:
        """Direct successors of ``code``: columns ``code``, ``name``, ``year``, ``kind``.

        ``kind`` is ``"succession"`` (the record ended that year; several rows mean a split,
        from a ``;`` list) or ``"transfer"`` (part of the territory moved that year, from a
        ``[YYYY]`` entry, while the record continued). With ``year`` only the record in use that
        year is followed; otherwise every record that used the code.
        """
        return self._changes(code, year, "successors")

    def predecessors(self, code: str | int, year: int | None = None) -> pd.DataFrame:
        """Direct predecessors of ``code``: the codes whose territory went to it.

        Columns ``code``, ``name`` (the predecessor), ``year`` and ``kind`` as in
        :meth:`successors`. Several ``succession`` rows in one year mean a merge.
        """
        return self._changes(code, year, "predecessors")

    # ------------------------------------------------------------------ conversions
    def conversions(
        self, kind: str = "county_to_district", *, years: tuple[int, int] | None = None
    ) -> pd.DataFrame:
        """Every conversion of one kind; see :func:`countyeconomy.registry.conversions`."""
        from countyeconomy.registry._conversions import conversion_table

        return conversion_table(self.tables, kind, years)

    def history(self, code: str | int, year: int) -> str:
        """The whole chain of records through the record of ``code`` in ``year``.

        Examples
        --------
        >>> Registry.load().history("330185", 2010)  # doctest: +SKIP
        '临安县 330124 1981-1995 -> 临安市 330185 1996-2016 -> 临安区 330112 2017-2024'
        """
        from countyeconomy.registry._conversions import history

        rec = self.lookup(code, year)  # raises, naming the years the code is in use
        rid = self.tables.record_at(rec.code, rec.valid_from)
        if rid is None:  # pragma: no cover - lookup found the record
            raise RegistryError(f"code {rec.code} has no record in {year}.")
        return history(self.tables, rid)

    # ------------------------------------------------------------------ coordinates
    def coordinates(self, year: int) -> CountyCoordinates:
        """County-seat longitude and latitude for the county-level units of ``year``.

        See :func:`countyeconomy.registry.county_coordinates`.
        """
        from countyeconomy.registry._coordinates import county_coordinates

        return county_coordinates(self, year)


@functools.lru_cache(maxsize=4)
def _load_cached(path: str) -> Registry:
    del path  # the key: a different mirror gives a different cache entry
    return Registry(build_tables(read_areacodes()))
