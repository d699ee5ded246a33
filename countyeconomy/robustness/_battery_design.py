"""The frozen research design that the robustness battery runs over."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._deprecate import warn_renamed
from countyeconomy.errors import FormulaError, InvalidOptionError, TreatmentTimingError
from countyeconomy.inference import Cluster, VcovSpec, resolve_vcov
from countyeconomy.panel import NEVER_TREATED, Panel
from countyeconomy.robustness._common import as_panel, describe_values

__all__ = ["Design", "as_vcov", "check_timing"]

_KEY_ALIASES = ("county", "year")


_SPEC_STRINGS = ("iid", "hc1", "hetero", "robust")


def as_vcov(vcov: object) -> VcovSpec:
    """A covariance spec from ``vcov=``: a spec object, ``"iid"``/``"hc1"``, or cluster column
    names (``"county"``, ``"county+year"``, ``"cluster:county"``), or ``"conley:<km>"``."""
    if isinstance(vcov, str):
        text = vcov.strip()
        if text and text not in _SPEC_STRINGS and not text.startswith(("cluster:", "conley:")):
            names = [v.strip() for v in text.split("+")]
            if all(names):
                return Cluster(*names)
    return resolve_vcov(vcov)  # type: ignore[arg-type]


@dataclass(frozen=True, eq=False, init=False, repr=False)
class Design:
    """One staggered-adoption DID design: data, outcome, treatment timing, controls, covariance.

    Validated at construction: every named column must exist in the data (the error names each
    one that does not), and the cohort must be the first year with ``treatment == 1`` in every
    county. The caller's data is never modified: a DataFrame is copied into a
    :class:`~countyeconomy.Panel`, which ``data`` then holds.

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
    vcov
        Covariance of the baseline fits: ``Cluster("county")`` (default), a cluster column name
        (``"county"``, ``"prefecture"``), ``"hc1"``, ``"iid"`` or any spec object. The retired
        ``cluster="county"`` still works for one release with a ``FutureWarning``.
    county, year
        Key columns of a DataFrame (default ``"county"`` and ``"year"``); with a Panel
        they must be ``None`` or the Panel's own keys.

    Raises
    ------
    FormulaError
        A named column is not in the data (the message names it and its role).
    TreatmentTimingError
        The cohort and treatment columns disagree (the message names the counties).
    InvalidOptionError
        An unknown argument or covariance.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> sim = ce.datasets.simulate_county_panel(seed=1, n_counties=200)
    >>> d = ce.Design(sim.panel, outcome="log_rural_income", treatment="policy",
    ...               cohort="first_treated", covariates=("log_gdp_pc",))
    >>> d.formula
    'log_rural_income ~ policy + log_gdp_pc | county + year'
    >>> d.cluster
    'county'
    """

    data: Panel
    outcome: str
    treatment: str
    cohort: str
    covariates: tuple[str, ...]
    absorb: str
    vcov: VcovSpec
    county: str | None
    year: str | None

    def __init__(
        self,
        data: Panel | pd.DataFrame,
        outcome: str,
        treatment: str,
        cohort: str,
        covariates: Sequence[str] | str = (),
        absorb: str = "county + year",
        vcov: str | VcovSpec = "county",
        county: str | None = None,
        year: str | None = None,
        **retired: Any,
    ) -> None:
        if "cluster" in retired:
            if vcov != "county":
                raise InvalidOptionError("Design() got both cluster= (retired) and vcov=.")
            warn_renamed("Design(cluster=...)", "vcov=...")
            vcov = retired.pop("cluster")
        if retired:
            raise InvalidOptionError(
                f"Design() got unexpected argument(s) {sorted(retired)}; it takes data, outcome, "
                "treatment, cohort, covariates, absorb, vcov, county and year."
            )
        covs = (covariates,) if isinstance(covariates, str) else tuple(covariates)
        panel = as_panel(data, county, year, who="Design")
        values = {
            "data": panel,
            "outcome": outcome,
            "treatment": treatment,
            "cohort": cohort,
            "covariates": covs,
            "absorb": absorb,
            "vcov": as_vcov(vcov),
            "county": county,
            "year": year,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)
        self._check_columns(panel)
        check_timing(panel, cohort, treatment)

    @property
    def cluster(self) -> str | None:
        """The cluster column of a one-way clustered ``vcov`` (``None`` otherwise)."""
        v = self.vcov
        if isinstance(v, Cluster) and len(v.variables) == 1:
            return v.variables[0]
        return None

    @property
    def vcov_label(self) -> str:
        """``vcov`` in words: the cluster column(s) (``"county"``, ``"county+year"``) or the
        kind (``"hc1"``)."""
        v = self.vcov
        return "+".join(v.variables) if isinstance(v, Cluster) else str(v.kind)

    def _check_columns(self, panel: Panel) -> None:
        columns = set(panel.frame.columns) | set(_KEY_ALIASES)
        roles: list[tuple[str, Any]] = [
            ("outcome", self.outcome),
            ("treatment", self.treatment),
            ("cohort", self.cohort),
        ]
        if isinstance(self.vcov, Cluster):
            roles += [("vcov", c) for c in self.vcov.variables]
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
        return self.data

    @property
    def formula(self) -> str:
        """The baseline TWFE formula: ``outcome ~ treatment + covariates | absorb``."""
        rhs = " + ".join((self.treatment, *self.covariates))
        return f"{self.outcome} ~ {rhs} | {self.absorb}"

    def __repr__(self) -> str:
        p = self.panel
        return (
            f"Design(outcome={self.outcome!r}, treatment={self.treatment!r}, "
            f"cohort={self.cohort!r}, covariates={self.covariates!r}, absorb={self.absorb!r}, "
            f"vcov={self.vcov_label!r}, panel: {p.frame[p.county].nunique():,} counties, "
            f"{len(p.frame):,} rows)"
        )


def check_timing(panel: Panel, cohort: str, treatment: str) -> None:
    """Raise :class:`TreatmentTimingError` unless the cohort is the first treated year.

    In every county, ``treatment`` must be 1 exactly in the years from ``cohort`` on (never,
    for cohort ``0``); rows with a missing treatment are not compared. The message names the
    counties that disagree and what their treatment column implies.
    """
    f = panel.frame
    g = pd.to_numeric(f[cohort], errors="coerce").to_numpy(dtype=float)
    d = pd.to_numeric(f[treatment], errors="coerce").to_numpy(dtype=float)
    years = f[panel.year].to_numpy(dtype=np.int64)
    bad_d = ~np.isnan(d) & ~np.isin(d, (0.0, 1.0))
    if bad_d.any():
        raise TreatmentTimingError(
            f"Design: treatment={treatment!r} must be 0/1; found "
            f"{describe_values(pd.unique(f.loc[bad_d, treatment]).tolist())}."
        )
    if np.isnan(g).any():
        raise TreatmentTimingError(
            f"Design: cohort={cohort!r} has {int(np.isnan(g).sum())} missing or non-numeric "
            f"value(s); code never-treated counties as {NEVER_TREATED}."
        )
    implied = (g != NEVER_TREATED) & (years >= g)
    seen = ~np.isnan(d)
    wrong = seen & (implied != (d == 1))
    if not wrong.any():
        return
    counties = f[panel.county].to_numpy()
    bad = pd.unique(counties[wrong])
    first = (
        pd.Series(np.where(d == 1, years, np.iinfo(np.int64).max), index=counties)
        .groupby(level=0)
        .min()
    )
    cohort_of = pd.Series(g, index=counties).groupby(level=0).first()
    shown = []
    for c in bad[:5]:
        fy = int(first[c])
        implied_c = "never treated" if fy == np.iinfo(np.int64).max else f"first treated {fy}"
        shown.append(f"{c!r} (cohort {int(cohort_of[c])}, {treatment} {implied_c})")
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    raise TreatmentTimingError(
        f"Design: cohort={cohort!r} and treatment={treatment!r} disagree in {len(bad)} "
        f"county(ies): {'; '.join(shown)}{more}. The cohort must be the first year with "
        f"{treatment} = 1 ({NEVER_TREATED} if never treated), and treatment must stay on."
    )
