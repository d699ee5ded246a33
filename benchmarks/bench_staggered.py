"""Callaway-Sant'Anna ATT(g,t): countyeconomy.att_gt vs five peers, side by side.

Peers: diff-diff (Rust backend), moderndid, csdid (the d2cml-ai port of R ``did``) and
differences.

Panel: ``countyeconomy.datasets.simulate_staggered_panel`` with 3,000 counties x 15 years
(2008-2022), 7 adoption cohorts (2014-2020, 8% of counties each) plus never-treated counties;
the county key is made an integer because moderndid requires one. Three cases, every library with
its documented options for the same estimator (never-treated controls, varying base period):

- ``no covariates``: ``method="dr"`` without covariates, analytic (influence-function) SEs;
- ``dr + 1 covariate``: doubly robust with ``log_gdp_pc``;
- ``bootstrap 999``: no covariates, 999 multiplier-bootstrap draws (diff-diff ``n_bootstrap=999``,
  moderndid ``boot=True, biters=999``, csdid ``bstrap=True`` with ``biters=999``, differences
  ``boot_iterations=999``; csdid and differences draw Rademacher weights, the others Mammen).

Every peer uses ``dr`` and never-treated controls (csdid ``control_group="nevertreated"``;
differences ``est_method="dr"``, whose default is ``reg``, ``progress_bar=False``, ``n_jobs=1``).
differences needs never-treated coded as NaN (not 0) and an (entity, time) index: that reshaping
is done once per child, outside the clock (as is moderndid's integer county key).

Every (case, library) runs in a fresh subprocess: one warm-up call, then the median of 5 timed
calls (3 at 30,000 counties). The clock covers DataFrame -> fitted ATT(g,t) result object,
including each peer's constructor (extracting the estimates for the cross-check is outside the
clock). Every child runs with one BLAS thread (see SINGLE_BLAS); diff-diff's Rust backend keeps
its own threads. Before timing, each peer's ATT(g,t) are checked against countyeconomy's on every
(g,t) cell (TOL: 1e-8; diff-diff's DR with covariates differs by ~1e-6 by design, see
tests/estimators/staggered/test_callaway_santanna_peers.py, so 1e-4 there). csdid and differences
agree to ~1e-14 on this balanced panel (csdid's known unbalanced-panel issues do not arise here).

A second section runs countyeconomy alone on 30,000 counties x 15 years and reports time and
peak memory (RSS high-water mark above the RSS after loading the data); ``--large-peers`` adds
diff-diff and moderndid there (csdid and differences are left out to keep the run bounded).

Usage: ``python benchmarks/bench_staggered.py [--skip-large] [--large-peers]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "staggered.md"
CASES = {"nocov": "no covariates", "dr1": "dr + 1 covariate", "boot": "bootstrap 999"}
LIBS = {
    "ce": "countyeconomy",
    "diff-diff": "diff-diff",
    "moderndid": "moderndid",
    "csdid": "csdid",
    "differences": "differences",
}
LARGE_PEERS = ["diff-diff", "moderndid"]  # csdid and differences skipped at 30,000 counties
REPEATS, REPEATS_LARGE = 5, 3
Y, G, X = "log_rural_income", "first_treated", "log_gdp_pc"
# the benchmark host has 2 cores shared with other jobs: multi-threaded BLAS oversubscribes them
# and makes small matrix products 100x slower at random, so every library gets one BLAS thread
SINGLE_BLAS = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def make_data(n_counties: int) -> pd.DataFrame:
    from countyeconomy.datasets import simulate_staggered_panel

    sim = simulate_staggered_panel(seed=20261129, n_counties=n_counties)
    df = sim.panel.to_frame()[["county", "year", Y, X, G]]
    df["county"] = df["county"].astype("int64")
    return df


def fit_ce(df: pd.DataFrame, case: str) -> Any:
    from countyeconomy.estimators.staggered.callaway_santanna import att_gt

    kw: dict[str, Any] = {"county": "county", "year": "year", "method": "dr"}
    if case == "dr1":
        kw["covariates"] = [X]
    if case == "boot":
        kw.update(draws=999, seed=1, progress=False)
    return att_gt(df, Y, G, **kw)


def cells_ce(res: Any) -> pd.Series:
    f = res.to_frame()
    return pd.Series(
        f["estimate"].to_numpy(), index=pd.MultiIndex.from_frame(f[["cohort", "year"]])
    )


def fit_dd(df: pd.DataFrame, case: str) -> Any:
    from diff_diff import CallawaySantAnna

    est = CallawaySantAnna(
        estimation_method="dr",
        n_bootstrap=999 if case == "boot" else 0,
        bootstrap_weights="mammen",
        seed=1,
    )
    return est.fit(
        df,
        outcome=Y,
        unit="county",
        time="year",
        first_treat=G,
        covariates=[X] if case == "dr1" else None,
    )


def cells_dd(res: Any) -> pd.Series:
    return pd.Series({k: v["effect"] for k, v in res.group_time_effects.items()})


def fit_md(df: pd.DataFrame, case: str) -> Any:
    import moderndid as md

    return md.att_gt(
        df,
        yname=Y,
        tname="year",
        idname="county",
        gname=G,
        xformla=f"~{X}" if case == "dr1" else None,
        est_method="dr",
        boot=case == "boot",
        biters=999,
        random_state=1,
    )


def cells_md(res: Any) -> pd.Series:
    return pd.Series(
        np.asarray(res.att_gt), index=pd.MultiIndex.from_arrays([res.groups, res.times])
    )


def fit_cs(df: pd.DataFrame, case: str) -> Any:
    from csdid.att_gt import ATTgt

    est = ATTgt(
        yname=Y,
        tname="year",
        idname="county",
        gname=G,
        data=df,
        control_group="nevertreated",
        xformla=f"{Y} ~ {X}" if case == "dr1" else None,
        biters=999,
    )
    return est.fit(est_method="dr", bstrap=case == "boot")


def cells_cs(res: Any) -> pd.Series:
    r = res.results
    return pd.Series(np.asarray(r["att"]), index=pd.MultiIndex.from_arrays([r["group"], r["year"]]))


def prep_df(df: pd.DataFrame) -> pd.DataFrame:
    # differences: never-treated as NaN (it rejects 0) and an (entity, time) MultiIndex
    out = df.assign(**{G: df[G].where(df[G] != 0).astype(float)})
    return out.set_index(["county", "year"])


def fit_df(df: pd.DataFrame, case: str) -> Any:
    from differences import ATTgt

    est = ATTgt(data=df, cohort_column=G)
    return est.fit(
        formula=f"{Y} ~ {X}" if case == "dr1" else Y,
        est_method="dr",
        control_group="never_treated",
        boot_iterations=999 if case == "boot" else 0,
        random_state=1,
        n_jobs=1,
        progress_bar=False,
    )


def cells_df(res: Any) -> pd.Series:
    f = res.to_pandas()
    idx = f.index
    return pd.Series(
        f[("ATTgtElements", "", "ATT")].to_numpy(),
        index=pd.MultiIndex.from_arrays(
            [idx.get_level_values("cohort"), idx.get_level_values("time")]
        ),
    )


RUNNERS = {
    "ce": (fit_ce, cells_ce),
    "diff-diff": (fit_dd, cells_dd),
    "moderndid": (fit_md, cells_md),
    "csdid": (fit_cs, cells_cs),
    "differences": (fit_df, cells_df),
}
# per-library reshaping of the shared DataFrame, done once outside the clock
PREP = {"differences": prep_df}
# max |ATT(g,t) - countyeconomy| allowed before timing, per (library, case); default 1e-8
TOL = {("diff-diff", "dr1"): 1e-4}


def _norm(s: pd.Series) -> pd.Series:
    keys = [(int(g), int(t)) for g, t in s.index]
    return pd.Series(s.to_numpy(dtype=float), index=pd.MultiIndex.from_tuples(keys))


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def reset_peak() -> None:
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass


def child(lib: str, case: str, n_counties: int, repeats: int) -> dict[str, Any]:
    warnings.simplefilter("ignore")
    raw = make_data(n_counties)
    df = PREP.get(lib, lambda d: d)(raw)
    run, cells = RUNNERS[lib]
    est = _norm(cells(run(df, case)))  # warm-up
    check = float("nan")
    if lib != "ce":
        ours = _norm(cells_ce(fit_ce(raw, case)))
        both = ours.to_frame("a").join(est.rename("b"), how="inner")
        check = float(np.max(np.abs(both["a"] - both["b"])))
        tol = TOL.get((lib, case), 1e-8)
        if len(both) != len(ours) or not check < tol:
            raise SystemExit(
                f"{lib} {case}: ATT(g,t) differ from countyeconomy by {check:.2e} "
                f"(tol {tol:g}; {len(both)} of {len(ours)} cells matched)"
            )
    del est, raw
    base = rss_mb()
    reset_peak()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = run(df, case)
        times.append(time.perf_counter() - t0)
        del out
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 - base
    return {"median": statistics.median(times), "peak_mb": peak, "max_diff": check}


def spawn(lib: str, case: str, n_counties: int, repeats: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", lib, case, str(n_counties), str(repeats)]
    env = {**os.environ, **SINGLE_BLAS}
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if out.returncode:
        return {"error": (out.stderr.strip().splitlines() or ["failed"])[-1]}
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def versions() -> str:
    from importlib.metadata import version

    parts = [f"python {platform.python_version()}", f"numpy {np.__version__}"]
    for pkg in ("diff-diff", "moderndid", "csdid", "differences"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except Exception:
            parts.append(f"{pkg} missing")
    return ", ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child", nargs=4)
    ap.add_argument("--skip-large", action="store_true")
    ap.add_argument("--large-peers", action="store_true")
    args = ap.parse_args()
    if args.child:
        lib, case, n, reps = args.child
        print(json.dumps(child(lib, case, int(n), int(reps))))
        return
    load_start = os.getloadavg()[0]
    lines = [
        "# Callaway-Sant'Anna benchmark",
        "",
        f"{versions()}; {os.cpu_count()} CPUs; median of {REPEATS} ({REPEATS_LARGE} at 30,000) "
        "after a warm-up, fresh subprocess each, one BLAS thread. All peers: `dr`, never-treated "
        "controls, varying base period; ratio = countyeconomy / fastest of the four peers.",
        "",
        "## 3,000 counties x 15 years, 7 cohorts + never treated",
        "",
        "| case | "
        + " | ".join(f"{name} s" for name in LIBS.values())
        + " | ratio to fastest peer "
        "| max \\|ATT(g,t) diff\\| vs countyeconomy (tol) |",
        "|---" * (len(LIBS) + 3) + "|",
    ]
    for case, label in CASES.items():
        res = {lib: spawn(lib, case, 3000, REPEATS) for lib in LIBS}
        peers = [r["median"] for k, r in res.items() if k != "ce" and "median" in r]
        ours = res["ce"].get("median", float("nan"))
        ratio = ours / min(peers) if peers else float("nan")
        cells = [
            f"{r['median']:.3f}" if "median" in r else f"error: {r['error'][:60]}"
            for r in res.values()
        ]
        diffs = ", ".join(
            f"{k} {r['max_diff']:.1e} ({TOL.get((k, case), 1e-8):g})"
            for k, r in res.items()
            if k != "ce" and "max_diff" in r
        )
        lines.append(f"| {label} | {' | '.join(cells)} | {ratio:.3f}x | {diffs} |")
        print(lines[-1], flush=True)
    if not args.skip_large:
        lines += [
            "",
            "## 30,000 counties x 15 years (450,000 rows)",
            "",
            "| case | library | seconds | peak MB above data |",
            "|---|---|---|---|",
        ]
        libs = ["ce", *LARGE_PEERS] if args.large_peers else ["ce"]
        for case, label in CASES.items():
            for lib in libs:
                r = spawn(lib, case, 30_000, REPEATS_LARGE)
                if "median" in r:
                    lines.append(
                        f"| {label} | {LIBS[lib]} | {r['median']:.2f} | {r['peak_mb']:.0f} |"
                    )
                else:
                    lines.append(f"| {label} | {LIBS[lib]} | error: {r['error'][:60]} | |")
                print(lines[-1], flush=True)
    # the 2 cores are shared: the load average shows how noisy the medians above may be
    lines += [
        "",
        f"1-minute load average: {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at end.",
    ]
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
