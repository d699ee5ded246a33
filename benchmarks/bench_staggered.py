"""Callaway-Sant'Anna ATT(g,t): countyeconomy.att_gt vs diff-diff and moderndid, side by side.

Panel: ``countyeconomy.datasets.simulate_staggered_panel`` with 3,000 counties x 15 years
(2008-2022), 7 adoption cohorts (2014-2020, 8% of counties each) plus never-treated counties;
the county key is made an integer because moderndid requires one. Three cases, every library with
its documented options for the same estimator (never-treated controls, varying base period):

- ``no covariates``: ``method="dr"`` without covariates, analytic (influence-function) SEs;
- ``dr + 1 covariate``: doubly robust with ``log_gdp_pc``;
- ``bootstrap 999``: no covariates, 999 multiplier-bootstrap draws (diff-diff ``n_bootstrap=999``,
  moderndid ``boot=True, biters=999``).

Every (case, library) runs in a fresh subprocess: one warm-up call, then the median of 7 timed
calls (3 at 30,000 counties; the shared 2-core host is noisy, so more than the minimum of 3). The clock covers DataFrame -> fitted ATT(g,t) result object (extracting the estimates for
the cross-check is outside the clock). Every child runs with one BLAS thread (see SINGLE_BLAS);
diff-diff's Rust backend keeps its own threads. Before timing, each peer's ATT(g,t) are
checked against countyeconomy's (1e-8; diff-diff's DR with covariates differs by ~1e-6 by design,
see tests/estimators/staggered/test_callaway_santanna_peers.py, so 1e-4 there).

A second section runs countyeconomy alone on 30,000 counties x 15 years and reports time and
peak memory (RSS high-water mark above the RSS after loading the data).

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
LIBS = {"ce": "countyeconomy", "diff-diff": "diff-diff", "moderndid": "moderndid"}
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
        kw.update(bootstrap=999, seed=1, progress=False)
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


RUNNERS = {
    "ce": (fit_ce, cells_ce),
    "diff-diff": (fit_dd, cells_dd),
    "moderndid": (fit_md, cells_md),
}


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
    df = make_data(n_counties)
    run, cells = RUNNERS[lib]
    est = _norm(cells(run(df, case)))  # warm-up
    check = float("nan")
    if lib != "ce":
        ours = _norm(cells_ce(fit_ce(df, case)))
        both = ours.to_frame("a").join(est.rename("b"), how="inner")
        check = float(np.max(np.abs(both["a"] - both["b"])))
        tol = 1e-4 if (lib == "diff-diff" and case == "dr1") else 1e-8
        if len(both) != len(ours) or not check < tol:
            raise SystemExit(f"{lib} {case}: ATT(g,t) differ from countyeconomy by {check}")
    del est
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
    for pkg in ("diff-diff", "moderndid"):
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
    lines = [
        "# Callaway-Sant'Anna benchmark",
        "",
        f"{versions()}; {os.cpu_count()} CPUs; median of 7 (3 at 30,000) after a warm-up, fresh "
        "subprocess each, one BLAS thread.",
        "",
        "## 3,000 counties x 15 years, 7 cohorts + never treated",
        "",
        "| case | countyeconomy s | diff-diff s | moderndid s | ratio to fastest peer | max |ATT diff| |",
        "|---|---|---|---|---|---|",
    ]
    for case, label in CASES.items():
        res = {lib: spawn(lib, case, 3000, 7) for lib in LIBS}
        peers = [r["median"] for k, r in res.items() if k != "ce" and "median" in r]
        ours = res["ce"].get("median", float("nan"))
        ratio = ours / min(peers) if peers else float("nan")
        cells = [
            f"{r['median']:.3f}" if "median" in r else f"error: {r['error'][:60]}"
            for r in res.values()
        ]
        diffs = ", ".join(
            f"{k} {r['max_diff']:.1e}" for k, r in res.items() if k != "ce" and "max_diff" in r
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
        libs = list(LIBS) if args.large_peers else ["ce"]
        for case, label in CASES.items():
            for lib in libs:
                r = spawn(lib, case, 30_000, 3)
                if "median" in r:
                    lines.append(
                        f"| {label} | {LIBS[lib]} | {r['median']:.2f} | {r['peak_mb']:.0f} |"
                    )
                else:
                    lines.append(f"| {label} | {LIBS[lib]} | error: {r['error'][:60]} | |")
                print(lines[-1], flush=True)
    text = "\n".join(lines) + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
