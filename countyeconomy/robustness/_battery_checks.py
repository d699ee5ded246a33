"""The checks of the robustness battery: each returns a table, a verdict and its number."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import CountyEconomyError, IdentificationError, InvalidOptionError
from countyeconomy.estimators import EventStudyResult, TWFEResult, bacon_decomposition
from countyeconomy.estimators import event_study as fit_event_study
from countyeconomy.estimators.twfe import twfe
from countyeconomy.inference import Cluster, placebo_test, wild_bootstrap
from countyeconomy.panel import Panel
from countyeconomy.results import format_p_value
from countyeconomy.robustness._battery_design import Design
from countyeconomy.robustness._battery_estimators import (
    EstimatorComparison,
    compare_estimators,
    spread_table,
)
from countyeconomy.robustness._honest_inputs import event_study_inputs, target_weights
from countyeconomy.robustness.honest import honest_did
from countyeconomy.robustness.psm import psm_did

__all__ = ["FEW_CLUSTERS", "Outcome", "RunContext", "SampleFilter", "honest_grid"]

FEW_CLUSTERS = 42
"""Below this many clusters the clustering check adds a wild cluster bootstrap p-value."""

SampleFilter = str | Callable[[pd.DataFrame], Any]
HonestTarget = int | Sequence[int]


@dataclass(frozen=True)
class Outcome:
    """What a check hands back before the battery wraps it into a ``CheckResult``."""

    verdict: str
    statistic: str
    value: float
    table: pd.DataFrame
    result: Any
    status: str = "ok"


def _draws_kwarg(fn: Callable[..., Any], draws: int) -> dict[str, Any]:
    """``draws=`` where the function takes it, else its older spelling ``reps=``."""
    params = inspect.signature(fn).parameters
    return {"draws": draws} if "draws" in params else {"reps": draws}


def _used_draws(res: Any) -> int:
    n = getattr(res, "draws", None)
    return int(n if n is not None else res.reps)


@dataclass
class RunContext:
    """Options of one battery run, with the baseline fits shared between checks (cached)."""

    design: Design
    seeds: Mapping[str, int]
    executor: Executor | None = None
    progress: bool = True
    draws: int = 999
    control: str | None = None
    alt_clusters: Sequence[str] = ("prefecture", "province")
    sample_filters: Mapping[str, SampleFilter] = field(default_factory=dict)
    honest_mbar: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0)
    honest_target: HonestTarget = 0
    window: tuple[int, int] = (-5, 5)

    @cached_property
    def baseline(self) -> TWFEResult:
        """The baseline TWFE fit of the design."""
        d = self.design
        return twfe(d.panel, d.formula, vcov=d.vcov)

    @cached_property
    def event_study(self) -> EventStudyResult:
        """The TWFE event study of the design."""
        d = self.design
        return fit_event_study(
            d.panel,
            d.outcome,
            d.cohort,
            covariates=d.covariates,
            window=self.window,
            absorb=d.absorb,
            vcov=d.vcov,
        )

    # ------------------------------------------------------------------ checks
    def pretrends(self) -> Outcome:
        es = self.event_study
        w = es.pretrend
        ok = w.p_value >= 0.05
        note = "no evidence against parallel trends" if ok else "pre-trends reject parallel trends"
        dof = f"({w.df}, {w.df_denom})" if w.df_denom is not None else f"({w.df})"
        verdict = (
            f"pre-trends: joint {w.distribution}{dof} = {w.statistic:.2f}, "
            f"{format_p_value(w.p_value)} ({note} at 5%)"
        )
        return Outcome(verdict, "p_value", w.p_value, es.event_frame(), es)

    def bacon(self) -> Outcome:
        d = self.design
        b = bacon_decomposition(d.panel, d.outcome, d.treatment)
        t = b.by_type
        bad = t["type"].str.startswith("Later vs Earlier")
        share = float(t.loc[bad, "weight"].sum())
        verdict = (
            f"Bacon: {share:.1%} of the TWFE weight ({b.twfe:.4f}) is on later-vs-earlier "
            "(already-treated control) comparisons"
        )
        table = pd.concat(
            [t, pd.DataFrame([{"type": "TWFE", "weight": 1.0, "estimate": b.twfe}])],
            ignore_index=True,
        ).astype({"n_comparisons": "Int64"})
        return Outcome(verdict, "forbidden_weight", share, table, b)

    def estimators(self) -> Outcome:
        frame, results, skipped = compare_estimators(self.design, self.window, self.control)
        table, means = spread_table(frame, self.control)
        lo, hi = min(means, key=means.__getitem__), max(means, key=means.__getitem__)
        spread = means[hi] - means[lo]
        verdict = (
            f"estimators: mean post-period effect from {means[lo]:.4f} ({lo}) to "
            f"{means[hi]:.4f} ({hi}) across {len(means)} estimators; spread {spread:.4f}"
        )
        if self.control is not None:
            verdict += f" (control={self.control!r} where supported)"
        if skipped:
            verdict += f" (skipped: {', '.join(skipped)})"
        result = EstimatorComparison(frame, results, skipped, self.control)
        return Outcome(verdict, "spread", spread, table, result)

    def placebo(self) -> Outcome:
        res = placebo_test(
            self.baseline,
            self.design.treatment,
            draws=self.draws,
            seed=self.seeds["placebo"],
            executor=self.executor,
            progress=self.progress,
        )
        verdict = (
            f"placebo: randomization {format_p_value(res.p_value, res.draws)} (two-sided, "
            f"{res.draws:,} draws; estimate {res.estimate:.4f}, placebo sd "
            f"{np.nanstd(res.coefs, ddof=1):.4f})"
        )
        return Outcome(verdict, "p_value", res.p_value, res.to_frame(), res)

    def psm(self) -> Outcome:
        d = self.design
        if not d.covariates:
            return _skipped("psm: skipped, the design has no covariates for the propensity score")
        res = psm_did(d.panel, d.outcome, d.treatment, d.covariates, absorb=d.absorb, vcov=d.vcov)
        row = _term_row(res.to_frame(), d.treatment)
        worst = float(res.balance["bias_after"].abs().max())
        verdict = (
            f"PSM-DID: ATT = {res.att:.4f} (SE {row['std_error']:.4f}, "
            f"{format_p_value(row['p_value'])}); max |standardised bias| after matching "
            f"{worst:.1f}%"
        )
        return Outcome(verdict, "att", res.att, res.to_frame(), res)

    def clustering(self) -> Outcome:
        d, base = self.design, self.baseline
        frame = d.panel.frame
        present = [c for c in self.alt_clusters if c in frame.columns and c != d.cluster]
        levels = [c for c in present if frame[c].nunique() >= 2]
        single = [c for c in present if c not in levels]
        if not levels:
            return _skipped(
                f"clustering: skipped, none of {list(self.alt_clusters)} is a column of the data "
                "with at least two clusters"
            )
        rows, fits = [], {d.vcov_label: base}
        rows.append(self._cluster_row(base, d.vcov_label))
        for level in levels:
            fit = base.with_vcov(Cluster(level))
            fits[level] = fit
            rows.append(self._cluster_row(fit, level))
        table = pd.DataFrame(rows)
        worst = _row_at(table, int(np.argmax(table["p_final"].to_numpy(dtype=float))))
        how = "wild bootstrap" if np.isfinite(worst["wild_p_value"]) else "analytic"
        verdict = (
            f"clustering: largest {_p_of(worst, 'p_final')} ({worst['cluster']}, "
            f"{_clusters_text(worst['clusters'])}, {how}) across {len(table)} levels"
        )
        if single:
            verdict += f" ({', '.join(single)}: a single cluster, left out)"
        wild = table[np.isfinite(table["wild_p_value"].to_numpy(dtype=float))]
        if len(wild):
            few = _row_at(wild, int(np.argmin(wild["clusters"].to_numpy())))
            verdict += (
                f"; wild bootstrap {_p_of(few, 'wild_p_value')} with {int(few['clusters'])} "
                f"{few['cluster']} clusters"
            )
        return Outcome(verdict, "max_p_value", float(worst["p_final"]), table, fits)

    def _cluster_row(self, fit: TWFEResult, level: str) -> dict[str, Any]:
        t = self.design.treatment
        f = _term_row(fit.to_frame(), t)
        counts = [int(v) for v in fit.info.clusters.values()]
        n = min(counts) if counts else None  # two-way: the smaller dimension
        row: dict[str, Any] = {
            "cluster": level,
            "clusters": pd.NA if n is None else n,
            "estimate": f["estimate"],
            "std_error": f["std_error"],
            "p_value": f["p_value"],
            "ci_low": f["ci_low"],
            "ci_high": f["ci_high"],
            "wild_p_value": np.nan,
            "wild_ci_low": np.nan,
            "wild_ci_high": np.nan,
            "wild_draws": pd.NA,
        }
        if n is not None and len(counts) == 1 and n < FEW_CLUSTERS:
            wb = wild_bootstrap(
                fit,
                t,
                **_draws_kwarg(wild_bootstrap, self.draws),
                seed=self.seeds["clustering"],
                executor=self.executor,
                progress=self.progress,
            )
            row |= {
                "wild_p_value": wb.p_value,
                "wild_ci_low": wb.ci_low,
                "wild_ci_high": wb.ci_high,
                "wild_draws": _used_draws(wb),
            }
        row["p_final"] = row["wild_p_value"] if np.isfinite(row["wild_p_value"]) else row["p_value"]
        return row

    def samples(self) -> Outcome:
        d, base = self.design, self.baseline
        if not self.sample_filters:
            return _skipped("samples: skipped, no sample_filters given")
        fits: dict[str, TWFEResult] = {"baseline": base}
        rows = [_sample_row("baseline", base, d, d.panel)]
        for name, rule in self.sample_filters.items():
            sub = _apply_filter(d.panel, name, rule)
            fit = twfe(sub, d.formula, vcov=d.vcov)
            fits[name] = fit
            rows.append(_sample_row(name, fit, d, sub))
        table = pd.DataFrame(rows).astype({"counties": "int64", "nobs": "int64"})
        alt = table.iloc[1:]
        worst = float(alt["p_value"].max())
        verdict = (
            f"samples: estimate {alt['estimate'].min():.4f} to {alt['estimate'].max():.4f} "
            f"across {len(alt)} sample(s) (baseline {float(base.params[d.treatment]):.4f}); "
            f"largest {format_p_value(worst)}"
        )
        return Outcome(verdict, "max_p_value", worst, table, fits)

    def honestdid(self) -> Outcome:
        es = self.event_study
        inputs = event_study_inputs(es)
        lv = target_weights(inputs, self.honest_target)
        res = honest_did(
            inputs,
            mbar=self.honest_mbar,
            l_vec=lv,
            grid=honest_grid(es, self.honest_target),
            seed=self.seeds["honestdid"],
        )
        bd = res.breakdown
        target = _target_text(self.honest_target)
        if np.isnan(bd):
            verdict = (
                f"HonestDiD: no breakdown value, the robust CI of {target} covers 0 even at "
                "Mbar = 0"
            )
        else:
            sign = ">=" if res.breakdown_censored else "="
            verdict = (
                f"HonestDiD: breakdown Mbar {sign} {bd:.2f}; {target} ({res.estimate:.4f}) "
                f"stays significant for post-period trend violations up to {bd:.2f}x the "
                "largest pre-period one"
            )
        return Outcome(verdict, "breakdown_mbar", float(bd), res.to_frame(), res)


def _clusters_text(n: Any) -> str:
    return "no clusters" if n is pd.NA or n is None else f"{int(n)} clusters"


def _target_text(target: HonestTarget) -> str:
    if isinstance(target, int | np.integer):
        return f"the effect at event time {int(target)}"
    return f"the average effect over event times {[int(t) for t in target]}"


def honest_grid(es: Any, target: HonestTarget = 0) -> tuple[float, float]:
    """HonestDiD's theta grid: 20 SEs of the target effect beyond both 0 and it.

    R's default (+/- 20 SEs around 0) cuts the robust set of a precisely estimated effect.
    """
    inputs = event_study_inputs(es)
    lv = target_weights(inputs, target)
    post = slice(inputs.num_pre, None)
    b = float(lv @ inputs.betahat[post])
    se = float(np.sqrt(lv @ inputs.sigma[post, post] @ lv))
    return (min(0.0, b) - 20 * se, max(0.0, b) + 20 * se)


def _p_of(row: Mapping[str, Any], column: str) -> str:
    """A p-value of a clustering row at its resolution (bootstrap draws when it is one)."""
    p = float(row[column])
    wild = column == "wild_p_value" or (
        column == "p_final" and np.isfinite(float(row["wild_p_value"]))
    )
    return format_p_value(p, int(row["wild_draws"]) if wild else None)


def _row_at(frame: pd.DataFrame, i: int) -> dict[str, Any]:
    return {str(k): v for k, v in frame.iloc[i].to_dict().items()}


def _term_row(frame: pd.DataFrame, term: str) -> dict[str, Any]:
    """The row of ``term`` in a tidy ``to_frame()`` table, as a dict."""
    rows = frame[frame["term"] == term]
    if rows.empty:
        raise IdentificationError(
            f"no coefficient {term!r} in the fit (terms: {list(frame['term'])})."
        )
    return _row_at(rows, 0)


def _skipped(reason: str) -> Outcome:
    return Outcome(reason, "", float("nan"), pd.DataFrame(), None, status="skipped")


def _sample_row(name: str, fit: TWFEResult, d: Design, panel: Panel) -> dict[str, Any]:
    """Estimate, rows and counties of one sample (counties with a row in the fit's sample)."""
    f = _term_row(fit.to_frame(), d.treatment)
    used = panel.frame[[d.outcome, d.treatment, *d.covariates]].notna().all(axis=1)
    counties = panel.frame.loc[used, panel.county].nunique()
    fe = fit.info.fixed_effects
    n_fe = fe.get(panel.county, fe.get("county")) if "county" in d.absorb else None
    return {
        "sample": name,
        "nobs": int(fit.info.nobs),
        "counties": int(n_fe) if n_fe else int(counties),
        "estimate": f["estimate"],
        "std_error": f["std_error"],
        "p_value": f["p_value"],
        "ci_low": f["ci_low"],
        "ci_high": f["ci_high"],
    }


def _apply_filter(panel: Panel, name: str, rule: SampleFilter) -> Panel:
    """Rows kept by a filter: a ``DataFrame.query`` string or a callable giving a mask or frame."""
    frame = panel.frame
    where = f"sample_filters[{name!r}]"
    if isinstance(rule, str):
        try:
            kept = frame.query(rule, engine="python")
        except CountyEconomyError:
            raise
        except Exception as err:  # pandas raises many types for a bad query
            raise InvalidOptionError(
                f"{where}: the query {rule!r} fails on the data ({type(err).__name__}: {err})."
            ) from None
    elif callable(rule):
        out = rule(frame)
        if isinstance(out, pd.DataFrame):
            kept = out
        else:
            mask = np.asarray(out, dtype=bool)
            if mask.shape != (len(frame),):
                raise InvalidOptionError(
                    f"{where} returned {mask.shape[0] if mask.ndim else 0} values; "
                    f"a mask needs one per row ({len(frame)})."
                )
            kept = frame.loc[mask]
    else:
        raise InvalidOptionError(
            f"{where} must be a query string or a callable, got {type(rule).__name__}."
        )
    if kept.empty:
        raise IdentificationError(f"{where} keeps no rows.")
    return Panel.from_frame(kept, county=panel.county, year=panel.year)
