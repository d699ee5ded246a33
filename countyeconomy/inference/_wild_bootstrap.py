"""Wild cluster bootstrap (WCR / WCU) for one coefficient of a fitted linear model.

The algebra follows Roodman, MacKinnon, Nielsen and Webb (2019), "Fast and wild". With ``a`` the
row of ``(X'X)^{-1} X'`` for the tested coefficient (on the regressors demeaned on all fixed
effects), ``u`` the bootstrap residuals (restricted for WCR, unrestricted for WCU) and ``v`` a
draw of cluster weights:

* numerator ``beta* - beta0 = sum_g v_g a_g'u_g``;
* bootstrap residuals ``M_{[D,X]}(v * u)``. Fixed effects nested in the clusters are projected
  out cluster by cluster (``a`` is already orthogonal to them); the other regressors span
  ``Z = [xd, M_nested D_other]`` so each cluster score is
  ``s*_h = v_h a_h'u_h - (a_h'Z_h)(Z'Z)^+ sum_g v_g Z_g'u_g``.

All of it lives in per-cluster sums computed once, so a draw costs ``O(G k)``. The restricted
residuals for any null ``beta0`` are ``u(beta0) = u_hat + (beta_hat - beta0) r`` with ``r`` the
tested regressor partialled out of the others, so every bootstrap t-statistic is
``(n0 + d n1) / sqrt(c00 + 2 d c01 + d^2 c11)`` in ``d = beta_hat - beta0``: five numbers per draw
give the p-value at any null, and the confidence interval is found by root-finding on them.
"""

from __future__ import annotations

import math
import warnings
from concurrent.futures import Executor

import numpy as np

from countyeconomy._deprecate import renamed_kwargs
from countyeconomy._typing import SeedLike, check_option
from countyeconomy.errors import CountyEconomyWarning, IdentificationError, InvalidOptionError
from countyeconomy.inference._compute import VcovInputs, compute_vcov
from countyeconomy.inference._draws import check_draws
from countyeconomy.inference._model import FittedLinearResult, cluster_factor, linear_parts
from countyeconomy.inference._resample import map_chunks, seed_entropy
from countyeconomy.inference._specs import Cluster, VcovSpec, describe_vcov, resolve_ssc
from countyeconomy.inference._specs import resolve_vcov as _resolve_vcov
from countyeconomy.inference._wild_draws import (
    ENUMERATE_MAX_G,
    MIN_DISTINCT,
    WildWeights,
    invert,
    p_value_at,
    prepare_draws,
)
from countyeconomy.inference._wild_result import WildBootstrapResult
from countyeconomy.linalg import scores

__all__ = ["WildBootstrapResult", "wild_bootstrap"]

WILD_CHUNK = 1000
"""Draws per chunk of the wild bootstrap (the draws depend on it, so it stays fixed)."""


def _bootstrap_cluster(res: FittedLinearResult, vcov: str | VcovSpec | None) -> str:
    spec = res.vcov_spec if vcov is None else _resolve_vcov(vcov)
    if isinstance(spec, Cluster) and len(spec.variables) == 1:
        return spec.variables[0]
    if vcov is None:
        raise InvalidOptionError(
            f"the result's covariance is {describe_vcov(spec)}, not one-way clustered; pass "
            "vcov='county' (or another cluster column) to wild_bootstrap."
        )
    raise InvalidOptionError(
        f"wild_bootstrap resamples one cluster variable; vcov={vcov!r} is "
        f"{describe_vcov(spec)}. Pass one column, e.g. vcov='province' or "
        'vcov=Cluster("province").'
    )


@renamed_kwargs("wild_bootstrap", reps="draws", weights="distribution", cluster="vcov")
def wild_bootstrap(
    result: object,
    param: str,
    *,
    draws: int = 9999,
    distribution: str = "rademacher",
    impose_null: bool = True,
    vcov: str | VcovSpec | None = None,
    null: float = 0.0,
    level: float = 0.95,
    seed: SeedLike = None,
    executor: Executor | None = None,
    chunk: int = WILD_CHUNK,
    progress: bool = True,
) -> WildBootstrapResult:
    """Wild cluster bootstrap test and confidence interval for one coefficient.

    Parameters
    ----------
    result
        A fitted linear model (:func:`countyeconomy.twfe`), fixed effects and observation
        weights included.
    param
        The coefficient to test.
    draws
        Bootstrap draws, at least 19 (warning below 999: see
        :class:`~countyeconomy.inference.FewDrawsWarning`). With Rademacher weights and
        ``G <= 12`` clusters, or ``2^G <= draws``, all ``2^G`` sign vectors are enumerated
        instead (``enumerated=True``, exact).
    distribution
        ``"rademacher"``, ``"webb"`` (six-point, better for few clusters) or ``"mammen"``.
    impose_null
        ``True``: WCR (restricted residuals, recommended); ``False``: WCU.
    vcov
        The cluster variable to bootstrap over and to compute the standard error with: a column
        name (``"province"``) or ``Cluster("province")``. Default: the result's one-way cluster.
    null
        The tested value ``H0: param = null``.
    level
        Confidence level of the interval found by test inversion.
    seed, executor, chunk, progress
        Reproducibility and scale-out (see :func:`countyeconomy.inference.map_chunks`); the same
        seed and chunk give the same numbers serially or on any executor. ``seed`` is an int,
        a ``SeedSequence`` or a ``Generator`` and is never consumed.

    Returns
    -------
    WildBootstrapResult
        The t-statistic with the result's CRV1 small-sample factor, the two-sided bootstrap
        p-value (share of ``|t*| > |t|``), the interval, and the draws (``t_boot``, ``plot()``).

    Raises
    ------
    InvalidOptionError
        ``result`` is not a linear fit, ``param`` not one of its terms, fewer than 19 draws, or
        ``vcov`` not one cluster variable.
    IdentificationError
        Fewer than two clusters, or non-nested fixed effects with too many levels.

    References
    ----------
    Roodman, D., MacKinnon, J. G., Nielsen, M. O. and Webb, M. D. (2019). Fast and wild:
    bootstrap inference in Stata using boottest. Stata Journal 19(1), 4-60.
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
    inference with clustered errors. Review of Economics and Statistics 90(3), 414-427.
    """
    res, j = linear_parts(result, param, caller="wild_bootstrap")
    kind = check_option("distribution", distribution, WildWeights)
    if not isinstance(level, float | int) or not 0 < level < 1:
        raise InvalidOptionError(f"level must be between 0 and 1, got {level!r}.")
    model = res.model
    name = _bootstrap_cluster(res, vcov)
    cl = cluster_factor(model, name)
    g = cl.n_levels
    if g < 2:
        raise IdentificationError(
            f"cluster variable {name!r} has {g} level(s); the wild cluster bootstrap needs at "
            "least 2 clusters (and many more for reliable inference)."
        )
    n_req = check_draws(draws, caller="wild_bootstrap", interval=True, warn=False)
    enumerate_all = kind == "rademacher" and (g <= ENUMERATE_MAX_G or 2.0**g <= n_req)
    if not enumerate_all:  # Monte-Carlo draws: warn when few (enumeration is exact)
        check_draws(n_req, caller="wild_bootstrap", interval=True, stacklevel=4)
    n_draws = 2**g if enumerate_all else n_req
    _warn_few(g, kind, enumerate_all, n_draws)
    w = model.weights
    boot, _ = prepare_draws(
        model.xd,
        model.resid,
        model.bread,
        j,
        model.fixed_effects,
        cl,
        weights=w,
        impose_null=impose_null,
        kind=kind,
        enumerate_all=enumerate_all,
    )
    rss = float(model.resid @ model.resid if w is None else (w * model.resid) @ model.resid)
    inputs = VcovInputs(
        scores(model.xd, model.resid, w), model.bread, rss, len(model.resid), model.fixed_effects
    )
    ssc = resolve_ssc(res.info.ssc)
    factor = compute_vcov(Cluster(name), ssc, inputs, [cl]).factor
    est = float(res.params.iloc[j])
    se = math.sqrt(factor * float(boot.au0 @ boot.au0))
    root, entropy = seed_entropy(seed)
    parts = map_chunks(
        boot, n_draws, root, executor, chunk, progress=progress, desc="wild bootstrap"
    )
    stats = np.vstack(parts)
    lo, hi = invert(stats, est, se, factor, 1.0 - level)
    return WildBootstrapResult(
        param=param,
        estimate=est,
        null=float(null),
        std_error=se,
        t_stat=(est - null) / se,
        p_value=p_value_at(stats, est, se, null, factor),
        ci_low=lo,
        ci_high=hi,
        level=float(level),
        draws=n_draws,
        distribution=kind,
        impose_null=bool(impose_null),
        cluster=name,
        n_clusters=g,
        enumerated=enumerate_all,
        seed_entropy=entropy,
        ssc_factor=factor,
        stats=stats,
    )


def _warn_few(g: int, kind: str, enumerate_all: bool, n_draws: int) -> None:
    if enumerate_all and 2 ** (g - 1) < MIN_DISTINCT:
        warnings.warn(
            f"only {g} clusters: full enumeration gives {n_draws} sign vectors and "
            f"{2 ** (g - 1)} distinct |t*| values (fewer than {MIN_DISTINCT}); the p-value moves in "
            f"steps of {1 / 2 ** (g - 1):.3f}. Consider distribution='webb'.",
            CountyEconomyWarning,
            stacklevel=4,
        )
