"""Word output for a :class:`~countyeconomy.report.Table`: a three-line table via python-docx."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from countyeconomy.errors import InvalidOptionError

if TYPE_CHECKING:
    from countyeconomy.report._paper import Table

__all__ = ["write_docx"]

_THICK, _THIN = 12, 6  # border widths in eighths of a point: 1.5 pt and 0.75 pt


def write_docx(table: Table, path: Path, *, append: bool, font: str, east_asian: str) -> Path:
    """Write ``table`` to ``path`` (appending to an existing document when ``append``)."""
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if path.suffix.lower() != ".docx":
        raise InvalidOptionError(f"to_docx writes a .docx file; got {str(path)!r}.")
    document = docx.Document(str(path)) if append and path.exists() else docx.Document()
    _default_fonts(document, font, east_asian)
    if table.title:
        para = document.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = para.add_run(table.title)
        run.bold = True
        _fonts(run, font, east_asian)
    header = ["", *[str(c) for c in table.body.columns]]
    rows = [(header, "header"), *[([label, *cells], part) for label, cells, part in table.rows()]]
    grid = document.add_table(rows=len(rows), cols=len(header))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    previous = "header"
    for r, (cells, part) in enumerate(rows):
        word_row = grid.rows[r]
        if part == "section":
            merged = word_row.cells[0].merge(word_row.cells[-1])
            _write(merged, cells[0], font, east_asian, left=True, italic=True)
        else:
            for c, text in enumerate(cells):
                _write(word_row.cells[c], text, font, east_asian, left=c == 0)
        edges: dict[str, int] = {}
        if r == 0:
            edges = {"top": _THICK, "bottom": _THIN}
        elif part == "footer" and previous != "footer":
            edges["top"] = _THIN
        if r == len(rows) - 1:
            edges["bottom"] = _THICK
        previous = part
        for cell in word_row.cells:
            _borders(cell, edges)
    for note in table.notes:
        para = document.add_paragraph()
        run = para.add_run(note)
        run.font.size = Pt(9)
        _fonts(run, font, east_asian)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _write(
    cell: Any, text: str, font: str, east_asian: str, *, left: bool, italic: bool = False
) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    para = cell.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.space_before = 0
    para.paragraph_format.space_after = 0
    run = para.add_run(text)
    run.italic = italic or None
    _fonts(run, font, east_asian)


def _fonts(run: Any, font: str, east_asian: str) -> None:
    """Latin font and the East Asian font (``w:eastAsia``) on one run."""
    from docx.oxml.ns import qn

    run.font.name = font
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asian)


def _default_fonts(document: Any, font: str, east_asian: str) -> None:
    from docx.oxml.ns import qn

    normal = document.styles["Normal"]
    normal.font.name = font
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asian)


def _borders(cell: Any, edges: dict[str, int]) -> None:
    """Set the given cell edges to single rules of the given widths."""
    if not edges:
        return
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for edge in ("top", "bottom"):
        if edge not in edges:
            continue
        old = borders.find(qn(f"w:{edge}"))
        if old is not None:
            borders.remove(old)
        rule = OxmlElement(f"w:{edge}")
        rule.set(qn("w:val"), "single")
        rule.set(qn("w:sz"), str(edges[edge]))
        rule.set(qn("w:space"), "0")
        rule.set(qn("w:color"), "000000")
        if edge == "top":
            borders.insert(0, rule)
        else:
            borders.append(rule)
