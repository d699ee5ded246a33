"""Out-of-core entry points behind :func:`~countyeconomy.twfe` and :func:`~countyeconomy.iv`
(a dask DataFrame or a Parquet path as ``data``)."""

from __future__ import annotations

from typing import Any

from countyeconomy.estimators._formula import parse_formula
from countyeconomy.estimators._ooc_fit import fit_gram, prepare_fit
from countyeconomy.estimators._ooc_result import OutOfCoreTWFEResult
from countyeconomy.inference import VcovSpec, describe_vcov, resolve_ssc, resolve_vcov
from countyeconomy.results import FitInfo

__all__ = ["twfe_out_of_core"]


def twfe_out_of_core(
    data: Any,
    formula: str,
    *,
    county: str | None,
    year: str | None,
    weights: str | None,
    vcov: str | VcovSpec,
    ssc: str,
    drop_singletons: bool | None,
    stacklevel: int = 2,
) -> OutOfCoreTWFEResult:
    """:func:`~countyeconomy.twfe` on a dask DataFrame or Parquet dataset.

    Passes over the data: 2 (moments, then scores), 3 with ``vcov="hc1"``, one more per round
    of singleton removal that leaves new one-row levels of a non-partition effect, and a
    shuffle plus the first pass again when the rows of the partition effect (the absorbed effect
    with the most levels) are spread over several partitions.
    """
    parsed = parse_formula(formula)
    spec = resolve_vcov(vcov)
    convention = resolve_ssc(ssc)
    singles = drop_singletons if drop_singletons is not None else convention != "xtreg"
    setup, mom = prepare_fit(
        data,
        parsed,
        county=county,
        year=year,
        weights=weights,
        vcov=spec,
        drop_singletons=singles,
        stacklevel=stacklevel + 1,
    )
    coefs, model, v, facts, notes = fit_gram(setup, mom, spec, convention, formula)
    info = FitInfo(
        method="twfe",
        nobs=mom.nobs,
        nobs_input=mom.n_input,
        dropped=dict(mom.dropped),
        clusters=v.n_clusters,
        specification=formula,
        vcov=describe_vcov(spec),
        ssc=convention,
        df_t=v.df_t,
        fixed_effects=dict(model.fixed_effects),
        warnings=tuple(notes),
        extra={**facts, "weights": weights, "drop_singletons": singles},
    )
    return OutOfCoreTWFEResult(coefs=coefs, info=info, vcov_spec=spec, model=model)
