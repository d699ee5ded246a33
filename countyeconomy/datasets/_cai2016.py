"""The Cai (2016) rural Jiangxi household panel: weather-index insurance for tobacco farmers."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import os
from pathlib import Path

import pandas as pd

from countyeconomy._fetch import DATA_DIR_ENV, DataFile, data_path
from countyeconomy.errors import DataNotFoundError

__all__ = ["CAI2016", "load_cai2016"]

CAI2016 = DataFile(
    relpath="cai2016/cai2016.csv",
    url=(
        "https://raw.githubusercontent.com/jordandeklerk/moderndid/"
        "v0.2.0/moderndid/core/datasets/cai2016.csv.gz"
    ),
    sha256="74b9a069da9df2af2e3d5299cceb3131a7024ec1c0a8c26bbf5ab829261f03ee",
    licence="MIT",
    source=(
        "PyPI moderndid 0.2.0 (MIT, (c) 2025 Jordan Deklerk), "
        "moderndid/core/datasets/cai2016.csv.gz, decompressed"
    ),
)


def load_cai2016() -> pd.DataFrame:
    """3,659 rural households in Jiangxi, 2000-2008 (32,391 rows, unbalanced).

    In 2003 the People's Insurance Company of China offered weather-index insurance to tobacco
    farmers in some counties: a triple-difference design with treated region (``treatment``),
    eligible group (``sector``: 1 = tobacco farmer) and time. Columns: ``hhno`` (household,
    the panel unit), ``year``, ``treatment``, ``sector``, ``checksaving_ratio`` (share of
    savings in flexible-term deposits, the outcome of the DDD example), ``savingtotal_rate``,
    ``hhsize``, ``age``, ``educ_scale`` (household head) and ``county`` (for clustering).

    A DataFrame, not a :class:`~countyeconomy.panel.Panel`: the unit is the household, so pass
    ``county="hhno", year="year"`` to estimators. The file is the copy shipped with moderndid
    0.2.0 (MIT licence), pinned by sha256 (of the decompressed CSV): read from the
    ``COUNTYECONOMY_DATA_DIR`` mirror when it is set, otherwise from an installed moderndid
    0.2.0 (``pip install moderndid==0.2.0``), whose wheel bundles it.

    References
    ----------
    Cai, J. (2016). The impact of insurance provision on household production and financial
    decisions. *American Economic Journal: Economic Policy* 8(2), 44-88.

    Ortiz-Villavicencio, M. and Sant'Anna, P. H. C. (2025). Better understanding triple
    differences estimators. arXiv:2505.09942.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> ce.datasets.load_cai2016().shape  # doctest: +SKIP
    (32391, 10)
    """
    if os.environ.get(DATA_DIR_ENV):
        return pd.read_csv(data_path(CAI2016))
    return pd.read_csv(io.BytesIO(_from_moderndid()))


def _from_moderndid() -> bytes:
    """The CSV bytes from an installed moderndid 0.2.0 wheel (its bundled ``.gz``), verified
    against the pinned sha256 of the decompressed file."""
    spec = importlib.util.find_spec("moderndid")
    if spec is None or spec.origin is None:
        raise DataNotFoundError(
            f"the Cai (2016) panel ships inside the moderndid package (MIT): run "
            f"`pip install moderndid==0.2.0`, or set {DATA_DIR_ENV} to a folder holding "
            f"{CAI2016.relpath}."
        )
    gz = Path(spec.origin).parent / "core" / "datasets" / "cai2016.csv.gz"
    if not gz.is_file():
        raise DataNotFoundError(f"{gz} is missing from the installed moderndid package.")
    raw = gzip.decompress(gz.read_bytes())
    digest = hashlib.sha256(raw).hexdigest()
    if digest != CAI2016.sha256:
        raise DataNotFoundError(
            f"{gz} decompresses to sha256 {digest}, not the pinned {CAI2016.sha256} "
            "(moderndid 0.2.0's copy); install moderndid==0.2.0."
        )
    return raw
