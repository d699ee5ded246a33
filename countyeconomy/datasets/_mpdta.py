"""The ``mpdta`` minimum-wage panel (Callaway and Sant'Anna 2021)."""

from __future__ import annotations

import pandas as pd

from countyeconomy._fetch import DataFile, data_path
from countyeconomy.panel import Panel

__all__ = ["MPDTA", "load_mpdta"]

MPDTA = DataFile(
    relpath="mpdta/mpdta.csv",
    url=(
        "https://raw.githubusercontent.com/d2cml-ai/csdid/"
        "ca91c1fef4974bde0d973d7f4195328414130c92/mpdta.csv"
    ),
    sha256="2283bea1221a152420f98dfa20f633c5d054ea51d881115c8cd702a97bcd3167",
    licence="MIT",
    source="d2cml-ai/csdid @ ca91c1fef4974bde0d973d7f4195328414130c92, mpdta.csv",
)


def load_mpdta() -> Panel:
    """500 US counties, 2003-2007: log teen employment and staggered minimum-wage increases.

    Columns: ``countyreal`` (county key), ``year``, ``lpop``, ``lemp``, ``first_treat`` (cohort;
    ``0`` = never treated, the countyeconomy convention), ``treat`` (ever treated) and ``post``
    (treated in this year). The source column ``first.treat`` is renamed ``first_treat`` so that it
    can appear in formulas.

    References
    ----------
    Callaway, B. and Sant'Anna, P. H. C. (2021). Difference-in-differences with multiple time
    periods. *Journal of Econometrics* 225(2), 200-230.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> panel = ce.datasets.load_mpdta()  # doctest: +SKIP
    >>> panel.nobs  # doctest: +SKIP
    2500
    """
    raw = pd.read_csv(data_path(MPDTA))
    df = raw.rename(columns={"first.treat": "first_treat"})
    df["post"] = ((df["first_treat"] > 0) & (df["year"] >= df["first_treat"])).astype("int64")
    return Panel.from_frame(df, county="countyreal", year="year")
