"""Heterogeneity: subgroup estimates side by side and tests that the coefficients differ
(Fisher permutation, seemingly-unrelated stacking, fully interacted pooled regression)."""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Hashable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, SeedLike, check_option, resolve_seed
from countyeconomy.errors import (
    FormulaError,
    IdentificationError,
    InvalidOptionError,
    RowsDroppedWarning,
)
from countyeconomy.estimators._design import ModelData, as_model_data
from countyeconomy.estimators._formula import parse_formula
from countyeconomy.estimators._mech_groups import GROUP as _GROUP
from countyeconomy.estimators._mech_groups import permutation_test, stacked_difference
from countyeconomy.estimators.twfe import DEFAULT_VCOV, TWFEResult, twfe
from countyeconomy.inference import VcovSpec, check_draws, resolve_vcov
from countyeconomy.panel import Panel
from countyeconomy.results import (
    COLUMNS,
    CoefResult,
    CoefTable,
    FitInfo,
    Summary,
    format_p_value,
)

__all__ = ["HeterogeneityResult", "heterogeneity"]

HeterogeneityTest = Literal["fisher_permutation", "seemingly_unrelated", "interaction"]
TEST_COLUMNS = ("group_1", "group_2", "difference", "std_error", "statistic", "p_value", "test")


@dataclass(frozen=True, repr=False)
class HeterogeneityResult(CoefResult):
    """Result of :func:`heterogeneity`: the compared coefficient in each group.

    ``info`` is a :class:`~countyeconomy.FitInfo` (``method="heterogeneity"``) whose ``extra``
    holds ``term``, ``by``, ``test``, ``draws``, ``seed_entropy``, ``nobs_by_group`` and
    ``counties`` (per group). ``vcov`` is diagonal: the groups are disjoint samples.

    Attributes
    ----------
    subgroups
        The regression fitted on each group (same formula and covariance), by group label.
    tests
        One row per pair of groups: ``group_1``, ``group_2``, ``difference`` (of the term's
        coefficient, first minus second), ``std_error`` (``NaN`` for the permutation test),
        ``statistic``, ``p_value``, ``test``.
    permutation_draws
        The permuted differences for each pair ``"g1 vs g2"`` (Fisher test only).
    """

    subgroups: Mapping[str, TWFEResult]
    tests: pd.DataFrame
    info: FitInfo
    permutation_draws: Mapping[str, FloatArray] = field(default_factory=dict)
    title: str = "Heterogeneity"

    @property
    def coefs(self) -> CoefTable:  # type: ignore[override]
        """The term's estimate per group with a diagonal covariance."""
        t = self.info.term
        est = [float(r.params[t]) for r in self.subgroups.values()]
        se = [float(r.std_errors[t]) for r in self.subgroups.values()]
        return CoefTable(tuple(self.subgroups), np.asarray(est), np.diag(np.square(se)), None)

    def _row(self, level: float) -> pd.DataFrame:
        t = self.info.term
        rows = [r.to_frame(level).set_index("term").loc[[t]] for r in self.subgroups.values()]
        out = pd.concat(rows).reset_index(drop=True)
        out.insert(0, "term", list(self.subgroups))
        return out[list(COLUMNS)]

    @property
    def params(self) -> pd.Series:
        """The term's coefficient in each group (index: group labels)."""
        return self._row(0.95).set_index("term")["estimate"]

    @property
    def std_errors(self) -> pd.Series:
        """Its standard error in each group."""
        return self._row(0.95).set_index("term")["std_error"]

    @property
    def pvalues(self) -> pd.Series:
        """Two-sided p-values by group (each group's own reference distribution)."""
        return self._row(0.95).set_index("term")["p_value"]

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        """Confidence intervals by group."""
        return self._row(level).set_index("term")[["ci_low", "ci_high"]]

    def to_frame(self, level: float = 0.95) -> pd.DataFrame:
        """Tidy table, one row per group (``term`` holds the group label)."""
        return self._row(level)

    def summary(self) -> Summary:
        """Subgroup estimates, with each test of a difference in the footer."""
        i = self.info
        footer: list[tuple[str, str]] = [
            ("Formula", i.specification),
            ("Groups by", i.by),
            ("Observations", ", ".join(f"{k}: {v:,}" for k, v in i.nobs_by_group.items())),
            ("Counties", ", ".join(f"{k}: {v:,}" for k, v in i.counties.items())),
            ("Std. errors", i.vcov),
        ]
        for _, r in self.tests.iterrows():
            detail = (
                f"{i.draws} draws"
                if r["test"] == "fisher_permutation"
                else f"SE {r['std_error']:.4g}"
            )
            perm = r["test"] == "fisher_permutation"
            shown = format_p_value(float(r["p_value"]), i.draws if perm else None)
            footer.append(
                (
                    f"{r['group_1']} - {r['group_2']} ({r['test']})",
                    f"{r['difference']:.4g}, {shown} ({detail})",
                )
            )
        return Summary(f"Heterogeneity of {i.term} by {i.by}", self.to_frame(), tuple(footer))

    def plot(self, *, level: float = 0.95) -> Any:
        """Subgroup estimates with confidence intervals (an altair chart)."""
        from countyeconomy.report import coefplot

        return coefplot(
            *self.subgroups.values(),
            level=level,
            keep=[self.info.term],
            model_names=list(self.subgroups),
            title=f"{self.info.term} by {self.info.by}",
        )


def _split_design(
    design: TWFEResult | tuple[Panel | pd.DataFrame, str],
    county: str | None,
    year: str | None,
) -> tuple[ModelData, str, VcovSpec | None, str]:
    if isinstance(design, TWFEResult):
        if design.model.weights is not None:
            raise InvalidOptionError(
                "heterogeneity() does not support weighted regressions; pass (data, formula)."
            )
        return design.model.data, design.info.specification, design.vcov_spec, design.info.ssc
    if isinstance(design, tuple) and len(design) == 2 and isinstance(design[1], str):
        data, formula = design
        return as_model_data(data, county, year), formula, None, "fixest"
    raise InvalidOptionError(
        "result_or_design must be a result of countyeconomy.twfe or a (data, formula) pair, got "
        f"{type(design).__name__}."
    )


def _labelled(
    md: ModelData, by: str, groups: Mapping[Hashable, str] | None
) -> tuple[pd.DataFrame, list[str], int]:
    col = md.resolve(by)
    if col not in md.frame.columns:
        raise FormulaError(
            f"by={by!r} is not a column; the data has {list(md.frame.columns)[:25]}."
        )
    raw = md.frame[col]
    if groups is not None:
        labels = raw.map(dict(groups))
        order = list(dict.fromkeys(str(v) for v in groups.values()))
    else:
        labels = raw.map(lambda v: None if pd.isna(v) else str(v))
        order = [str(v) for v in sorted(raw.dropna().unique().tolist())]
    keep = labels.notna().to_numpy()
    dropped = int((~keep).sum())
    if dropped:
        warnings.warn(
            f"heterogeneity: dropped {dropped} rows whose {by!r} is missing or not in groups=.",
            RowsDroppedWarning,
            stacklevel=3,
        )
    frame = md.frame.assign(**{_GROUP: labels.astype(object)}).loc[keep].reset_index(drop=True)
    if len(order) < 2:
        raise IdentificationError(f"by={by!r} gives {len(order)} group(s); at least 2 are needed.")
    return frame, order, dropped


def _sub(md: ModelData, frame: pd.DataFrame) -> Panel | pd.DataFrame:
    if md.county is not None and md.year is not None:
        return Panel.from_frame(frame, county=md.county, year=md.year)
    return frame


def heterogeneity(
    result_or_design: TWFEResult | tuple[Panel | pd.DataFrame, str],
    by: str,
    *,
    groups: Mapping[Hashable, str] | None = None,
    term: str | None = None,
    test: HeterogeneityTest = "fisher_permutation",
    draws: int = 1000,
    seed: SeedLike = None,
    executor: Executor | None = None,
    progress: bool = True,
    vcov: str | VcovSpec | None = None,
    min_counties: int = 10,
    county: str | None = None,
    year: str | None = None,
) -> HeterogeneityResult:
    """Subgroup estimates of one coefficient and a test that they differ between groups.

    Parameters
    ----------
    result_or_design
        A result of :func:`~countyeconomy.twfe` (its data, formula and covariance are reused), or
        a ``(data, formula)`` pair with a Panel or DataFrame (``county=``, ``year=`` name keys).
    by
        Column defining the groups (region, poverty status, above/below the median base).
    groups
        Optional mapping from values of ``by`` to group labels (e.g. province -> east / central
        / west); rows whose value is not mapped are dropped (announced).
    term
        The coefficient compared (default: the formula's first regressor).
    test
        ``"fisher_permutation"`` (default): group labels are permuted across counties (a county
        keeps all its years), both groups refitted, and ``p`` is the share of draws with
        ``|diff*| >= |diff|``. The draws run through :func:`countyeconomy.inference.map_chunks`:
        pair ``i`` uses child ``i`` of ``seed``, and chunk ``c`` of 50 draws takes
        ``rng.permutation(labels)`` per draw from ``default_rng(child c of that)`` (labels of the
        counties in sorted order).
        ``"seemingly_unrelated"``: both groups in one stacked regression with group-specific
        coefficients and fixed effects (the subgroup estimates exactly) and the cluster-robust
        covariance of the difference (Stata ``suest``, up to its small-sample factor).
        ``"interaction"``: the fully interacted pooled regression with common fixed effects.
        With more than two groups every pair is tested.
    draws, seed, executor, progress
        Permutation draws, seed (int, ``SeedSequence`` or ``Generator``; never consumed), a
        :class:`concurrent.futures.Executor` (chunks of 50 draws; the same seed gives the same
        p-value), and a tqdm bar.
    vcov
        Covariance (default: the result's, or clustered by county); the small-sample convention
        is the result's (``"fixest"`` for a ``(data, formula)`` pair).
    min_counties
        Each group needs at least this many counties (rows without a county key).

    Returns
    -------
    HeterogeneityResult
        ``params`` by group, ``tests``, ``summary()``, ``plot()``.

    References
    ----------
    Lian, Y. and Liao, J. (2017). 如何检验分组回归后的组间系数差异? (How to test coefficient
    differences between groups). 郑州航空工业管理学院学报 35(6), 97-109. Efron, B. and
    Tibshirani, R. (1993). *An Introduction to the Bootstrap*, ch. 15 (permutation tests).

    Examples
    --------
    >>> import countyeconomy as ce
    >>> from countyeconomy.estimators.heterogeneity import heterogeneity
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=200)
    >>> res = ce.twfe(sim.panel, "log_rural_income ~ policy | county + year")
    >>> east = {f"P{p:02d}": "east" if p < 12 else "west" for p in range(31)}
    >>> het = heterogeneity(res, "province", groups=east, draws=20, seed=1, progress=False)
    >>> list(het.params.index)
    ['east', 'west']
    """
    from scipy import stats

    check_option("test", test, HeterogeneityTest)
    if not isinstance(draws, int) or draws < 1:
        raise InvalidOptionError(f"draws={draws!r} must be a positive int.")
    if test == "fisher_permutation":
        check_draws(draws, caller="heterogeneity", interval=False)
    md, formula, spec0, ssc = _split_design(result_or_design, county, year)
    spec = resolve_vcov(vcov) if vcov is not None else (spec0 or DEFAULT_VCOV)
    parsed = parse_formula(formula)
    frame, order, dropped = _labelled(md, by, groups)
    unit_col = md.county
    fits: dict[str, TWFEResult] = {}
    n_counties: dict[str, int] = {}
    for g in order:
        part = frame.loc[frame[_GROUP] == g].reset_index(drop=True)
        n = int(part[unit_col].nunique()) if unit_col is not None else len(part)
        n_counties[g] = n
        if n < min_counties:
            raise IdentificationError(
                f"group {g!r} of {by!r} has {n} counties; at least min_counties={min_counties} "
                "are needed for a subgroup estimate (merge groups or lower min_counties)."
            )
        fits[g] = twfe(_sub(md, part), formula, vcov=spec, ssc=ssc)
    name = term if term is not None else fits[order[0]].coefs.names[0]
    if name not in fits[order[0]].params.index:
        raise FormulaError(f"term={name!r} is not a coefficient of {parsed.text!r}.")
    root = resolve_seed(seed)
    pairs = list(itertools.combinations(order, 2))
    pair_seeds = root.spawn(len(pairs))
    rows: list[tuple[str, str, float, float, float, float, str]] = []
    perm_draws: dict[str, FloatArray] = {}
    for (g1, g2), pair_seed in zip(pairs, pair_seeds, strict=True):
        pair = frame.loc[frame[_GROUP].isin([g1, g2])].reset_index(drop=True)
        pair = pd.concat([pair.loc[pair[_GROUP] == g1], pair.loc[pair[_GROUP] == g2]])
        pair = pair.reset_index(drop=True)
        diff = float(fits[g1].params[name] - fits[g2].params[name])
        if test == "fisher_permutation":
            p, perm = permutation_test(
                md, pair, formula, name, draws, pair_seed, executor, progress, diff
            )
            perm_draws[f"{g1} vs {g2}"] = perm
            rows.append((g1, g2, diff, float("nan"), float("nan"), p, test))
            continue
        d2, se, df_t = stacked_difference(
            md, pair, formula, name, spec, ssc, cross_fe=test == "seemingly_unrelated"
        )
        dist = stats.norm() if df_t is None else stats.t(df_t)
        ok = se > 0 and np.isfinite(se)  # no test statistic without a standard error
        stat = d2 / se if ok else float("nan")
        p = float(2 * dist.sf(abs(stat))) if ok else float("nan")
        rows.append((g1, g2, d2, se, stat, p, test))
    nobs = sum(f.nobs for f in fits.values())
    first = fits[order[0]].info
    info = FitInfo(
        method="heterogeneity",
        nobs=nobs,
        nobs_input=nobs + dropped,
        dropped={f"missing or unmapped {by!r}": dropped} if dropped else {},
        clusters={k: sum(f.info.clusters.get(k, 0) for f in fits.values()) for k in first.clusters},
        specification=formula,
        vcov=first.vcov,
        ssc=first.ssc,
        df_t=None,
        fixed_effects=first.fixed_effects,
        warnings=tuple(dict.fromkeys(m for f in fits.values() for m in f.info.warnings)),
        extra={
            "term": name,
            "by": by,
            "test": test,
            "draws": draws if test == "fisher_permutation" else 0,
            "seed_entropy": root.entropy,
            "nobs_by_group": {g: f.nobs for g, f in fits.items()},
            "counties": n_counties,
        },
    )
    tests = pd.DataFrame(rows, columns=list(TEST_COLUMNS))
    return HeterogeneityResult(fits, tests, info, perm_draws)
