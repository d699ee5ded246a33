"""The result of :func:`~countyeconomy.dose_did` and its aggregation and bootstrap helpers."""

from __future__ import annotations

import dataclasses
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray, check_option
from countyeconomy.estimators.staggered._cs_inference import (
    BOOT_CHUNK,
    SE_FLOOR,
    BootstrapResult,
    Clustering,
    _Draws,
    wald_pretrend,
)
from countyeconomy.estimators.staggered._cs_kernels import weight_if
from countyeconomy.estimators.staggered._cs_results import (
    ATTgtModel,
    ATTgtResult,
    _CSResultBase,
    inference,
)
from countyeconomy.inference import map_chunks
from countyeconomy.results import CoefTable, FitInfo

__all__ = ["DoseResult", "aggregate_cells", "bootstrap", "cell_result"]


@dataclass(frozen=True, repr=False, eq=False)
class DoseResult(_CSResultBase):
    """Dose-response of :func:`dose_did`.

    Terms: ``"ATT"`` and ``"ACRT"`` (overall averages over the treated doses), with ``bins=``
    ``"ATT(bin=[a,b))"`` and ``"ACRT(bin=[a,b))"`` (averages within dose bins), then
    ``"ATT(d=...)"`` and ``"ACRT(d=...)"`` on the dose grid; ``to_frame()`` adds ``estimand``
    (``ATT``, ``ACRT``, ``ATT(d)``, ``ACRT(d)``) and ``dose``, and with ``draws=`` the sup-t
    uniform band of each curve (``band_low``/``band_high``). ``cells`` and ``acrt_cells`` hold
    the overall ``ATT^o(g,t)`` and ``ACRT^o(g,t)`` per cohort and year (``.aggregate("dynamic")``
    gives the event study); ``doses`` the treated units' doses.
    """

    cells: ATTgtResult
    acrt_cells: ATTgtResult
    doses: FloatArray
    crit: tuple[float, float] | None

    def uniform_band(self) -> pd.DataFrame | None:
        """Sup-t bands of the ATT(d) and ACRT(d) curves (each with its own critical value)."""
        if self.crit is None:
            return None
        kind = self.extra["estimand"].to_numpy()
        c = np.where(kind == "ATT(d)", self.crit[0], np.where(kind == "ACRT(d)", self.crit[1], 0))
        se = self.std_errors.to_numpy()
        est = self.params.to_numpy()
        band = pd.DataFrame({"band_low": est - c * se, "band_high": est + c * se})
        band.loc[c == 0, ["band_low", "band_high"]] = np.nan
        return band

    def curve(self, estimand: str = "ATT(d)", level: float = 0.95) -> pd.DataFrame:
        """Rows of one curve (``"ATT(d)"`` or ``"ACRT(d)"``) of :meth:`to_frame`."""
        frame = self.to_frame(level)
        return frame[frame["estimand"] == estimand].reset_index(drop=True)

    def plot(self, *, level: float = 0.95, kind: str = "att") -> Any:
        """ATT(d) (``kind="att"``) or ACRT(d) (``"acrt"``) with pointwise (and uniform) bands,
        or the dose distribution of the treated units (``"doses"``); an altair chart."""
        import altair as alt

        check_option("kind", kind, Literal["att", "acrt", "doses"])
        if kind == "doses":
            data = pd.DataFrame({"dose": np.asarray(self.doses)})
            return (
                alt.Chart(data)
                .mark_bar()
                .encode(alt.X("dose:Q", bin=alt.Bin(maxbins=30)), alt.Y("count():Q"))
                .properties(title="Doses of the treated units")
            )
        frame = self.curve("ATT(d)" if kind == "att" else "ACRT(d)", level)
        base = alt.Chart(frame).encode(alt.X("dose:Q", title="dose"))
        layers = [
            base.mark_area(opacity=0.3).encode(alt.Y("ci_low:Q", title=kind.upper()), y2="ci_high")
        ]
        if "band_low" in frame:
            layers.append(base.mark_area(opacity=0.15).encode(y="band_low:Q", y2="band_high"))
        layers.append(base.mark_line().encode(y="estimate:Q"))
        return alt.layer(*layers).properties(title=f"{kind.upper()}(d), {self.title}")


def bootstrap(
    inf: FloatArray,
    cl: Clustering,
    draws: int,
    seed: np.random.SeedSequence,
    distribution: str,
    m: int,
    offset: int,
    *,
    executor: Executor | None,
    progress: bool,
) -> tuple[BootstrapResult, tuple[float, float]]:
    """One multiplier bootstrap (as ``att_gt``'s, through ``map_chunks``) of all terms: the
    standard errors, and a sup-t critical value for each curve (ATT(d), ACRT(d))."""
    from scipy import stats

    n = inf.shape[0]
    if cl.codes is None:
        means, n_cl = inf, n
    else:
        counts = np.bincount(cl.codes, minlength=cl.n_clusters).astype(float)
        sums = np.zeros((cl.n_clusters, inf.shape[1]))
        np.add.at(sums, cl.codes, inf)
        means, n_cl = sums / counts[:, None], cl.n_clusters
    # the draws are linear in ``means``, whose rank (about basis size x cells) is far below its
    # column count (the dose grid): draw on a thin factor and map back
    ev, vec = np.linalg.eigh(means.T @ means)
    keep = ev > max(float(ev.max(initial=0.0)), 1e-300) * 1e-13
    factor, back = means @ vec[:, keep], vec[:, keep].T
    parts = map_chunks(
        _Draws(np.ascontiguousarray(factor), distribution),
        draws,
        seed,
        executor,
        BOOT_CHUNK,
        progress=progress,
        desc="multiplier bootstrap",
    )
    sample = np.concatenate(parts, axis=0) @ back
    q75, q25 = np.quantile(sample, [0.75, 0.25], axis=0, method="inverted_cdf")
    sigma = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    crits = []
    for cols in (slice(offset, offset + m), slice(offset + m, offset + 2 * m)):
        s, sg = sample[:, cols], sigma[cols]
        ok = sg > SE_FLOOR
        if ok.any():
            t_max = np.max(np.abs(s[:, ok] / sg[ok]), axis=1)
            crits.append(float(np.quantile(t_max, 0.95, method="inverted_cdf")))
        else:
            crits.append(float("nan"))
    se = np.where(sigma > SE_FLOOR, sigma / np.sqrt(n_cl), np.nan)
    boot = BootstrapResult(se=se, crit=max(crits), draws=draws, distribution=distribution)
    return boot, (crits[0], crits[1])


def aggregate_cells(
    est: FloatArray, inf: FloatArray, group: np.ndarray, post: np.ndarray, treated: np.ndarray
) -> tuple[FloatArray, FloatArray]:
    """R ``contdid``'s weights: post-treatment cells averaged within cohort, cohorts weighted by
    their number of treated units (estimated shares: their influence is included)."""
    n = inf.shape[0]
    labels = np.unique(group[post])
    by_g = []
    inf_g = []
    for g in labels.tolist():
        k = np.flatnonzero(post & (group == g))
        by_g.append(est[k].mean(axis=0))
        inf_g.append(inf[:, :, k].mean(axis=2))
    r_est = np.vstack(by_g)  # (G, q)
    ind = np.column_stack([treated[:, post & (group == g)].any(axis=1) for g in labels.tolist()])
    gp = ind.astype(float).mean(axis=0)
    wts = gp / gp.sum()
    wif = weight_if(np.arange(len(labels)), gp, np.ones(n), ind.astype(float))
    agg = r_est.T @ wts
    agg_inf = np.stack(inf_g, axis=2) @ wts + wif @ r_est
    return agg, agg_inf


def cell_result(
    att: FloatArray, inf: FloatArray, model: ATTgtModel, lab: np.ndarray, info: FitInfo, j: int
) -> ATTgtResult:
    """The overall ATT^o(g,t) (``j=0``) or ACRT^o(g,t) (``j=1``) cells as an ``att_gt`` result
    (``aggregate("dynamic")`` gives the event study of that estimand)."""
    model = dataclasses.replace(model, inf=inf, draws=None)
    cov, _, analytic = inference(att, inf, model, executor=None, progress=False)
    kind = ("ATT", "ACRT")[j]
    names = tuple(f"{kind}({g},{t})" for g, t in lab[:, :2].tolist())
    post = lab[:, 0] <= lab[:, 1]
    test = wald_pretrend(att, analytic, ~post, names)
    extra = pd.DataFrame(
        {
            "cohort": lab[:, 0],
            "year": lab[:, 1],
            "event_time": lab[:, 1] - lab[:, 0],
            "base_year": lab[:, 2],
            "post": post,
            "n_treated": lab[:, 3],
            "n_control": lab[:, 4],
        }
    )
    return ATTgtResult(
        coefs=CoefTable(names, att, cov, None),
        info=info,
        title=f"dose_did: overall {kind}(g,t) cells",
        extra=extra,
        boot=None,
        pretrend=test,
        model=model,
    )
