"""Named errors and counted warnings of the registry (issue 11), and its layering (issue 10)."""

from __future__ import annotations

import ast
from pathlib import Path

import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import RegistryError
from countyeconomy.registry import Registry, UnmatchedCodesWarning, harmonise


@pytest.fixture(scope="module")
def reg(data_dir: Path) -> Registry:
    return Registry.load()


def test_file_of_prefecture_codes_is_a_registry_error(reg: Registry) -> None:
    df = pd.DataFrame({"code": ["330100", "330100", "330200"], "yr": [2010, 2011, 2010]})
    with pytest.raises(
        RegistryError, match=r"no code in column 'code'.*330100 杭州市 \(prefecture\)"
    ):
        harmonise(df, county="code", year="yr", to_year=2020, registry=reg)


def test_file_of_unknown_codes_is_a_registry_error(reg: Registry) -> None:
    df = pd.DataFrame({"code": ["999999", "999999"], "yr": [2010, 2011], "y": [1.0, 2.0]})
    with pytest.raises(RegistryError, match=r"e\.g\. 999999"):
        harmonise(df, county="code", year="yr", to_year=2020, registry=reg)


def test_codes_above_county_level_are_counted_and_kept(reg: Registry) -> None:
    df = pd.DataFrame({"code": ["330100", "330185"], "yr": [2010, 2010], "y": [1.0, 2.0]})
    with pytest.warns(UnmatchedCodesWarning, match=r"1 row\(s\) hold codes above county level"):
        res = harmonise(df, county="code", year="yr", to_year=2020, registry=reg)
    assert sorted(res.panel.counties.tolist()) == ["330100", "330112"]
    assert res.log.set_index("old_code").at["330100", "kind"] == "not_county_level"


def test_match_is_vectorised_and_ordered(reg: Registry) -> None:
    out = reg.match(pd.Series([330112, "330185", "999999"]), 2020)
    assert out["code"].tolist() == ["330112", "330185", "999999"]
    assert out["found"].tolist() == [True, True, False]
    assert out["in_use"].tolist() == [True, False, False]
    assert out["name"].tolist()[:2] == ["临安区", "临安市"] and pd.isna(out["name"].iat[2])


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_registry_never_imports_datasets() -> None:
    root = Path(ce.__file__).parent / "registry"
    for path in root.glob("*.py"):
        bad = {m for m in _imports(path) if m.startswith("countyeconomy.datasets")}
        assert not bad, f"{path.name} imports {bad}"


def test_no_private_module_of_another_subpackage() -> None:
    root = Path(ce.__file__).parent
    for pkg in ("panel", "registry", "datasets", "indicators", "report"):
        for path in (root / pkg).glob("*.py"):
            for mod in _imports(path):
                parts = mod.split(".")
                if len(parts) >= 3 and parts[0] == "countyeconomy" and parts[1] != pkg:
                    assert not any(p.startswith("_") for p in parts[2:]), f"{path}: {mod}"
