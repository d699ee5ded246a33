"""The robustness report: one frozen object with a table, charts and a verdict per check."""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy.errors import UnknownNameError
from countyeconomy.results import FrozenResult, Summary

__all__ = ["CheckResult", "RobustnessReport"]

CheckStatus = Literal["ok", "skipped", "failed"]


def _fmt(value: Any) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value)


@dataclass(frozen=True, repr=False)
class CheckResult(FrozenResult):
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
        What that number is (e.g. ``"p_value"``) and the number (``NaN`` if none).
    table
        The check's table (empty when skipped or failed); also ``to_frame()``.
    result
        The underlying result (a mapping of results by name for the clustering and sample
        checks; ``None`` when skipped or failed).
    seed
        The integer seed of the check's randomness (``None`` for deterministic checks): passing
        it as ``seed=`` to the underlying function reproduces the numbers.
    seconds
        Wall time of the check.
    term
        The coefficient the check's charts show (the design's treatment column).
    """

    name: str
    status: CheckStatus
    verdict: str
    statistic: str = ""
    value: float = float("nan")
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    result: Any = None
    seed: int | None = None
    seconds: float = 0.0
    term: str = ""

    @property
    def charts(self) -> tuple[Any, ...]:
        """altair charts of the check, drawn from its result on demand."""
        res = self.result
        if res is None:
            return ()
        if isinstance(res, Mapping):
            from countyeconomy.report import coefplot

            keep = [self.term] if self.term else None
            return (coefplot(*res.values(), model_names=list(res), keep=keep),)
        plot = getattr(res, "plot", None)
        return (plot(),) if callable(plot) else ()

    def to_frame(self) -> pd.DataFrame:
        """The check's table (a copy)."""
        return self.table

    def summary(self) -> Summary:
        """The check's table with its verdict, status and seed in the footer."""
        foot = [("Verdict", self.verdict), ("Status", self.status)]
        if self.seed is not None:
            foot.append(("Seed", str(self.seed)))
        table = self.table
        if table.empty:
            table = pd.DataFrame({"check": [self.name], "status": [self.status]})
        return Summary(f"Robustness check: {self.name}", table, tuple(foot))


@dataclass(frozen=True, repr=False)
class RobustnessReport(FrozenResult):
    """The battery's report; see :func:`~countyeconomy.robustness_battery`.

    Attributes
    ----------
    checks
        Read-only mapping of check name to :class:`CheckResult`, in run order.
    seed_entropy
        Entropy of the root ``numpy.random.SeedSequence``; passing it as ``seed=`` reproduces
        a run made with ``seed=None``.
    design
        The :class:`~countyeconomy.Design`.
    options
        The battery's options (draws, control group, HonestDiD target, ...).
    """

    checks: Mapping[str, CheckResult]
    seed_entropy: int
    design: Any = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> CheckResult:
        try:
            return self.checks[name]
        except KeyError:
            raise UnknownNameError(
                f"no check {name!r} in this report; checks: {list(self.checks)}"
            ) from None

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

    def to_frame(self) -> pd.DataFrame:
        """One row per check: ``check``, ``status``, ``statistic``, ``value``, ``verdict``,
        ``seed``, ``seconds``."""
        rows = [
            {
                "check": c.name,
                "status": c.status,
                "statistic": c.statistic,
                "value": c.value,
                "verdict": c.verdict,
                "seed": c.seed,
                "seconds": c.seconds,
            }
            for c in self.checks.values()
        ]
        cols = ["check", "status", "statistic", "value", "verdict", "seed", "seconds"]
        return pd.DataFrame(rows, columns=cols).astype({"seed": "object"})

    def summary(self) -> Summary:
        """Status and verdict of each check; the design and the seed entropy in the footer."""
        table = self.to_frame()[["check", "status", "verdict"]]
        foot: list[tuple[str, str]] = [("Seed entropy", str(self.seed_entropy))]
        if self.design is not None:
            foot.insert(0, ("Design", str(self.design.formula)))
        return Summary(f"Robustness report ({len(self.checks)} checks)", table, tuple(foot))

    def timings(self) -> pd.Series:
        """Seconds per check."""
        return pd.Series({k: c.seconds for k, c in self.checks.items()}, name="seconds")

    def _summary_html(self) -> str:
        s = self.to_frame().set_index("check")[["status", "verdict"]]
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
        summary = self.to_frame().set_index("check")[["status", "verdict"]]
        blocks = [_latex(summary, "Robustness checks", "summary")]
        for c in self.checks.values():
            if not c.table.empty:
                blocks.append(_latex(c.table, c.verdict, c.name))
        return "\n\n".join(blocks)


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
