"""The robustness battery: every check a referee asks for, run as one call over one design.

``robustness_battery(design)`` runs the event-study pre-trend test, the Goodman-Bacon
decomposition, the heterogeneity-robust estimators side by side, the randomization placebo,
PSM-DID, alternative clustering (with the wild cluster bootstrap when clusters are few),
user-named sample filters and HonestDiD bounds, and returns one :class:`RobustnessReport`.
"""

from __future__ import annotations

import time
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from functools import partial
from typing import Any

import numpy as np

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy._typing import ControlGroup, SeedLike, check_option, resolve_seed
from countyeconomy.errors import CountyEconomyWarning, InvalidOptionError
from countyeconomy.robustness._battery_checks import (
    FEW_CLUSTERS,
    HonestTarget,
    Outcome,
    RunContext,
    SampleFilter,
)
from countyeconomy.robustness._battery_ddd import DDD_CHECK, triple_did_check
from countyeconomy.robustness._battery_design import Design
from countyeconomy.robustness._battery_report import CheckResult, RobustnessReport
from countyeconomy.robustness._battery_scm import scm_placebo

__all__ = [
    "CHECKS",
    "FEW_CLUSTERS",
    "CheckResult",
    "Design",
    "RobustnessReport",
    "check_seeds",
    "robustness_battery",
    "run",
    "run_robustness",
]

CHECKS: tuple[str, ...] = (
    "pretrends",
    "bacon",
    "estimators",
    "placebo",
    "psm",
    "clustering",
    "samples",
    "honestdid",
    "scm",
)
"""Every check, in run order. A check's seed depends on its name only."""

OPTIONAL_CHECKS: tuple[str, ...] = (DDD_CHECK,)
"""Checks of designs with more structure, run by default when it is given (``eligible=``)."""
_MODULE_CHECKS: dict[str, Callable[[RunContext], Outcome]] = {"scm": scm_placebo}
"""Checks written as functions of the run context in their own modules."""

_RANDOM = frozenset({"placebo", "clustering", "honestdid"})
_MIN_DRAWS = 99


def check_seeds(seed: SeedLike, names: Sequence[str] = CHECKS) -> tuple[dict[str, int], int]:
    """The integer seed of each check, derived from the check's name.

    Check ``name`` is seeded by ``SeedSequence(entropy, spawn_key=(*root.spawn_key,
    crc32(name)))`` (its first 64-bit word of state), where ``root = SeedSequence(seed)``: adding,
    removing or reordering checks never changes the numbers of the others. Returns the seeds and
    the root entropy (which reproduces a ``seed=None`` run).

    Examples
    --------
    >>> from countyeconomy.robustness.battery import check_seeds
    >>> seeds, entropy = check_seeds(7)
    >>> seeds["placebo"] == check_seeds(7, ["placebo", "new check"])[0]["placebo"]
    True
    """
    root = resolve_seed(seed)
    seeds = {}
    for name in names:
        key = (*root.spawn_key, zlib.crc32(name.encode("utf-8")))
        child = np.random.SeedSequence(root.entropy, spawn_key=key, pool_size=root.pool_size)
        seeds[name] = int(child.generate_state(1, dtype=np.uint64)[0])
    entropy = root.entropy
    return seeds, int(entropy) if isinstance(entropy, int) else int(np.asarray(entropy).sum())


def _resolve_checks(
    checks: str | Sequence[str] | None, optional: Sequence[str] = ()
) -> tuple[str, ...]:
    known = (*CHECKS, *OPTIONAL_CHECKS)
    if checks is None:
        return (*CHECKS, *optional)
    chosen = (checks,) if isinstance(checks, str) else tuple(checks)
    bad = [c for c in chosen if c not in known]
    if bad or not chosen:
        raise InvalidOptionError(
            f"checks={list(chosen)!r}: unknown {bad!r}; choose from {', '.join(known)}."
        )
    return tuple(c for c in known if c in chosen)


def _run_one(ctx: RunContext, name: str, eligible: str | None = None) -> CheckResult:
    start = time.perf_counter()
    seed = ctx.seeds[name] if name in _RANDOM else None
    runner: Callable[[], Outcome] = (
        (lambda: triple_did_check(ctx, eligible))
        if name == DDD_CHECK
        else partial(_MODULE_CHECKS[name], ctx)
        if name in _MODULE_CHECKS
        else getattr(ctx, name)
    )
    term = ctx.design.treatment
    try:
        out = runner()
    except Exception as err:  # one failing check must not stop the battery
        msg = f"{name}: failed: {type(err).__name__}: {err}"
        warnings.warn(f"robustness check {msg}", CountyEconomyWarning, stacklevel=3)
        return CheckResult(
            name, "failed", msg, seed=seed, seconds=time.perf_counter() - start, term=term
        )
    return CheckResult(
        name,
        "ok" if out.status == "ok" else "skipped",
        out.verdict,
        statistic=out.statistic,
        value=float(out.value),
        table=out.table,
        result=out.result,
        seed=seed,
        seconds=time.perf_counter() - start,
        term=term,
    )


def _check_args(draws: object, window: object, target: object) -> tuple[int, tuple[int, int]]:
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < _MIN_DRAWS:
        raise InvalidOptionError(f"draws={draws!r} must be an int >= {_MIN_DRAWS}.")
    try:
        lo, hi = (int(v) for v in window)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise InvalidOptionError(f"window={window!r} must be a pair (first, last).") from None
    if not lo < 0 <= hi:
        raise InvalidOptionError(
            f"window={window!r} must run from a negative to a >= 0 event time."
        )
    ints = [target] if isinstance(target, int | np.integer) else target
    if isinstance(target, bool) or not isinstance(ints, Sequence) or isinstance(ints, str):
        raise InvalidOptionError(
            f"honest_target={target!r} must be a post-period event time or a sequence of them."
        )
    if not ints or any(isinstance(t, bool) or not isinstance(t, int | np.integer) for t in ints):
        raise InvalidOptionError(f"honest_target={target!r} must hold int event times.")
    if any(int(t) < 0 or int(t) > hi for t in ints):
        raise InvalidOptionError(
            f"honest_target={target!r}: post-period event times lie in 0..{hi} (window={window!r})."
        )
    return int(draws), (lo, hi)


@renamed_kwargs("robustness_battery", placebo_draws="draws", bootstrap_reps="draws")
def robustness_battery(
    design: Design,
    *,
    checks: str | Sequence[str] | None = None,
    draws: int = 999,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = True,
    control: ControlGroup | None = None,
    window: tuple[int, int] = (-5, 5),
    alt_clusters: Sequence[str] = ("prefecture", "province"),
    sample_filters: Mapping[str, SampleFilter] | None = None,
    honest_mbar: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0),
    honest_target: HonestTarget = 0,
    eligible: str | None = None,
) -> RobustnessReport:
    """Run the robustness battery of a staggered-adoption DID design.

    Parameters
    ----------
    design
        The :class:`~countyeconomy.Design` (data, outcome, treatment, cohort, covariates,
        absorb, vcov); its cohort and treatment columns have been checked to agree.
    checks
        Names from :data:`CHECKS` to run (default all): ``"pretrends"`` (event-study joint
        pre-trend test), ``"bacon"`` (Goodman-Bacon decomposition), ``"estimators"``
        (``event_study``, ``att_gt``, ``sun_abraham``, ``imputation_did`` and
        ``did_multiplegt`` side by side), ``"placebo"`` (randomization placebo on the baseline
        TWFE), ``"psm"`` (PSM-DID on the design covariates; skipped without covariates),
        ``"clustering"`` (the baseline re-clustered at each ``alt_clusters`` level in the data,
        with a wild cluster bootstrap p-value below :data:`FEW_CLUSTERS` clusters),
        ``"samples"`` (the baseline on each of ``sample_filters``) and ``"honestdid"``
        (Rambachan-Roth relative-magnitude bounds on the event study), ``"scm"`` (synthetic
        control placebo in space for each treated county when there are at most five; skipped
        otherwise).
    draws
        Number of draws of every resampling check: the placebo reassignments and the wild
        cluster bootstrap (at least 99). ``placebo_draws=`` and ``bootstrap_reps=`` are retired.
    seed
        Root of the randomness (int, ``SeedSequence`` or ``Generator``; never consumed). Each
        random check gets its own integer seed from its name (:func:`check_seeds`), recorded in
        ``CheckResult.seed``: passing it to the underlying function reproduces the numbers.
    executor
        Any :class:`concurrent.futures.Executor` for the placebo draws and the wild bootstrap
        (same numbers as serial).
    progress
        Show progress bars in the resampling checks.
    control
        Comparison group of the estimators that take one (``att_gt``: ``"never_treated"`` or
        ``"not_yet_treated"``; ``sun_abraham``: ``"never_treated"`` or ``"last_treated"``); an
        estimator that does not support it is left out of the comparison, with the reason.
        ``None``: each estimator's default.
    window
        Event-time window of the event studies.
    alt_clusters
        Alternative cluster columns; those absent from the data are left out.
    sample_filters
        ``{name: rule}``; a rule keeps rows: a :meth:`pandas.DataFrame.query` string (python
        engine, e.g. ``"not name.str.endswith('区')"``) or a callable taking the panel frame
        and returning a boolean row mask or the kept frame.
    honest_mbar
        ``Mbar`` grid of the HonestDiD relative-magnitude bounds.
    honest_target
        The HonestDiD target: one post-period event time (default ``0``, the first), or a
        sequence of them for their average effect.
    eligible
        The 0/1 column of the group the policy targets within treated counties: adds the
        ``"triple_did"`` check (:func:`~countyeconomy.triple_did` event study, through the
        estimator registry, beside the event study) to the default checks.

    Returns
    -------
    RobustnessReport
        A table, charts and a one-line verdict per check; ``to_frame()``, ``summary()``,
        ``to_html(path)``, ``to_latex()``. A check that raises is recorded as ``"failed"`` with
        the error message as its verdict, and a
        :class:`~countyeconomy.errors.CountyEconomyWarning` is issued; the other checks still
        run.

    Raises
    ------
    InvalidOptionError
        An unknown check name or an option out of range (the message names it).

    References
    ----------
    Roth, J., Sant'Anna, P. H. C., Bilinski, A. and Poe, J. (2023). What's trending in
    difference-in-differences? A synthesis of the recent econometrics literature. *Journal of
    Econometrics* 235(2), 2218-2244.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.robustness import Design, robustness_battery
    >>> sim = ce.datasets.simulate_county_panel(seed=1, n_counties=200)
    >>> d = Design(sim.panel, outcome="log_rural_income", treatment="policy",
    ...            cohort="first_treated")
    >>> rep = robustness_battery(d, checks=["pretrends", "placebo"], seed=1, draws=199,
    ...                          progress=False)
    >>> rep.to_frame()["status"].tolist()
    ['ok', 'ok']
    """
    if not isinstance(design, Design):
        raise InvalidOptionError(
            f"design must be a countyeconomy.Design, got {type(design).__name__}."
        )
    chosen = _resolve_checks(checks, OPTIONAL_CHECKS if eligible is not None else ())
    n_draws, win = _check_args(draws, window, honest_target)
    if control is not None:
        check_option("control", control, ControlGroup)
    seeds, entropy = check_seeds(seed, chosen)
    target = honest_target if isinstance(honest_target, int) else tuple(honest_target)
    ctx = RunContext(
        design,
        seeds,
        executor=executor,
        progress=bool(progress),
        draws=n_draws,
        control=control,
        alt_clusters=tuple(alt_clusters),
        sample_filters=dict(sample_filters or {}),
        honest_mbar=tuple(honest_mbar),
        honest_target=target,
        window=win,
    )
    results = {name: _run_one(ctx, name, eligible) for name in chosen}
    options = {
        "draws": n_draws,
        "control": control,
        "window": win,
        "alt_clusters": tuple(alt_clusters),
        "sample_filters": tuple(ctx.sample_filters),
        "honest_mbar": tuple(honest_mbar),
        "honest_target": target,
        "eligible": eligible,
    }
    return RobustnessReport(results, entropy, design, options)


def _deprecated(old: str) -> Callable[..., RobustnessReport]:
    def wrapper(design: Design, **kwargs: Any) -> RobustnessReport:
        warnings.warn(
            f"countyeconomy.robustness.{old} is renamed countyeconomy.robustness_battery; "
            "the old name is removed in the next release.",
            FutureWarning,
            stacklevel=2,
        )
        return robustness_battery(design, **kwargs)

    wrapper.__name__ = wrapper.__qualname__ = old
    wrapper.__doc__ = f"Deprecated: use :func:`countyeconomy.robustness_battery` ({old}= retired)."
    return wrapper


run_robustness = _deprecated("run_robustness")
run = _deprecated("run")
