"""The one registry of comparable event-study estimators.

Each entry names a public estimator by its function name (the comparison key), its title, the
function, the options it accepts and the one documented condition under which it does not apply
to a design. :func:`~countyeconomy.compare_event_studies` (and the robustness battery through it)
runs the entries; a new estimator joins with one entry in :data:`ESTIMATORS`.

>>> from countyeconomy.estimators.registry import ESTIMATORS
>>> list(ESTIMATORS)
['event_study', 'att_gt', 'sun_abraham', 'imputation_did', 'did_multiplegt', 'triple_did',
 'synthetic_did']
>>> ESTIMATORS["sun_abraham"].title
'sun_abraham (Sun-Abraham)'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from countyeconomy.estimators.staggered.att_gt import att_gt
from countyeconomy.estimators.staggered.dcdh import did_multiplegt
from countyeconomy.estimators.staggered.event_study import event_study
from countyeconomy.estimators.staggered.imputation import imputation_did
from countyeconomy.estimators.staggered.sun_abraham import sun_abraham
from countyeconomy.estimators.staggered.triple import triple_did
from countyeconomy.estimators.synthetic.sdid import synthetic_did
from countyeconomy.inference import Cluster, VcovSpec, resolve_vcov
from countyeconomy.panel import NEVER_TREATED, Panel

__all__ = [
    "ESTIMATORS",
    "RETIRED_KEYS",
    "EventStudyDesign",
    "EventStudyEstimator",
]


@dataclass(frozen=True)
class EventStudyDesign:
    """What a comparison runs every estimator on.

    Attributes
    ----------
    panel
        The data.
    outcome, cohort
        Outcome column and first-treated-year column (``0`` = never treated).
    window
        ``(first, last)`` event times compared.
    control
        Comparison group (``None``: each estimator's default).
    covariates
        Control variables.
    vcov
        The covariance (``None``: each estimator's default).
    eligible
        The 0/1 eligible-group column of a triple-difference design (``None``: none).
    """

    panel: Panel
    outcome: str
    cohort: str
    window: tuple[int, int]
    control: str | None = None
    covariates: tuple[str, ...] = ()
    vcov: str | VcovSpec | None = None
    eligible: str | None = None

    def has_never_treated(self) -> bool:
        """Whether some county is never treated (cohort 0)."""
        return bool((self.panel.frame[self.cohort].to_numpy() == NEVER_TREATED).any())

    def is_county_cluster(self) -> bool:
        """Whether ``vcov`` is unset or clusters by the county (every estimator's default)."""
        v = self.vcov
        if v is None or v == "county":
            return True
        return isinstance(v, Cluster) and v.variables in (("county",), (self.panel.county,))

    def one_way_cluster(self) -> bool:
        """Whether ``vcov`` is a one-way cluster (or unset, i.e. the county)."""
        v = self.vcov
        if v is None:
            return True
        if isinstance(v, str) and v not in ("iid", "hc1", "hetero", "robust"):
            return "+" not in v
        spec = resolve_vcov(v)
        return isinstance(spec, Cluster) and len(spec.variables) == 1


@dataclass(frozen=True)
class EventStudyEstimator:
    """One registry entry.

    Attributes
    ----------
    key
        The public function's name, used as the comparison key.
    title
        Column and legend label.
    function
        The public estimator.
    options
        Which of ``control``, ``covariates`` and ``vcov`` it accepts.
    controls
        The ``control=`` values it supports (empty: it has no ``control`` option).
    run
        ``run(function, design, options)``: fit the design and return a result with event-time
        rows (``event_frame()``, or ``to_frame()`` with an ``event_time`` column).
    check
        ``check(design)``: ``None`` when the estimator applies, else the reason it does not.
    """

    key: str
    title: str
    function: Callable[..., Any]
    options: frozenset[str]
    run: Callable[[Callable[..., Any], EventStudyDesign, dict[str, Any]], Any]
    check: Callable[[EventStudyDesign], str | None] = field(default=lambda _design: None)
    """Estimator-specific condition; the generic ones (control, covariates, vcov) are below."""
    controls: tuple[str, ...] = ()

    def applicable(self, design: EventStudyDesign) -> str | None:
        """``None`` if this estimator can run on ``design``; otherwise the reason it cannot."""
        if design.control is not None and self.controls and design.control not in self.controls:
            return (
                f"{self.key} does not support control={design.control!r} "
                f"(it supports {', '.join(repr(c) for c in self.controls)})"
            )
        if design.covariates and "covariates" not in self.options:
            return f"{self.key} takes no covariates"
        if "vcov" not in self.options and not design.is_county_cluster():
            return f"{self.key} does not take vcov= here (it uses its default standard errors)"
        return self.check(design)

    def options_for(self, design: EventStudyDesign) -> dict[str, Any]:
        """The design's options this estimator accepts (unset ones left to its defaults)."""
        given = {
            "control": design.control if self.controls else None,
            "covariates": tuple(design.covariates) or None,
            "vcov": design.vcov,
        }
        return {k: v for k, v in given.items() if k in self.options and v is not None}

    def fit(self, design: EventStudyDesign) -> Any:
        """Run the estimator on ``design`` (exceptions propagate)."""
        return self.run(self.function, design, self.options_for(design))


# ------------------------------------------------------------------ how each one runs


def _run_event_study(fn: Callable[..., Any], d: EventStudyDesign, opts: dict[str, Any]) -> Any:
    return fn(d.panel, d.outcome, d.cohort, window=d.window, **opts)


def _run_att_gt(fn: Callable[..., Any], d: EventStudyDesign, opts: dict[str, Any]) -> Any:
    return fn(d.panel, d.outcome, d.cohort, base_period="universal", **opts).aggregate("dynamic")


def _run_sun_abraham(fn: Callable[..., Any], d: EventStudyDesign, opts: dict[str, Any]) -> Any:
    return fn(d.panel, d.outcome, d.cohort, **opts)


def _run_imputation(fn: Callable[..., Any], d: EventStudyDesign, opts: dict[str, Any]) -> Any:
    lo, hi = d.window
    frame = d.panel.frame
    g = frame[d.cohort].to_numpy()
    k = frame[d.panel.year].to_numpy() - g
    observed = sorted(set(k[(g != NEVER_TREATED) & (k >= 0) & (k <= hi)].tolist()))
    return fn(d.panel, d.outcome, d.cohort, horizons=observed, pretrends=max(-lo - 1, 0), **opts)


def _run_dcdh(fn: Callable[..., Any], d: EventStudyDesign, opts: dict[str, Any]) -> Any:
    lo, hi = d.window
    frame = d.panel.frame
    g = frame[d.cohort].to_numpy()
    treated = ((g != NEVER_TREATED) & (frame[d.panel.year].to_numpy() >= g)).astype(np.float64)
    name = "_ce_treatment"
    return fn(
        d.panel.assign(**{name: treated}),
        d.outcome,
        name,
        effects=hi + 1,
        placebo=max(-lo - 1, 0),
        **opts,
    )


def _run_triple(fn: Callable[..., Any], d: EventStudyDesign, opts: dict[str, Any]) -> Any:
    res = fn(
        d.panel, d.outcome, cohort=d.cohort, eligible=d.eligible, base_period="universal", **opts
    )
    return res.aggregate("dynamic")


def _run_sdid(fn: Callable[..., Any], d: EventStudyDesign, opts: dict[str, Any]) -> Any:
    g = d.panel.frame.groupby(d.panel.county)[d.cohort].first().to_numpy()
    n_tr, n_co = int(np.sum(g != NEVER_TREATED)), int(np.sum(g == NEVER_TREATED))
    vcov = "placebo" if n_co > n_tr else "bootstrap"
    opts = {k: v for k, v in opts.items() if k != "control"}  # never-treated controls only
    return fn(d.panel, d.outcome, cohort=d.cohort, vcov=vcov, seed=0, **opts)


# ------------------------------------------------------------------ when each one applies


def _needs_never_treated(key: str, alternative: str) -> Callable[[EventStudyDesign], str | None]:
    def check(d: EventStudyDesign) -> str | None:
        if d.control in (None, "never_treated") and not d.has_never_treated():
            return (
                f"{key} with control='never_treated' needs never-treated counties (cohort 0) "
                f"and there are none; pass control={alternative!r}"
            )
        return None

    return check


def _check_imputation(d: EventStudyDesign) -> str | None:
    if not d.one_way_cluster():
        return f"imputation_did supports only one-way clustered errors, not vcov={d.vcov!r}"
    return None


def _check_dcdh(d: EventStudyDesign) -> str | None:
    if not d.panel.is_balanced:
        return "did_multiplegt needs a balanced panel (see Panel.gaps())"
    if not d.one_way_cluster():
        return f"did_multiplegt supports only one-way clustered errors, not vcov={d.vcov!r}"
    return None


def _check_triple(d: EventStudyDesign) -> str | None:
    if d.eligible is None:
        return "triple_did needs an eligible group within treated counties (eligible=)"
    return _needs_never_treated("triple_did", "not_yet_treated")(d)


def _check_sdid(d: EventStudyDesign) -> str | None:
    if not d.has_never_treated():
        return "synthetic_did needs never-treated counties (cohort 0) as controls"
    if not d.panel.is_balanced:
        return "synthetic_did needs a balanced panel (see Panel.gaps())"
    return None


_ENTRIES = (
    EventStudyEstimator(
        key="event_study",
        title="event_study (TWFE)",
        function=event_study,
        options=frozenset({"covariates", "vcov"}),
        run=_run_event_study,
    ),
    EventStudyEstimator(
        key="att_gt",
        title="att_gt (Callaway-Sant'Anna)",
        function=att_gt,
        options=frozenset({"control", "covariates", "vcov"}),
        controls=("never_treated", "not_yet_treated"),
        run=_run_att_gt,
        check=_needs_never_treated("att_gt", "not_yet_treated"),
    ),
    EventStudyEstimator(
        key="sun_abraham",
        title="sun_abraham (Sun-Abraham)",
        function=sun_abraham,
        options=frozenset({"control", "covariates", "vcov"}),
        controls=("never_treated", "last_treated"),
        run=_run_sun_abraham,
        check=_needs_never_treated("sun_abraham", "last_treated"),
    ),
    EventStudyEstimator(
        key="imputation_did",
        title="imputation_did (BJS)",
        function=imputation_did,
        options=frozenset({"covariates", "vcov"}),
        run=_run_imputation,
        check=_check_imputation,
    ),
    EventStudyEstimator(
        key="did_multiplegt",
        title="did_multiplegt (dCDH)",
        function=did_multiplegt,
        options=frozenset({"vcov"}),
        run=_run_dcdh,
        check=_check_dcdh,
    ),
    EventStudyEstimator(
        key="triple_did",
        title="triple_did (DDD, Ortiz-Villavicencio-Sant'Anna)",
        function=triple_did,
        options=frozenset({"control", "covariates", "vcov"}),
        controls=("never_treated", "not_yet_treated"),
        run=_run_triple,
        check=_check_triple,
    ),
    EventStudyEstimator(  # event-time point estimates; only the ATT has a standard error
        key="synthetic_did",
        title="synthetic_did (SDID)",
        function=synthetic_did,
        options=frozenset({"control", "covariates"}),
        controls=("never_treated",),
        run=_run_sdid,
        check=_check_sdid,
    ),
)

ESTIMATORS: Mapping[str, EventStudyEstimator] = MappingProxyType({e.key: e for e in _ENTRIES})
"""Every comparable event-study estimator, by key (the public function name)."""

RETIRED_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "twfe": "event_study",
        "cs": "att_gt",
        "sa": "sun_abraham",
        "bjs": "imputation_did",
        "dcdh": "did_multiplegt",
    }
)
"""Former comparison keys, accepted with a ``FutureWarning`` for one release."""
