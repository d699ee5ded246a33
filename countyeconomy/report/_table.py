"""Multi-model regression tables: stars, standard errors in parentheses, FE rows, N, R2, clusters."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import InputTypeError, InvalidOptionError

__all__ = ["RegressionTable", "table"]


def _label(idx: object) -> str:
    """Row label for display: standard-error rows (marked with a zero-width space) are blank."""
    text = str(idx)
    return "" if text.startswith("\u200b") else text


def _stars(p: float, levels: Sequence[float]) -> str:
    if not np.isfinite(p):
        return ""
    return "*" * sum(p < lv for lv in levels)


@dataclass(frozen=True)
class RegressionTable:
    """A regression table. ``to_frame()``, ``to_html()``, ``to_latex()``, ``to_markdown()``.

    Attributes
    ----------
    body
        Rows of coefficients (estimate with stars, then the SE in parentheses).
    footer
        Fixed-effect indicators and fit statistics.
    notes
        Star legend and SE description.
    """

    body: pd.DataFrame
    footer: pd.DataFrame
    notes: str

    def to_frame(self) -> pd.DataFrame:
        """Body and footer stacked into one string DataFrame."""
        return pd.concat([self.body, self.footer])

    def to_markdown(self) -> str:
        frame = self.to_frame()
        head = "| | " + " | ".join(frame.columns) + " |"
        rule = "|---" * (len(frame.columns) + 1) + "|"
        rows = [
            f"| {_label(idx)} | " + " | ".join(str(v) for v in row) + " |"
            for idx, row in frame.iterrows()
        ]
        return "\n".join([head, rule, *rows, "", self.notes])

    def to_html(self) -> str:
        cols = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.body.columns)
        parts = [f"<table class='ce-table'><thead><tr><th></th>{cols}</tr></thead><tbody>"]
        for section, frame in (("body", self.body), ("footer", self.footer)):
            style = " style='border-top:1px solid #333'" if section == "footer" else ""
            for i, (idx, row) in enumerate(frame.iterrows()):
                label = html.escape(_label(idx))
                first = style if i == 0 else ""
                cells = "".join(f"<td{first}>{html.escape(str(v))}</td>" for v in row)
                parts.append(f"<tr><td{first}>{label}</td>{cells}</tr>")
        parts.append(f"</tbody></table><p class='ce-notes'>{html.escape(self.notes)}</p>")
        return "".join(parts)

    def to_latex(self) -> str:
        ncol = len(self.body.columns)

        def esc(s: object) -> str:
            text = str(s)
            for a, b in (
                ("\\", r"\textbackslash{}"),
                ("&", r"\&"),
                ("%", r"\%"),
                ("_", r"\_"),
                ("#", r"\#"),
            ):
                text = text.replace(a, b)
            return text.replace("\u200b", "")

        lines = [f"\\begin{{tabular}}{{l{'c' * ncol}}}", "\\hline\\hline"]
        lines.append(" & " + " & ".join(esc(c) for c in self.body.columns) + " \\\\ \\hline")
        for idx, row in self.body.iterrows():
            lines.append(esc(_label(idx)) + " & " + " & ".join(esc(v) for v in row) + " \\\\")
        lines.append("\\hline")
        for idx, row in self.footer.iterrows():
            lines.append(esc(idx) + " & " + " & ".join(esc(v) for v in row) + " \\\\")
        lines += ["\\hline\\hline", "\\end{tabular}", f"% {esc(self.notes)}"]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        frame = self.to_frame()
        frame.index = [_label(i) for i in frame.index]
        return frame.to_string() + "\n" + self.notes


def _info(result: Any, name: str, default: Any = None) -> Any:
    info = getattr(result, "info", None)
    return getattr(info, name, default) if info is not None else default


def table(
    *results: Any,
    model_names: Sequence[str] | None = None,
    keep: Sequence[str] | None = None,
    drop: Sequence[str] = (),
    rename: Mapping[str, str] | None = None,
    digits: int = 3,
    stars: Sequence[float] = (0.1, 0.05, 0.01),
) -> RegressionTable:
    """Side-by-side regression table of fitted results.

    Parameters
    ----------
    *results
        Results with ``params``, ``std_errors``, ``pvalues`` and ``info`` (every countyeconomy
        linear result).
    model_names
        Column labels (default ``(1)``, ``(2)``, ...).
    keep, drop, rename
        Which coefficients to show, and display names.
    digits
        Decimals.
    stars
        p-value thresholds for one, two and three stars (default 0.1, 0.05, 0.01).

    Examples
    --------
    >>> import countyeconomy as ce
    >>> sim = ce.datasets.simulate_staggered_panel(seed=1, n_counties=100)
    >>> r1 = ce.twfe(sim.panel, "log_rural_income ~ policy | county + year")
    >>> r2 = ce.twfe(sim.panel, "log_rural_income ~ policy + log_gdp_pc | county + year")
    >>> t = ce.table(r1, r2)
    >>> list(t.body.columns)
    ['(1)', '(2)']

    Raises
    ------
    InputTypeError
        An argument is not a fitted result (a DataFrame, say); the message names its position.
    InvalidOptionError
        No results, or ``model_names`` of another length than ``results``.
    """
    _check_results(results, model_names)
    names = (
        list(model_names)
        if model_names is not None
        else [f"({i + 1})" for i in range(len(results))]
    )
    rename = dict(rename or {})
    terms: list[str] = []
    for r in results:
        for t in r.params.index:
            if t not in terms and t not in drop and (keep is None or t in keep):
                terms.append(t)
    if keep is not None:
        terms = [t for t in keep if t in terms]
    body: dict[str, list[str]] = {n: [] for n in names}
    index: list[str] = []
    for t in terms:
        index += [rename.get(t, t), "\u200b" + rename.get(t, t)]
    for n, r in zip(names, results, strict=True):
        for t in terms:
            if t in r.params.index:
                est, se, p = float(r.params[t]), float(r.std_errors[t]), float(r.pvalues[t])
                body[n] += [f"{est:.{digits}f}{_stars(p, stars)}", f"({se:.{digits}f})"]
            else:
                body[n] += ["", ""]
    fe_names: list[str] = []
    for r in results:
        for fe in _info(r, "fixed_effects") or {}:
            if fe not in fe_names:
                fe_names.append(fe)
    foot: dict[str, list[str]] = {n: [] for n in names}
    foot_index = [f"{fe} FE" for fe in fe_names] + [
        "Observations",
        "R2",
        "Within R2",
        "Clusters",
        "Std. errors",
    ]
    for n, r in zip(names, results, strict=True):
        fes = _info(r, "fixed_effects") or {}
        foot[n] += ["Yes" if fe in fes else "No" for fe in fe_names]
        nobs = _info(r, "nobs", getattr(r, "nobs", None))
        foot[n].append(f"{nobs:,}" if nobs is not None else "")
        for stat in ("r2", "within_r2"):
            val = _info(r, stat)
            foot[n].append(f"{val:.{digits}f}" if val is not None and np.isfinite(val) else "")
        clusters = _info(r, "clusters") or {}
        foot[n].append(", ".join(f"{v:,}" for v in clusters.values()))
        foot[n].append(str(_info(r, "vcov", "")))
    legend = ", ".join(
        f"{'*' * (i + 1)} p<{lv}" for i, lv in enumerate(sorted(stars, reverse=True))
    )
    notes = f"Standard errors in parentheses. {legend}."
    return RegressionTable(
        body=pd.DataFrame(body, index=index),
        footer=pd.DataFrame(foot, index=foot_index),
        notes=notes,
    )


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
