"""The frozen research design that the robustness battery runs over."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from countyeconomy.errors import FormulaError
from countyeconomy.estimators.staggered._common import resolve_panel
from countyeconomy.panel import Panel
from countyeconomy.panel._validate import describe_values

__all__ = ["Design"]

_KEY_ALIASES = ("county", "year")


@dataclass(frozen=True, eq=False)
class Design:
    """One staggered-adoption DID design: data, outcome, treatment timing, controls, clustering.

    Validated at construction: every named column must exist in the data, and the error
    names each one that does not. The caller's data is never modified.

    Parameters
    ----------
    data
        A :class:`~countyeconomy.Panel`, or a long DataFrame whose key columns are ``county``
        and ``year`` (or the names given by ``county=`` and ``year=``).
    outcome
        Outcome column.
    treatment
        0/1 absorbing treatment column (treated county x post period).
    cohort
        First-treated-year column (``0`` = never treated), constant within county.
    covariates
        Control columns of the regressions and of the PSM propensity score.
    absorb
        Absorbed fixed effects in :func:`~countyeconomy.twfe` syntax (``county`` and
        ``year`` name the panel keys).
    cluster
        Cluster column of the baseline standard errors (``"county"`` = the county key).
    county, year
        Key columns of a DataFrame (default ``"county"`` and ``"year"``); with a Panel
        they must be ``None`` or the Panel's own keys.

    Raises
    ------
    FormulaError
        A named column is not in the data (the message names it and its role).

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.robustness.battery import Design
    >>> sim = ce.datasets.simulate_county_panel(seed=1, n_counties=200)
    >>> d = Design(sim.panel, outcome="log_rural_income", treatment="policy",
    ...            cohort="first_treated", covariates=("log_gdp_pc",))
    >>> d.formula
    'log_rural_income ~ policy + log_gdp_pc | county + year'
    """

    data: Panel | pd.DataFrame = field(repr=False)
    outcome: str
    treatment: str
    cohort: str
    covariates: Sequence[str] = ()
    absorb: str = "county + year"
    cluster: str = "county"
    county: str | None = None
    year: str | None = None
    _panel: Panel = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        covs = (self.covariates,) if isinstance(self.covariates, str) else self.covariates
        object.__setattr__(self, "covariates", tuple(covs))
        if isinstance(self.data, Panel):
            for given, key in ((self.county, self.data.county), (self.year, self.data.year)):
                if given is not None and given != key:
                    raise FormulaError(
                        f"Design: the Panel's key is {key!r}, not {given!r}; leave county= and "
                        "year= unset for a Panel."
                    )
            panel = self.data
        else:
            panel = resolve_panel(self.data, self.county or "county", self.year or "year")
        object.__setattr__(self, "_panel", panel)
        self._check_columns(panel)

    def _check_columns(self, panel: Panel) -> None:
        columns = set(panel.frame.columns) | set(_KEY_ALIASES)
        roles: list[tuple[str, Any]] = [
            ("outcome", self.outcome),
            ("treatment", self.treatment),
            ("cohort", self.cohort),
            ("cluster", self.cluster),
        ]
        roles += [("covariate", c) for c in self.covariates]
        roles += [("absorb", t.strip()) for t in re.split(r"[+^]", self.absorb) if t.strip()]
        missing = [
            f"{v!r} ({role})" for role, v in roles if not isinstance(v, str) or v not in columns
        ]
        if missing:
            raise FormulaError(
                f"Design: unknown column(s) {', '.join(missing)}; the data has columns "
                f"{describe_values(list(panel.frame.columns), limit=30)}."
            )

    @property
    def panel(self) -> Panel:
        """The validated :class:`~countyeconomy.Panel` of the design."""
        return self._panel

    @property
    def formula(self) -> str:
        """The baseline TWFE formula: ``outcome ~ treatment + covariates | absorb``."""
        rhs = " + ".join((self.treatment, *self.covariates))
        return f"{self.outcome} ~ {rhs} | {self.absorb}"
