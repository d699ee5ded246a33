"""The dataset loader framework: pinned source URL, sha256 and licence for every file.

A loader first looks in the local mirror named by the ``COUNTYECONOMY_DATA_DIR`` environment variable
(CI and developers point it at a read-only copy of the data). Otherwise it downloads the file from its
pinned source URL with :mod:`pooch`, checks the sha256 and caches it in the user's cache directory.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from countyeconomy.errors import DataNotFoundError

__all__ = ["DATA_DIR_ENV", "DataFile", "data_path", "sha256_of"]

DATA_DIR_ENV = "COUNTYECONOMY_DATA_DIR"


@dataclass(frozen=True)
class DataFile:
    """One pinned public data file.

    Attributes
    ----------
    relpath
        Path inside the local mirror, e.g. ``"mpdta/mpdta.csv"``.
    url
        Download URL pinned to a commit.
    sha256
        Hex digest of the file's bytes.
    licence
        SPDX identifier of the file's licence.
    source
        Human-readable provenance (repository, commit and path).
    """

    relpath: str
    url: str
    sha256: str
    licence: str
    source: str


_verified: set[tuple[str, str]] = set()


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check(path: Path, spec: DataFile) -> Path:
    key = (str(path), spec.sha256)
    if key not in _verified:
        got = sha256_of(path)
        if got != spec.sha256:
            raise DataNotFoundError(
                f"{path} has sha256 {got}, expected {spec.sha256} ({spec.source}); the local copy "
                "is not the pinned version."
            )
        _verified.add(key)
    return path


def data_path(spec: DataFile) -> Path:
    """Local path of ``spec``: from the mirror, the cache, or a fresh verified download."""
    mirror = os.environ.get(DATA_DIR_ENV)
    if mirror:
        path = Path(mirror).expanduser() / spec.relpath
        if path.is_file():
            return _check(path, spec)
        raise DataNotFoundError(
            f"{spec.relpath} not found under {DATA_DIR_ENV}={mirror!r}; the mirror should hold "
            f"{spec.source}. Unset {DATA_DIR_ENV} to download it from {spec.url}."
        )
    import pooch

    cache = Path(pooch.os_cache("countyeconomy"))
    try:
        fetched = pooch.retrieve(
            spec.url,
            known_hash=f"sha256:{spec.sha256}",
            fname=spec.relpath.replace("/", "__"),
            path=cache,
            progressbar=False,
        )
    except Exception as exc:  # network errors come in many types
        raise DataNotFoundError(
            f"could not download {spec.url} ({spec.source}): {exc}. Set {DATA_DIR_ENV} to a folder "
            f"holding {spec.relpath} to work offline."
        ) from exc
    return Path(fetched)
