"""The API reference (docs/api/*.md, rendered by mkdocstrings) matches the code.

Every name in ``countyeconomy.__all__`` is documented on some API page (a ``::: path`` directive
resolving to the same object, or for a module, a directive inside it), and no page documents a
private module. Runs without building the site.
"""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import countyeconomy as ce

API = Path(__file__).resolve().parents[2] / "docs" / "api"
DIRECTIVE = re.compile(r"^:::\s+([\w.]+)\s*$", flags=re.MULTILINE)


def directives() -> dict[str, list[str]]:
    """``::: path`` directives per API page."""
    return {
        p.name: DIRECTIVE.findall(p.read_text(encoding="utf-8")) for p in sorted(API.glob("*.md"))
    }


def resolve(path: str) -> Any:
    """The object a mkdocstrings identifier names (module, or attribute of a module)."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(path)


def documented() -> tuple[list[Any], list[str]]:
    """Objects documented on the API pages (a module counts with its members), and all paths."""
    objects: list[Any] = []
    paths = [d for ds in directives().values() for d in ds]
    for path in paths:
        obj = resolve(path)
        objects.append(obj)
        if isinstance(obj, ModuleType):
            objects += [v for k, v in vars(obj).items() if not k.startswith("_")]
    return objects, paths


def test_pages_have_directives() -> None:
    found = directives()
    assert "results.md" in found and len(found) >= 8
    assert sum(map(len, found.values())) > 50


@pytest.mark.parametrize("page", sorted(directives()))
def test_directives_resolve_and_are_public(page: str) -> None:
    for path in directives()[page]:
        private = [p for p in path.split(".") if p.startswith("_")]
        assert not private, f"{page}: {path} documents a private module or name"
        resolve(path)


def test_every_public_name_is_documented() -> None:
    objects, paths = documented()
    ids = {id(o) for o in objects}
    missing = []
    for name in ce.__all__:
        if name == "__version__":
            continue
        obj = getattr(ce, name)
        if inspect.ismodule(obj):
            ok = any(p == obj.__name__ or p.startswith(obj.__name__ + ".") for p in paths)
        else:
            ok = id(obj) in ids or id(inspect.unwrap(obj)) in {
                id(inspect.unwrap(o)) for o in objects if callable(o)
            }
        if not ok:
            missing.append(name)
    assert not missing, f"public names with no docs/api page: {missing}"
