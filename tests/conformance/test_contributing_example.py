"""The worked example of docs/guides/contributing.md runs as printed.

The guide's first Python block is the estimator module, its third block the test file. Here the
module is imported from a temporary directory (as ``countyeconomy.fd_did`` for the test file), its
docstring examples and the guide's tests are run, and its result goes through the main contract
checks, so the guide cannot drift from the library.
"""

from __future__ import annotations

import doctest
import importlib
import pickle
import re
import sys
from pathlib import Path
from typing import Any

import pytest

import countyeconomy as ce
from countyeconomy import results as contract
from tests.conformance.test_protocol import reach_of, same

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "contributing.md"

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.DOTALL)


@pytest.fixture
def example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    (tmp_path / "first_difference_example.py").write_text(blocks()[0], encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    module = importlib.import_module("first_difference_example")
    monkeypatch.setattr(ce, "fd_did", module.fd_did, raising=False)
    yield module
    sys.modules.pop("first_difference_example", None)


def test_the_guide_has_the_three_blocks() -> None:
    module, registry, tests = blocks()[:3]
    assert "def fd_did(" in module and "EventStudyEstimator(" in registry and "def test_" in tests


def test_module_docstring_examples_run(example: Any) -> None:
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    failed, attempted = doctest.testmod(example, optionflags=flags, verbose=False)
    assert attempted and not failed


def test_the_guides_test_file_passes(example: Any) -> None:
    namespace: dict[str, Any] = {}
    exec(compile(blocks()[2], "test_first_difference.py", "exec"), namespace)
    ran = 0
    for name, fn in namespace.items():
        if not name.startswith("test_") or not callable(fn):
            continue
        marks = [m for m in getattr(fn, "pytestmark", []) if m.name == "parametrize"]
        if marks:
            argname, values = marks[0].args
            for v in values:
                fn(**{argname: v})
        else:
            fn()
        ran += 1
    assert ran >= 2


def test_the_example_meets_the_contract(example: Any) -> None:
    sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=120)
    res = example.fd_did(sim.panel, "log_rural_income", "first_treated", window=(-2, 2))
    assert isinstance(res, contract.EstimateResult)
    assert isinstance(res.info, contract.FitInfo) and res.info.method == "fd_did"
    reach = reach_of(res)
    assert not reach.mutable and not reach.callables and not reach.foreign
    assert not [p for p, a in reach.arrays if a.flags.writeable]
    back = pickle.loads(pickle.dumps(res))
    same(res.to_frame(), back.to_frame())
    same(res.info, back.info, "info")
    with pytest.raises(ce.CountyEconomyError, match="not_there"):
        example.fd_did(sim.panel, "not_there", "first_treated")
