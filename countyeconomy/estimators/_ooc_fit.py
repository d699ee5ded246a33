"""Out-of-core ``twfe`` and ``iv``: the algebra on the summed Gram matrices.

Every demeaned column is a linear map of ``V = [y X D Z]`` demeaned (``Vt``), so coefficients
come from ``Vt'W Vt`` and each cluster's score sum ``sum_g w x u`` is ``T' G_g t`` with ``G_g``
the cluster's Gram matrix, ``T`` mapping ``Vt`` to the regressors and ``t`` to the residuals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import scipy.linalg

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError
from countyeconomy.estimators._formula import ParsedFormula
from countyeconomy.estimators._linear import announce, coef_table, fit_warnings
from countyeconomy.estimators._ooc_engine import Moments, hc_meats, run_passes, to_dask
from countyeconomy.estimators._ooc_result import GroupScores, OutOfCoreModel, vcov_from_stats
from countyeconomy.estimators._ooc_setup import Setup, announce_dropped, make_setup
from countyeconomy.inference import HC1, VcovSpec
from countyeconomy.linalg import collinear_columns

__all__ = ["check_absorbed", "fit_gram", "group_scores", "make_models", "prepare_fit", "solve_ls"]

ABSORBED_TOL = 1e-10


def prepare_fit(
    data: Any,
    parsed: ParsedFormula,
    *,
    county: str | None,
    year: str | None,
    weights: str | None,
    vcov: VcovSpec,
    drop_singletons: bool,
    stacklevel: int,
) -> tuple[Setup, Moments]:
    """Validate, run the passes, announce dropped rows."""
    ddf = to_dask(data)
    setup = make_setup(
        ddf,
        parsed,
        county=county,
        year=year,
        weights=weights,
        vcov=vcov,
        drop_singletons=drop_singletons,
    )
    a_cols = list(setup.spec.fe_cols[setup.spec.a_term])
    mom, shuffled = run_passes(setup.ddf, setup.spec, shuffle=lambda d: d.shuffle(on=a_cols))
    setup = Setup(setup.spec, setup.aliases, shuffled)
    if mom.nobs == 0:
        raise IdentificationError(f"no usable rows left for {parsed.text!r} ({mom.dropped}).")
    announce_dropped(mom.dropped, mom.n_input, stacklevel + 1)
    return setup, mom


def check_absorbed(mom: Moments, cols: list[int], names: list[str], formula: str) -> None:
    """Error on columns with no variation left after the absorbed effects (as in memory)."""
    gone = []
    for j, c in enumerate(cols):
        s1, s2, after = float(mom.sum_v[c]), float(mom.sum_v2[c]), float(mom.gram[c, c])
        before = max(s2 - s1 * s1 / mom.sum_w, 0.0)
        if after <= ABSORBED_TOL * max(before, s2, 1e-300):
            gone.append(names[j])
    if gone:
        raise IdentificationError(
            f"regressor(s) {gone} have no variation left after absorbing the fixed effects in "
            f"{formula!r}; remove them or absorb fewer effects."
        )


def solve_ls(
    gram: FloatArray, t_x: FloatArray, t_y: FloatArray
) -> tuple[FloatArray, np.ndarray, np.ndarray, FloatArray]:
    """Least squares of ``Vt t_y`` on ``Vt t_x`` from ``gram``: params, kept, dropped, bread."""
    xtx = t_x.T @ gram @ t_x
    xty = t_x.T @ gram @ t_y
    dropped = collinear_columns(xtx)
    kept = np.setdiff1d(np.arange(t_x.shape[1]), dropped).astype(np.intp)
    if not len(kept):
        return np.zeros(0), kept, dropped, np.zeros((0, 0))
    cho = scipy.linalg.cho_factor(xtx[np.ix_(kept, kept)])
    params = scipy.linalg.cho_solve(cho, xty[kept])
    bread = scipy.linalg.cho_solve(cho, np.eye(len(kept)))
    return np.asarray(params), kept, dropped, np.asarray(bread)


def _grams(frame: pd.DataFrame, cols: tuple[str, ...], m: int) -> tuple[list[np.ndarray], Any]:
    iu = np.triu_indices(m)
    vals = frame.drop(columns=list(cols)).to_numpy(dtype=float)
    full = np.zeros((len(frame), m, m))
    full[:, iu[0], iu[1]] = vals
    full[:, iu[1], iu[0]] = vals
    return [frame[c].to_numpy() for c in cols], full


def group_scores(
    mom: Moments, cols_sets: tuple[tuple[str, ...], ...], t_mat: FloatArray, t_vec: FloatArray
) -> tuple[GroupScores, ...]:
    """Score sums ``T' G_g t`` for every level of every group set."""
    m = mom.gram.shape[0]
    out = []
    for cols, frame in zip(cols_sets, mom.groups, strict=True):
        keys, full = _grams(frame, cols, m)
        scores = np.einsum("pij,ik,j->pk", full, t_mat, t_vec)
        out.append(GroupScores(cols, tuple(keys), scores))
    return tuple(out)


def make_models(
    setup: Setup,
    mom: Moments,
    vcov: VcovSpec,
    regressions: list[tuple[FloatArray, FloatArray, FloatArray]],
) -> list[OutOfCoreModel]:
    """The kept statistics of each regression ``(bread, T, t)``: regressors ``Vt T``, residuals
    ``Vt t``. With ``vcov="hc1"`` one more pass computes every regression's meat."""
    fe_names = tuple("^".join(t) for t in setup.spec.fe_cols)
    meats: list[FloatArray | None] = [None] * len(regressions)
    if isinstance(vcov, HC1):
        maps = tuple((t_mat, t_vec) for _, t_mat, t_vec in regressions)
        meats = list(hc_meats(setup.ddf, setup.spec, mom, maps))
    nested = tuple((i, c, flag) for (i, c), flag in mom.nested.items())
    return [
        OutOfCoreModel(
            nobs=mom.nobs,
            bread=bread,
            rss=float(t_vec @ mom.gram @ t_vec),
            fixed_effects=tuple(zip(fe_names, mom.fe_levels, strict=True)),
            nested=nested,
            groups=group_scores(mom, setup.spec.group_sets, t_mat, t_vec),
            hc_meat=meat,
            aliases=setup.aliases,
            passes=mom.passes,
        )
        for (bread, t_mat, t_vec), meat in zip(regressions, meats, strict=True)
    ]


def fit_gram(
    setup: Setup, mom: Moments, vcov: VcovSpec, ssc: str, formula: str
) -> tuple[Any, OutOfCoreModel, Any, dict[str, Any], list[str]]:
    """OLS of the outcome on the regressors: coefficient table, model, vcov, fit facts, notes."""
    x_names = list(mom.names[1])
    k = len(x_names)
    m = mom.gram.shape[0]
    check_absorbed(mom, list(range(1, 1 + k)), x_names, formula)
    eye = np.eye(m)
    params, kept, dropped, bread = solve_ls(mom.gram, eye[:, 1 : 1 + k], eye[:, 0])
    t_mat = eye[:, 1 + kept]
    t_vec = eye[:, 0] - t_mat @ params
    (model,) = make_models(setup, mom, vcov, [(bread, t_mat, t_vec)])
    v = vcov_from_stats(model, vcov, ssc)
    names = tuple(x_names[j] for j in kept)
    collinear = tuple(x_names[j] for j in dropped)
    notes = [f"collinear regressor(s) dropped: {list(collinear)}."] if collinear else []
    notes += fit_warnings(v, vcov, len(names), f" (outcome {mom.names[0][0]!r})")
    announce(notes, stacklevel=4)
    total = mom.sum_w
    tss = float(mom.sum_v2[0]) - float(mom.sum_v[0]) ** 2 / total
    wtss = float(mom.gram[0, 0])
    facts = {
        "r2": 1 - model.rss / tss if tss > 0 else float("nan"),
        "within_r2": 1 - model.rss / wtss if wtss > 0 else float("nan"),
        "rss": model.rss,
        "singletons": mom.dropped.get("singletons", 0),
        "collinear": collinear,
        "demean_method": "out-of-core" if len(setup.spec.fe_cols) == 1 else "out-of-core schur",
        "passes": mom.passes,
    }
    return coef_table(names, params, v), model, v, facts, notes
