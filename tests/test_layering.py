"""Layering rules that import-linter's layer contract does not state on its own (ARCHITECTURE.md).

1. No module imports another subpackage's private module: ``countyeconomy.X._y`` may be imported
   only from inside ``countyeconomy.X`` (its parent package). Top-level private modules
   (``countyeconomy._typing``, ``_deprecate``, ``_codes``) have ``countyeconomy`` as parent, so
   every module may use them. Imports inside functions and under ``TYPE_CHECKING`` count.
2. No package binds a submodule's name to anything but that submodule: after importing,
   ``getattr(package, name)`` is the submodule for every submodule ``name``. (A subpackage
   ``__init__`` exporting a function ``twfe`` would hide the module ``twfe.py``.) The top-level
   ``countyeconomy/__init__.py`` is the one place allowed to export functions named like modules.

The layer order itself is import-linter's contract in ``pyproject.toml`` (``make lint``).
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import types
from pathlib import Path

import pytest

import countyeconomy

ROOT = Path(countyeconomy.__file__).resolve().parent
PACKAGE = "countyeconomy"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _exists(module: str) -> bool:
    """Whether ``module`` (dotted, inside countyeconomy) is a module or package on disk."""
    rel = Path(*module.split(".")[1:])
    base = ROOT / rel
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _private_parent(module: str) -> str | None:
    """The package owning the first private component of ``module`` (None if none is private)."""
    parts = module.split(".")
    for i, part in enumerate(parts[1:], start=1):
        if part.startswith("_") and not part.startswith("__"):
            return ".".join(parts[:i])
    return None


def _imported_modules(tree: ast.AST, importer: str, is_package: bool) -> list[tuple[int, str]]:
    """(line, module) for every countyeconomy module a file imports, relative imports resolved."""
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith(PACKAGE)]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = importer.split(".")
                if not is_package:
                    base = base[:-1]
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not (target == PACKAGE or target.startswith(PACKAGE + ".")):
                continue
            out.append((node.lineno, target))
            # `from countyeconomy.panel import _validate` imports a module too
            out += [
                (node.lineno, f"{target}.{a.name}")
                for a in node.names
                if _exists(f"{target}.{a.name}")
            ]
    return out


def private_import_violations() -> list[str]:
    """``file:line: importer -> private module`` for every cross-package private import."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        importer = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported_modules(tree, importer, _is_package(path)):
            parent = _private_parent(module)
            if parent is None or importer == parent or importer.startswith(parent + "."):
                continue
            rel = path.relative_to(ROOT.parent)
            found.append(f"{rel}:{line}: {importer} imports {module}")
    return sorted(set(found))


def test_no_private_module_of_another_package_is_imported() -> None:
    violations = private_import_violations()
    assert not violations, (
        "import public names from the subpackage's __init__ instead of its private modules:\n"
        + "\n".join(violations)
    )


def _packages() -> list[str]:
    names = [PACKAGE]
    for info in pkgutil.walk_packages(countyeconomy.__path__, prefix=PACKAGE + "."):
        if info.ispkg:
            names.append(info.name)
    return names


@pytest.mark.parametrize("package", _packages())
def test_submodules_are_not_shadowed(package: str) -> None:
    pkg = importlib.import_module(package)
    shadowed = []
    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"{package}.{info.name}")
        bound = getattr(pkg, info.name)
        if bound is not module:
            kind = type(bound).__name__
            shadowed.append(f"{package}.{info.name} is bound to a {kind}, not the module")
    if package == PACKAGE:
        # the top-level package may export functions named like modules (ce.twfe is the
        # function; ce.estimators.twfe stays the module); it may not hide a subpackage
        shadowed = [
            s
            for s in shadowed
            if not isinstance(getattr(pkg, s.split(" ")[0].rsplit(".", 1)[1]), types.FunctionType)
        ]
    assert not shadowed, "\n".join(shadowed)


def test_the_walk_sees_the_package() -> None:
    """Guard against the checks passing vacuously."""
    assert len(list(ROOT.rglob("*.py"))) > 50
    assert "countyeconomy.estimators.staggered" in _packages()
