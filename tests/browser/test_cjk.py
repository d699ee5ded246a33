"""Chinese labels render as glyphs, not as boxes: in the browser and in vl-convert exports.

A missing glyph is drawn as the same ``.notdef`` box whatever the character, so two different
characters that render to identical pixels mean no font covers them. The tests draw the
characters with the chart theme's font stack and compare the pixels, with two unassigned code
points as the control (they must render identically, or the check proves nothing).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import altair as alt
import pandas as pd
import pytest

from countyeconomy.report import FONT, themed

from .conftest import ROOT, LocalServer, Offline

CJK = ("县", "域", "经", "济")
UNASSIGNED = ("\u0378", "\u0379")  # no font has these: both render as the .notdef box
TITLE = "县域农村居民人均可支配收入"


def chinese_chart() -> Any:
    data = pd.DataFrame({"地区": ["东部", "中部", "西部", "东北"], "收入": [2.1, 1.7, 1.5, 1.8]})
    bars = alt.Chart(data).mark_bar().encode(x=alt.X("地区:N", title="地区"), y="收入:Q")
    return themed(bars.properties(title=TITLE))


@pytest.fixture(scope="module")
def docs_server() -> Iterator[str]:
    """The docs sources (with docs/assets/vendor) on localhost: no site build needed."""
    with LocalServer(ROOT / "docs") as url:
        yield url


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<script src="{base}/assets/vendor/vega/vega.min.js"></script>
<script src="{base}/assets/vendor/vega-lite/vega-lite.min.js"></script>
<script src="{base}/assets/vendor/vega-embed/vega-embed.min.js"></script>
</head><body><div id="vis"></div><script>
window.drawn = vegaEmbed("#vis", {spec}, {{renderer: "svg", actions: false}});
</script></body></html>"""

GLYPHS = """([chars, font]) => chars.map(ch => {
  const c = document.createElement('canvas'); c.width = 64; c.height = 64;
  const g = c.getContext('2d'); g.fillStyle = '#fff'; g.fillRect(0, 0, 64, 64);
  g.fillStyle = '#000'; g.font = '48px ' + font; g.textBaseline = 'top'; g.fillText(ch, 4, 4);
  return c.toDataURL();
})"""


@pytest.mark.browser
def test_chinese_chart_renders_glyphs(chromium: Any, docs_server: str) -> None:
    ctx = Offline(chromium, docs_server)
    try:
        page = ctx.context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.route(
            f"{docs_server}/cjk.html",
            lambda route: route.fulfill(
                content_type="text/html; charset=utf-8",
                body=PAGE.format(base=docs_server, spec=json.dumps(chinese_chart().to_dict())),
            ),
        )
        page.goto(f"{docs_server}/cjk.html", wait_until="load")
        page.wait_for_function("() => document.querySelector('#vis svg.marks')", timeout=30_000)
        texts = page.evaluate(
            """() => Array.from(document.querySelectorAll('#vis svg text')).map(t => ({
                 text: t.textContent, font: t.getAttribute('font-family') || '',
                 size: parseFloat(t.getAttribute('font-size')), width: t.getComputedTextLength()}))"""
        )
        title = next(t for t in texts if t["text"] == TITLE)
        assert "Noto Sans CJK SC" in title["font"], title
        # full-width glyphs: about one em per character
        assert title["width"] > 0.8 * len(TITLE) * title["size"], title
        assert {"东部", "中部", "西部", "东北"} <= {t["text"] for t in texts}
        box_a, box_b, *cjk = page.evaluate(GLYPHS, [[*UNASSIGNED, *CJK], FONT])
        assert box_a == box_b, "control failed: two unassigned code points drew differently"
        assert len(set(cjk)) == len(CJK) and box_a not in cjk, "CJK characters drew as boxes"
        assert not errors and not ctx.outside, (errors, ctx.outside)
    finally:
        ctx.close()


def test_chinese_chart_exports_with_glyphs() -> None:
    """vl-convert's PNG draws distinct glyphs for distinct characters (its fonts are the system's)."""
    vlc = pytest.importorskip("vl_convert")
    from PIL import Image

    def png(ch: str) -> bytes:
        chart = alt.Chart(pd.DataFrame({"t": [ch]})).mark_text(fontSize=40).encode(text="t:N")
        spec = themed(chart, width=60, height=60).to_dict()
        image = Image.open(io.BytesIO(vlc.vegalite_to_png(spec, scale=1))).convert("L")
        return image.tobytes()

    box_a, box_b = png(UNASSIGNED[0]), png(UNASSIGNED[1])
    assert box_a == box_b, "control failed: two unassigned code points drew differently"
    cjk = [png(ch) for ch in CJK[:2]]
    assert cjk[0] != cjk[1] and box_a not in cjk, "vl-convert drew CJK characters as boxes"
    svg = vlc.vegalite_to_svg(chinese_chart().to_dict())
    assert TITLE in svg and "Noto Sans CJK SC" in svg
