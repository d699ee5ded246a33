"""The validated, frozen county x year :class:`Panel`."""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._codes import sorted_codes
from countyeconomy._typing import IntArray
from countyeconomy.errors import InputTypeError, PanelStructureError, RowsDroppedWarning
from countyeconomy.panel._timing import (
    cohort_from_treatment,
    cohort_values,
    event_time_from_cohort,
    warn_year_gaps,
)
from countyeconomy.panel._validate import (
    check_columns,
    coerce_year,
    describe_values,
    normalise_codes,
    numeric_column,
)

__all__ = ["Panel"]

_OBSERVED = "_observed"
_DTYPES_ATTR = "countyeconomy_dtypes"
_KEYS_ATTR = "countyeconomy_keys"


def _py(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True, eq=False, repr=False)
class Panel:
    """A validated long county x year panel. Immutable: every method returns new objects.

    Build it with :meth:`from_frame` or :meth:`from_xarray`. Rows are kept sorted by county then
    year; keys are unique and complete; years are integers.

    Examples
    --------
    >>> import pandas as pd
    >>> import countyeconomy as ce
    >>> df = pd.DataFrame({"code": ["a", "a", "b"], "year": [2010, 2011, 2010], "y": [1.0, 2.0, 3.0]})
    >>> p = ce.Panel.from_frame(df, county="code", year="year")
    >>> p.is_balanced
    False
    >>> p.lag("y").tolist()
    [nan, 1.0, nan]
    """

    frame: pd.DataFrame
    county: str
    year: str
    key_codes: tuple[IntArray, int, IntArray, int] | None = field(
        default=None, repr=False, compare=False
    )
    """County codes, number of counties, year codes, number of years (sorted value order)."""

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name == "frame":  # a copy-on-write view: writing to it never changes the Panel
            return value.copy(deep=False)
        return value

    def __post_init__(self) -> None:
        if self.key_codes is not None:  # read-only: a Panel is immutable all the way down
            for part in self.key_codes:
                if isinstance(part, np.ndarray) and part.flags.writeable:
                    part.flags.writeable = False

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(cls, df: pd.DataFrame, *, county: str, year: str) -> Panel:
        """Validate a long DataFrame with one row per (county, year) and return a Panel.

        The caller's DataFrame is copied, never modified. County codes must be of one type; a
        column mixing integers and integer-like strings (``100000`` and ``"100000"``) is made
        integer, and the mix is announced with
        :class:`~countyeconomy.errors.MixedCodeTypesWarning`. Data columns are not checked here;
        estimators check the columns they use with :func:`countyeconomy.panel.numeric_column`.

        Raises
        ------
        PanelStructureError
            Duplicate (county, year) keys, missing keys, county codes of mixed types, or years
            that are not whole numbers.
        FormulaError
            ``county`` or ``year`` is not a column.
        InputTypeError
            ``df`` is not a DataFrame.
        """
        if not isinstance(df, pd.DataFrame):
            hint = " Use Panel.from_xarray for a Dataset." if isinstance(df, xr.Dataset) else ""
            raise InputTypeError(
                f"data must be a pandas DataFrame (Panel.from_frame(df=...)), got "
                f"{type(df).__module__}.{type(df).__qualname__}.{hint}"
            )
        check_columns(df, [county, year], what="key column")
        if county == year:
            raise PanelStructureError("county and year must be two different columns.")
        # pandas copy-on-write: this never shares writes with the caller's frame
        out = df.reset_index(drop=True)
        if out[county].isna().any():
            rows = out.index[out[county].isna()].tolist()
            raise PanelStructureError(
                f"county column {county!r} has {len(rows)} missing value(s) at rows "
                f"{describe_values(rows)}; every row needs a county."
            )
        codes = normalise_codes(out[county], county)
        if codes is not out[county]:
            out = out.assign(**{county: codes})
        years = coerce_year(out[year], year)
        if years.dtype != out[year].dtype:
            out = out.assign(**{year: years})
        c_codes, n_c = sorted_codes(out[county])
        y_codes, n_y = sorted_codes(years)
        key = c_codes.astype(np.int64) * n_y + y_codes
        if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):
            order = np.argsort(key, kind="stable")
            key, c_codes, y_codes = key[order], c_codes[order], y_codes[order]
            dup = np.zeros(len(key), dtype=bool)
            same = key[1:] == key[:-1]
            dup[1:] |= same
            dup[:-1] |= same
            if dup.any():
                dup_rows = out.iloc[order[dup]]
                pairs = list(dup_rows[[county, year]].drop_duplicates().itertuples(index=False))
                raise PanelStructureError(
                    f"{int(dup.sum())} rows share a (county, year) key, for example "
                    f"{describe_values([tuple(_py(v) for v in p) for p in pairs])}; each county may appear once "
                    "a year. Aggregate or drop the duplicates first."
                )
            out = out.take(order).reset_index(drop=True)
        return cls(out, county, year, (c_codes, n_c, y_codes, n_y))

    @classmethod
    def from_xarray(
        cls, ds: xr.Dataset, *, county: str | None = None, year: str | None = None
    ) -> Panel:
        """Build a Panel from a Dataset with dims ``(county, year)``.

        The key dims default to the names recorded by :meth:`to_xarray`, else ``"county"`` and
        ``"year"``. Cells where every variable is missing are absent county-years, not data: they
        are dropped, and the count is announced. A Dataset written by :meth:`to_xarray`
        round-trips exactly.

        Raises
        ------
        InputTypeError
            ``ds`` is not an ``xarray.Dataset`` (use :meth:`from_frame` for a DataFrame).
        PanelStructureError
            A key dim is missing, or the keys fail the checks of :meth:`from_frame`.
        """
        if not isinstance(ds, xr.Dataset):
            hint = " Use Panel.from_frame for a DataFrame." if isinstance(ds, pd.DataFrame) else ""
            if isinstance(ds, xr.DataArray):
                hint = " Convert a DataArray with da.to_dataset(name=...)."
            raise InputTypeError(
                f"Panel.from_xarray(ds=...) expects an xarray.Dataset with dims (county, year), "
                f"got {type(ds).__module__}.{type(ds).__qualname__}.{hint}"
            )
        keys = json.loads(ds.attrs.get(_KEYS_ATTR, "{}"))
        county = county or keys.get("county", "county")
        year = year or keys.get("year", "year")
        for dim in (county, year):
            if dim not in ds.dims:
                raise PanelStructureError(
                    f"dimension {dim!r} not found; the dataset has dims {tuple(ds.dims)}."
                )
        df = ds.to_dataframe().reset_index()
        if _OBSERVED in df.columns:
            keep = df[_OBSERVED].astype(bool).to_numpy()
            df = df.loc[keep].drop(columns=_OBSERVED)
        else:
            data_cols = [c for c in df.columns if c not in (county, year)]
            if data_cols:
                empty = df[data_cols].isna().all(axis=1).to_numpy()
                if empty.any():
                    warnings.warn(
                        f"{int(empty.sum())} county-year cells with every variable missing were "
                        "treated as absent and dropped.",
                        RowsDroppedWarning,
                        stacklevel=2,
                    )
                df = df.loc[~empty]
        dtypes = json.loads(ds.attrs.get(_DTYPES_ATTR, "{}"))
        for col, dtype in dtypes.items():
            if col in df.columns:
                try:
                    df[col] = df[col].astype(dtype)
                except (TypeError, ValueError):
                    pass
        return cls.from_frame(df, county=county, year=year)

    # ------------------------------------------------------------------ export
    def to_frame(self) -> pd.DataFrame:
        """A copy of the long table, sorted by county and year."""
        return self.frame.copy()

    def to_xarray(self) -> xr.Dataset:
        """A Dataset with dims ``(county, year)``; absent county-years are missing.

        The original dtypes are stored in ``attrs`` so that :meth:`from_xarray` restores them.
        """
        indexed = self.frame.set_index([self.county, self.year])
        ds = xr.Dataset.from_dataframe(indexed)
        data_cols = [c for c in self.frame.columns if c not in (self.county, self.year)]
        if not self.is_balanced:
            flag = pd.Series(True, index=indexed.index, name=_OBSERVED)
            ds[_OBSERVED] = xr.DataArray.from_series(flag).fillna(False).astype(bool)
        ds.attrs[_KEYS_ATTR] = json.dumps({"county": self.county, "year": self.year})
        ds.attrs[_DTYPES_ATTR] = json.dumps({c: str(self.frame[c].dtype) for c in data_cols})
        return ds

    # ------------------------------------------------------------------ structure
    @property
    def counties(self) -> pd.Index:
        """The distinct counties, sorted."""
        return pd.Index(pd.unique(self.frame[self.county]), name=self.county)

    @property
    def years(self) -> pd.Index:
        """The distinct years, sorted."""
        return pd.Index(np.sort(self.frame[self.year].unique().astype(np.int64)), name=self.year)

    @property
    def nobs(self) -> int:
        """Number of county-year rows."""
        return len(self.frame)

    @property
    def is_balanced(self) -> bool:
        """True when every county is observed in every year of the panel."""
        return self.nobs == len(self.counties) * len(self.years)

    def gaps(self) -> pd.DataFrame:
        """County-years missing from the panel: one row per absent (county, year).

        Every calendar year from the panel's first to its last is checked, so a year that no county
        has is reported too. Column ``kind`` says whether the year lies ``"inside"`` the county's own first-to-last span
        (a hole) or ``"outside"`` it (the county enters late or leaves early).
        """
        years = self.years
        all_years: IntArray = (
            np.arange(int(years.min()), int(years.max()) + 1, dtype=np.int64)
            if len(years)
            else np.zeros(0, dtype=np.int64)
        )
        full = pd.MultiIndex.from_product(
            [self.counties, all_years], names=[self.county, self.year]
        )
        have = pd.MultiIndex.from_frame(self.frame[[self.county, self.year]])
        missing = full.difference(have, sort=False).to_frame(index=False)
        span = self.frame.groupby(self.county, sort=False)[self.year].agg(["min", "max"])
        lo = missing[self.county].map(span["min"]).to_numpy(dtype=np.int64)
        hi = missing[self.county].map(span["max"]).to_numpy(dtype=np.int64)
        gap_year = missing[self.year].to_numpy(dtype=np.int64)
        inside = (gap_year > lo) & (gap_year < hi)
        kind = pd.array(np.where(inside, "inside", "outside"), dtype="str")
        missing = missing.assign(**{self.year: gap_year}, kind=kind)
        return missing.sort_values([self.county, self.year], kind="stable").reset_index(drop=True)

    def column(self, name: Hashable) -> pd.Series:
        """One column, checked to exist."""
        check_columns(self.frame, [name])
        return self.frame[name].copy()

    def assign(self, **columns: Any) -> Panel:
        """A new Panel with extra or replaced data columns (keys cannot be replaced).

        The frame's metadata (``frame.attrs``, e.g. the units set by ``read_panel``) is kept.
        """
        if self.county in columns or self.year in columns:
            raise PanelStructureError("assign() cannot replace the county or year key columns.")
        if any(callable(v) for v in columns.values()) or any(c in self.frame for c in columns):
            frame = self.frame.assign(**columns)
        else:  # one concatenation instead of an insert per column (no fragmentation)
            extra = pd.DataFrame(columns, index=self.frame.index)
            frame = pd.concat([self.frame, extra], axis=1)
        # metadata such as read_panel's units (frame.attrs["units"]) survives: concat drops it
        frame.attrs = copy.deepcopy(self.frame.attrs)
        return Panel(frame, self.county, self.year, self.key_codes)

    # ------------------------------------------------------------------ within-county operators
    def shift(self, name: str, periods: int) -> pd.Series:
        """Value of ``name`` in year ``t - periods`` of the same county; missing across gaps."""
        col = self.column(name)
        keys = pd.MultiIndex.from_arrays([self.frame[self.county], self.frame[self.year]])
        source = pd.Series(col.to_numpy(), index=keys)
        target = pd.MultiIndex.from_arrays(
            [self.frame[self.county], self.frame[self.year] - periods]
        )
        values = source.reindex(target).to_numpy()
        return pd.Series(values, index=self.frame.index, name=name)

    def lag(self, name: str, periods: int = 1) -> pd.Series:
        """``name`` lagged ``periods`` years within county; a lag across a missing year is missing."""
        return self.shift(name, periods).rename(f"L{periods}.{name}")

    def lead(self, name: str, periods: int = 1) -> pd.Series:
        """``name`` led ``periods`` years within county; missing where that year is absent."""
        return self.shift(name, -periods).rename(f"F{periods}.{name}")

    def diff(self, name: str, periods: int = 1) -> pd.Series:
        """``x_t - x_{t-periods}`` within county; missing where year ``t - periods`` is absent."""
        out = numeric_column(self.frame, name) - self.shift(name, periods)
        return out.rename(f"D{periods}.{name}")

    # ------------------------------------------------------------------ treatment timing
    def cohort(self, treatment: str, *, allow_switch_off: bool = False) -> pd.Series:
        """First treated year per row's county from a 0/1 column; never treated is coded ``0``.

        Raises :class:`~countyeconomy.errors.TreatmentTimingError` when treatment switches off,
        unless ``allow_switch_off=True``.
        """
        return cohort_from_treatment(
            self.frame[self.county],
            self.frame[self.year],
            self.column(treatment),
            allow_switch_off=allow_switch_off,
        )

    def event_time(self, cohort: str) -> pd.Series:
        """``year - cohort`` for each row; missing for never-treated rows (``cohort == 0``).

        Raises :class:`~countyeconomy.errors.TreatmentTimingError` when a cohort is missing or
        not a whole year; warns with :class:`~countyeconomy.errors.YearGapWarning` when a
        calendar year is missing for every county.
        """
        col = self.column(cohort)
        out = event_time_from_cohort(self.frame[self.year], col)
        years = self.frame[self.year].to_numpy(dtype=np.int64)
        warn_year_gaps(years, cohort_values(col, cohort), 3)
        return out

    # ------------------------------------------------------------------ prices
    def deflate(
        self,
        name: str,
        price_index: str | pd.Series | Mapping[int, float],
        *,
        base_year: int,
    ) -> pd.Series:
        """Real value of nominal ``name`` at ``base_year`` prices: ``x_t * P_base / P_t``.

        ``price_index`` is a column of the panel (a county- or province-specific index, rebased per
        county) or a mapping / Series from year to index (one national index).
        """
        from countyeconomy.panel._prices import deflate_series

        return deflate_series(self, name, price_index, base_year=base_year)

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        years = self.years
        span = f"{years.min()}-{years.max()}" if len(years) else "no years"
        kind = "balanced" if self.is_balanced else "unbalanced"
        cols = [c for c in self.frame.columns if c not in (self.county, self.year)]
        return (
            f"<Panel {len(self.counties)} counties x {len(years)} years ({span}), {self.nobs} rows, "
            f"{kind}; keys {self.county!r}, {self.year!r}; columns {describe_values(cols, 8)}>"
        )

    def _repr_html_(self) -> str:
        head = self.frame.head(10).to_html()
        return f"<p>{self.__repr__()[1:-1]}</p>{head}"


def as_panel(
    data: Panel | pd.DataFrame | xr.Dataset,
    county: str | None = None,
    year: str | None = None,
    *,
    who: str = "data",
) -> Panel:
    """The one ingestion step every public function uses: a :class:`Panel` from a Panel, a
    long DataFrame or an xarray Dataset.

    A DataFrame needs its key columns: ``county=`` and ``year=``, or columns literally named
    ``"county"`` and ``"year"``. The result is validated (duplicate, missing and mixed-type keys
    raise :class:`~countyeconomy.errors.PanelStructureError`); the caller's object is never
    modified. ``who`` names the calling function in error messages.

    >>> import pandas as pd
    >>> p = as_panel(pd.DataFrame({"county": [1, 1], "year": [2010, 2011], "y": [1.0, 2.0]}))
    >>> (p.county, p.year, len(p.frame))
    ('county', 'year', 2)
    """
    if isinstance(data, Panel):
        return data
    if isinstance(data, xr.Dataset):
        return Panel.from_xarray(data, county=county, year=year)
    if isinstance(data, pd.DataFrame):
        c = county if county is not None else ("county" if "county" in data.columns else None)
        y = year if year is not None else ("year" if "year" in data.columns else None)
        if c is None or y is None:
            raise PanelStructureError(
                f"{who}: a DataFrame needs its key columns: pass county=... and year=... (or a "
                "countyeconomy.Panel)."
            )
        return Panel.from_frame(data, county=c, year=y)
    raise InputTypeError(
        f"{who}: data must be a countyeconomy.Panel, a pandas DataFrame or an xarray Dataset, got "
        f"{type(data).__module__}.{type(data).__qualname__}."
    )
