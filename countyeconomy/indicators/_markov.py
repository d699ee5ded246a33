"""Markov transition matrices over quantile classes (per-year or pooled cut-offs)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import xarray as xr

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.errors import InvalidOptionError, UndefinedValueWarning
from countyeconomy.indicators._common import ArrayInput, ValueCheckError, ZeroPolicy, require_dims
from countyeconomy.indicators._inequality_kernels import prepare
from countyeconomy.indicators._undefined import announce_undefined

__all__ = ["ClassScope", "MarkovTransition", "markov_transition"]

ClassScope = Literal["per_year", "pooled"]


@dataclass(frozen=True)
class MarkovTransition:
    """Transition counts and probabilities between quantile classes (dims from_class, to_class).

    ``cutoffs`` holds the k-1 inner quantile cut-offs (dim ``cut``; also ``time_dim`` for per-year
    classes). Class *c* (0 = poorest) holds values in (cut[c-1], cut[c]].
    """

    counts: xr.DataArray
    probabilities: xr.DataArray
    cutoffs: xr.DataArray
    k: int
    classes: str

    def steady_state(self) -> pd.Series:
        """Ergodic distribution: the left eigenvector of P for eigenvalue 1, normalised to sum 1."""
        p = np.asarray(self.probabilities.values, dtype=float)
        empty = np.isnan(p).any(axis=1)
        if empty.any():
            raise ValueCheckError(
                f"the steady state is undefined: class(es) {np.flatnonzero(empty).tolist()} have "
                "no transitions out (their rows of probabilities are 0/0 or missing). Use fewer "
                "classes (k=) or more counties."
            )
        vals, vecs = np.linalg.eig(p.T)
        v = np.real(vecs[:, int(np.argmin(np.abs(vals - 1.0)))])
        return pd.Series(v / v.sum(), index=pd.RangeIndex(self.k, name="class"), name="steady")

    def to_frame(self) -> pd.DataFrame:
        """Square table of transition probabilities (rows from_class, columns to_class)."""
        frame = self.probabilities.compute().to_pandas()
        if not isinstance(frame, pd.DataFrame):  # pragma: no cover - always 2-D here
            raise TypeError("probabilities must be 2-D")
        return frame


def _quantile_cuts(y: FloatArray, q: FloatArray, ncore: int) -> FloatArray:
    """Inner cut-offs over the last ``ncore`` axes (flattened); NaN ignored."""
    flat = y.reshape(*y.shape[: y.ndim - ncore], -1)
    out: FloatArray = np.moveaxis(np.nanquantile(flat, q, axis=-1), 0, -1)
    return out


def markov_transition(
    values: ArrayInput,
    *,
    dim: str = "county",
    time_dim: str = "year",
    k: int = 5,
    classes: ClassScope = "per_year",
    zero_policy: ZeroPolicy = "raise",
    skipna: bool = False,
) -> MarkovTransition:
    r"""Markov transition matrix of units moving between quantile classes from t to t+1.

    Each unit-period gets a class :math:`c_{it}\in\{0,\dots,k-1\}` by quantile cut-offs computed
    per period (``classes="per_year"``, relative position, as in giddy's examples) or once over the
    pooled panel (``"pooled"``, fixed cut-offs). With :math:`n_{ab}` the number of transitions from
    class *a* at *t* to *b* at *t+1*,

    .. math:: \hat p_{ab}=n_{ab}\Big/\sum_{b'}n_{ab'}.

    Cut-offs are linear-interpolated quantiles (``numpy.quantile``); a value equal to a cut-off
    belongs to the lower class (as ``mapclassify.Quantiles``). Tied cut-offs are not collapsed.
    A missing value makes the matrix NaN unless ``skipna=True``, which skips the pairs that
    involve it (and leaves it out of the quantiles). A class no unit starts a transition in has
    an undefined (0/0, NaN) row of probabilities, counted and named in an
    :class:`~countyeconomy.errors.UndefinedValueWarning`; ``k`` larger than the number of units
    per period (per panel for pooled classes) is announced before anything is computed, since
    some classes must then be empty.

    Examples
    --------
    >>> import xarray as xr
    >>> y = xr.DataArray([[1.0, 1, 4], [2, 3, 3], [3, 4, 1], [4, 2, 2]], dims=("county", "year"))
    >>> markov_transition(y, k=2).counts.values.tolist()
    [[2.0, 2.0], [2.0, 2.0]]

    References
    ----------
    Quah, D. (1993). Empirics for economic growth and convergence. *European Economic Review* 40,
    1353-1375. Rey, S. J. et al., giddy: ``giddy.markov.Markov``.
    """
    scope = check_option("classes", classes, ClassScope)
    if not isinstance(k, int) or k < 2:
        raise InvalidOptionError(f"k={k!r} must be an integer of at least 2.")
    y, w, _, complete = prepare(values, None, dim, zero_policy, skipna=skipna)
    require_dims(y, [time_dim], name="values")
    y = y.where(w > 0)
    _warn_too_many_classes(y, k, dim, time_dim, scope)
    q = np.arange(1, k) / k
    core = [dim] if scope == "per_year" else [dim, time_dim]
    cuts = xr.apply_ufunc(
        _quantile_cuts,
        y,
        input_core_dims=[core],
        output_core_dims=[["cut"]],
        dask="parallelized",
        output_dtypes=[float],
        kwargs={"q": q, "ncore": len(core)},
        dask_gufunc_kwargs={"allow_rechunk": True, "output_sizes": {"cut": k - 1}},
    )
    cls = (y > cuts).sum("cut").where(y.notnull())
    n_t = y.sizes[time_dim]
    before = cls.isel({time_dim: slice(0, n_t - 1)}).drop_vars(time_dim, errors="ignore")
    after = cls.isel({time_dim: slice(1, n_t)}).drop_vars(time_dim, errors="ignore")
    labels = np.arange(k)
    one_from = before == xr.DataArray(labels, dims="from_class", coords={"from_class": labels})
    one_to = after == xr.DataArray(labels, dims="to_class", coords={"to_class": labels})
    counts = xr.dot(one_from.astype(float), one_to.astype(float), dim=[dim, time_dim])
    counts = counts.where(complete.all(time_dim))
    rows = counts.sum("to_class")
    probs = announce_undefined(
        (counts / rows.where(rows > 0)).rename("probabilities"),
        rows == 0,
        subject="markov_transition probabilities",
        reason="no unit starts a transition in the class, so its row has no denominator",
        unit="class row(s)",
    )
    return MarkovTransition(
        counts=counts.rename("counts"),
        probabilities=probs,
        cutoffs=cuts.rename("cutoffs"),
        k=k,
        classes=scope,
    )


def _warn_too_many_classes(y: xr.DataArray, k: int, dim: str, time_dim: str, scope: str) -> None:
    """Warn from the shape alone (nothing computed) when some classes must be empty."""
    n = y.sizes[dim] * (y.sizes[time_dim] if scope == "pooled" else 1)
    if k > n:
        where = "in the pooled panel" if scope == "pooled" else f"per {time_dim}"
        warnings.warn(
            f"markov_transition: k={k} classes but only {n} unit(s) {where} along {dim!r}; at "
            f"least {k - n} class(es) stay empty, and their rows of transition probabilities "
            "are undefined (0/0). Use k <= the number of units.",
            UndefinedValueWarning,
            stacklevel=3,
        )
