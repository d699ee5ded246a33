"""The built docs site, served on localhost, and headless Chromium driven by Playwright.

Tests marked ``browser`` run only when selected with ``-m browser`` (``make browser``, part of
``make test`` after ``make docs`` has built ``site/``): the plain unit run does not build the
site. They use the site in ``$COUNTYECONOMY_SITE_DIR`` or ``site/``, and build ``site/`` with
``mkdocs build --strict`` first if it is missing or older than the docs sources.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``); Playwright never
downloads a browser. Every request that does not go to the local server is aborted and recorded.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SOURCES = ("mkdocs.yml", "docs", "notebooks")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Browser tests run only when ``-m`` names them (they need the built site)."""
    if "browser" in (config.option.markexpr or ""):
        return
    chosen = [item for item in items if item.get_closest_marker("browser") is None]
    dropped = [item for item in items if item.get_closest_marker("browser") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = chosen


def _newest_source() -> float:
    newest = 0.0
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
        files = [
            p for p in files if "__pycache__" not in p.parts and ".ipynb_checkpoints" not in p.parts
        ]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


@pytest.fixture(scope="session")
def site_dir() -> Path:
    """The built site: ``$COUNTYECONOMY_SITE_DIR``, else ``site/`` (rebuilt when stale)."""
    given = os.environ.get("COUNTYECONOMY_SITE_DIR")
    if given:
        path = Path(given)
        assert (path / "index.html").is_file(), f"COUNTYECONOMY_SITE_DIR={given} holds no site"
        return path
    path = ROOT / "site"
    built = path / "search" / "search_index.json"  # written last, when the build ends
    if not built.is_file() or built.stat().st_mtime < _newest_source():
        subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(path)],
            cwd=ROOT,
            check=True,
            timeout=900,
        )
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalServer(ThreadingHTTPServer):
    """A static server on 127.0.0.1 that ignores clients closing early (a page closed mid-load)."""

    daemon_threads = True

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_QuietHandler, directory=str(directory))
        super().__init__(("127.0.0.1", 0), handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def __enter__(self) -> str:  # type: ignore[override]
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture(scope="session")
def server(site_dir: Path) -> Iterator[str]:
    """``http://127.0.0.1:PORT`` serving the site from a thread."""
    with LocalServer(site_dir) as url:
        yield url


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium, launched through Playwright."""
    missing = pytest.fail if os.environ.get("CI") else pytest.skip  # CI must run them
    if CHROMIUM is None:
        missing("needs Debian chromium (.ci/run installs it)")
    try:
        from playwright import sync_api
    except ImportError:
        missing("needs playwright (the dev extras pin it)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=FLAGS, timeout=60_000
        )
        try:
            yield browser
        finally:
            browser.close()


class Offline:
    """A browser context whose requests may go only to ``origin``; the others are recorded."""

    def __init__(self, browser: Any, origin: str) -> None:
        self.origin = origin
        self.outside: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url: str = route.request.url
        if url.startswith((self.origin + "/", "data:", "blob:")) or url == self.origin:
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def offline(chromium: Any, server: str) -> Iterator[Offline]:
    """A fresh offline browser context on the served site."""
    ctx = Offline(chromium, server)
    try:
        yield ctx
    finally:
        ctx.close()
