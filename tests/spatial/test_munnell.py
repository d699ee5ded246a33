"""Real data: Munnell's (1990) US state productivity panel (the example of R splm, Millo and Piras
2012), shipped by linearmodels 7.1, with the 48 states' polygons and contiguity (GAL) shipped by
libpysal 4.14.1. Both are pip-installed; nothing is downloaded.

Checked: queen contiguity built by ``contiguity_weights`` from the us48 polygons equals the
``states48.gal`` contiguity that libpysal ships; the fixed-effects SAR of
``log(gsp) ~ log(pcap) + log(pc) + log(emp) + unemp`` (state effects, row-standardised weights)
equals spreg 1.9.0 ``Panel_FE_Lag`` on the same data (1e-6). The published splm output for this
panel (fixed-effects SAR and SEM with ``usaww``, which has exactly these queen links) is
reproduced to the printed precision in ``test_millo_piras.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from countyeconomy.spatial import contiguity_weights, sar_panel

FORMULA = "lgsp ~ lpcap + lpc + lemp + unemp | county"


@pytest.fixture(scope="module")
def states() -> pd.DataFrame:
    gpd = pytest.importorskip("geopandas")
    from libpysal.examples import get_path

    g = gpd.read_file(get_path("us48.shp"))
    return pd.DataFrame(
        {
            "code": g["STATE_ABBR"].astype(str),
            "name": g["STATE_NAME"].astype(str),
            "geometry": list(g.geometry),
        }
    )


def test_contiguity_matches_libpysal_states48_gal(states: pd.DataFrame) -> None:
    import libpysal
    from libpysal.examples import get_path

    gal = libpysal.io.open(get_path("states48.gal")).read()
    names = pd.read_csv(get_path("usjoin.csv"))["Name"].tolist()  # the GAL's ids are its rows
    ref = {names[int(i)]: sorted(names[int(j)] for j in nb) for i, nb in gal.neighbors.items()}
    w = contiguity_weights(states.assign(code=states["name"]), row_standardise=False)
    ours = {
        c: sorted(w.ids[j] for j in np.flatnonzero(row))
        for c, row in zip(w.ids, w.dense(), strict=True)
    }
    assert ours == ref


def test_sar_on_munnell_matches_spreg(states: pd.DataFrame) -> None:
    from linearmodels.datasets import munnell
    from spreg import Panel_FE_Lag

    raw = munnell.load()
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
    w = contiguity_weights(states[["code", "geometry"]], df["county"].unique())
    ours = sar_panel(df, FORMULA, w, bias_correction=False, draws=0, progress=False)
    wide = df.set_index(["year", "county"]).loc[
        pd.MultiIndex.from_product([sorted(df["year"].unique()), list(w.ids)])
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Panel_FE_Lag(
            wide[["lgsp"]].to_numpy(),
            wide[["lpcap", "lpc", "lemp", "unemp"]].to_numpy(),
            w.to_libpysal(),
            epsilon=1e-12,
        )
    np.testing.assert_allclose(ours.params.to_numpy(), ref.betas.ravel(), atol=1e-6)
    np.testing.assert_allclose(ours.std_errors.to_numpy(), np.sqrt(np.diag(ref.vm)), atol=1e-6)
    assert 0.0 < ours.params["rho"] < 0.5  # positive spillovers between neighbouring states
