"""Multi-model regression tables, as ``esttab`` makes them: stars, standard errors in
parentheses, one row per label, fixed-effect rows, N, R², clusters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import InputTypeError, InvalidOptionError
from countyeconomy.report._paper import HIDDEN, STARS, Table, check_stars, star_legend, stars_for

__all__ = ["RegressionTable", "table"]

RegressionTable = Table
"""The former name of the regression table; it is the one :class:`Table` of every paper table."""

_STATS = ("Observations", "R\u00b2", "Within R\u00b2", "Clusters", "Std. errors")


def _info(result: Any, name: str, default: Any = None) -> Any:
    info = getattr(result, "info", None)
    return getattr(info, name, default) if info is not None else default


def table(
    *results: Any,
    model_names: Sequence[str] | None = None,
    keep: Sequence[str] | None = None,
    drop: Sequence[str] = (),
    rename: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    digits: int = 3,
    stars: Sequence[float] = STARS,
) -> Table:
    """Side-by-side regression table of fitted results (``esttab`` / ``reg2docx``).

    Rows are matched by name *after* ``rename``: terms of different models that map to one
    label share one row, as ``esttab, rename()`` does, so
    ``rename={"policy": "Converted", "ATT": "Converted"}`` puts a TWFE coefficient and a
    heterogeneity-robust ATT on one "Converted" row. Fixed-effect rows come from each result's
    ``info.fixed_effects`` ("Yes" when the estimator absorbed that effect).

    Parameters
    ----------
    *results
        Results with ``params``, ``std_errors``, ``pvalues`` and ``info`` (every countyeconomy
        estimator).
    model_names
        Column labels (default ``(1)``, ``(2)``, ...).
    keep, drop
        Which terms to show (original names or names after ``rename``); ``keep`` also orders
        the rows.
    rename
        Term -> row name. Several terms (of different models) may map to one row.
    labels
        Row name -> text shown, for coefficient rows (after ``rename``), fixed effects (by their
        column name, e.g. ``{"county": "县固定效应"}``; rows whose text is equal merge) and footer
        rows (``"Observations"``, ``"R2"``, ``"Within R2"``, ``"Clusters"``, ``"Std. errors"``;
        shown as R²).
        Chinese or English.
    digits
        Decimals.
    stars
        p-value thresholds for one, two and three stars (default 0.1, 0.05, 0.01).

    Returns
    -------
    countyeconomy.report.Table
        ``to_frame()``, ``to_html()``, ``to_latex()``, ``to_markdown()``, ``to_docx(path)``;
        ``data`` holds model, row, term, estimate, std_error and p_value.

    Examples
    --------
    >>> import countyeconomy as ce
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=100)
    >>> r1 = ce.twfe(sim.panel, "log_rural_income ~ policy | county + year")
    >>> r2 = ce.twfe(sim.panel, "log_rural_income ~ policy + log_gdp_pc | county + year")
    >>> t = ce.table(r1, r2, labels={"policy": "电商试点"})
    >>> list(t.body.columns), t.body.index[0]
    (['(1)', '(2)'], '电商试点')

    Raises
    ------
    InputTypeError
        An argument is not a fitted result (a DataFrame, say); the message names its position.
    InvalidOptionError
        No results, ``model_names`` of another length than ``results``, or two terms of one
        model renamed to the same row.
    """
    _check_results(results, model_names)
    check_stars(stars)
    names = (
        [str(n) for n in model_names]
        if model_names is not None
        else [f"({i + 1})" for i in range(len(results))]
    )
    rename = dict(rename or {})
    labels = dict(labels or {})
    cells = _coefficients(results, names, rename, keep, drop)
    order = list(dict.fromkeys(r for r, _ in cells))
    if keep is not None:
        wanted = [rename.get(k, k) for k in keep]
        order = [r for r in dict.fromkeys(wanted) if r in order]
    body: dict[str, list[str]] = {n: [] for n in names}
    index: list[str] = []
    records = []
    for row in order:
        text = labels.get(row, row)
        index += [text, HIDDEN + text]
        for n in names:
            hit = cells.get((row, n))
            if hit is None:
                body[n] += ["", ""]
                continue
            term, est, se, p = hit
            body[n] += [f"{est:.{digits}f}{stars_for(p, stars)}", _se(se, digits)]
            records.append((n, text, term, est, se, p))
    if len(set(index)) != len(index):
        dup = sorted({i for i in index if index.count(i) > 1})
        raise InvalidOptionError(
            f"labels= gives several rows the text {dup}; rename= the terms to one row instead."
        )
    footer = _footer(results, names, labels, digits)
    data = pd.DataFrame(
        records, columns=["model", "row", "term", "estimate", "std_error", "p_value"]
    )
    return Table(
        body=pd.DataFrame(body, index=index),
        footer=footer,
        notes=(f"Standard errors in parentheses. {star_legend(stars)}",),
        title="Regression results",
        label="tab:regression",
        data=data,
    )


def _se(se: float, digits: int) -> str:
    return f"({se:.{digits}f})" if np.isfinite(se) else ""


def _coefficients(
    results: tuple[Any, ...],
    names: list[str],
    rename: dict[str, str],
    keep: Sequence[str] | None,
    drop: Sequence[str],
) -> dict[tuple[str, str], tuple[str, float, float, float]]:
    """``(row, model) -> (term, estimate, std_error, p_value)``, rows in order of appearance."""
    keep_set = None if keep is None else set(keep)
    out: dict[tuple[str, str], tuple[str, float, float, float]] = {}
    for n, r in zip(names, results, strict=True):
        se, p = r.std_errors, r.pvalues
        for term in r.params.index:
            row = rename.get(term, term)
            if term in drop or row in drop:
                continue
            if keep_set is not None and term not in keep_set and row not in keep_set:
                continue
            if (row, n) in out:
                raise InvalidOptionError(
                    f"model {n}: terms {out[(row, n)][0]!r} and {term!r} both map to row "
                    f"{row!r}; a model shows one coefficient per row (rename only one of them)."
                )
            est = float(r.params[term])
            out[(row, n)] = (
                str(term),
                est,
                float(se.get(term, np.nan)),
                float(p.get(term, np.nan)),
            )
    return out


def _footer(
    results: tuple[Any, ...], names: list[str], labels: dict[str, str], digits: int
) -> pd.DataFrame:
    """Fixed-effect rows ("Yes"/"No", merged by their shown text), N, R², clusters, SEs."""
    fe_rows: dict[str, set[int]] = {}
    for i, r in enumerate(results):
        for fe in _info(r, "fixed_effects") or {}:
            fe_rows.setdefault(labels.get(str(fe), f"{fe} FE"), set()).add(i)
    foot: dict[str, list[str]] = {n: [] for n in names}
    for i, n in enumerate(names):
        r = results[i]
        foot[n] += ["Yes" if i in models else "No" for models in fe_rows.values()]
        nobs = _info(r, "nobs", getattr(r, "nobs", None))
        foot[n].append(f"{nobs:,}" if nobs is not None else "")
        for stat in ("r2", "within_r2"):
            val = _info(r, stat)
            ok = isinstance(val, int | float) and np.isfinite(val)
            foot[n].append(f"{val:.{digits}f}" if ok else "")
        clusters = _info(r, "clusters") or {}
        foot[n].append(", ".join(f"{v:,}" for v in clusters.values()))
        foot[n].append(str(_info(r, "vcov", "")))
    shown = [labels.get(s, labels.get(s.replace("\u00b2", "2"), s)) for s in _STATS]
    index = [*fe_rows, *shown]
    return pd.DataFrame(foot, index=index)


def _check_results(results: tuple[Any, ...], model_names: Sequence[str] | None) -> None:
    if not results:
        raise InvalidOptionError("table() needs at least one fitted result, e.g. ce.table(r1, r2).")
    for i, r in enumerate(results, start=1):
        missing = [a for a in ("params", "std_errors", "pvalues") if not hasattr(r, a)]
        if missing or not isinstance(getattr(r, "params", None), pd.Series):
            raise InputTypeError(
                f"argument {i} of table() is a {type(r).__module__}.{type(r).__qualname__}; "
                "expected a fitted result with params, std_errors and pvalues (as returned by "
                "ce.twfe, ce.iv, ...). To show a DataFrame use its to_html() or to_latex()."
            )
    if model_names is not None and len(list(model_names)) != len(results):
        raise InvalidOptionError(
            f"model_names has {len(list(model_names))} name(s) for {len(results)} result(s); "
            "give one name per result."
        )
