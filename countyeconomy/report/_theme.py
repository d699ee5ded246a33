"""One chart theme, applied per chart (no global state), and offline export through vl-convert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt

from countyeconomy.errors import InvalidOptionError

__all__ = ["PALETTE", "chart_to_svg", "save_chart", "themed"]

PALETTE = (
    "#1f4e79",
    "#c0392b",
    "#2e8b57",
    "#d68910",
    "#6c3483",
    "#5d6d7e",
    "#117a65",
    "#a04000",
    "#2874a6",
    "#7d6608",
)
FONT = "Helvetica, Arial, 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif"
"""The font stack of every countyeconomy chart (CJK fonts included)."""
_FONT = FONT


def themed(chart: Any, *, width: int = 420, height: int = 260) -> Any:
    """Apply the countyeconomy look (fonts, axis style, palette, size) to an altair chart."""
    return (
        chart.properties(width=width, height=height)
        .configure(font=_FONT, background="white")
        .configure_axis(labelFontSize=11, titleFontSize=12, grid=True, gridColor="#e5e5e5")
        .configure_legend(labelFontSize=11, titleFontSize=11)
        .configure_range(category=list(PALETTE))
        .configure_view(stroke=None)
    )


def chart_to_svg(chart: alt.TopLevelMixin) -> str:
    """Render a chart to an SVG string offline (no JavaScript, no network)."""
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(chart.to_dict())
    return svg


def save_chart(chart: alt.TopLevelMixin, path: str | Path, *, scale: float = 2.0) -> Path:
    """Write ``chart`` to ``path`` as PNG or SVG (by suffix), offline through vl-convert."""
    import vl_convert as vlc

    out = Path(path)
    spec = chart.to_dict()
    if out.suffix.lower() == ".svg":
        out.write_text(vlc.vegalite_to_svg(spec), encoding="utf-8")
    elif out.suffix.lower() == ".png":
        out.write_bytes(vlc.vegalite_to_png(spec, scale=scale))
    else:
        raise InvalidOptionError(f"save_chart writes .png or .svg files, got {out.suffix!r}.")
    return out
