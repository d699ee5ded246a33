"""The robustness battery: every check a referee asks for, run as one call over one design.

``run_robustness(design)`` runs the event-study pre-trend test, the Goodman-Bacon decomposition,
the heterogeneity-robust estimators side by side, the randomization placebo, PSM-DID,
alternative clustering (with the wild cluster bootstrap when clusters are few), user-named
sample filters and HonestDiD bounds, and returns one :class:`RobustnessReport`.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor

import numpy as np

from countyeconomy.errors import CountyEconomyWarning, InvalidOptionError
from countyeconomy.robustness._battery_checks import (
    FEW_CLUSTERS,
    Outcome,
    RunContext,
    SampleFilter,
)
from countyeconomy.robustness._battery_design import Design
from countyeconomy.robustness._battery_report import CheckResult, RobustnessReport

__all__ = [
    "CHECKS",
    "FEW_CLUSTERS",
    "CheckResult",
    "Design",
    "RobustnessReport",
    "check_seeds",
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
)
"""Every check, in run order. The seed of a check depends on its position here only."""

_RESAMPLING = frozenset({"placebo", "clustering", "honestdid"})


def check_seeds(seed: int | np.random.SeedSequence | None) -> tuple[dict[str, int], int]:
    """The integer seed of each check, derived from one ``numpy.random.SeedSequence(seed)``.

    Child ``i`` of ``SeedSequence(seed).spawn(len(CHECKS))`` seeds ``CHECKS[i]`` (its first
    64-bit word of state), so choosing a subset of checks does not change their seeds.
    Returns the seeds and the root entropy (which reproduces a ``seed=None`` run).

    Examples
    --------
    >>> from countyeconomy.robustness.battery import check_seeds
    >>> seeds, entropy = check_seeds(7)
    >>> seeds == check_seeds(7)[0] and entropy == 7
    True
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    children = root.spawn(len(CHECKS))
    seeds = {
        name: int(child.generate_state(1, dtype=np.uint64)[0])
        for name, child in zip(CHECKS, children, strict=True)
    }
    entropy = root.entropy
    return seeds, int(entropy) if isinstance(entropy, int) else int(np.asarray(entropy).sum())


def _resolve_checks(checks: str | Sequence[str] | None) -> tuple[str, ...]:
    if checks is None:
        return CHECKS
    chosen = (checks,) if isinstance(checks, str) else tuple(checks)
    bad = [c for c in chosen if c not in CHECKS]
    if bad or not chosen:
        raise InvalidOptionError(
            f"checks={list(chosen)!r}: unknown {bad!r}; choose from {', '.join(CHECKS)}."
        )
    return tuple(c for c in CHECKS if c in chosen)


def _run_one(ctx: RunContext, name: str) -> CheckResult:
    start = time.perf_counter()
    seed = ctx.seeds[name] if name in _RESAMPLING else None
    runner: Callable[[], Outcome] = getattr(ctx, name)
    try:
        out = runner()
    except Exception as err:  # one failing check must not stop the battery
        msg = f"{name}: failed: {type(err).__name__}: {err}"
        warnings.warn(f"robustness check {msg}", CountyEconomyWarning, stacklevel=3)
        return CheckResult(name, "failed", msg, seed=seed, seconds=time.perf_counter() - start)
    return CheckResult(
        name,
        "ok" if out.status == "ok" else "skipped",
        out.verdict,
        statistic=out.statistic,
        value=float(out.value),
        table=out.table,
        charts=out.charts,
        result=out.result,
        seed=seed,
        seconds=time.perf_counter() - start,
    )


def run_robustness(
    design: Design,
    *,
    checks: str | Sequence[str] | None = None,
    seed: int | np.random.SeedSequence | None = None,
    executor: Executor | None = None,
    placebo_draws: int = 1000,
    alt_clusters: Sequence[str] = ("prefecture", "province"),
    sample_filters: Mapping[str, SampleFilter] | None = None,
    honest_mbar: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0),
    window: tuple[int, int] = (-5, 5),
    bootstrap_reps: int = 9999,
    progress: bool = True,
) -> RobustnessReport:
    """Run the robustness battery of a staggered-adoption DID design.

    Parameters
    ----------
    design
        The :class:`Design` (data, outcome, treatment, cohort, covariates, absorb, cluster).
    checks
        Names from :data:`CHECKS` to run (default all): ``"pretrends"`` (event-study joint
        pre-trend test), ``"bacon"`` (Goodman-Bacon decomposition), ``"estimators"`` (TWFE,
        Callaway-Sant'Anna, Sun-Abraham, BJS imputation and dCDH side by side),
        ``"placebo"`` (randomization placebo on the baseline TWFE), ``"psm"`` (PSM-DID on
        the design covariates; skipped without covariates), ``"clustering"`` (the baseline
        re-clustered at each ``alt_clusters`` level in the data, with a wild cluster
        bootstrap p-value below :data:`FEW_CLUSTERS` clusters), ``"samples"`` (the baseline
        on each of ``sample_filters``) and ``"honestdid"`` (Rambachan-Roth relative-magnitude
        bounds on the event study).
    seed
        Root of ``numpy.random.SeedSequence``; each resampling check gets its own integer
        seed from :func:`check_seeds` (recorded in ``CheckResult.seed``).
    executor
        Any :class:`concurrent.futures.Executor` for the placebo draws and the wild bootstrap
        (same numbers as serial).
    placebo_draws
        Placebo reassignments (scheme ``"permute_counties"``).
    alt_clusters
        Alternative cluster columns; those absent from the data are left out.
    sample_filters
        ``{name: rule}``; a rule keeps rows: a :meth:`pandas.DataFrame.query` string (python
        engine, e.g. ``"not name.str.endswith('区')"``) or a callable taking the panel frame
        and returning a boolean row mask or the kept frame.
    honest_mbar
        ``Mbar`` grid of the HonestDiD relative-magnitude bounds.
    window
        Event-time window of the event studies.
    bootstrap_reps
        Wild cluster bootstrap draws.
    progress
        Show tqdm progress bars in the resampling checks.

    Returns
    -------
    RobustnessReport
        A table, charts and a one-line verdict per check; ``summary()``, ``to_html(path)``,
        ``to_latex()``. A check that raises is recorded as ``"failed"`` with the error message
        as its verdict, and a :class:`~countyeconomy.errors.CountyEconomyWarning` is issued;
        the other checks still run.

    Raises
    ------
    InvalidOptionError
        An unknown check name.

    References
    ----------
    Roth, J., Sant'Anna, P. H. C., Bilinski, A. and Poe, J. (2023). What's trending in
    difference-in-differences? A synthesis of the recent econometrics literature. *Journal of
    Econometrics* 235(2), 2218-2244.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.robustness.battery import Design, run_robustness
    >>> sim = ce.datasets.simulate_county_panel(seed=1, n_counties=200)
    >>> d = Design(sim.panel, outcome="log_rural_income", treatment="policy",
    ...            cohort="first_treated")
    >>> rep = run_robustness(d, checks=["pretrends", "placebo"], seed=1, placebo_draws=200,
    ...                      progress=False)
    >>> rep.summary()["status"].tolist()
    ['ok', 'ok']
    """
    if not isinstance(design, Design):
        raise InvalidOptionError(
            f"design must be a countyeconomy Design, got {type(design).__name__}."
        )
    chosen = _resolve_checks(checks)
    seeds, entropy = check_seeds(seed)
    ctx = RunContext(
        design,
        seeds,
        executor=executor,
        progress=progress,
        placebo_draws=placebo_draws,
        bootstrap_reps=bootstrap_reps,
        alt_clusters=tuple(alt_clusters),
        sample_filters=dict(sample_filters or {}),
        honest_mbar=tuple(honest_mbar),
        window=window,
    )
    results = {name: _run_one(ctx, name) for name in chosen}
    return RobustnessReport(results, entropy, design)
