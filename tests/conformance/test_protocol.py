"""The result contract (ARCHITECTURE.md, docs/guides/conventions.md) over every public estimator.

The public estimators and post-estimation functions are found from ``countyeconomy.__all__``;
``tests/conformance/_cases.py`` says how to call each. A new public function without a case
fails :func:`test_every_public_estimator_has_a_case`, so the checks below cannot be forgotten:

- the result satisfies ``countyeconomy.results.EstimateResult`` (``info`` is one ``FitInfo``
  naming the function) or, for post-estimation, ``PostEstimationResult``;
- it is deeply immutable: every numpy array reachable from its dataclass fields is read-only,
  every mapping refuses item assignment, there are no lists, dicts or sets, no functions or
  executors, no reference to the caller's DataFrame, and changing a returned DataFrame or Series
  never changes the result;
- it pickles, and the round trip gives an equal result (``to_frame()`` and ``info``);
- the same call (and the same ``SeedSequence`` object) gives the same numbers, the seed object
  is not consumed, and the input frame is not mutated;
- ``with_vcov`` recomputes the covariance where one applies, leaving the original untouched;
- a missing column raises a ``CountyEconomyError`` naming it.
"""

from __future__ import annotations

import dataclasses
import functools
import pickle
import types
from collections.abc import Mapping
from concurrent.futures import Executor
from typing import Any

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy import results as contract
from tests.conformance._cases import (
    CASES,
    MISSING,
    NOT_ESTIMATORS,
    POST_ESTIMATION,
    SEED,
    Case,
    panel,
    public_functions,
)

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

NAMES = sorted(CASES)


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return panel()


@functools.cache
def fitted(name: str) -> Any:
    """Each case fitted once per test process (the checks below only read the result)."""
    return CASES[name].fit(panel(), "y")


# --------------------------------------------------------------------------------------------
# enumeration


def test_every_public_estimator_has_a_case() -> None:
    public = public_functions()
    covered = {c.function for c in CASES.values()}
    missing = sorted(set(public) - covered - set(NOT_ESTIMATORS))
    assert not missing, (
        f"public functions without a conformance case: {missing}; add a Case to "
        "tests/conformance/_cases.py, or (if it is not an estimator) to NOT_ESTIMATORS with a reason"
    )
    stale = sorted((covered | set(NOT_ESTIMATORS)) - set(public))
    assert not stale, f"cases or exclusions for names no longer in countyeconomy.__all__: {stale}"


def test_enumeration_is_not_vacuous() -> None:
    public = public_functions()
    assert {"twfe", "att_gt", "placebo_test", "robustness_battery"} <= set(public)
    assert not any(isinstance(f, type) for f in public.values())


@pytest.mark.parametrize("name", NAMES)
def test_kind_follows_the_function(name: str) -> None:
    case = CASES[name]
    expected = "post" if case.function in POST_ESTIMATION else "estimate"
    assert case.kind == expected


# --------------------------------------------------------------------------------------------
# protocol


@pytest.mark.parametrize("name", NAMES)
def test_result_satisfies_the_protocol(name: str) -> None:
    case, res = CASES[name], fitted(name)
    assert dataclasses.is_dataclass(res) and not isinstance(res, type)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.info = None  # type: ignore[misc]
    summary = res.summary()
    assert summary.as_text() and "<table" in summary.as_html() and summary.as_latex()
    assert res._repr_html_()
    if case.kind == "post":
        assert isinstance(res, contract.PostEstimationResult), type(res).__name__
        assert isinstance(res.to_frame(), pd.DataFrame)
        return
    assert isinstance(res, contract.EstimateResult), type(res).__name__
    assert isinstance(res.info, contract.FitInfo), type(res.info).__name__
    assert res.info.method == case.function
    assert res.info.nobs > 0
    frame = res.to_frame()
    assert list(frame.columns[: len(contract.COLUMNS)]) == list(contract.COLUMNS)
    ci = res.conf_int(0.95)
    ok = ci["ci_low"].isna() | (ci["ci_low"] <= ci["ci_high"])
    assert ok.all()
    chart = res.plot()
    assert "$schema" in chart.to_dict()


# --------------------------------------------------------------------------------------------
# deep immutability


@dataclasses.dataclass
class Reach:
    """What a walk over a result's fields found, by path."""

    arrays: list[tuple[str, np.ndarray]] = dataclasses.field(default_factory=list)
    mappings: list[tuple[str, Mapping[Any, Any]]] = dataclasses.field(default_factory=list)
    pandas: list[tuple[str, Any, str]] = dataclasses.field(default_factory=list)
    mutable: list[str] = dataclasses.field(default_factory=list)
    callables: list[str] = dataclasses.field(default_factory=list)
    foreign: list[str] = dataclasses.field(default_factory=list)
    objects: list[tuple[str, Any]] = dataclasses.field(default_factory=list)


_ATOMS = (str, bytes, int, float, complex, bool, type(None), np.generic, range, type)
_ALLOWED_FOREIGN = (np.random.SeedSequence,)  # a fit may record its own seed (never the caller's)


def _walk(obj: Any, path: str, reach: Reach, seen: set[int], parent: Any = None) -> None:
    if isinstance(obj, _ATOMS) or id(obj) in seen:
        return
    seen.add(id(obj))
    reach.objects.append((path, obj))
    if isinstance(obj, np.ndarray):
        reach.arrays.append((path, obj))
        if obj.dtype == object:
            for i, v in enumerate(obj.ravel()):
                _walk(v, f"{path}.flat[{i}]", reach, seen)
        return
    if isinstance(obj, pd.DataFrame | pd.Series | pd.Index):
        reach.pandas.append((path, parent, path.rsplit(".", 1)[-1]))
        return
    if isinstance(obj, types.FunctionType | types.MethodType | functools.partial | Executor):
        reach.callables.append(f"{path} ({type(obj).__name__})")
        return
    if isinstance(obj, list | dict | set | bytearray):
        reach.mutable.append(f"{path} ({type(obj).__name__})")
    if dataclasses.is_dataclass(obj):
        for f in dataclasses.fields(obj):
            _walk(object.__getattribute__(obj, f.name), f"{path}.{f.name}", reach, seen, obj)
    elif isinstance(obj, Mapping):
        reach.mappings.append((path, obj))
        for k, v in obj.items():
            _walk(v, f"{path}[{k!r}]", reach, seen)
    elif isinstance(obj, tuple | list | set | frozenset):
        for i, v in enumerate(obj):
            _walk(v, f"{path}[{i}]", reach, seen)
    elif type(obj).__module__.split(".")[0] == "countyeconomy" and hasattr(obj, "__dict__"):
        for k, v in vars(obj).items():
            _walk(v, f"{path}.{k}", reach, seen)
    elif not isinstance(obj, (frozenset, *_ALLOWED_FOREIGN)):
        reach.foreign.append(f"{path} ({type(obj).__module__}.{type(obj).__qualname__})")


def reach_of(res: Any) -> Reach:
    reach = Reach()
    _walk(res, "result", reach, set())
    return reach


def _changed(value: Any) -> bool:
    """Modify a returned pandas object in place; True when that was possible."""
    if isinstance(value, pd.Series) and len(value) and pd.api.types.is_numeric_dtype(value):
        value.iloc[0] = value.iloc[0] + 1 if pd.notna(value.iloc[0]) else 1
        return True
    if isinstance(value, pd.DataFrame) and len(value):
        numeric = [c for c in value.columns if pd.api.types.is_numeric_dtype(value[c])]
        if numeric:
            col = value.columns.get_loc(numeric[0])
            old = value.iat[0, col]
            value.iat[0, col] = old + 1 if pd.notna(old) else 1
            return True
    return False


@pytest.mark.parametrize("name", NAMES)
def test_result_is_deeply_immutable(name: str) -> None:
    res = fitted(name)
    reach = reach_of(res)
    assert not reach.mutable, f"mutable containers (use tuples / FrozenDict): {reach.mutable}"
    assert not reach.callables, f"functions or executors held by the result: {reach.callables}"
    assert not reach.foreign, f"objects of other libraries held by the result: {reach.foreign}"
    assert not any(o is SEED for _, o in reach.objects), "the result holds the caller's seed"
    writable = [p for p, a in reach.arrays if a.flags.writeable]
    assert not writable, f"writeable arrays: {writable}"
    for path, a in reach.arrays:
        if a.size:
            with pytest.raises(ValueError, match="read-only"):
                a.flat[0] = a.flat[0]
                pytest.fail(f"{path} accepted a write")
    for path, m in reach.mappings:
        key = next(iter(m), "__probe__")
        with pytest.raises(TypeError):
            m[key] = 0  # type: ignore[index]
            pytest.fail(f"{path} accepted item assignment")
    for path, parent, attr in reach.pandas:
        if parent is None or not hasattr(parent, attr):
            continue
        before = getattr(parent, attr).copy(deep=True)
        if _changed(getattr(parent, attr)):
            after = getattr(parent, attr)
            assert before.equals(after), f"changing the returned {path} changed the result"
    if CASES[name].kind == "estimate":
        params = res.params
        params.iloc[0] = 1e9
        assert res.params.iloc[0] != 1e9


def test_result_holds_no_reference_to_the_callers_frame(data: pd.DataFrame) -> None:
    res = CASES["twfe"].fit(data, "y")
    for _, obj in reach_of(res).objects:
        assert obj is not data
        if isinstance(obj, np.ndarray):
            for col in ("y", "x1", "x2"):
                assert not np.shares_memory(obj, data[col].to_numpy())


# --------------------------------------------------------------------------------------------
# pickling, determinism, input


def same(a: Any, b: Any, path: str = "") -> None:
    """Assert ``a`` and ``b`` hold the same values (arrays and frames compared exactly)."""
    if isinstance(a, pd.DataFrame | pd.Series):
        (pd.testing.assert_frame_equal if isinstance(a, pd.DataFrame) else
         pd.testing.assert_series_equal)(a, b, check_exact=True)  # fmt: skip
    elif isinstance(a, np.ndarray):
        np.testing.assert_array_equal(a, b, err_msg=path)
    elif dataclasses.is_dataclass(a) and not isinstance(a, type):
        assert type(a) is type(b), path
        for f in dataclasses.fields(a):
            same(object.__getattribute__(a, f.name), object.__getattribute__(b, f.name), f.name)
    elif isinstance(a, Mapping):
        assert set(a) == set(b), path
        for k in a:
            same(a[k], b[k], f"{path}[{k!r}]")
    elif isinstance(a, tuple | list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), path
    else:
        assert a == b, f"{path}: {a!r} != {b!r}"


@pytest.mark.parametrize("name", NAMES)
def test_pickle_round_trip(name: str) -> None:
    res = fitted(name)
    back = pickle.loads(pickle.dumps(res))
    assert type(back) is type(res)
    same(res.to_frame(), back.to_frame())
    assert res.summary().as_text() == back.summary().as_text()
    if CASES[name].kind == "estimate":
        same(res.info, back.info, "info")


TIMING_COLUMNS = ("seconds",)
"""Wall-clock columns (the battery reports how long each check took): not part of the numbers."""


@pytest.mark.parametrize("name", NAMES)
def test_deterministic_and_input_untouched(name: str, data: pd.DataFrame) -> None:
    case: Case = CASES[name]
    before = data.copy(deep=True)
    spawned = SEED.n_children_spawned
    first = case.fit(data, "y")
    again = case.fit(data, "y")
    pd.testing.assert_frame_equal(data, before)
    assert SEED.n_children_spawned == spawned, "the caller's SeedSequence was consumed"
    drop = list(TIMING_COLUMNS)
    same(first.to_frame().drop(columns=drop, errors="ignore"),
         again.to_frame().drop(columns=drop, errors="ignore"))  # fmt: skip
    if case.kind == "estimate":
        same(first.info, again.info, "info")


@pytest.mark.parametrize("name", [n for n in NAMES if CASES[n].vcov is not None])
def test_with_vcov(name: str) -> None:
    case, res = CASES[name], fitted(name)
    frame = res.to_frame()
    other = res.with_vcov(case.vcov)
    assert type(other) is type(res)
    assert isinstance(other, contract.EstimateResult)
    np.testing.assert_array_equal(other.params.to_numpy(), res.params.to_numpy())
    assert other.info.vcov != res.info.vcov
    assert not np.array_equal(other.std_errors.to_numpy(), res.std_errors.to_numpy())
    same(res.to_frame(), frame)  # the original is untouched


@pytest.mark.parametrize("name", NAMES)
def test_missing_column_is_named(name: str, data: pd.DataFrame) -> None:
    case = CASES[name]
    if not case.columns:
        pytest.skip(f"{case.function} reads no columns of its own")
    with pytest.raises(ce.CountyEconomyError, match=MISSING):
        case.raise_bad(data)
