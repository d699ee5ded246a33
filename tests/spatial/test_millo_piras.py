"""Published splm output on Munnell's (1990) state productivity panel, to its printed precision.

Model and data: Millo and Piras (2012), "splm: Spatial Panel Data Models in R", *Journal of
Statistical Software* 47(1), whose running example is ``Produc`` (plm/Ecdat: 48 states x 17
years, 1970-1986) with ``fm <- log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp`` and the
weights ``usaww``. The paper's own tables could not be retrieved here (only the opening pages of
the JSS article and of its RPubs reproduction were reachable); the numbers below are the
``summary()`` output printed in a knitted R Markdown document, "04 Further Topics in Spatial
Econometrics" (Takuya Shimamura, 2020-06-08, public GitHub; Example 4.6 "Panel Data (fixed
effects)"), which runs::

    data("used.cars"); W_US <- nb2listw(usa48.nb)          # spData
    spml(log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp,
         listw = W_US, data = Produc, model = "within",
         spatial.error = "b", lag = FALSE)                  # fixed effects, spatial error
    spml(log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp,
         listw = W_US, data = Produc, model = "within",
         spatial.error = "none", lag = TRUE)                # fixed effects, spatial lag

(``model = "within"`` with the default ``effect = "individual"``: state fixed effects.)

Weights: ``W_US`` is ``usaww`` exactly. Read from the packages' data files (splm 1.6-5
``data/usaww.rda``, spData 2.3.5 ``data/used.cars.rda``): both list the 48 states in the same
alphabetical order as ``Produc`` and have the same 214 nonzero entries (107 contiguous pairs,
Arizona-Colorado included), and ``usaww`` is row-standardised binary contiguity, i.e.
``nb2listw(usa48.nb)`` (style "W"). Queen contiguity of libpysal's us48 polygons built by
``contiguity_weights`` has the same 214 links (checked entry by entry against ``usaww``; the
count is asserted below).

Estimator: splm's ``spml(model = "within")`` is the concentrated ML of the demeaned model without
the Lee-Yu correction (the Lee-Yu variant is a separate procedure: Millo and Piras, WVU RRI
working paper 2013-05), i.e. ``bias_correction=False``; with ``True`` our standard errors are
larger by ``sqrt(T/(T-1))`` and no longer match. Coefficients,
``rho``/``lambda`` and standard errors (inverse information) agree with the 5-6 significant
digits printed: within half a unit of the last printed digit for 19 of the 20 numbers, 0.54 units
for the SAR's ``log(pc)`` standard error; the test allows one unit. splm's ``rho`` (error) is our
``lambda`` and its ``lambda`` (lag) our ``rho``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from countyeconomy.spatial import SpatialWeights, contiguity_weights, sar_panel, sem_panel

FORMULA = "lgsp ~ lpcap + lpc + lemp + unemp | county"
NAMES = ["lpcap", "lpc", "lemp", "unemp"]

# spml(..., model = "within", spatial.error = "b", lag = FALSE): "Spatial panel fixed effects
# error model"; printed (estimate, std. error).
SEM_PRINTED = {
    "lambda": ("0.557401", "0.033075"),  # splm's "rho"
    "lpcap": ("0.0051438", "0.0250109"),
    "lpc": ("0.2053026", "0.0231427"),
    "lemp": ("0.7822540", "0.0278057"),
    "unemp": ("-0.0022317", "0.0010709"),
}
# spml(..., model = "within", spatial.error = "none", lag = TRUE): "Spatial panel fixed effects
# lag model".
SAR_PRINTED = {
    "rho": ("0.274689", "0.023516"),  # splm's "lambda"
    "lpcap": ("-0.0465819", "0.0254425"),
    "lpc": ("0.1874325", "0.0230441"),
    "lemp": ("0.6250902", "0.0297044"),
    "unemp": ("-0.0044816", "0.0008653"),
}


@pytest.fixture(scope="module")
def munnell() -> tuple[pd.DataFrame, SpatialWeights]:
    gpd = pytest.importorskip("geopandas")
    pytest.importorskip("linearmodels")
    from libpysal.examples import get_path
    from linearmodels.datasets import munnell as munnell_data

    g = gpd.read_file(get_path("us48.shp"))
    polygons = pd.DataFrame({"code": g["STATE_ABBR"].astype(str), "geometry": list(g.geometry)})
    raw = munnell_data.load()
    df = pd.DataFrame(
        {
            "county": raw["ST_ABB"].astype(str),
            "year": raw["YR"].astype(int),
            "lgsp": np.log(raw["GSP"]),
            "lpcap": np.log(raw["P_CAP"]),
            "lpc": np.log(raw["PC"]),
            "lemp": np.log(raw["EMP"]),
            "unemp": raw["UNEMP"],
        }
    )
    return df, contiguity_weights(polygons, df["county"].unique())


def _assert_printed(result: object, printed: dict[str, tuple[str, str]]) -> None:
    params = result.params  # type: ignore[attr-defined]
    ses = result.std_errors  # type: ignore[attr-defined]
    for name, (est, se) in printed.items():
        for ours, text in ((params[name], est), (ses[name], se)):
            unit = 10.0 ** -len(text.split(".")[1])  # of the last printed digit
            assert ours == pytest.approx(float(text), abs=unit), (name, text)


def test_weights_have_usaww_links(munnell: tuple[pd.DataFrame, SpatialWeights]) -> None:
    _, w = munnell
    dense = w.dense()
    assert dense.shape == (48, 48)
    assert int((dense > 0).sum()) == 214  # usaww's nonzero entries
    np.testing.assert_allclose(dense.sum(axis=1), 1.0)  # row-standardised, as usaww


def test_fe_spatial_error_matches_spml(munnell: tuple[pd.DataFrame, SpatialWeights]) -> None:
    df, w = munnell
    res = sem_panel(df, FORMULA, w, bias_correction=False)
    assert res.info.nobs == 816
    _assert_printed(res, SEM_PRINTED)


def test_fe_spatial_lag_matches_spml(munnell: tuple[pd.DataFrame, SpatialWeights]) -> None:
    df, w = munnell
    res = sar_panel(df, FORMULA, w, bias_correction=False, draws=0, progress=False)
    assert res.info.nobs == 816
    _assert_printed(res, SAR_PRINTED)
