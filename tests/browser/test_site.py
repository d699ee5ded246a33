"""Every page of the built docs site, opened offline in headless Chromium.

Asserts, page by page: no console error or uncaught exception, no failed local request, no
request to anything but the local server, and every altair chart in the page drawn (one
``.marks`` SVG or canvas per chart output). Then that search finds a page.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import Offline

pytestmark = pytest.mark.browser

CHART = re.compile(r'<div id="altair-viz-[^"]*"')
# chart containers in which vega drew its top-level SVG or canvas, and altair's red error boxes
DRAWN = """() => Array.from(document.querySelectorAll('[id^="altair-viz-"]')).filter(chart => {
  const marks = chart.querySelector('svg.marks, canvas.marks');
  const box = marks ? marks.getBoundingClientRect() : {width: 0, height: 0};
  return box.width > 50 && box.height > 50;
}).length"""
FAILED = "() => document.querySelectorAll('[id^=\"altair-viz-\"] .error').length"


def pages(site: Path) -> list[str]:
    """Site-relative URL of every HTML page."""
    urls = []
    for path in sorted(site.rglob("*.html")):
        rel = path.relative_to(site).as_posix()
        urls.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
    return urls


def visit(ctx: Offline, url: str, charts: int) -> list[str]:
    """Open ``url``; the problems found (empty when the page is fine)."""
    problems: list[str] = []
    page = ctx.context.new_page()
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: problems.append(f"uncaught: {exc}"))
    page.on(
        "response",
        lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    try:
        page.goto(url, wait_until="load", timeout=30_000)
        if charts:
            try:
                page.wait_for_function(
                    f"() => ({DRAWN})() >= {charts} || ({FAILED})() > 0", timeout=30_000
                )
            except Exception:  # a timeout: reported below with the counts
                pass
            drawn, failed = page.evaluate(DRAWN), page.evaluate(FAILED)
            if drawn != charts or failed:
                problems.append(f"{drawn} of {charts} charts drawn, {failed} chart errors")
    finally:
        page.close()
    return problems


def test_every_page_offline(site_dir: Path, server: str, offline: Offline) -> None:
    urls = pages(site_dir)
    assert len(urls) > 30, urls
    expected = {
        url: len(CHART.findall((site_dir / url / "index.html").read_text(encoding="utf-8")))
        for url in urls
        if url.startswith("notebooks/")
    }
    started = time.perf_counter()
    failures = {}
    for url in urls:
        problems = visit(offline, f"{server}/{url}", expected.get(url, 0))
        if problems:
            failures[url] = problems
    seconds = time.perf_counter() - started
    print(
        f"{len(urls)} pages, {len(expected)} notebook pages, {sum(expected.values())} charts, "
        f"{seconds:.1f} s"
    )
    assert not offline.outside, f"requests leaving the machine: {sorted(set(offline.outside))}"
    assert not failures, failures
    assert len(expected) >= 10 and sum(expected.values()) >= len(expected), expected


def test_search_finds_pages(server: str, offline: Offline) -> None:
    page = offline.context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/", wait_until="load")
    box = page.locator("input.md-search__input")
    box.press_sequentially("synthetic", delay=20)  # typed: material searches on key events
    results = page.locator(".md-search-result__item")
    results.first.wait_for(state="visible", timeout=20_000)
    titles = " ".join(results.all_inner_texts()).lower()
    assert results.count() >= 2 and "synthetic" in titles, titles
    box.fill("")
    box.press_sequentially("reghdfe", delay=20)
    guide = "() => document.querySelector('.md-search-result__link')?.href.includes('coming-from')"
    try:
        page.wait_for_function(guide, timeout=20_000)
    except Exception:  # a timeout: show what search found instead
        found = page.locator(".md-search-result__link").evaluate_all("ls => ls.map(l => l.href)")
        pytest.fail(f"search for 'reghdfe' did not put the Stata/R guide first: {found}")
    assert not errors and not offline.outside, (errors, offline.outside)


def test_guide_output_is_rendered(site_dir: Path) -> None:
    """The Stata/R guide shows the output its code printed in the build."""
    html = (site_dir / "guides" / "coming-from-stata-r" / "index.html").read_text(encoding="utf-8")
    assert html.count('class="language-text') >= 15 and html.count('class="language-python') >= 20
    assert "Goodman-Bacon decomposition" in html and "Synthetic DID" in html
