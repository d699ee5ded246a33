"""One chart theme, applied per chart (no global state), and offline export through vl-convert."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from countyeconomy.errors import InvalidOptionError

if TYPE_CHECKING:
    import altair as alt

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
FONT_FAMILIES = (
    "Helvetica",
    "Arial",
    # Simplified Chinese: Noto Sans CJK SC (Debian fonts-noto-cjk, installed by .ci/run), its
    # Adobe twin Source Han Sans SC, then the macOS and Windows system fonts, then Linux fallbacks
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "PingFang SC",
    "Microsoft YaHei",
    "WenQuanYi Micro Hei",
    "sans-serif",
)
"""The font families of every countyeconomy chart, in order of preference (CJK fonts included)."""
FONT = ", ".join(f if f == "sans-serif" or " " not in f else f"'{f}'" for f in FONT_FAMILIES)
"""The font stack of every countyeconomy chart, as a CSS ``font-family`` value."""
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
