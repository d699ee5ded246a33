"""Baron-Kenny machinery: Sobel-type tests and the cluster bootstrap of the indirect effect."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, IntArray
from countyeconomy.estimators._design import ModelData, build_design
from countyeconomy.estimators._formula import parse_formula
from countyeconomy.estimators._mech_kernels import ResampleDesign, resample_rows, sorted_factor
from countyeconomy.estimators._threshold_boot import ChunkLike
from countyeconomy.inference import Cluster, VcovSpec, is_nested
from countyeconomy.linalg import demean
from countyeconomy.results import FrozenResult, Summary

__all__ = ["BootChunk", "SobelTest", "boot_chunk", "resample_design", "sobel_table"]


@dataclass(frozen=True, repr=False)
class SobelTest(FrozenResult):
    """Normal-theory tests of the indirect effect ``a*b``: one row per variant.

    ``table`` columns: ``test`` (``sobel``, ``aroian``, ``goodman``), ``std_error``,
    ``statistic``, ``p_value``.
    """

    table: pd.DataFrame

    @property
    def z(self) -> float:
        """The Sobel z statistic."""
        return float(self.table.loc[self.table["test"] == "sobel", "statistic"].iloc[0])

    def to_frame(self) -> pd.DataFrame:
        """The tests as a table."""
        return self.table

    def summary(self) -> Summary:
        """The tests as a printable table."""
        return Summary("Tests of the indirect effect a*b", self.table)


def sobel_table(a: float, sa: float, b: float, sb: float) -> SobelTest:
    """Sobel (first-order), Aroian (+ sa^2 sb^2) and Goodman (- sa^2 sb^2) tests of ``a*b``."""
    from scipy import stats

    base = b * b * sa * sa + a * a * sb * sb
    rows = []
    for name, var in (
        ("sobel", base),
        ("aroian", base + sa * sa * sb * sb),
        ("goodman", base - sa * sa * sb * sb),
    ):
        se = float(np.sqrt(var)) if var > 0 else float("nan")
        z = a * b / se
        rows.append((name, se, z, float(2 * stats.norm.sf(abs(z)))))
    return SobelTest(pd.DataFrame(rows, columns=["test", "std_error", "statistic", "p_value"]))


def boot_chunk(
    design: ResampleDesign, d_col: int, m_col: int, a_cols: list[int], draws: IntArray
) -> FloatArray:
    """``(len(draws), 2)`` estimates of ``a`` and ``b`` on each cluster-bootstrap sample.

    ``values`` columns: 0 = outcome, then the regressors of the outcome model; ``a_cols`` are the
    regressors of the mediator model (treatment first).
    """
    b_cols = list(range(1, design.values.shape[1]))
    out = np.empty((len(draws), 2))
    for i, draw in enumerate(draws):
        rows, facs = resample_rows(design, draw)
        v = design.values[rows]
        dm = demean(v, facs).values if facs else v
        coef_a, *_ = np.linalg.lstsq(dm[:, a_cols], dm[:, m_col], rcond=None)
        coef_b, *_ = np.linalg.lstsq(dm[:, b_cols], dm[:, 0], rcond=None)
        out[i, 0] = coef_a[a_cols.index(d_col)]
        out[i, 1] = coef_b[b_cols.index(m_col)]
    return out


@dataclass(frozen=True)
class BootChunk:
    """One chunk of the cluster bootstrap of ``a`` and ``b`` for
    :func:`countyeconomy.inference.map_chunks` (picklable): clusters drawn with replacement by the
    chunk's own generator, ``rng.integers(0, G, size=(size, G))``."""

    design: ResampleDesign
    d_col: int
    m_col: int
    a_cols: tuple[int, ...]

    def __call__(self, task: ChunkLike) -> FloatArray:
        g = self.design.n_clusters
        idx = task.rng().integers(0, g, size=(task.size, g))
        return boot_chunk(self.design, self.d_col, self.m_col, list(self.a_cols), idx)


def resample_design(
    md: ModelData, formula: str, spec: VcovSpec, treatment: str, mediator: str
) -> tuple[ResampleDesign, int, int, list[int], str]:
    design = build_design(md, parse_formula(formula))
    values = np.column_stack([design.y, design.x])
    names = list(design.x_names)
    d_col, m_col = 1 + names.index(treatment), 1 + names.index(mediator)
    a_cols = [d_col] + [1 + j for j, n in enumerate(names) if 1 + j not in (d_col, m_col)]
    if isinstance(spec, Cluster):
        col = md.resolve(spec.variables[0])
        cl = sorted_factor(md.frame[col].to_numpy()[design.rows], col)
        unit = col
    else:
        cl = sorted_factor(np.arange(len(design.y)), "row")
        unit = "row"
    nested = tuple(is_nested(f, cl) for f in design.fixed_effects)
    rd = ResampleDesign(values, design.fixed_effects, nested, cl.codes, cl.n_levels)
    return rd, d_col, m_col, a_cols, unit
