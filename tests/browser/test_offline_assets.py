"""The docs' offline machinery without a browser: vendored files, the URL rewrite, the guide.

Fast checks that run with the unit tests: the vendored scripts are the recorded bytes, the hook
turns altair's own chart output into local URLs and refuses outside resources, and every row of
the Stata/R guide links to code that the build runs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from types import ModuleType, SimpleNamespace

import altair as alt
import pandas as pd
import pytest

from .conftest import ROOT

VENDOR = ROOT / "docs" / "assets" / "vendor"
GUIDE = ROOT / "docs" / "guides" / "coming-from-stata-r.md"


def _hook(name: str) -> ModuleType:
    pytest.importorskip("mkdocs")
    spec = importlib.util.spec_from_file_location(f"docs_hook_{name}", ROOT / "docs/hooks" / name)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_vendored_files_match_manifest_and_readme() -> None:
    packages = json.loads((VENDOR / "vendor.json").read_text(encoding="utf-8"))["packages"]
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    assert set(packages) == {"vega", "vega-lite", "vega-embed"}
    for name, package in packages.items():
        data = (VENDOR / package["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == package["sha256"], name
        assert f"| {name} | {package['version']} |" in readme and package["sha256"] in readme
        assert (VENDOR / name / "LICENSE").is_file(), name
    # the versions altair asks for: same major versions
    assert packages["vega"]["version"].split(".")[0] == alt.VEGA_VERSION.split(".")[0]
    assert packages["vega-lite"]["version"].split(".")[0] == alt.VEGALITE_VERSION.split(".")[0]
    assert packages["vega-embed"]["version"].split(".")[0] == alt.VEGAEMBED_VERSION.split(".")[0]


def test_hook_serves_altair_output_locally() -> None:
    offline = _hook("offline.py")
    offline.on_config({"docs_dir": str(ROOT / "docs")})
    chart = alt.Chart(pd.DataFrame({"a": [1, 2]})).mark_point().encode(x="a")
    html = chart._repr_mimebundle_()["text/html"]
    assert "cdn.jsdelivr.net" in html  # what a notebook output holds
    page = SimpleNamespace(url="notebooks/01_quickstart/", file=SimpleNamespace(src_uri="nb"))
    out = offline.on_post_page(f"<html><body>{html}</body></html>", page, {})
    assert "cdn.jsdelivr.net" not in out and offline.external_references(out) == []
    for package in ("vega/vega.min.js", "vega-lite/vega-lite.min.js"):
        assert f'"../../assets/vendor/{package}"' in out


def test_hook_refuses_outside_resources() -> None:
    offline = _hook("offline.py")
    offline.on_config({"docs_dir": str(ROOT / "docs")})
    page = SimpleNamespace(url="guides/x/", file=SimpleNamespace(src_uri="guides/x.md"))
    for html in (
        '<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">',
        '<script src="//unpkg.com/mermaid"></script>',
        '<img src="http://example.org/x.png">',
        "<script>import('https://cdnjs.cloudflare.com/ajax/libs/mermaid/11/mermaid.mjs')</script>",
        "<style>@import url(https://fonts.googleapis.com/css2?family=Noto);</style>",
    ):
        with pytest.raises(Exception, match="outside the site"):
            offline.on_post_page(html, page, {})
    # links a reader clicks are fine
    assert offline.on_post_page('<a href="https://github.com/x">x</a>', page, {})


def test_every_guide_row_links_to_code_the_build_runs() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    assert text.startswith("---\nrun_code: true\n---")
    rows = [line for line in text.splitlines() if line.startswith("| `") or line.startswith("| R ")]
    commands = " ".join(rows)
    for name in (
        "reghdfe", "ivreghdfe", "xtreg", "csdid", "did_imputation", "did_multiplegt",
        "eventstudyinteract", "bacondecomp", "boottest", "psmatch2", "honestdid", "xthreg",
        "sgmediation", "sum2docx", "reg2docx", "fixest", "did::att_gt", "HonestDiD",
        "synthdid", "synth", "xsmle", "splm", "triplediff", "contdid",
    ):  # fmt: skip
        assert name in commands, name
    sections = {
        re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", h).strip().lower()): body
        for h, body in re.findall(r"^## ([^\n]+)\n(.*?)(?=^## |\Z)", text, flags=re.M | re.S)
    }
    for row in rows:
        anchor = re.search(r"\[run\]\(#([\w-]+)\)", row)
        assert anchor, f"row without a link to its code: {row}"
        assert "```python" in sections.get(anchor.group(1), ""), anchor.group(1)
    run_code = _hook("run_code.py")
    assert len(run_code.FENCE.findall(text)) >= 18
