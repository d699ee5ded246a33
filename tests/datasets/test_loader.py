"""The dataset loader framework: mirror lookup, sha256 verification, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import countyeconomy as ce
from countyeconomy.datasets import DATA_DIR_ENV, DataFile, data_path, sha256_of
from countyeconomy.errors import DataNotFoundError


def test_mpdta_from_mirror(data_dir: Path) -> None:
    panel = ce.datasets.load_mpdta()
    assert panel.nobs == 2500 and panel.is_balanced
    assert sorted(panel.frame["first_treat"].unique().tolist()) == [0, 2004, 2006, 2007]
    assert sha256_of(data_dir / "mpdta/mpdta.csv") == ce.datasets.MPDTA.sha256


def test_wrong_checksum_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "f.csv").write_text("a,b\n1,2\n")
    spec = DataFile("x/f.csv", "https://example.invalid/f.csv", "0" * 64, "MIT", "test")
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataNotFoundError, match="is not the pinned version"):
        data_path(spec)


def test_missing_file_in_mirror_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(DataNotFoundError, match="not found under COUNTYECONOMY_DATA_DIR"):
        data_path(ce.datasets.MPDTA)
