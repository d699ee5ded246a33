"""The Cai (2016) rural Jiangxi household panel: weather-index insurance for tobacco farmers."""

from __future__ import annotations

import pandas as pd

from countyeconomy._fetch import DataFile, data_path

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
    0.2.0 (MIT licence), pinned by sha256 (of the decompressed CSV).

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
    return pd.read_csv(data_path(CAI2016))
