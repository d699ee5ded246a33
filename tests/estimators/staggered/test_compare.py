"""compare_event_studies: one table and one chart; Sun-Abraham (never-treated control) equals
Callaway-Sant'Anna dynamic with a universal base period and no covariates (a known identity,
checked to 1e-8 when the CS module is available)."""

from __future__ import annotations

import numpy as np
import pytest

from countyeconomy.errors import CountyEconomyWarning, InvalidOptionError
from countyeconomy.estimators.staggered.compare import compare_event_studies
from tests.estimators.staggered._data import sim

Y, G = "log_rural_income", "first_treated"


def _has_cs() -> bool:
    try:
        from countyeconomy.estimators.staggered import callaway_santanna  # noqa: F401
    except ImportError:
        return False
    return True


def test_regression_estimators_side_by_side() -> None:
    s = sim(seed=1, n=200)
    res = compare_event_studies(
        s.panel, Y, G, estimators=("twfe", "sa", "bjs", "dcdh"), window=(-3, 3)
    )
    table = res.table()
    assert list(table.columns) == ["TWFE", "Sun-Abraham", "BJS imputation", "dCDH"]
    assert table.index.tolist() == [-3, -2, -1, 0, 1, 2, 3]
    f = res.to_frame()
    assert list(f.columns[:7]) == [
        "term",
        "estimate",
        "std_error",
        "statistic",
        "p_value",
        "ci_low",
        "ci_high",
    ]
    truth = s.att_gt.groupby("event_time", as_index=False)["att"].mean()
    assert "layer" in res.plot(truth=truth).to_dict()
    ref = res.frame.query("event_time == -1 and estimator != 'BJS imputation'")
    assert (ref["estimate"] == 0).all()  # the common reference period
    assert "Event studies compared" in res.summary().as_text()


@pytest.mark.skipif(not _has_cs(), reason="callaway_santanna not available yet")
def test_cs_universal_equals_sun_abraham() -> None:
    s = sim(seed=2, n=200)
    res = compare_event_studies(s.panel, Y, G, estimators=("cs", "sa"), window=(-4, 4))
    wide = res.frame.pivot(index="event_time", columns="estimator", values="estimate")
    np.testing.assert_allclose(wide["Callaway-Sant'Anna"], wide["Sun-Abraham"], atol=1e-8)


def test_unavailable_estimator_is_skipped_with_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module

    def fake(name: str, *a: object) -> object:
        if name.endswith("callaway_santanna"):
            raise ImportError("No module named 'callaway_santanna'")
        return real(name, *a)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib, "import_module", fake)
    with pytest.warns(CountyEconomyWarning, match='skipping "Callaway-Sant\'Anna"'):
        res = compare_event_studies(sim(n=100).panel, Y, G, estimators=("twfe", "cs"))
    assert "cs" in res.info.skipped and list(res.table().columns) == ["TWFE"]


def test_bad_estimator_name() -> None:
    with pytest.raises(InvalidOptionError, match="estimators"):
        compare_event_studies(sim(n=50).panel, Y, G, estimators=("ols",))
