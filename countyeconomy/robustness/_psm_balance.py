"""Covariate balance before and after matching (Rosenbaum and Rubin 1985; Stata ``pstest``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.report import themed

__all__ = ["balance_chart", "balance_table", "weighted_t_test"]


def _wmean_var(x: FloatArray, w: FloatArray) -> tuple[float, float]:
    """Weighted mean and the variance with frequency-weight divisor ``sum(w) - 1``."""
    m = float(np.average(x, weights=w))
    v = float(np.sum(w * (x - m) ** 2) / max(w.sum() - 1.0, 1e-12))
    return m, v


def weighted_t_test(x: FloatArray, treated: np.ndarray, w: FloatArray) -> tuple[float, float]:
    """t statistic and two-sided p-value of ``beta`` in WLS ``x = a + beta * treated`` with
    analytic weights (Stata ``regress x treated [aw = w]``: weights rescaled to sum to ``n``)."""
    from scipy import stats

    n = len(x)
    wn = w * n / w.sum()
    xm = np.column_stack([np.ones(n), treated.astype(float)])
    xtwx = xm.T @ (wn[:, None] * xm)
    coef = np.linalg.solve(xtwx, xm.T @ (wn * x))
    resid = x - xm @ coef
    s2 = float(np.sum(wn * resid**2) / (n - 2))
    se = float(np.sqrt(s2 * np.linalg.inv(xtwx)[1, 1]))
    t = float(coef[1] / se) if se > 0 else np.nan
    return t, float(2 * stats.t.sf(abs(t), n - 2))


def balance_table(
    x: pd.DataFrame, treated: np.ndarray, weights: FloatArray, support: np.ndarray
) -> pd.DataFrame:
    """One row per covariate: means, standardised bias (%), its reduction, t-tests and variance
    ratios, before (``support`` rows, unit weights) and after matching (``weights > 0``).

    ``bias = 100 (mean_t - mean_c) / sqrt((var_t + var_c) / 2)``; both use the variances of the
    unmatched sample in the denominator, as ``pstest`` does, so the reduction compares like with
    like.
    """
    rows = []
    after = weights > 0
    for col in x.columns:
        v = x[col].to_numpy(dtype=np.float64)
        t_b, c_b = treated & support, ~treated & support
        mt_b, vt_b = _wmean_var(v[t_b], np.ones(int(t_b.sum())))
        mc_b, vc_b = _wmean_var(v[c_b], np.ones(int(c_b.sum())))
        scale = np.sqrt((vt_b + vc_b) / 2)
        t_a, c_a = treated & after, ~treated & after
        mt_a, vt_a = _wmean_var(v[t_a], weights[t_a])
        mc_a, vc_a = _wmean_var(v[c_a], weights[c_a])
        tb, pb = weighted_t_test(v[support], treated[support], np.ones(int(support.sum())))
        ta, pa = weighted_t_test(v[after], treated[after], weights[after])
        bias_b = 100 * (mt_b - mc_b) / scale if scale > 0 else np.nan
        bias_a = 100 * (mt_a - mc_a) / scale if scale > 0 else np.nan
        rows.append(
            {
                "covariate": col,
                "mean_treated_before": mt_b,
                "mean_control_before": mc_b,
                "bias_before": bias_b,
                "t_before": tb,
                "p_before": pb,
                "var_ratio_before": vt_b / vc_b if vc_b > 0 else np.nan,
                "mean_treated_after": mt_a,
                "mean_control_after": mc_a,
                "bias_after": bias_a,
                "t_after": ta,
                "p_after": pa,
                "var_ratio_after": vt_a / vc_a if vc_a > 0 else np.nan,
                "bias_reduction": 100 * (1 - abs(bias_a) / abs(bias_b)) if bias_b else np.nan,
            }
        )
    return pd.DataFrame(rows)


def balance_chart(table: pd.DataFrame) -> Any:
    """Standardised bias (%) by covariate before and after matching, with the 10% guides."""
    import altair as alt

    long = table.melt(
        id_vars="covariate",
        value_vars=["bias_before", "bias_after"],
        var_name="sample",
        value_name="bias",
    )
    long["sample"] = long["sample"].map({"bias_before": "unmatched", "bias_after": "matched"})
    y = alt.Y("covariate:N", title=None, sort=table["covariate"].tolist())
    points = (
        alt.Chart(long)
        .mark_point(filled=True, size=70)
        .encode(
            x=alt.X("bias:Q", title="Standardised bias (%)"),
            y=y,
            color=alt.Color("sample:N", title=None, sort=["unmatched", "matched"]),
            shape=alt.Shape("sample:N", sort=["unmatched", "matched"]),
            tooltip=["covariate", "sample", alt.Tooltip("bias:Q", format=".1f")],
        )
    )
    guides = (
        alt.Chart(pd.DataFrame({"x": [-10.0, 0.0, 10.0]}))
        .mark_rule(strokeDash=[4, 4], color="#888")
        .encode(x="x:Q")
    )
    chart = alt.layer(guides, points).properties(title="Covariate balance")
    return themed(chart, height=max(80, 30 * len(table)))
