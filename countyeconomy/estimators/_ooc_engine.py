"""The out-of-core driver: reads a dask DataFrame (or a Parquet dataset) partition by partition
and adds up the small per-partition outputs of :mod:`._ooc_partition`.

Passes over the data: one (``moments``: counts, dropped rows, the Schur system of the
non-partition effects), plus one per extra round of singleton removal (rare), plus one
(``scores``: the Gram matrix of the demeaned columns in total and per cluster), plus one for
heteroskedasticity-robust errors. Memory: one partition per worker (in the calling thread without
a ``distributed.Client``), worked on in chunks of whole partition-effect levels, plus the small
sums.
"""

from __future__ import annotations

import glob as globmod
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from countyeconomy._typing import FloatArray
from countyeconomy.errors import FormulaError, IdentificationError, WeightsError
from countyeconomy.estimators._ooc_chunks import in_chunks
from countyeconomy.estimators._ooc_partition import OocSpec, pass_hc, pass_moments, pass_scores
from countyeconomy.panel import describe_values

__all__ = ["Moments", "compute", "is_out_of_core", "partition_tasks", "run_passes", "to_dask"]

DENSE_MAX_LEVELS = 6000
"""Most levels the non-partition effects may have together (their system is solved densely)."""


PARQUET_BLOCKSIZE = "4MiB"
"""Target partition size when reading a Parquet path: row groups are combined up to about this
many bytes on disk (a row group is never split). A partition costs about four times its
in-memory size while a pass works on it, so small row groups (about 250,000 rows) keep the peak
near the cost of the imports; a file written with 1-million-row groups is read one group at a
time."""


def is_out_of_core(data: object) -> bool:
    """True for a dask DataFrame or a path (glob) to a Parquet dataset."""
    if isinstance(data, str | os.PathLike):
        return True
    module = type(data).__module__
    return module.startswith("dask") and hasattr(data, "npartitions")


def to_dask(data: object) -> Any:
    """A dask DataFrame from a dask DataFrame or a Parquet path (read lazily)."""
    import dask.dataframe as dd

    if isinstance(data, str | os.PathLike):
        text = str(data)
        if "://" not in text and not os.path.exists(text) and not globmod.glob(text):
            raise FormulaError(
                f"no Parquet dataset at {text!r}: no file or directory matches. Pass a path or "
                "glob such as 'cells/*.parquet', or a dask.dataframe.DataFrame."
            )
        try:
            return dd.read_parquet(str(data), blocksize=PARQUET_BLOCKSIZE)
        except (OSError, ValueError) as exc:
            raise FormulaError(
                f"cannot read the Parquet dataset {str(data)!r}: {exc}. Pass a path or glob "
                "such as 'cells/*.parquet', or a dask.dataframe.DataFrame."
            ) from None
    return data


@dataclass
class Moments:
    """Everything the passes return, summed over partitions."""

    nobs: int = 0
    n_input: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    names: tuple[tuple[str, ...], ...] = ()
    sum_w: float = 0.0
    sum_v: FloatArray = field(default_factory=lambda: np.zeros(0))
    sum_v2: FloatArray = field(default_factory=lambda: np.zeros(0))
    fe_levels: list[int] = field(default_factory=list)
    nested: dict[tuple[int, str], bool] = field(default_factory=dict)
    lam: tuple[tuple[pd.Index, FloatArray], ...] = ()
    gram: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    groups: list[pd.DataFrame] = field(default_factory=list)
    passes: int = 0
    dead: tuple[pd.Index, ...] = ()


def local_scheduler() -> str | None:
    """``"sync"`` unless a scheduler is configured or a ``distributed.Client`` is active.

    Without a cluster the passes run one partition at a time in this thread: the per-partition
    kernels hold the GIL most of the time, so threads add memory (one partition each) and little
    speed. Set ``dask.config.set(scheduler="threads")`` to use threads anyway. ``distributed`` is
    only consulted when something already imported it (no Client can exist otherwise).
    """
    import dask

    if dask.config.get("scheduler", None) is not None:
        return None
    if "distributed" in sys.modules:
        from distributed import default_client

        try:
            default_client()  # type: ignore[no-untyped-call]
        except ValueError:
            return "sync"
        return None
    return "sync"


def compute(*objects: Any) -> tuple[Any, ...]:
    """``dask.compute`` on the active ``distributed.Client`` or configured scheduler, else in
    this thread (see :func:`local_scheduler`), typed."""
    from dask.base import compute as dask_compute

    sched = local_scheduler()
    kwargs = {} if sched is None else {"scheduler": sched}
    out: tuple[Any, ...] = dask_compute(*objects, **kwargs)  # type: ignore[no-untyped-call]
    return out


def partition_tasks(ddf: Any, func: Callable[..., Any], *args: Any) -> list[Any]:
    """One lazy ``func(partition, *args)`` per partition of ``ddf``."""
    from dask.delayed import delayed

    task = delayed(func, pure=True)
    return [task(p, *args) for p in ddf.to_delayed()]


def _batches(ddf: Any, func: Callable[..., Any], spec: OocSpec, *args: Any) -> list[Any]:
    """Apply ``func(chunk, spec, *args)`` to every row chunk of every partition (see
    :func:`~._ooc_chunks.in_chunks`), a few partitions at a time (bounded memory)."""
    tasks = partition_tasks(ddf, in_chunks, func, spec.fe_cols[spec.a_term], spec, *args)
    step = max(4, 2 * (os.cpu_count() or 2))
    out: list[Any] = []
    for i in range(0, len(tasks), step):
        for chunks in compute(*tasks[i : i + step]):
            out.extend(chunks)
    return out


def _union(indexes: Sequence[pd.Index]) -> pd.Index:
    nonempty = [ix for ix in indexes if len(ix)]
    if not nonempty:
        return pd.Index([])
    out = nonempty[0].append(list(nonempty[1:])) if len(nonempty) > 1 else nonempty[0]
    return out.unique()


def _merge_dropped(results: list[dict[str, Any]], needed: Sequence[str]) -> dict[str, int]:
    order = [f"missing {c!r}" for c in needed]
    order += ["zero weight", "non-finite after transformation", "singletons"]
    total: dict[str, int] = {}
    for key in order:
        s = sum(r["dropped"].get(key, 0) for r in results)
        if s:
            total[key] = s
    return total


def _moments_pass(
    ddf: Any, spec: OocSpec
) -> tuple[list[dict[str, Any]], tuple[pd.Index, ...], int]:
    """The first pass, repeated while singleton removal leaves new one-row levels."""
    n_b = len(spec.fe_cols) - 1
    dead: tuple[pd.Index, ...] = tuple(pd.Index([]) for _ in range(n_b))
    passes = 0
    while True:
        results = _batches(ddf, pass_moments, spec, dead)
        passes += 1
        if not spec.drop_singletons or n_b == 0:
            return results, dead, passes
        new = []
        for j in range(n_b):
            glob = _union([r["b_uniques"][j] for r in results])
            counts = np.zeros(len(glob), dtype=np.int64)
            for r in results:
                pos = glob.get_indexer(r["b_uniques"][j])
                np.add.at(counts, pos, r["b_counts"][j])
            new.append(glob[counts == 1])
        if not any(len(x) for x in new):
            return results, dead, passes
        dead = tuple(d.append(x).unique() if len(d) else x for d, x in zip(dead, new, strict=True))


def check_first_pass(results: list[dict[str, Any]], spec: OocSpec) -> None:
    """Errors the in-memory path raises: bad weights, an outcome missing everywhere."""
    bad = sum(r["bad_weights"] for r in results)
    if bad:
        raise WeightsError(
            f"weights column {spec.weights!r} has {bad} missing, negative or infinite value(s); "
            "weights must be finite and non-negative."
        )
    if sum(r["y_present"] for r in results) == 0:
        raise IdentificationError(f"outcome {spec.outcome!r} is missing in every row.")
    names = {r["names"] for r in results if r["nobs"]}
    if len(names) > 1:
        raise FormulaError(
            f"the terms of {spec.text!r} expand to different columns in different partitions "
            f"({describe_values(sorted(str(n) for n in names), 3)}): categorical terms such as "
            "C(x) are not supported out of core; add indicator columns to the data instead."
        )


def partition_local(results: list[dict[str, Any]]) -> bool:
    """Whether no level of the partition effect appears in two partitions."""
    keys = [r["a_keys"] for r in results if len(r["a_keys"])]
    if not keys:
        return True
    allk = np.concatenate(keys)
    return len(np.unique(allk)) == len(allk)


def _solve_b(results: list[dict[str, Any]], m: int) -> tuple[tuple[pd.Index, FloatArray], ...]:
    """Solve the normal equations of the non-partition effects (exact, dense, minimum norm)."""
    n_b = len(results[0]["b_uniques"]) if results else 0
    if n_b == 0:
        return ()
    globs = [_union([r["b_uniques"][j] for r in results]) for j in range(n_b)]
    offs = np.cumsum([0] + [len(g) for g in globs])
    total = int(offs[-1])
    if total > DENSE_MAX_LEVELS:
        raise IdentificationError(
            f"the absorbed effects other than the partition effect have {total:,} levels "
            f"together; out of core they are solved densely (at most {DENSE_MAX_LEVELS:,}). "
            "Absorb the large effect first (e.g. 'cell + year') or fit in memory."
        )
    s_mat, r_mat = np.zeros((total, total)), np.zeros((total, m))
    for r in results:
        if not r["nobs"]:
            continue
        pos = np.concatenate(
            [g.get_indexer(u) + o for g, u, o in zip(globs, r["b_uniques"], offs[:-1], strict=True)]
        )
        s_mat[np.ix_(pos, pos)] += r["S"]
        r_mat[pos] += r["R"]
    lam = np.asarray(np.linalg.lstsq(s_mat, r_mat, rcond=None)[0], dtype=np.float64)
    return tuple((g, lam[offs[j] : offs[j + 1]]) for j, g in enumerate(globs))


def _nested(results: list[dict[str, Any]], spec: OocSpec) -> dict[tuple[int, str], bool]:
    out: dict[tuple[int, str], bool] = {}
    b_index = [i for i in range(len(spec.fe_cols)) if i != spec.a_term]
    for col in spec.nested_cols:
        out[(spec.a_term, col)] = all(r["nested"][col][0] for r in results if r["nobs"])
        for j, term in enumerate(b_index):
            glob = _union([r["b_uniques"][j] for r in results])
            frames = []
            for r in results:
                uniques, pairs = r["nested"][col][1][j]
                if len(pairs):
                    pos = glob.get_indexer(uniques)[pairs["b"].to_numpy()]
                    frames.append(pd.DataFrame({"b": pos, "c": pairs["c"].to_numpy()}))
            both = pd.concat(frames).drop_duplicates() if frames else pd.DataFrame({"b": []})
            out[(term, col)] = not bool(both["b"].duplicated().any())
    return out


def run_passes(ddf: Any, spec: OocSpec, *, shuffle: Callable[[Any], Any]) -> tuple[Moments, Any]:
    """The moments and scores passes; reshuffles by the partition effect if it is not local.

    Returns the summed :class:`Moments` and the (possibly reshuffled) dask DataFrame.
    """
    results, dead, passes = _moments_pass(ddf, spec)
    check_first_pass(results, spec)
    if not partition_local(results):
        ddf = shuffle(ddf)
        results, dead, more = _moments_pass(ddf, spec)
        passes += more + 1
    used = [r for r in results if r["nobs"]]
    mom = Moments(
        nobs=sum(r["nobs"] for r in results),
        n_input=sum(r["n_input"] for r in results),
        dropped=_merge_dropped(results, spec.needed),
        names=used[0]["names"] if used else results[0]["names"],
        passes=passes,
        dead=dead,
    )
    if not used:
        return mom, ddf
    mom.sum_w = float(sum(r["sum_w"] for r in used))
    mom.sum_v = np.sum([r["sum_v"] for r in used], axis=0)
    mom.sum_v2 = np.sum([r["sum_v2"] for r in used], axis=0)
    levels = []
    b_i = 0
    for i in range(len(spec.fe_cols)):
        if i == spec.a_term:
            levels.append(int(sum(r["n_a"] for r in used)))
        else:
            glob = _union([r["b_uniques"][b_i] for r in used])
            counts = np.zeros(len(glob), dtype=np.int64)
            for r in used:
                np.add.at(counts, glob.get_indexer(r["b_uniques"][b_i]), r["b_counts"][b_i])
            levels.append(int((counts > 0).sum()))
            b_i += 1
    mom.fe_levels = levels
    mom.nested = _nested(used, spec)
    m = used[0]["sum_v"].shape[0]
    mom.lam = _solve_b(used, m)
    del results, used
    scored = _batches(ddf, pass_scores, spec, dead, mom.lam)
    mom.passes += 1
    mom.gram = np.sum([r["gram"] for r in scored], axis=0)
    for j, cols in enumerate(spec.group_sets):
        cat = pd.concat([r["groups"][j] for r in scored], ignore_index=True)
        mom.groups.append(cat.groupby(list(cols), sort=True, dropna=False).sum().reset_index())
    return mom, ddf


def hc_meats(
    ddf: Any, spec: OocSpec, mom: Moments, maps: tuple[tuple[FloatArray, FloatArray], ...]
) -> list[FloatArray]:
    """One more pass: the heteroskedasticity-robust meat of each regression in ``maps``."""
    parts = _batches(ddf, pass_hc, spec, mom.dead, mom.lam, maps)
    mom.passes += 1
    return [np.sum([p[i] for p in parts], axis=0) for i in range(len(maps))]
