"""MkDocs hook: run the Python code of a page marked ``run_code: true`` and show its output.

Every top-level fenced ``python`` block of such a page runs at build time, in order, in one
namespace (as the cells of a notebook), and what it prints is inserted below it as a ``text``
block. A block that raises, or that triggers a ``FutureWarning`` / ``DeprecationWarning`` (a
retired name), fails the build with the block's number and traceback, so the page cannot show
code that does not run. Other warnings are shown in the output.

``run_markdown`` is importable on its own: ``tests/browser/test_guide.py`` runs the same code.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import time
import traceback
import warnings
from typing import Any

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.hooks.run_code")

# a top-level fence: ```python ... ``` at column 0 (blocks inside lists or admonitions are shown only)
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)


class CodeBlockError(Exception):
    """A code block of a ``run_code`` page failed."""


def run_markdown(markdown: str, name: str) -> tuple[str, list[float]]:
    """Run the python blocks of ``markdown``; return it with outputs inserted, and the seconds per block."""
    namespace: dict[str, Any] = {"__name__": "__docs__"}
    parts: list[str] = []
    seconds: list[float] = []
    pos = 0
    for number, match in enumerate(FENCE.finditer(markdown), start=1):
        line = markdown.count("\n", 0, match.start()) + 1
        where = f"{name}, code block {number} (line {line})"
        buffer = io.StringIO()
        start = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(buffer):
            warnings.simplefilter("always")
            try:
                exec(compile(match.group(1), where, "exec"), namespace)
            except Exception as exc:
                raise CodeBlockError(f"{where} failed:\n{traceback.format_exc()}") from exc
        seconds.append(time.perf_counter() - start)
        retired = [w for w in caught if issubclass(w.category, FutureWarning | DeprecationWarning)]
        retired = [w for w in retired if "countyeconomy" in str(w.filename) or w.filename == where]
        if retired:
            raise CodeBlockError(
                f"{where} uses a retired name: {retired[0].category.__name__}: {retired[0].message}"
            )
        shown = [
            f"{w.category.__name__}: {w.message}"
            for w in caught
            if not issubclass(w.category, FutureWarning | DeprecationWarning)
        ]
        output = buffer.getvalue().rstrip()
        if shown:
            output = "\n".join([output, *dict.fromkeys(shown)]).strip()
        parts.append(markdown[pos : match.end()])
        if output:
            parts.append(f"\n\n```text\n{output}\n```")
        pos = match.end()
    parts.append(markdown[pos:])
    return "".join(parts), seconds


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Run the code of pages whose front matter says ``run_code: true``."""
    if not page.meta.get("run_code"):
        return markdown
    try:
        rendered, seconds = run_markdown(markdown, page.file.src_uri)
    except CodeBlockError as exc:
        raise PluginError(str(exc)) from exc
    log.info(
        "%s: ran %d code blocks in %.1f s (slowest %.1f s)",
        page.file.src_uri,
        len(seconds),
        sum(seconds),
        max(seconds, default=0.0),
    )
    return rendered
