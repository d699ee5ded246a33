"""Every bad input gets a named error or a counted warning; inputs and seeds are never changed.

The catalogue lives in ``_cases.py``; this file runs it. For each case the test asserts the error
class and that its message names the column or argument, or that the promised warning fires, and
that the input frame is unchanged. Any numeric result without a warning must be finite.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from countyeconomy.errors import CountyEconomyError
from tests.bad_input._cases import Case, all_cases, staggered_frame

CASES = all_cases()


def test_catalogue_is_large() -> None:
    assert len(CASES) >= 150, len(CASES)
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return staggered_frame()


def _numbers(result: object) -> np.ndarray:
    params = getattr(result, "params", None)
    if isinstance(params, pd.Series):
        return params.to_numpy(dtype=float)
    return np.array([], dtype=float)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, frame: pd.DataFrame) -> None:
    df = case.mutate(frame) if case.mutate is not None else frame.copy()
    before = df.copy(deep=True)
    if case.error is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(case.error) as info:
                case.call(df)
        message = str(info.value)
        assert case.match in message, f"message does not name {case.match!r}: {message}"
        assert isinstance(info.value, CountyEconomyError | TypeError)
    else:
        assert case.warning is not None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = case.call(df)
        hits = [w for w in caught if issubclass(w.category, case.warning)]
        assert hits, f"no {case.warning.__name__}; got {[str(w.message) for w in caught]}"
        assert any(case.match in str(w.message) for w in hits), [str(w.message) for w in hits]
        values = _numbers(result)
        if values.size and not np.all(np.isfinite(values)):
            assert caught, "non-finite estimates without a warning"
    pd.testing.assert_frame_equal(df, before)
