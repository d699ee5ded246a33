"""Shared fixtures: the real-data mirror and small simulated panels."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from countyeconomy.datasets import DATA_DIR_ENV


def _data_dir() -> Path | None:
    value = os.environ.get(DATA_DIR_ENV)
    return Path(value) if value and Path(value).is_dir() else None


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The shared real-data mirror; skips with a reason when it is not configured."""
    path = _data_dir()
    if path is None:
        pytest.skip(
            f"{DATA_DIR_ENV} is not set to the shared data mirror (CI always sets it; "
            "run `make test` beside ../shared/data to use it)."
        )
    return path


requires_data = pytest.mark.skipif(
    _data_dir() is None,
    reason=f"needs the real-data mirror: set {DATA_DIR_ENV} (CI always sets it)",
)
