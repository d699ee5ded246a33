"""TWFE with county-clustered SEs: countyeconomy vs pyfixest vs linearmodels, side by side.

Model: ``y = 0.5 x + county effect + year effect + noise`` on simulated panels of 56k rows
(2,800 x 20), 2M (100k x 20) and 5M (500k x 10), each balanced and with 10% of rows missing at
random. Every (panel, library) pair runs in a fresh subprocess so that peak memory is measurable.

Timing: the clock covers pandas DataFrame -> result for every library (countyeconomy from a
DataFrame with ``county=``/``year=``, which includes the panel validation; plus a row with a
Panel built before the clock starts; linearmodels includes ``set_index``/categorical
conversion). One warm-up call on the full data (pyfixest compiles on its first call), then the
median of 3 timed calls (7 at 56k, where calls are cheap and noisy); linearmodels, which has no
compile step, is warmed up on a 50k-row slice and gets 1 timed call at 2M and 5M.

Memory: after the data are loaded and the warm-up result is freed, the process's RSS high-water
mark is reset (``/proc/self/clear_refs``); "peak MB" is ``ru_maxrss`` after the timed calls minus
the RSS at the reset, i.e. the extra resident memory of one call including the result it returns
(results are freed between calls). RSS, not tracemalloc, so compiled code counts too.

Before timing, each child checks its coefficient against pyfixest's (rtol 1e-8); countyeconomy's
clustered SE must also match pyfixest's (rtol 1e-6). A failed check marks that row FAILED and
the script exits non-zero. (linearmodels at 2M/5M: checked on its timed call.)

The last section measures the balanced 5M case against the memory-bandwidth limit.

Usage: ``python benchmarks/bench_twfe.py [--sizes 56k,2M,5M] [--libs ...] [--no-bandwidth]
[--output benchmarks/results/twfe.md]``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "twfe.md"
FORMULA = "y ~ x | county + year"
SIZES: dict[str, tuple[int, int]] = {
    "56k": (2_800, 20),
    "2M": (100_000, 20),
    "5M": (500_000, 10),
}
LIBS = ["pyfixest", "ce-frame", "ce-panel", "lm-panelols", "lm-absorbing"]
LABELS = {
    "pyfixest": "pyfixest feols",
    "ce-frame": "countyeconomy (DataFrame)",
    "ce-panel": "countyeconomy (prebuilt Panel)",
    "lm-panelols": "linearmodels PanelOLS",
    "lm-absorbing": "linearmodels AbsorbingLS",
}
MISSING_SHARE = 0.10
COEF_RTOL = 1e-8
SE_RTOL = 1e-6
NOISE_MB = 16.0


# ----------------------------------------------------------------------------- data
def simulate(n_counties: int, n_years: int, balanced: bool, seed: int = 20261129) -> pd.DataFrame:
    """Sorted county x year panel; ``balanced=False`` drops 10% of rows at random."""
    rng = np.random.default_rng(seed)
    n = n_counties * n_years
    cid = np.repeat(np.arange(n_counties, dtype=np.int64), n_years)
    tid = np.tile(np.arange(n_years, dtype=np.int64), n_counties)
    alpha = rng.normal(size=n_counties)
    gamma = rng.normal(size=n_years)
    x = 0.5 * alpha[cid] + 0.3 * gamma[tid] + rng.normal(size=n)
    y = 0.5 * x + alpha[cid] + gamma[tid] + rng.normal(size=n)
    frame = pd.DataFrame({"county": cid + 100_000, "year": tid + 2000, "x": x, "y": y})
    if not balanced:
        drop = rng.choice(n, size=round(MISSING_SHARE * n), replace=False)
        keep = np.ones(n, dtype=bool)
        keep[drop] = False
        frame = frame.loc[keep].reset_index(drop=True)
    return frame


def save(frame: pd.DataFrame, path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    for col in frame.columns:
        np.save(path / f"{col}.npy", frame[col].to_numpy())


def load(path: Path) -> pd.DataFrame:
    """Load without transient copies, so the RSS after loading is the data's footprint."""
    cols = {c: np.load(path / f"{c}.npy") for c in ("county", "year", "x", "y")}
    return pd.DataFrame(cols, copy=False)


# ----------------------------------------------------------------------------- memory
def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak() -> bool:
    """Reset the RSS high-water mark (Linux >= 4.0); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


# ----------------------------------------------------------------------------- fits
def make_fit(lib: str, frame: pd.DataFrame) -> Callable[[], tuple[float, float]]:
    """A zero-argument call DataFrame -> result, returning (coef of x, clustered SE of x)."""
    if lib in ("ce-frame", "ce-panel"):
        import countyeconomy as ce

        vcov = ce.Cluster("county")
        if lib == "ce-panel":
            panel = ce.Panel.from_frame(frame, county="county", year="year")

            def fit_panel() -> tuple[float, float]:
                r = ce.twfe(panel, FORMULA, vcov=vcov)
                return float(r.params["x"]), float(r.std_errors["x"])

            return fit_panel

        def fit_frame() -> tuple[float, float]:
            r = ce.twfe(frame, FORMULA, county="county", year="year", vcov=vcov)
            return float(r.params["x"]), float(r.std_errors["x"])

        return fit_frame
    if lib == "pyfixest":
        import pyfixest as pf

        def fit_pf() -> tuple[float, float]:
            r = pf.feols(FORMULA, data=frame, vcov={"CRV1": "county"})
            return float(r.coef()["x"]), float(r.se()["x"])

        return fit_pf
    if lib == "lm-panelols":
        from linearmodels import PanelOLS

        def fit_panelols() -> tuple[float, float]:
            d = frame.set_index(["county", "year"])
            m = PanelOLS(d["y"], d[["x"]], entity_effects=True, time_effects=True)
            r = m.fit(cov_type="clustered", cluster_entity=True)
            return float(r.params["x"]), float(r.std_errors["x"])

        return fit_panelols
    if lib == "lm-absorbing":
        from linearmodels.iv.absorbing import AbsorbingLS

        def fit_absorbing() -> tuple[float, float]:
            absorb = pd.DataFrame(
                {"county": pd.Categorical(frame["county"]), "year": pd.Categorical(frame["year"])}
            )
            m = AbsorbingLS(frame["y"], frame[["x"]], absorb=absorb)
            r = m.fit(cov_type="clustered", clusters=frame["county"].to_numpy())
            return float(r.params["x"]), float(r.std_errors["x"])

        return fit_absorbing
    raise ValueError(f"unknown library {lib!r}")


def check(lib: str, coef: float, se: float, ref: dict[str, float] | None) -> None:
    """Coefficient equal to pyfixest's to rtol 1e-8; countyeconomy's SE too, to rtol 1e-6."""
    if ref is None:
        return
    if not np.isclose(coef, ref["coef"], rtol=COEF_RTOL, atol=0):
        raise SystemExit(f"{lib}: coef {coef!r} != pyfixest {ref['coef']!r} (rtol 1e-8)")
    if lib.startswith("ce-") and not np.isclose(se, ref["se"], rtol=SE_RTOL, atol=0):
        raise SystemExit(f"{lib}: SE {se!r} != pyfixest {ref['se']!r} (rtol 1e-6)")


def child(lib: str, path: Path, reps: int, ref: dict[str, float] | None) -> dict[str, Any]:
    """Run in a fresh process: warm up, verify against pyfixest, time, measure peak RSS."""
    import warnings

    warnings.simplefilter("ignore")
    frame = load(path)
    fit = make_fit(lib, frame)  # imports the library (and builds the Panel for ce-panel)
    gc.collect()
    # linearmodels has no compile step and takes 5-30 s a call at 2M/5M: warm it up on a slice
    # and check its coefficient on the timed call instead
    slice_warm = lib.startswith("lm-") and len(frame) > 1_000_000
    t0 = time.perf_counter()
    if slice_warm:
        make_fit(lib, frame.iloc[:50_000].copy())()
    else:
        check(lib, *fit(), ref)  # warm-up; the result object is freed on return
    warm = time.perf_counter() - t0
    gc.collect()
    exact = reset_peak()
    base = rss_mb() if exact else maxrss_mb()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        coef, se = fit()
        times.append(time.perf_counter() - t0)
        gc.collect()
    if slice_warm:
        check(lib, coef, se, ref)
    return {
        "lib": lib,
        "nobs": len(frame),
        "coef": coef,
        "se": se,
        "warmup_s": warm,
        "times": times,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "peak_mb": maxrss_mb() - base,
        "data_mb": float(frame.memory_usage(deep=True).sum() / 2**20),
        "peak_reset": exact,
        "load": os.getloadavg()[0],
    }


def run_child(
    lib: str, path: Path, reps: int, ref: dict[str, float] | None
) -> dict[str, Any] | str:
    """The child's measurements, or the reason it failed (a crash or a failed check)."""
    cmd = [sys.executable, __file__, "--child", lib, "--data", str(path), "--reps", str(reps)]
    if ref is not None:
        cmd += ["--ref", json.dumps(ref)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"{lib} on {path.name} failed:\n{proc.stderr[-3000:]}", file=sys.stderr)
        lines = proc.stderr.strip().splitlines()
        return lines[-1] if lines else f"exit code {proc.returncode}"
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return out


# ----------------------------------------------------------------------------- bandwidth
def bandwidth_child(path: Path) -> dict[str, Any]:
    """Sustained read bandwidth vs one demeaning pass on the balanced 5M panel."""
    import warnings

    import countyeconomy as ce
    from countyeconomy.linalg import demean, factorize

    warnings.simplefilter("ignore")
    big = np.ones(400 * 2**20 // 8)
    big.sum()
    t_sum = []
    for _ in range(7):
        t0 = time.perf_counter()
        big.sum()
        t_sum.append(time.perf_counter() - t0)
    gbps = big.nbytes / min(t_sum) / 1e9
    gbps_med = big.nbytes / statistics.median(t_sum) / 1e9
    del big
    frame = load(path)
    stacked = np.column_stack([frame["y"].to_numpy(), frame["x"].to_numpy()])
    fes = [factorize(frame["county"].to_numpy(), "county"), factorize(frame["year"].to_numpy())]
    n = len(frame)
    nbytes = stacked.nbytes + sum(f.codes.nbytes for f in fes)
    demean(stacked, fes)
    t_dm = []
    for _ in range(5):
        t0 = time.perf_counter()
        dm = demean(stacked, fes)
        t_dm.append(time.perf_counter() - t0)
    t_full = []
    for _ in range(3):
        t0 = time.perf_counter()
        ce.twfe(frame, FORMULA, county="county", year="year", vcov=ce.Cluster("county"))
        t_full.append(time.perf_counter() - t0)
    return {
        "n": n,
        "bytes": nbytes,
        "code_dtype": str(fes[0].codes.dtype),
        "gbps_best": gbps,
        "gbps_median": gbps_med,
        "bound_s": nbytes / (gbps * 1e9),
        "demean_s": statistics.median(t_dm),
        "demean_method": dm.method,
        "full_s": statistics.median(t_full),
    }


# ----------------------------------------------------------------------------- report
def fmt_table(size: str, rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        f"### {size} rows",
        "",
        "| panel | library | rows | median s | min s | timed calls | peak MB (RSS delta) "
        "| time / pyfixest | memory / pyfixest | load avg |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['panel']} | {LABELS[r['lib']]} | {r['nobs']:,} | {r['median_s']:.3f} "
            f"| {r['min_s']:.3f} "
            f"| {len(r['times'])} | {max(r['peak_mb'], 0):.0f} | {r['t_ratio']:.2f} "
            f"| {r['m_ratio']:.2f} "
            f"| {r['load']:.1f} |"
        )
    return [*lines, ""]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="56k,2M,5M")
    ap.add_argument("--libs", default=",".join(LIBS))
    ap.add_argument("--no-bandwidth", action="store_true")
    ap.add_argument("--output", type=Path, default=RESULTS, help="markdown table to write")
    ap.add_argument("--absorbing-max-rows", type=int, default=2_500_000)
    ap.add_argument("--child")
    ap.add_argument("--data")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--ref")
    ap.add_argument("--bandwidth-child")
    args = ap.parse_args()
    if args.child:
        ref = json.loads(args.ref) if args.ref else None
        print(json.dumps(child(args.child, Path(args.data), args.reps, ref)))
        return
    if args.bandwidth_child:
        print(json.dumps(bandwidth_child(Path(args.bandwidth_child))))
        return

    libs = [lib for lib in LIBS if lib in args.libs.split(",")]
    failures: list[str] = []
    start = time.perf_counter()
    md = [
        "# TWFE with county-clustered SEs: countyeconomy vs peers",
        "",
        f"`python benchmarks/bench_twfe.py` on {platform.node()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}; "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "Model `y = 0.5 x + county + year effects + noise`, `y ~ x | county + year`, SEs clustered "
        "by county. Time: pandas DataFrame to result, one warm-up call, then the median of 3 timed "
        "calls (7 at 56k; for linearmodels at 2M and 5M, a warm-up on a 50k-row slice and 1 timed call). Peak MB: RSS high-water mark during the timed "
        "calls minus the RSS before them (mark reset via /proc/self/clear_refs after loading the "
        "data and the warm-up), one fresh process per (panel, library). Unbalanced = 10% of rows "
        "dropped at random. Coefficients checked against pyfixest to rtol 1e-8 (countyeconomy's "
        "SEs to 1e-6) before timing. `load avg`: 1-minute load average when the child finished "
        "(2 cores; above ~1.5 other processes competed for the CPU and the memory bus, so treat "
        "those rows' times as upper bounds).",
        "",
    ]
    with tempfile.TemporaryDirectory(prefix="bench_twfe_") as tmp:
        for size in args.sizes.split(","):
            n_c, n_t = SIZES[size]
            rows: list[dict[str, Any]] = []
            for balanced in (True, False):
                panel = "balanced" if balanced else "unbalanced"
                path = Path(tmp) / f"{size}_{panel}"
                save(simulate(n_c, n_t, balanced), path)
                ref: dict[str, float] | None = None
                for lib in ["pyfixest", *[x for x in libs if x != "pyfixest"]]:
                    big = n_c * n_t > 1_000_000
                    if lib == "lm-absorbing" and n_c * n_t > args.absorbing_max_rows:
                        continue
                    reps = 1 if lib.startswith("lm-") and big else args.reps
                    if n_c * n_t < 1_000_000:
                        reps = max(reps, 7)  # cheap; small timings are noisy
                    res = run_child(lib, path, reps, ref)
                    if isinstance(res, str):
                        failures.append(f"{size} {panel} {LABELS[lib]}: FAILED, not timed: {res}")
                        print(f"  {failures[-1]}", flush=True)
                        if lib == "pyfixest":
                            break  # nothing to verify against or compare with
                        continue
                    if lib == "pyfixest":
                        ref = {"coef": res["coef"], "se": res["se"]}
                    res["panel"] = panel
                    rows.append(res)
                    print(
                        f"  {size} {panel:10s} {lib:13s} {res['median_s']:7.3f} s "
                        f"{res['peak_mb']:7.0f} MB (warm-up {res['warmup_s']:.2f} s)",
                        flush=True,
                    )
            for r in rows:
                pf = next(p for p in rows if p["panel"] == r["panel"] and p["lib"] == "pyfixest")
                r["t_ratio"] = r["median_s"] / pf["median_s"]
                # below ~16 MB the RSS delta is allocator noise (freed arenas are reused)
                small = pf["peak_mb"] < NOISE_MB
                r["m_ratio"] = float("nan") if small else max(r["peak_mb"], 0) / pf["peak_mb"]
            table = fmt_table(size, rows)
            print("\n".join(table), flush=True)
            md += table
            if size == "5M" and not args.no_bandwidth:
                bw = subprocess.run(
                    [sys.executable, __file__, "--bandwidth-child", str(Path(tmp) / "5M_balanced")],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                b = json.loads(bw.stdout.strip().splitlines()[-1])
                text = [
                    "### Memory-bandwidth limit, balanced 5M",
                    "",
                    f"- Sustained read bandwidth (`np.sum` over 400 MB): {b['gbps_best']:.1f} GB/s "
                    f"best, {b['gbps_median']:.1f} GB/s median.",
                    f"- Bytes one demeaning pass must read: y and x float64 plus two "
                    f"{b['code_dtype']} code arrays = {b['bytes'] / 1e6:.0f} MB.",
                    f"- Bound: {b['bytes'] / 1e6:.0f} MB / {b['gbps_best']:.1f} GB/s = "
                    f"{b['bound_s'] * 1e3:.0f} ms.",
                    f"- `countyeconomy.linalg.demean` ({b['demean_method']}) on the prepared "
                    f"arrays: {b['demean_s'] * 1e3:.0f} ms = {b['demean_s'] / b['bound_s']:.1f}x "
                    "the bound.",
                    f"- Full `twfe` call from the DataFrame: {b['full_s']:.2f} s = "
                    f"{b['full_s'] / b['bound_s']:.0f}x the bound.",
                    "",
                ]
                print("\n".join(text), flush=True)
                md += text
    md += [f"- {f}" for f in failures] + ([""] if failures else [])
    md.append(f"Total benchmark wall time: {time.perf_counter() - start:.0f} s.")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(md) + "\n")
    print(f"wrote {args.output} ({time.perf_counter() - start:.0f} s)")
    if failures:
        print("\n".join(failures), file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
