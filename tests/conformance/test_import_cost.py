"""``import countyeconomy`` stays light: the heavy optional pieces load on first use.

altair (charts), statsmodels (the PSM logit), scipy.stats / optimize / spatial / interpolate /
special and formulaic are imported inside the functions that use them, so importing the package
does not pay for them. Each check runs in a fresh interpreter (the test process has long imported
them). No timings here: the cost is asserted through ``sys.modules``.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "countyeconomy"

LAZY = (
    "altair",
    "statsmodels",
    "scipy.stats",
    "scipy.optimize",
    "scipy.spatial",
    "scipy.interpolate",
    "scipy.special",
    "formulaic",
)
"""Modules that ``import countyeconomy`` must not load."""

TOP_LEVEL_BANNED = ("altair", "statsmodels", "scipy.stats", "formulaic")
"""Packages no countyeconomy module may import at module level (outside ``TYPE_CHECKING``)."""


def _run(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    env = dict(os.environ)
    root = str(PACKAGE.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


_LOADED = f"""
import json, sys
def loaded():
    return sorted(m for m in {LAZY!r} if m in sys.modules)
"""


def test_import_loads_none_of_the_heavy_modules() -> None:
    got = _run(
        _LOADED
        + "import countyeconomy\n"
        + "print(json.dumps({'file': countyeconomy.__file__, 'loaded': loaded()}))"
    )
    assert Path(str(got["file"])).resolve().parent == PACKAGE
    assert got["loaded"] == []


def test_chart_after_import_loads_altair_and_carries_the_theme() -> None:
    got = _run(
        _LOADED
        + """
import pandas as pd
import countyeconomy as ce
frame = pd.DataFrame({"year": [2010, 2011, 2010, 2011], "y": [1.0, 2.0, 1.5, 2.5],
                      "cohort": ["a", "a", "b", "b"]})
spec = ce.report.trend_chart(frame, x="year", y="y", color="cohort").to_dict()
print(json.dumps({"loaded": loaded(), "config": spec["config"],
                  "font": ce.report.FONT, "palette": list(ce.report.PALETTE)}))
"""
    )
    assert "altair" in got["loaded"]  # type: ignore[operator]
    config = got["config"]
    assert isinstance(config, dict)
    assert config["font"] == got["font"]
    assert config["range"]["category"] == got["palette"]
    assert config["background"] == "white"


def test_fit_and_psm_load_their_dependencies_on_first_use() -> None:
    got = _run(
        _LOADED
        + """
import warnings
import numpy as np
import pandas as pd
import countyeconomy as ce
rng = np.random.default_rng(0)
n = 120
x1 = rng.normal(size=n)
treated = rng.random(n) < 1 / (1 + np.exp(-x1))
rows = [(f"c{i:03d}", t, x1[i], int(treated[i] and t >= 2013),
         0.2 * x1[i] + 0.1 * (treated[i] and t >= 2013) + rng.normal(scale=0.05))
        for i in range(n) for t in range(2010, 2016)]
df = pd.DataFrame(rows, columns=["county", "year", "x1", "d", "y"])
before = loaded()
fit = ce.twfe(df, "y ~ d + C(x1 > 0)")
fit.pvalues
after_fit = loaded()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    ce.psm_did(df, "y", "d", ["x1"], county="county", year="year")
print(json.dumps({"before": before, "after_fit": after_fit, "after_psm": loaded()}))
"""
    )
    assert got["before"] == []
    assert {"formulaic", "scipy.stats"} <= set(got["after_fit"])  # type: ignore[call-overload]
    assert "statsmodels" not in got["after_fit"]  # type: ignore[operator]
    assert "statsmodels" in got["after_psm"]  # type: ignore[operator]


def _top_level_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """``(line, module)`` of every import executed at module level (``TYPE_CHECKING`` aside)."""
    found: list[tuple[int, str]] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.extend((node.lineno, a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((node.lineno, node.module))
                found.extend((node.lineno, f"{node.module}.{a.name}") for a in node.names)
            elif isinstance(node, ast.If):
                test = node.test
                name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", "")
                if name != "TYPE_CHECKING":
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
                visit(node.orelse)
                visit(node.finalbody)

    visit(tree.body)
    return found


@pytest.mark.parametrize("banned", TOP_LEVEL_BANNED)
def test_no_module_imports_heavy_packages_at_top_level(banned: str) -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module in _top_level_imports(tree):
            if module == banned or module.startswith(banned + "."):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {module}")
    assert offenders == [], (
        f"import {banned} inside the function that needs it (and under TYPE_CHECKING for "
        f"annotations): {offenders}"
    )
