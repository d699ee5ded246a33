"""Two real panels of the synthetic-control literature, as redistributed by synthdid-py 0.1.0
(PyPI, BSD-3-Clause, from the BSD-licensed R package synthdid): the Proposition 99 tobacco
panel (Abadie, Diamond and Hainmueller 2010) and the Penn World Table democracy panel
(Arkhangelsky et al. 2021)."""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
from pathlib import Path

import pandas as pd

from countyeconomy._fetch import DATA_DIR_ENV, DataFile, data_path
from countyeconomy.errors import DataNotFoundError

__all__ = ["PENN", "PROP99", "load_penn", "load_prop99"]

_PACKAGE = "synthdid-py 0.1.0 (PyPI, BSD-3-Clause, (c) 2019 Stanford University, 2026 contributors)"

PROP99 = DataFile(
    relpath="prop99/california_prop99.csv",
    url="https://pypi.org/project/synthdid-py/0.1.0/",
    sha256="550d24c2f743507d097692d181bdbbf36c6168a39a0b6fc831cc89d98082f7de",
    licence="BSD-3-Clause",
    source=f"{_PACKAGE}, synthdid/data/california_prop99.csv (from R synthdid)",
)

PENN = DataFile(
    relpath="prop99/PENN.csv",
    url="https://pypi.org/project/synthdid-py/0.1.0/",
    sha256="f0d00c351aa4c82bee3d6e0b5cd5d7f9528487f28a3dd4b2cdea93a53d987c74",
    licence="BSD-3-Clause",
    source=f"{_PACKAGE}, synthdid/data/PENN.csv (from R synthdid)",
)


def _read(spec: DataFile) -> bytes:
    """The file's bytes: from the ``COUNTYECONOMY_DATA_DIR`` mirror when it holds the file,
    otherwise from an installed synthdid-py 0.1.0; verified against the pinned sha256."""
    mirror = os.environ.get(DATA_DIR_ENV)
    if mirror and (Path(mirror).expanduser() / spec.relpath).is_file():
        return data_path(spec).read_bytes()
    found = importlib.util.find_spec("synthdid")
    name = spec.relpath.rsplit("/", 1)[-1]
    path = Path(found.origin).parent / "data" / name if found and found.origin else None
    if path is None or not path.is_file():
        raise DataNotFoundError(
            f"{name} ships inside synthdid-py (BSD-3-Clause): run `pip install "
            f"synthdid-py==0.1.0`, or set {DATA_DIR_ENV} to a folder holding {spec.relpath}."
        )
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != spec.sha256:
        raise DataNotFoundError(
            f"{path} has sha256 {digest}, not the pinned {spec.sha256} ({spec.source}); "
            "install synthdid-py==0.1.0."
        )
    return raw


def load_prop99() -> pd.DataFrame:
    """California's Proposition 99 and 38 control states, 1970-2000 (1,209 rows, balanced).

    Columns: ``state``, ``year``, ``packs_per_capita`` (cigarette sales in packs per capita)
    and ``treated`` (1 for California from 1989). The panel of Abadie, Diamond and Hainmueller
    (2010) and of Arkhangelsky et al. (2021, Table 1: SDID -15.6 (8.4), SC -19.6 (9.9), DID
    -27.3 (17.7)). Pass ``county="state", year="year"`` to estimators.

    The file is the copy shipped with synthdid-py 0.1.0 (BSD-3-Clause, redistributed from the R
    package synthdid), pinned by sha256: read from the ``COUNTYECONOMY_DATA_DIR`` mirror when it
    holds ``prop99/california_prop99.csv``, otherwise from an installed synthdid-py 0.1.0.

    References
    ----------
    Abadie, A., Diamond, A. and Hainmueller, J. (2010). Synthetic control methods for
    comparative case studies. *JASA* 105(490), 493-505.

    Arkhangelsky, D., Athey, S., Hirshberg, D. A., Imbens, G. W. and Wager, S. (2021).
    Synthetic difference-in-differences. *American Economic Review* 111(12), 4088-4118.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> ce.datasets.load_prop99().shape  # doctest: +SKIP
    (1209, 4)
    """
    df = pd.read_csv(io.BytesIO(_read(PROP99)), sep=";")
    return df.rename(
        columns={"State": "state", "Year": "year", "PacksPerCapita": "packs_per_capita"}
    )


def load_penn() -> pd.DataFrame:
    """Penn World Table panel: log GDP per capita, democracy and education of 111 countries,
    1960-2007 (5,328 rows).

    Columns: ``country``, ``year``, ``log_gdp``, ``dem`` and ``educ`` (0/1). The panel behind
    the placebo simulations of Arkhangelsky et al. (2021, section 3, democracy and GDP). Same
    source and pinning as :func:`load_prop99` (``prop99/PENN.csv`` in the mirror).

    Examples
    --------
    >>> import countyeconomy as ce
    >>> ce.datasets.load_penn().shape  # doctest: +SKIP
    (5328, 5)
    """
    df = pd.read_csv(io.BytesIO(_read(PENN)), sep=";")
    for c in ("dem", "educ"):
        df[c] = df[c].astype(int)
    return df
