"""describe(): statistics and suspicious-value flags."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import countyeconomy as ce
from countyeconomy.errors import FormulaError, InvalidOptionError


def _panel(values: list[float], **extra: list[float]) -> ce.Panel:
    df = pd.DataFrame({"c": [f"{i:06d}" for i in range(len(values))], "year": 2010, "y": values})
    return ce.Panel.from_frame(df.assign(**extra), county="c", year="year")


def test_statistics_match_pandas() -> None:
    rng = np.random.default_rng(1)
    vals = rng.normal(5, 1, 50).tolist()
    out = ce.describe(_panel(vals), "y", stats=("n", "mean", "sd", "min", "p50", "max")).data
    s = pd.Series(vals)
    row = out.loc["y"]
    assert row["n"] == 50 and row["mean"] == pytest.approx(s.mean())
    assert row["sd"] == pytest.approx(s.std()) and row["p50"] == pytest.approx(s.median())
    assert row["flags"] == "" and row["n_flagged"] == 0


def test_flags_placeholders_epsilon_infinite_and_nonpositive() -> None:
    base = list(np.linspace(1.0, 3.0, 60))
    placeholder = ce.describe(_panel([*base, 1e-8, 1e-8, 1e-8]), "y").data.loc["y"]
    assert "machine-epsilon" in placeholder["flags"] and "placeholder" in placeholder["flags"]
    assert placeholder["n_flagged"] == 3
    sentinel = ce.describe(_panel([*base, -9999.0, -9999.0, -9999.0]), "y").data.loc["y"]
    assert "constant placeholder -1e+04 repeated 3 times" in sentinel["flags"]
    logs = ce.describe(_panel([*base, -np.inf]), "y").data.loc["y"]
    assert "infinite" in logs["flags"] and logs["n_flagged"] == 1
    zero = ce.describe(_panel([*base, 0.0]), "y").data.loc["y"]
    assert "log is undefined" in zero["flags"] and zero["n_flagged"] == 1


def test_by_groups_and_errors() -> None:
    p = _panel([1.0, 2.0, 3.0, 4.0], g=[0, 0, 1, 1])
    out = ce.describe(p, "y", by="g").data
    assert out.loc[(1, "y"), "mean"] == 3.5
    with pytest.raises(FormulaError, match="nope"):
        ce.describe(p, "nope")
    with pytest.raises(InvalidOptionError, match="kurtosis"):
        ce.describe(p, "y", stats=("kurtosis",))


def test_co2_placeholders_flagged(data_dir: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = ce.datasets.load_county_co2()
    out = ce.describe(p.assign(lco2=np.log(p.frame["co2"])), ["co2", "lco2"]).data
    assert out.loc["co2", "n_flagged"] == 70 and out.loc["lco2", "n_flagged"] == 70
    assert out.loc["lco2", "min"] == pytest.approx(np.log(1e-8))


@pytest.mark.parametrize("kind", ["str", "int", "mixed_vintage"])
def test_gaps_on_code_types(kind: str) -> None:
    codes = {"str": ["330185", "330112"], "int": [330185, 330112]}.get(kind, ["330185", "330112"])
    years = [[2015, 2016, 2018], [2015, 2017]]
    rows = [(c, y) for c, ys in zip(codes, years, strict=True) for y in ys]
    df = pd.DataFrame(rows, columns=["code", "year"]).assign(y=1.0)
    gaps = ce.Panel.from_frame(df, county="code", year="year").gaps()
    assert len(gaps) == 2 * 4 - len(rows)
    assert set(gaps["kind"]) <= {"inside", "outside"}
