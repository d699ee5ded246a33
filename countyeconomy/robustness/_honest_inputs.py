"""Adapter from event-study results (TWFE, Sun-Abraham, Callaway-Sant'Anna) to HonestDiD inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError, InvalidOptionError

__all__ = ["EventStudyInputs", "EventStudyLike", "event_study_inputs"]


@runtime_checkable
class EventStudyLike(Protocol):
    """Anything exposing event-time coefficients and their full covariance.

    :class:`~countyeconomy.estimators.staggered.event_study.EventStudyResult`,
    ``SunAbrahamResult`` and the other event-time results of ``countyeconomy`` satisfy it.
    """

    @property
    def event_times(self) -> tuple[int | None, ...]: ...

    @property
    def reference(self) -> int | None: ...

    @property
    def params(self) -> pd.Series: ...

    @property
    def event_vcov(self) -> pd.DataFrame: ...


@dataclass(frozen=True)
class EventStudyInputs:
    """Event-time estimates ordered by event time: ``betahat (T,)``, ``sigma (T, T)``, the first
    ``num_pre`` entries before the reference period and the other ``num_post`` after it;
    ``event_times (T,)`` labels them and ``reference`` is the normalised period."""

    betahat: FloatArray
    sigma: FloatArray
    event_times: tuple[int, ...]
    reference: int
    num_pre: int
    num_post: int
    source: str

    @classmethod
    def from_arrays(
        cls, betahat: Any, sigma: Any, num_pre: int, num_post: int | None = None
    ) -> EventStudyInputs:
        """Inputs from arrays (pre-period coefficients first, reference period omitted)."""
        b = np.asarray(betahat, dtype=np.float64).ravel()
        s = np.asarray(sigma, dtype=np.float64)
        post = len(b) - int(num_pre) if num_post is None else int(num_post)
        if s.shape != (len(b), len(b)):
            raise InvalidOptionError(
                f"sigma has shape {s.shape}; it must be ({len(b)}, {len(b)}) to match betahat."
            )
        if num_pre < 1 or post < 1 or num_pre + post != len(b):
            raise InvalidOptionError(
                f"num_pre={num_pre} and num_post={post} must be >= 1 and add up to "
                f"len(betahat)={len(b)}."
            )
        times = (*range(-num_pre - 1, -1), *range(post))
        return cls(b, (s + s.T) / 2, times, -1, int(num_pre), post, "arrays")


def _from_event_result(res: EventStudyLike) -> tuple[FloatArray, FloatArray, list[int], int | None]:
    idx = [j for j, e in enumerate(res.event_times) if e is not None]
    beta = res.params.to_numpy(dtype=np.float64)[idx]
    times = [int(res.event_times[j]) for j in idx]  # type: ignore[arg-type]
    vcov = res.event_vcov.to_numpy(dtype=np.float64)
    return beta, vcov, times, res.reference


def _from_aggregate(res: Any) -> tuple[FloatArray, FloatArray, list[int], int | None]:
    if getattr(res.info, "base_period", "universal") != "universal":
        raise InvalidOptionError(
            "HonestDiD needs Callaway-Sant'Anna event-time estimates against one universal base "
            "period; refit with att_gt(..., base_period='universal') and aggregate('dynamic')."
        )
    et = pd.to_numeric(res.extra["event_time"], errors="coerce").to_numpy()
    rows = np.flatnonzero(~np.isnan(et))
    beta = res.coefs.estimates[rows].astype(np.float64)
    vcov = np.asarray(res.coefs.vcov, dtype=np.float64)[np.ix_(rows, rows)]
    return beta, vcov, [int(et[r]) for r in rows], None


def event_study_inputs(result: Any, num_pre: int | None = None) -> EventStudyInputs:
    """Extract ordered event-time estimates and their covariance from a fitted result.

    Rows with a missing or zero variance (the normalised reference cell that some estimators
    report as 0) are taken as the reference period. Event times must be consecutive apart from
    the reference; periods after the reference (anticipation periods included) count as post.
    With ``num_pre`` only the ``num_pre`` pre-periods nearest the reference are kept.
    """
    if isinstance(result, EventStudyInputs):
        return result
    if isinstance(result, EventStudyLike):
        beta, vcov, times, reference = _from_event_result(result)
        source = type(result).__name__
    elif hasattr(result, "extra") and "event_time" in getattr(result.extra, "columns", ()):
        beta, vcov, times, reference = _from_aggregate(result)
        source = type(result).__name__
    else:
        raise InvalidOptionError(
            f"honest_did needs an event-study result (event_times, params, event_vcov), a "
            f"Callaway-Sant'Anna dynamic aggregate, or EventStudyInputs; got {type(result).__name__}."
        )
    var = np.diag(vcov)
    ref_rows = [j for j in range(len(times)) if not np.isfinite(var[j]) or var[j] <= 0]
    if reference is None:
        reference = times[ref_rows[0]] if ref_rows else -1
    keep = [j for j in range(len(times)) if j not in ref_rows and times[j] != reference]
    order = sorted(keep, key=lambda j: times[j])
    t_sorted = [times[j] for j in order]
    expected = [t for t in range(t_sorted[0], t_sorted[-1] + 1) if t != reference]
    if t_sorted != expected or not t_sorted[0] < reference < t_sorted[-1]:
        raise IdentificationError(
            f"event times {t_sorted} must be consecutive around the reference period "
            f"{reference}, with at least one period on each side."
        )
    b = beta[order]
    s = vcov[np.ix_(order, order)]
    if not np.isfinite(s).all():
        raise IdentificationError("the event-time covariance has missing entries.")
    n_pre = sum(t < reference for t in t_sorted)
    if num_pre is not None:
        if not 1 <= num_pre <= n_pre:
            raise InvalidOptionError(f"num_pre={num_pre} must be between 1 and {n_pre}.")
        drop = n_pre - num_pre
        b, s, t_sorted, n_pre = b[drop:], s[drop:, drop:], t_sorted[drop:], num_pre
    return EventStudyInputs(
        betahat=b,
        sigma=(s + s.T) / 2,
        event_times=tuple(t_sorted),
        reference=int(reference),
        num_pre=n_pre,
        num_post=len(b) - n_pre,
        source=source,
    )
