"""``ce.table`` over every public estimator: one column per result, and fixed-effect rows read
from ``info.fixed_effects`` ("Yes" exactly for the effects the estimator absorbed)."""

from __future__ import annotations

import pytest

import countyeconomy as ce
from tests.conformance._cases import CASES
from tests.conformance.test_protocol import fitted

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::FutureWarning")

ESTIMATES = sorted(k for k, c in CASES.items() if c.kind == "estimate")

ABSORB_COUNTY_AND_YEAR = {
    "twfe",
    "iv",
    "event_study",
    "sun_abraham",
    "imputation_did",
    "psm_did",
    "synthetic_did",
    "sar_panel",
    "sdm_panel",
    "sem_panel",
    "sdem_panel",
}


@pytest.mark.parametrize("name", ESTIMATES)
def test_table_of_every_estimator(name: str) -> None:
    result = fitted(name)
    t = ce.table(result, fitted("twfe"))
    fes = dict(result.info.fixed_effects)
    for fe in fes:
        assert t.footer.loc[f"{fe} FE", "(1)"] == "Yes"
    assert (t.footer["(1)"] == "No").sum() == len({"county", "year"} - set(fes))
    if name in ABSORB_COUNTY_AND_YEAR:
        assert {"county", "year"} <= set(fes), f"{name}: {fes}"
    shown = t.body["(1)"].iloc[::2]
    assert (shown != "").sum() == len(result.params)
    assert t.to_latex().count("\\toprule") == 1
