"""Adapter from event-time results (TWFE, Sun-Abraham, imputation, dCDH, Callaway-Sant'Anna
dynamic aggregates) to HonestDiD inputs, through public attributes only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import IdentificationError, InvalidOptionError
from countyeconomy.results import FrozenResult, Summary

__all__ = ["EventStudyInputs", "EventStudyLike", "event_study_inputs"]


@runtime_checkable
class EventStudyLike(Protocol):
    """Anything exposing its event-time rows and their full covariance.

    ``event_frame()`` is a table with columns ``event_time`` and ``estimate`` (a reference period
    may appear as a zero row); ``event_vcov`` (a property or a method) is the covariance of the
    event-time coefficients as a DataFrame labelled by event time. Every event-time result of
    ``countyeconomy`` (``event_study``, ``sun_abraham``, ``imputation_did``, ``did_multiplegt``)
    satisfies it.
    """

    def event_frame(self, level: float = 0.95) -> pd.DataFrame: ...

    @property
    def event_vcov(self) -> Any: ...


@dataclass(frozen=True, repr=False)
class EventStudyInputs(FrozenResult):
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
        try:
            b = np.asarray(betahat, dtype=np.float64).ravel()
            s = np.asarray(sigma, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise InvalidOptionError(f"betahat and sigma must be numeric arrays ({err}).") from None
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
        if not (np.isfinite(b).all() and np.isfinite(s).all()):
            raise InvalidOptionError("betahat and sigma must be finite.")
        times = (*range(-num_pre - 1, -1), *range(post))
        return cls(b, (s + s.T) / 2, times, -1, int(num_pre), post, "arrays")

    def to_frame(self) -> pd.DataFrame:
        """One row per event time: ``event_time``, ``estimate``, ``std_error``, ``post``."""
        return pd.DataFrame(
            {
                "event_time": list(self.event_times),
                "estimate": self.betahat.copy(),
                "std_error": np.sqrt(np.clip(np.diag(self.sigma), 0, None)),
                "post": [t > self.reference for t in self.event_times],
            }
        )

    def summary(self) -> Summary:
        foot = (("Reference period", str(self.reference)), ("Source", self.source))
        return Summary("HonestDiD inputs", self.to_frame(), foot)


def _vcov_frame(result: Any) -> pd.DataFrame:
    v = result.event_vcov
    v = v() if callable(v) else v
    if not isinstance(v, pd.DataFrame):
        raise InvalidOptionError(
            f"{type(result).__name__}.event_vcov must be a DataFrame labelled by event time."
        )
    return v


def _from_event_result(res: Any) -> tuple[FloatArray, FloatArray, list[int], int | None]:
    """Event-time rows of an :class:`EventStudyLike` result, through its public methods."""
    vcov = _vcov_frame(res)
    frame = res.event_frame()
    frame = frame[frame["event_time"].notna()]
    est = pd.Series(
        frame["estimate"].to_numpy(dtype=np.float64),
        index=[int(t) for t in frame["event_time"]],
    )
    est = est[~est.index.duplicated()]
    times = [int(t) for t in vcov.index]
    missing = [t for t in times if t not in est.index]
    if missing:
        raise InvalidOptionError(
            f"{type(res).__name__}: event times {missing} of event_vcov are not in event_frame()."
        )
    beta = est.loc[times].to_numpy(dtype=np.float64)
    extra = [t for t in est.index if t not in set(times)]  # drawn at 0 but not estimated
    reference = int(extra[0]) if len(extra) == 1 else None
    return beta, vcov.to_numpy(dtype=np.float64), times, reference


def _from_event_rows(res: Any) -> tuple[FloatArray, FloatArray, list[int], int | None]:
    """Rows of ``to_frame()`` with an ``event_time`` and the matching block of ``vcov``."""
    frame = res.to_frame()
    rows = frame[frame["event_time"].notna()]
    terms = [str(t) for t in rows["term"]]
    vcov = res.vcov
    vcov = vcov() if callable(vcov) else vcov
    beta = rows["estimate"].to_numpy(dtype=np.float64)
    block = pd.DataFrame(vcov).loc[terms, terms].to_numpy(dtype=np.float64)
    return beta, block, [int(t) for t in rows["event_time"]], None


def _has_event_rows(result: Any) -> bool:
    to_frame = getattr(result, "to_frame", None)
    if not callable(to_frame) or not hasattr(result, "vcov"):
        return False
    try:
        return "event_time" in to_frame().columns
    except (TypeError, ValueError, AttributeError):
        return False


def _check_base_period(result: Any) -> None:
    info = getattr(result, "info", None)
    base = getattr(info, "base_period", "universal") if info is not None else "universal"
    if base != "universal":
        raise InvalidOptionError(
            "event_study_result: HonestDiD needs Callaway-Sant'Anna event-time estimates against "
            "one universal base period; refit with att_gt(..., base_period='universal') and "
            "aggregate('dynamic')."
        )


def event_study_inputs(result: Any, num_pre: int | None = None) -> EventStudyInputs:
    """Extract ordered event-time estimates and their covariance from a fitted result.

    ``result`` is :class:`EventStudyInputs`, an :class:`EventStudyLike` result, or any result
    whose ``to_frame()`` has an ``event_time`` column and whose ``vcov`` covers those rows (a
    Callaway-Sant'Anna ``aggregate("dynamic")``). Rows with a missing or zero variance (the
    normalised reference cell that some estimators report as 0) are taken as the reference
    period. Event times must be consecutive apart from the reference; periods after the
    reference (anticipation periods included) count as post. With ``num_pre`` only the
    ``num_pre`` pre-periods nearest the reference are kept.
    """
    if isinstance(result, EventStudyInputs):
        inputs = result
        if num_pre is None:
            return inputs
        return _select(inputs, num_pre)
    if isinstance(result, EventStudyLike):
        _check_base_period(result)
        beta, vcov, times, reference = _from_event_result(result)
    elif _has_event_rows(result):
        _check_base_period(result)
        beta, vcov, times, reference = _from_event_rows(result)
    else:
        raise InvalidOptionError(
            "event_study_result must be an event-study result (event_frame() and event_vcov), a "
            "Callaway-Sant'Anna dynamic aggregate (to_frame() with event_time), or "
            f"EventStudyInputs; got {type(result).__name__}."
        )
    var = np.diag(vcov)
    ref_rows = [j for j in range(len(times)) if not np.isfinite(var[j]) or var[j] <= 0]
    if reference is None:
        reference = times[ref_rows[0]] if ref_rows else -1
    keep = [j for j in range(len(times)) if j not in ref_rows and times[j] != reference]
    if not keep:
        raise IdentificationError("event_study_result has no event-time estimates with a variance.")
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
    if not np.isfinite(s).all() or not np.isfinite(b).all():
        raise IdentificationError(
            "the event-time estimates or their covariance have missing entries."
        )
    n_pre = sum(t < reference for t in t_sorted)
    inputs = EventStudyInputs(
        betahat=b,
        sigma=(s + s.T) / 2,
        event_times=tuple(t_sorted),
        reference=int(reference),
        num_pre=n_pre,
        num_post=len(b) - n_pre,
        source=type(result).__name__,
    )
    return inputs if num_pre is None else _select(inputs, num_pre)


def _select(inp: EventStudyInputs, num_pre: int) -> EventStudyInputs:
    """Keep the ``num_pre`` pre-periods nearest the reference."""
    if isinstance(num_pre, bool) or not isinstance(num_pre, int | np.integer):
        raise InvalidOptionError(f"num_pre={num_pre!r} must be an int.")
    if not 1 <= num_pre <= inp.num_pre:
        raise InvalidOptionError(f"num_pre={num_pre} must be between 1 and {inp.num_pre}.")
    drop = inp.num_pre - int(num_pre)
    return EventStudyInputs(
        betahat=inp.betahat[drop:],
        sigma=inp.sigma[drop:, drop:],
        event_times=inp.event_times[drop:],
        reference=inp.reference,
        num_pre=int(num_pre),
        num_post=inp.num_post,
        source=inp.source,
    )


def target_weights(inp: EventStudyInputs, target: int | Any) -> FloatArray:
    """``l_vec`` for a target: one post-period event time, or the average over several."""
    wanted = [target] if isinstance(target, int | np.integer) else list(target)
    post = list(inp.event_times[inp.num_pre :])
    bad = [t for t in wanted if t not in post]
    if not wanted or bad:
        raise InvalidOptionError(
            f"target={target!r}: {bad or 'empty'} not among the post-period event times {post}."
        )
    if len(set(wanted)) != len(wanted):
        raise InvalidOptionError(f"target={target!r} repeats an event time.")
    lv = np.zeros(inp.num_post)
    for t in wanted:
        lv[post.index(int(t))] = 1.0 / len(wanted)
    return lv
