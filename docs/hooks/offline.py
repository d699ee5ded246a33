"""MkDocs hook: the site loads nothing from outside itself.

altair writes CDN URLs (``https://cdn.jsdelivr.net/npm/vega@6?noext`` ...) into every chart output,
and nbconvert's notebook template carries a mermaid loader from cdnjs and an empty MathJax tag. This
hook rewrites the vega URLs to the copies vendored in ``docs/assets/vendor/`` (see its README),
drops the unused loaders, and fails the build if a page still refers to an outside resource.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.utils import get_relative_url

log = logging.getLogger("mkdocs.hooks.offline")

_VENDOR: dict[str, dict[str, str]] = {}

# altair's loader paths: vega@6, vega-lite@6.4.1, vega-embed@7, and a legacy "vega-lib" entry
_CDN_VEGA = re.compile(
    r"https://cdn\.jsdelivr\.net/npm/(vega-embed|vega-lite|vega-lib|vega)(?:@([0-9][^?\"'\s]*))?"
    r"(?:\?noext)?"
)
# nbconvert's lab template: a module script that imports mermaid (only if a diagram is present)
_MERMAID_LOADER = re.compile(
    r"<script type=\"module\">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*?</script>", re.S
)
# mkdocs-jupyter with no MathJax URL: ``<script src=""> </script>``
_EMPTY_SCRIPT = re.compile(r"<script src=\"\"\s*>\s*</script>")
# a resource (not a link a reader clicks) fetched from another origin
_EXTERNAL_RESOURCE = re.compile(
    r"<(script|link|img|iframe|source|video|audio|embed|object|track)\b[^>]*?"
    r"\b(src|href|data|srcset)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]+)",
    re.I,
)
_CSS_IMPORT = re.compile(r"(?:@import|url\()\s*[\"']?((?:https?:)?//[^\"')\s]+)", re.I)
_CDN_HOSTS = (
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "unpkg.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "esm.sh",
    "cdn.plot.ly",
    "code.jquery.com",
)


def _major(version: str) -> str:
    return version.split(".", 1)[0]


def on_config(config: Any) -> Any:
    """Read the vendored versions and check they are the ones altair asks for."""
    manifest = Path(config["docs_dir"]) / "assets" / "vendor" / "vendor.json"
    packages: dict[str, dict[str, str]] = json.loads(manifest.read_text(encoding="utf-8"))[
        "packages"
    ]
    _VENDOR.clear()
    _VENDOR.update(packages)
    try:
        import altair as alt
    except ImportError:  # pragma: no cover - altair is a runtime dependency
        return config
    wanted = {
        "vega": alt.VEGA_VERSION,
        "vega-lite": alt.VEGALITE_VERSION,
        "vega-embed": alt.VEGAEMBED_VERSION,
    }
    for name, version in wanted.items():
        have = packages[name]["version"]
        if _major(version) != _major(have):
            raise PluginError(
                f"altair {alt.__version__} asks for {name}@{version}, but docs/assets/vendor holds "
                f"{name} {have}: re-vendor it (docs/assets/vendor/README.md)."
            )
    return config


def _local_url(match: re.Match[str], page_url: str) -> str:
    name = "vega" if match.group(1) == "vega-lib" else match.group(1)
    package = _VENDOR[name]
    asked = match.group(2)
    if asked is not None and _major(asked) != _major(package["version"]):
        raise PluginError(
            f"a chart asks for {name}@{asked}, but docs/assets/vendor holds {name} "
            f"{package['version']}: re-vendor it (docs/assets/vendor/README.md)."
        )
    return get_relative_url(f"assets/vendor/{package['file']}", page_url)


def external_references(html: str) -> list[str]:
    """Outside resources a page would fetch: resource tags, CSS imports, CDN hosts in scripts."""
    found = [m.group(3) for m in _EXTERNAL_RESOURCE.finditer(html)]
    for style in re.findall(r"<style\b[^>]*>(.*?)</style>", html, flags=re.S | re.I):
        found += _CSS_IMPORT.findall(style)
    for script in re.findall(r"<script\b[^>]*>(.*?)</script>", html, flags=re.S | re.I):
        found += [host for host in _CDN_HOSTS if host in script]
    return found


def on_post_page(output: str, page: Any, config: Any) -> str:
    """Serve vega from the site, drop unused outside loaders, refuse any outside resource."""
    url = page.url or "."
    output = _CDN_VEGA.sub(lambda m: _local_url(m, url), output)
    if '<div class="jp-Mermaid">' in output:
        raise PluginError(
            f"{page.file.src_uri}: a notebook output holds a mermaid diagram, which would load "
            "mermaid from a CDN; vendor mermaid into docs/assets/vendor first."
        )
    output = _MERMAID_LOADER.sub("", output)
    output = _EMPTY_SCRIPT.sub("", output)
    outside = external_references(output)
    if outside:
        raise PluginError(
            f"{page.file.src_uri} loads resources from outside the site: {sorted(set(outside))}. "
            "Vendor them into docs/assets/vendor (the site must work offline)."
        )
    return output
