"""The one table object of a paper: descriptive, correlation, balance and regression tables.

A :class:`Table` holds the cells as text (what the reader sees) and the numbers behind them; it
renders to a DataFrame, HTML, Markdown, LaTeX (booktabs, threeparttable) and Word (python-docx).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import InvalidOptionError

__all__ = ["HIDDEN", "STARS", "Table", "star_legend", "stars_for"]

HIDDEN = "\u200b"
"""Prefix of a row label that is not shown (the standard-error row under a coefficient)."""

STARS: tuple[float, ...] = (0.1, 0.05, 0.01)
"""Default significance levels for one, two and three stars."""

_FRAMES = ("body", "footer", "data")


def stars_for(p: float, levels: Sequence[float] = STARS) -> str:
    """Stars for a p-value: one per level it is below (``""`` for a missing p-value).

    >>> stars_for(0.03), stars_for(0.2), stars_for(float("nan"))
    ('**', '', '')
    """
    if p is None or not np.isfinite(p):
        return ""
    return "*" * sum(p < lv for lv in levels)


def star_legend(levels: Sequence[float] = STARS) -> str:
    """The note that explains the stars, e.g. ``"* p<0.1, ** p<0.05, *** p<0.01."``.

    >>> star_legend()
    '* p<0.1, ** p<0.05, *** p<0.01.'
    """
    check_stars(levels)
    ordered = sorted(levels, reverse=True)
    return ", ".join(f"{'*' * (i + 1)} p<{lv:g}" for i, lv in enumerate(ordered)) + "."


def check_stars(levels: Sequence[float]) -> None:
    """Raise :class:`InvalidOptionError` unless ``levels`` are distinct numbers in (0, 1)."""
    try:
        vals = [float(v) for v in levels]
    except (TypeError, ValueError):
        raise InvalidOptionError(
            f"stars={levels!r}: give significance levels, e.g. stars=(0.1, 0.05, 0.01)."
        ) from None
    if not all(0 < v < 1 for v in vals) or len(set(vals)) != len(vals):
        raise InvalidOptionError(
            f"stars={levels!r}: levels must be distinct numbers in (0, 1), e.g. (0.1, 0.05, 0.01)."
        )


def shown(label: object) -> str:
    """The text a row label shows: hidden rows (standard errors) are blank."""
    text = str(label)
    return "" if text.startswith(HIDDEN) else text


@dataclass(frozen=True, eq=False)
class Table:
    """A paper table: text cells, the numbers behind them, notes, a caption and a label.

    Every table builder returns one: :func:`countyeconomy.table` (regressions),
    :func:`countyeconomy.describe` (Table 1), :func:`countyeconomy.correlation_table` and
    :func:`countyeconomy.balance_table`. It is immutable: the frames it hands out are copies, and
    :func:`dataclasses.replace` gives a table with another ``title`` or ``notes``.

    Attributes
    ----------
    body
        The main rows: text cells, row labels as the index, column labels as the columns. A
        label starting with a zero-width space (``HIDDEN``) is printed blank (standard errors).
    footer
        Rows under a rule with the same columns (fixed effects, observations, R²); may be empty.
    notes
        Lines printed under the table (star legend, standard errors, flags).
    title
        The caption.
    label
        The LaTeX ``\\label`` key, e.g. ``"tab:regression"``.
    data
        The numbers behind the cells (estimates, standard errors, statistics, p-values), for
        computation rather than display.
    sections
        Positions of body rows that head a section (``"Panel A: ..."``); their cells are empty.

    Examples
    --------
    >>> import pandas as pd
    >>> t = Table(pd.DataFrame({"Mean": ["1.000"]}, index=["收入 (yuan)"]), notes=("A note.",))
    >>> print(t.to_markdown())
    | | Mean |
    |---|---|
    | 收入 (yuan) | 1.000 |
    <BLANKLINE>
    A note.
    """

    body: pd.DataFrame
    footer: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: tuple[str, ...] = ()
    title: str = ""
    label: str = ""
    data: pd.DataFrame = field(default_factory=pd.DataFrame)
    sections: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        body = _text_frame(self.body)
        footer = self.footer
        if footer.empty and len(footer.columns) == 0:
            footer = pd.DataFrame(columns=body.columns, dtype=object)
        footer = _text_frame(footer)
        if list(footer.columns) != list(body.columns):
            raise InvalidOptionError(
                f"the footer's columns {list(footer.columns)} differ from the body's "
                f"{list(body.columns)}; a table has one set of columns."
            )
        notes = (self.notes,) if isinstance(self.notes, str) else tuple(map(str, self.notes))
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "footer", footer)
        object.__setattr__(self, "data", self.data.copy(deep=True))
        object.__setattr__(self, "notes", tuple(n for n in notes if n))
        object.__setattr__(self, "sections", tuple(int(i) for i in self.sections))

    def __getattribute__(self, name: str) -> Any:
        value = object.__getattribute__(self, name)
        if name in _FRAMES:  # copy-on-write views: editing one never changes the table
            return value.copy(deep=False)
        return value

    # ------------------------------------------------------------------ plain forms
    def to_frame(self) -> pd.DataFrame:
        """Body and footer stacked into one DataFrame of text cells."""
        if self.footer.empty:
            return self.body
        return pd.concat([self.body, self.footer])

    def rows(self) -> list[tuple[str, list[str], str]]:
        """Every row as ``(label shown, cells, part)``; part is body, section or footer."""
        out: list[tuple[str, list[str], str]] = []
        heads = set(self.sections)
        for i, (idx, row) in enumerate(self.body.iterrows()):
            out.append((shown(idx), [str(v) for v in row], "section" if i in heads else "body"))
        for idx, row in self.footer.iterrows():
            out.append((shown(idx), [str(v) for v in row], "footer"))
        return out

    def to_markdown(self) -> str:
        """A Markdown (pipe) table, then the notes."""
        cols = [str(c) for c in self.body.columns]
        lines = ["| | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
        for label, cells, part in self.rows():
            text = f"*{label}*" if part == "section" else label
            lines.append(f"| {text} | " + " | ".join(cells) + " |")
        return "\n".join([*lines, "", *self.notes]).rstrip("\n")

    def to_html(self) -> str:
        """An HTML table (class ``ce-table``) with a caption and the notes below."""
        cols = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.body.columns)
        caption = f"<caption>{html.escape(self.title)}</caption>" if self.title else ""
        parts = [f"<table class='ce-table'>{caption}<thead><tr><th></th>{cols}</tr></thead><tbody>"]
        previous = "body"
        for label, cells, part in self.rows():
            style = " style='border-top:1px solid #333'" if part == "footer" != previous else ""
            previous = part
            if part == "section":
                span = len(cells) + 1
                parts.append(
                    f"<tr><td colspan='{span}'{style}><em>{html.escape(label)}</em></td></tr>"
                )
                continue
            tds = "".join(f"<td{style}>{html.escape(c)}</td>" for c in cells)
            parts.append(f"<tr><td{style}>{html.escape(label)}</td>{tds}</tr>")
        parts.append("</tbody></table>")
        parts += [f"<p class='ce-notes'>{html.escape(n)}</p>" for n in self.notes]
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        frame = self.to_frame()
        frame.index = pd.Index([shown(i) for i in frame.index])
        head = f"{self.title}\n" if self.title else ""
        return head + frame.to_string() + ("\n" + "\n".join(self.notes) if self.notes else "")

    def __repr__(self) -> str:
        n, k = self.body.shape
        return f"<Table {self.title or 'untitled'!r}: {n} body rows x {k} columns>"

    # ------------------------------------------------------------------ paper forms
    def to_latex(
        self, *, caption: str | None = None, label: str | None = None, standalone: bool = False
    ) -> str:
        """LaTeX: booktabs rules, a caption and label, and threeparttable notes that print.

        Every label and cell is escaped (``province^year``, ``%``, ``_``, ``&``, ``#``, ``$``).
        The table needs ``\\usepackage{booktabs,threeparttable}``; with ``standalone=True`` the
        result is a whole document with that preamble (and ``ctex`` when a label is Chinese,
        which then compiles with xelatex).

        Parameters
        ----------
        caption, label
            Override :attr:`title` and :attr:`label`.
        standalone
            Return a compilable document rather than a ``table`` environment.
        """
        from countyeconomy.report._latex import render_latex

        return render_latex(
            self,
            caption=self.title if caption is None else caption,
            label=self.label if label is None else label,
            standalone=standalone,
        )

    def to_docx(
        self,
        path: str | Path,
        *,
        append: bool = False,
        font: str = "Times New Roman",
        east_asian_font: str = "SimSun",
    ) -> Path:
        """Write a three-line (booktabs-style) Word table with the caption and notes.

        Rules: above and below the header, above the footer, and below the last row. Chinese
        text uses ``east_asian_font`` (the run's East Asian font, ``w:eastAsia``), other text
        ``font``.

        Parameters
        ----------
        path
            The ``.docx`` file to write.
        append
            Add the table at the end of an existing ``path`` (Table 1 to Table N in one file)
            instead of replacing it.
        font, east_asian_font
            Fonts for Latin and for Chinese characters (宋体 is ``"SimSun"``).

        Returns
        -------
        pathlib.Path
            The file written.
        """
        from countyeconomy.report._docx import write_docx

        return write_docx(self, Path(path), append=append, font=font, east_asian=east_asian_font)


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with string cells, string row labels and string column labels."""
    if not isinstance(frame, pd.DataFrame):
        raise InvalidOptionError(f"a Table's body and footer are DataFrames, got {type(frame)}.")
    out = frame.astype(object).where(frame.notna(), "").map(str)
    out.index = pd.Index([str(i) for i in frame.index], dtype=object)
    out.columns = pd.Index([str(c) for c in frame.columns], dtype=object)
    return out
