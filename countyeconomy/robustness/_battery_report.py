"""The robustness report: one frozen object with a table, charts and a verdict per check."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = ["CheckResult", "RobustnessReport"]

CheckStatus = Literal["ok", "skipped", "failed"]


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value)


@dataclass(frozen=True, repr=False)
class CheckResult:
    """One check of the battery.

    Attributes
    ----------
    name
        The check's key (``"pretrends"``, ``"placebo"``, ...).
    status
        ``"ok"``, ``"skipped"`` (with the reason as verdict) or ``"failed"`` (the error
        message as verdict).
    verdict
        One line stating the number the check rests on.
    statistic, value
        What that number is (e.g. ``"p_value"``) and the number (``nan`` if none).
    table
        The check's table (empty when skipped or failed).
    charts
        altair charts of the check.
    result
        The underlying result object(s) (``None`` when skipped or failed).
    seed
        The integer seed the check's resampling used (``None`` for deterministic checks);
        passing it to the underlying function reproduces the numbers.
    seconds
        Wall time of the check.
    """

    name: str
    status: CheckStatus
    verdict: str
    statistic: str = ""
    value: float = float("nan")
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    charts: tuple[Any, ...] = ()
    result: Any = None
    seed: int | None = None
    seconds: float = 0.0

    def __repr__(self) -> str:
        return f"CheckResult({self.name!r}, {self.status}: {self.verdict})"


@dataclass(frozen=True, repr=False)
class RobustnessReport:
    """The battery's report; see :func:`~countyeconomy.robustness.battery.run_robustness`.

    Attributes
    ----------
    checks
        Read-only mapping of check name to :class:`CheckResult`, in run order.
    seed_entropy
        Entropy of the root ``numpy.random.SeedSequence``; passing it as ``seed=`` reproduces
        a run made with ``seed=None``.
    design
        The :class:`~countyeconomy.robustness.battery.Design`.
    """

    checks: Mapping[str, CheckResult]
    seed_entropy: int
    design: Any = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "checks", MappingProxyType(dict(self.checks)))

    def __getitem__(self, name: str) -> CheckResult:
        return self.checks[name]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The table of each check."""
        return {k: c.table for k, c in self.checks.items()}

    @property
    def charts(self) -> dict[str, tuple[Any, ...]]:
        """The altair charts of each check."""
        return {k: c.charts for k, c in self.checks.items()}

    @property
    def verdicts(self) -> dict[str, str]:
        """The one-line verdict of each check."""
        return {k: c.verdict for k, c in self.checks.items()}

    def summary(self) -> pd.DataFrame:
        """One row per check: ``status``, ``statistic``, ``value``, ``verdict`` (index: check)."""
        rows = [
            {
                "check": c.name,
                "status": c.status,
                "statistic": c.statistic,
                "value": c.value,
                "verdict": c.verdict,
            }
            for c in self.checks.values()
        ]
        cols = ["check", "status", "statistic", "value", "verdict"]
        return pd.DataFrame(rows, columns=cols).set_index("check")

    def timings(self) -> pd.Series:
        """Seconds per check."""
        return pd.Series({k: c.seconds for k, c in self.checks.items()}, name="seconds")

    def _summary_html(self) -> str:
        s = self.summary()[["status", "verdict"]]
        return s.to_html(classes="ce-table", border=0, escape=True)

    def to_html(self, path: str | Path, *, title: str = "Robustness checks") -> Path:
        """Write a self-contained offline HTML page (tables and inline SVG charts, no scripts)."""
        from countyeconomy.report import Section, write_html_page

        sections = [Section("Summary", table_html=self._summary_html())]
        for c in self.checks.values():
            tab = ""
            if not c.table.empty:
                tab = c.table.to_html(
                    classes="ce-table", border=0, escape=True, na_rep="", float_format=_fmt
                )
            sections.append(Section(c.name, [c.verdict], table_html=tab, charts=c.charts))
        return write_html_page(path, title, sections)

    def to_latex(self) -> str:
        """LaTeX ``tabular`` blocks: the verdicts, then each check's table."""
        blocks = [_latex(self.summary()[["status", "verdict"]], "Robustness checks", "summary")]
        for c in self.checks.values():
            if not c.table.empty:
                blocks.append(_latex(c.table, c.verdict, c.name))
        return "\n\n".join(blocks)

    def __repr__(self) -> str:
        lines = [f"Robustness report ({len(self.checks)} checks)"]
        lines += [f"  [{c.status}] {c.verdict}" for c in self.checks.values()]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<h4>Robustness report</h4>{self._summary_html()}"


def _latex(frame: pd.DataFrame, caption: str, label: str) -> str:
    body = frame.to_latex(escape=True, na_rep="", float_format=_fmt)
    cap = html.unescape(caption)
    for a, b in (("\\", r"\textbackslash{}"), ("%", r"\%"), ("&", r"\&"), ("_", r"\_")):
        cap = cap.replace(a, b)
    for a, b in (("#", r"\#"), ("$", r"\$")):
        cap = cap.replace(a, b)
    return (
        f"% {label}\n\\begin{{table}}[htbp]\n\\centering\n\\caption{{{cap}}}\n"
        f"\\label{{tab:robustness-{label}}}\n{body}\\end{{table}}"
    )
