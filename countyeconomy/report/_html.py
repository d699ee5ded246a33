"""Self-contained offline HTML pages: tables as HTML, charts as inline SVG (no JavaScript)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from countyeconomy.report._theme import chart_to_svg

__all__ = ["Section", "write_html_page"]

_CSS = """
body{font-family:Helvetica,Arial,'Noto Sans CJK SC',sans-serif;max-width:980px;margin:2em auto;
color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #1f4e79}h2{font-size:1.2em;color:#1f4e79;margin-top:2em}
table.ce-table{border-collapse:collapse;margin:1em 0}table.ce-table th,table.ce-table td{padding:2px 12px;
text-align:center}table.ce-table td:first-child{text-align:left}
table.ce-table thead th{border-top:2px solid #333;border-bottom:1px solid #333}
table.ce-table tbody tr:last-child td{border-bottom:2px solid #333}
.ce-notes{font-size:.85em;color:#555}figure{margin:1em 0}
"""


@dataclass(frozen=True)
class Section:
    """One part of a report: a heading, paragraphs, an HTML table and/or charts."""

    title: str
    paragraphs: Sequence[str] = ()
    table_html: str = ""
    charts: Sequence[Any] = ()


def write_html_page(path: str | Path, title: str, sections: Sequence[Section]) -> Path:
    """Write a self-contained HTML page; charts are rendered to inline SVG offline."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    body = [f"<h1>{html.escape(title)}</h1>"]
    for s in sections:
        body.append(f"<h2>{html.escape(s.title)}</h2>")
        body += [f"<p>{html.escape(p)}</p>" for p in s.paragraphs]
        if s.table_html:
            body.append(s.table_html)
        body += [f"<figure>{chart_to_svg(c)}</figure>" for c in s.charts]
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )
    out.write_text(page, encoding="utf-8")
    return out
