"""The one cluster-sum kernel: the segment-reduction path equals the per-column bincount path."""

from __future__ import annotations

import numpy as np
import pytest

from countyeconomy.linalg import group_sums
from countyeconomy.linalg._factors import BATCH_COLUMNS


def _reference(x: np.ndarray, codes: np.ndarray, n_levels: int) -> np.ndarray:
    out = np.zeros((n_levels, x.shape[1]))
    np.add.at(out, codes, x)
    return out


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("k", [1, 3, BATCH_COLUMNS, 50])
@pytest.mark.parametrize("sort", [True, False])
def test_group_sums_paths_agree(order: str, k: int, sort: bool) -> None:
    rng = np.random.default_rng(k)
    codes = rng.integers(0, 40, 2000)
    codes = np.sort(codes) if sort else codes
    x = np.asarray(rng.normal(size=(2000, k)), order=order)  # type: ignore[call-overload]
    np.testing.assert_allclose(group_sums(x, codes, 40), _reference(x, codes, 40), rtol=1e-12)


def test_group_sums_empty_levels_and_gaps() -> None:
    codes = np.array([0, 0, 2, 2, 2])  # level 1 and 3 empty: no segment fast path
    x = np.ones((5, BATCH_COLUMNS))
    out = group_sums(x, codes, 4)
    assert out[:, 0].tolist() == [2.0, 0.0, 3.0, 0.0]
