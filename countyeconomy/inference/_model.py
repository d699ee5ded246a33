"""What inference reads from a fitted linear model: public, runtime-checkable protocols.

A linear estimator's result (``countyeconomy.twfe`` and the estimators built on it) exposes its
fitted model as ``result.model``; the wild bootstrap, the placebo test and the estimators'
covariance code read only the attributes listed here, and recognise a linear fit by
``isinstance(result.model, FittedLinearModel)``, never by a private attribute or a module name.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError, InvalidOptionError
from countyeconomy.inference._conley import Conley, conley_factors
from countyeconomy.inference._specs import Cluster, DriscollKraay, VcovSpec
from countyeconomy.linalg import Factor, factorize

__all__ = [
    "FittedLinearModel",
    "FittedLinearResult",
    "ModelDataLike",
    "cluster_factor",
    "cluster_factors",
    "linear_parts",
]


@runtime_checkable
class ModelDataLike(Protocol):
    """A fit's data: the frame and the names of the panel keys (``None`` for a plain frame)."""

    @property
    def frame(self) -> pd.DataFrame: ...

    @property
    def county(self) -> str | None: ...

    @property
    def year(self) -> str | None: ...

    def resolve(self, name: str) -> str:
        """The column a name refers to (``"county"`` and ``"year"`` name the panel keys)."""
        ...


@runtime_checkable
class FittedLinearModel(Protocol):
    """A fitted linear model with absorbed fixed effects, as ``result.model`` exposes it.

    Attributes
    ----------
    data
        The data it was fitted on (:class:`ModelDataLike`).
    rows
        ``(n,)`` positions of the estimation rows in ``data.frame``.
    xd
        ``(n, k)`` regressors, demeaned on the fixed effects (weighted if ``weights``).
    resid
        ``(n,)`` residuals.
    weights
        ``(n,)`` observation weights, or ``None``.
    bread
        ``(k, k)`` ``(X'WX)^{-1}`` of the demeaned regressors.
    fixed_effects
        The absorbed factors on the estimation rows (first: the panel unit, when absorbed).
    """

    @property
    def data(self) -> ModelDataLike: ...

    @property
    def rows(self) -> np.ndarray: ...

    @property
    def xd(self) -> FloatArray: ...

    @property
    def resid(self) -> FloatArray: ...

    @property
    def weights(self) -> FloatArray | None: ...

    @property
    def bread(self) -> FloatArray: ...

    @property
    def fixed_effects(self) -> tuple[Factor, ...]: ...


class FitInfoLike(Protocol):
    """The part of a result's ``info`` inference reads: the small-sample convention."""

    @property
    def ssc(self) -> str: ...


@runtime_checkable
class FittedLinearResult(Protocol):
    """A linear estimator's result as inference reads it: ``params``, ``std_errors``, ``info``
    (its ``ssc``), the covariance spec ``vcov_spec`` and the fitted ``model``."""

    @property
    def params(self) -> pd.Series: ...

    @property
    def std_errors(self) -> pd.Series: ...

    @property
    def info(self) -> FitInfoLike: ...

    @property
    def vcov_spec(self) -> VcovSpec: ...

    @property
    def model(self) -> FittedLinearModel: ...


def linear_parts(result: object, param: str, *, caller: str) -> tuple[FittedLinearResult, int]:
    """``result`` as a fitted linear model, and the position of coefficient ``param``.

    Raises :class:`~countyeconomy.errors.InvalidOptionError` naming ``caller`` when ``result``
    is not a linear fit (e.g. a staggered-DID result) or ``param`` is not one of its terms.
    """
    if not (
        isinstance(result, FittedLinearResult)
        and isinstance(result.model, FittedLinearModel)
        and isinstance(result.model.data, ModelDataLike)
    ):
        raise InvalidOptionError(
            f"{caller} needs a fitted linear model with fixed effects (a result of "
            f"countyeconomy.twfe, with .model), got {type(result).__name__}. For other "
            "estimators (e.g. staggered DID) use countyeconomy.inference.placebo_refit(data, fit, "
            "cohort=..., county=..., year=...) with fit refitting the estimator."
        )
    names = list(result.params.index)
    if param not in names:
        raise InvalidOptionError(f"param={param!r} is not a coefficient; the model has {names}.")
    return result, names.index(param)


def cluster_factor(model: FittedLinearModel, name: str) -> Factor:
    """The factor of cluster variable ``name`` on the estimation rows of ``model``.

    ``"county"`` and ``"year"`` name the panel keys. A cluster variable that is also an absorbed
    fixed effect reuses its codes. Raises :class:`~countyeconomy.errors.IdentificationError`
    when ``name`` is not a column or is missing on an estimation row.
    """
    data = model.data
    col = data.resolve(name)
    for fe in model.fixed_effects:
        if fe.name == col:
            return Factor(fe.codes, fe.n_levels, name)
    if col not in data.frame.columns:
        raise IdentificationError(
            f"cluster variable {name!r} is not a column; the data has "
            f"{list(data.frame.columns)[:20]}."
        )
    values = data.frame[col].to_numpy()[model.rows]
    missing = pd.isna(values)
    if missing.any():
        raise IdentificationError(
            f"cluster variable {name!r} is missing in {int(missing.sum())} estimation row(s); "
            "fill it or drop those rows before fitting."
        )
    f = factorize(values, name=name)
    return Factor(f.codes, f.n_levels, name)


def cluster_factors(model: FittedLinearModel, spec: VcovSpec) -> list[Factor] | None:
    """The grouping factors :func:`~countyeconomy.inference.compute_vcov` needs for ``spec``.

    One factor per cluster variable for :class:`Cluster`; the year factor (codes in
    chronological order) for :class:`DriscollKraay`; the period, county and places (with their
    coordinates) for :class:`Conley`; ``None`` for iid and HC1.
    """
    if isinstance(spec, Conley):
        return conley_factors(model, spec)
    if isinstance(spec, Cluster):
        return [cluster_factor(model, v) for v in spec.variables]
    if isinstance(spec, DriscollKraay):
        data = model.data
        if data.year is None:
            raise IdentificationError(
                "DriscollKraay needs a panel with a year key (pass year=...)."
            )
        years = data.frame[data.year].to_numpy()[model.rows]
        order = np.unique(years)
        codes = np.searchsorted(order, years).astype(np.intp)
        return [Factor(codes, len(order), data.year)]
    return None
