"""Every public signature speaks the one vocabulary of docs/guides/conventions.md.

The argument table between ``<!-- vocabulary-table: start -->`` and ``<!-- vocabulary-table: end
-->`` is THE list of shared argument names. A keyword parameter of a public function (the
unwrapped function: ``renamed_kwargs`` wrappers are looked through) must be in that table or in
:data:`METHOD_OPTIONS`, the per-function list of method-specific options kept here. No public
signature may use a name retired in the guide's retired table (the old spelling is accepted only
through ``countyeconomy._deprecate.renamed_kwargs``, which does not show in the signature).

Scope: the full check covers every function of ``countyeconomy.__all__`` and ``Design`` (the
battery's input); the retired-name check also covers the public functions of every subpackage
(indicators, registry, datasets, inference, report, panel, estimators, robustness).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import countyeconomy as ce

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "conventions.md"

METHOD_OPTIONS: dict[str, set[str]] = {
    "att_gt": {"anticipation", "base_period"},
    "triple_did": {"anticipation", "base_period"},
    "coefplot": {"keep", "model_names", "title", "truth"},
    "compare_event_studies": {"estimators"},
    "dose_did": {"degree", "knots", "discrete", "grid", "bins"},
    "did_multiplegt": {"effects", "placebo", "normalized"},
    "event_study": {"bin_endpoints"},
    "harmonise": {"to_year", "rules", "registry", "codes_year"},
    "describe": {"columns", "by", "stats", "digits"},
    "correlation_table": {"columns", "vif", "digits", "stars"},
    "balance_table": {"columns", "by", "groups", "welch", "digits", "stars"},
    "read_panel": {
        "source",
        "layout",
        "header_rows",
        "missing",
        "thousands",
        "sheet",
        "value",
        "names_to_codes",
        "province",
        "prefecture",
        "codes_year",
        "to_year",
        "rules",
        "registry",
    },
    "heterogeneity": {"result_or_design", "by", "groups", "term", "test", "min_counties"},
    "honest_did": {
        "event_study_result",
        "mbar",
        "m",
        "l_vec",
        "num_pre",
        "hybrid",
        "grid",
        "grid_points",
    },
    "imputation_did": {"horizons", "pretrends"},
    "mechanism": {"mediator", "approach", "theory"},
    "moderation": {"moderator", "center", "grid"},
    "panel_threshold": {"threshold", "regime_dependent", "n_thresholds", "trim", "grid", "balance"},
    "placebo_test": {"result", "param", "scheme", "group", "chunk"},
    "psm_did": {"k", "caliper", "replacement", "bandwidth", "by_year", "base_year"},
    "robustness_battery": {
        "design",
        "checks",
        "alt_clusters",
        "sample_filters",
        "honest_mbar",
        "honest_target",
    },
    "sar_panel": {"bias_correction", "traces"},
    "sdem_panel": {"bias_correction"},
    "sdm_panel": {"bias_correction", "traces"},
    "sem_panel": {"bias_correction"},
    "synthetic_control": {
        "treated",
        "treat_year",
        "predictors",
        "special_predictors",
        "donors",
        "v",
        "starts",
        "leave_one_out",
        "placebo_year",
    },
    "augmented_synthetic_control": {
        "treated",
        "treat_year",
        "residualise",
        "donors",
        "penalty",
        "inference",
    },
    "synthetic_did": {"zeta_omega", "zeta_lambda"},
    "table": {"model_names", "keep", "drop", "rename", "digits", "stars"},
    "twfe": {"drop_singletons"},
    "wild_bootstrap": {"result", "param", "impose_null", "null", "chunk"},
}
"""Method-specific options per public function: names that mean something only to that method.
A name shared by several methods belongs in the conventions table instead."""

NOT_HERE: dict[str, set[str]] = {
    # the bootstrap weight distribution is `distribution=`; `weights=` means observation weights
    "wild_bootstrap": {"weights"},
}
"""Table names a function must not use because they mean something else there."""

RETIRED_IN_BRIEF = {
    "cluster",
    "reps",
    "bootstrap",
    "bootstrap_reps",
    "placebo_draws",
    "bootstrap_weights",
    "controls",
}


def _table(marker: str) -> list[list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    match = re.search(
        rf"<!-- {marker}: start -->(.*?)<!-- {marker}: end -->", text, flags=re.DOTALL
    )
    assert match, f"{GUIDE} has no {marker} block"
    rows = []
    for line in match.group(1).strip().splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if not cells or set(cells[0]) <= set("-: "):
            continue
        rows.append(cells)
    return rows[1:]  # without the header row


def vocabulary() -> set[str]:
    """Argument names of the conventions table (first column, in backticks)."""
    return {m for row in _table("vocabulary-table") for m in re.findall(r"`(\w+)`", row[0])}


def retired() -> set[str]:
    """Retired keyword names (``name=`` in the old column of the retired table)."""
    return {m for row in _table("retired-table") for m in re.findall(r"`(\w+)=`", row[0])}


def _parameters(fn: Callable[..., Any]) -> list[str]:
    target = inspect.unwrap(fn)
    if inspect.isclass(target):
        target = target.__init__  # type: ignore[misc]
    sig = inspect.signature(target)
    keep = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in sig.parameters.values() if p.kind in keep and p.name != "self"]


def _functions(module: Any) -> dict[str, Callable[..., Any]]:
    out = {}
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name)
        if callable(obj) and not inspect.isclass(obj) and not inspect.ismodule(obj):
            out[name] = obj
    return out


def checked() -> dict[str, Callable[..., Any]]:
    """What the full vocabulary check covers."""
    return {**_functions(ce), "Design": ce.Design}


SUBPACKAGES = (
    "indicators",
    "registry",
    "datasets",
    "inference",
    "report",
    "panel",
    "estimators",
    "robustness",
)


def everything() -> dict[str, Callable[..., Any]]:
    """What the retired-name check covers: ``checked()`` plus every subpackage's functions."""
    out = {f"countyeconomy.{k}": v for k, v in checked().items()}
    for sub in SUBPACKAGES:
        module = getattr(ce, sub, None) or __import__(f"countyeconomy.{sub}", fromlist=["_"])
        out |= {f"countyeconomy.{sub}.{k}": v for k, v in _functions(module).items()}
    return out


def test_the_tables_parse() -> None:
    names = vocabulary()
    assert {"data", "outcome", "cohort", "vcov", "draws", "seed", "level"} <= names
    assert RETIRED_IN_BRIEF <= retired()


@pytest.mark.parametrize("name", sorted(checked()))
def test_arguments_are_in_the_vocabulary(name: str) -> None:
    allowed = (vocabulary() - NOT_HERE.get(name, set())) | METHOD_OPTIONS.get(name, set())
    unknown = [p for p in _parameters(checked()[name]) if p not in allowed]
    assert not unknown, (
        f"{name}() takes {unknown}: use the conventions table's name "
        "(docs/guides/conventions.md), or, if the option is specific to this method, add it to "
        "METHOD_OPTIONS in tests/conformance/test_vocabulary.py"
    )


@pytest.mark.parametrize("name", sorted(everything()))
def test_no_retired_argument_names(name: str) -> None:
    old = (retired() - vocabulary()) | RETIRED_IN_BRIEF
    used = [p for p in _parameters(everything()[name]) if p in old]
    assert not used, f"{name}() still takes retired {used}; see docs/guides/conventions.md"


def test_method_options_are_current() -> None:
    """The allowlist names only public functions and parameters they still have."""
    stale = []
    for fn, options in METHOD_OPTIONS.items():
        if fn not in checked():
            stale.append(fn)
            continue
        stale += [f"{fn}({o}=)" for o in sorted(options - set(_parameters(checked()[fn])))]
    assert not stale, f"stale METHOD_OPTIONS entries: {stale}"
