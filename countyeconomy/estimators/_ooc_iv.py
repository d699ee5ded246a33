"""Out-of-core :func:`~countyeconomy.iv`: 2SLS and its first-stage diagnostics from the summed
Gram matrix of ``[y X D Z]`` demeaned (two passes over the data; three with ``vcov="hc1"``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from countyeconomy.errors import FormulaError, IdentificationError
from countyeconomy.estimators._formula import parse_formula
from countyeconomy.estimators._linear import announce, coef_table, fit_warnings
from countyeconomy.estimators._ooc_fit import make_models, prepare_fit, solve_ls
from countyeconomy.estimators._ooc_result import OutOfCoreIVResult, vcov_from_stats
from countyeconomy.estimators.iv import FirstStage
from countyeconomy.inference import VcovSpec, describe_vcov, resolve_ssc, resolve_vcov
from countyeconomy.results import FitInfo

__all__ = ["iv_out_of_core"]

ABSORBED_TOL = 1e-10


def _absorbed(mom: Any, cols: list[int], names: list[str]) -> None:
    gone = []
    for c, name in zip(cols, names, strict=True):
        s1, s2, after = float(mom.sum_v[c]), float(mom.sum_v2[c]), float(mom.gram[c, c])
        before = max(s2 - s1 * s1 / mom.sum_w, 0.0)
        if after <= ABSORBED_TOL * max(before, s2, 1e-300):
            gone.append(name)
    if gone:
        raise IdentificationError(
            f"variable(s) {gone} have no variation left after absorbing the fixed effects."
        )


def iv_out_of_core(
    data: Any,
    formula: str,
    *,
    county: str | None,
    year: str | None,
    weights: str | None,
    vcov: str | VcovSpec,
    ssc: str,
    stacklevel: int = 2,
) -> OutOfCoreIVResult:
    """:func:`~countyeconomy.iv` on a dask DataFrame or Parquet dataset (same numbers).

    Passes over the data: 2 (moments, scores), 3 with ``vcov="hc1"``, plus those of
    :func:`~countyeconomy.estimators._ooc_api.twfe_out_of_core` for singletons and shuffles.
    """
    parsed = parse_formula(formula)
    if parsed.endogenous is None:
        raise FormulaError(
            "iv() needs an instrumental-variables part, e.g. 'y ~ x | county + year | d ~ z'; "
            f"got {formula!r}."
        )
    spec = resolve_vcov(vcov)
    convention = resolve_ssc(ssc)
    setup, mom = prepare_fit(
        data,
        parsed,
        county=county,
        year=year,
        weights=weights,
        vcov=spec,
        drop_singletons=True,
        stacklevel=stacklevel + 1,
    )
    _, x_names, d_names, z_names = (list(n) for n in mom.names)
    kx, kd, kz = len(x_names), len(d_names), len(z_names)
    if kz < kd:
        raise IdentificationError(
            f"{kd} endogenous regressor(s) but only {kz} excluded instrument(s); 2SLS needs at "
            "least as many instruments."
        )
    m = 1 + kx + kd + kz
    _absorbed(mom, list(range(1, m)), x_names + d_names + z_names)
    eye = np.eye(m)
    xs, ds, zs = eye[:, 1 : 1 + kx], eye[:, 1 + kx : 1 + kx + kd], eye[:, 1 + kx + kd :]
    first = np.column_stack([xs, zs])
    fitted = []
    for j in range(kd):
        pi, kept_f, _, _ = solve_ls(mom.gram, first, ds[:, j])
        fitted.append(first[:, kept_f] @ pi)
    t_hat = np.column_stack([xs, *fitted]) if kd + kx else np.zeros((m, 0))
    params, kept, dropped, bread = solve_ls(mom.gram, t_hat, eye[:, 0])
    t_act = np.column_stack([xs, ds])[:, kept]
    t_u = eye[:, 0] - t_act @ params
    regs = [(bread, t_hat[:, kept], t_u)]
    firsts = []
    for j in range(kd):
        pi, kept_f, _, bread_f = solve_ls(mom.gram, first, ds[:, j])
        e_u = ds[:, j] - first[:, kept_f] @ pi
        regs.append((bread_f, first[:, kept_f], e_u))
        firsts.append((pi, kept_f, e_u))
    models = make_models(setup, mom, spec, regs)
    v = vcov_from_stats(models[0], spec, convention)
    fs = _first_stage(mom, models[1:], firsts, xs, ds, d_names, kx, spec, convention, kz)
    names_all = x_names + d_names
    names = tuple(names_all[j] for j in kept)
    collinear = tuple(names_all[j] for j in dropped)
    notes = [f"collinear regressor(s) dropped: {list(collinear)}."] if collinear else []
    notes += fit_warnings(v, spec, len(names), f" (outcome {parsed.outcome!r})")
    announce(notes, stacklevel=stacklevel + 1)
    rss = models[0].rss
    tss = float(mom.sum_v2[0]) - float(mom.sum_v[0]) ** 2 / mom.sum_w
    info = FitInfo(
        method="iv",
        nobs=mom.nobs,
        nobs_input=mom.n_input,
        dropped=dict(mom.dropped),
        clusters=v.n_clusters,
        specification=formula,
        vcov=describe_vcov(spec),
        ssc=convention,
        df_t=v.df_t,
        fixed_effects=dict(models[0].fixed_effects),
        warnings=tuple(notes),
        extra={
            "r2": 1 - rss / tss,
            "within_r2": 1 - rss / float(mom.gram[0, 0]),
            "rss": rss,
            "singletons": mom.dropped.get("singletons", 0),
            "collinear": collinear,
            "demean_method": "out-of-core",
            "first_stage_f": tuple(float(f) for f in fs.table["f_stat"]),
            "weights": weights,
            "passes": mom.passes,
        },
    )
    return OutOfCoreIVResult(
        coefs=coef_table(names, params, v),
        info=info,
        vcov_spec=spec,
        model=models[0],
        first_stage=fs,
    )


def _first_stage(
    mom: Any,
    models: list[Any],
    firsts: list[Any],
    xs: np.ndarray,
    ds: np.ndarray,
    d_names: list[str],
    kx: int,
    spec: VcovSpec,
    ssc: str,
    n_instruments: int,
) -> FirstStage:
    """First-stage diagnostics as :func:`countyeconomy.iv` computes them, from the Gram matrix."""
    from scipy import stats

    rows = []
    n_fe = sum(mom.fe_levels) - max(len(mom.fe_levels) - 1, 0)
    for j, name in enumerate(d_names):
        pi, kept_f, e_u = firsts[j]
        kz = [i for i, col in enumerate(kept_f) if col >= kx]
        vc = vcov_from_stats(models[j], spec, ssc).vcov
        b = pi[kz]
        wald = float(b @ np.linalg.solve(vc[np.ix_(kz, kz)], b)) if kz else float("nan")
        if kx:
            pr, kept_r, _, _ = solve_ls(mom.gram, xs, ds[:, j])
            e_r = ds[:, j] - xs[:, kept_r] @ pr
        else:
            e_r = ds[:, j]
        rss_r, rss_u = float(e_r @ mom.gram @ e_r), float(e_u @ mom.gram @ e_u)
        df_u = mom.nobs - len(kept_f) - n_fe
        rows.append(
            {
                "endogenous": name,
                "partial_r2": 1 - rss_u / rss_r if rss_r > 0 else float("nan"),
                "f_stat": wald / len(kz) if kz else float("nan"),
                "p_value": float(stats.chi2(len(kz)).sf(wald)) if kz else float("nan"),
                "f_iid": ((rss_r - rss_u) / len(kz)) / (rss_u / df_u) if kz else float("nan"),
            }
        )
    return FirstStage(pd.DataFrame(rows), n_instruments)
