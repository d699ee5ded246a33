"""Grid-cell panels beyond memory: twfe out of core (dask) vs in memory vs pyfixest.

Data: a synthetic grid-cell panel written to Parquet. ``cells`` grid cells x 20 years
(2003-2022); cells are nested in the real county list (``ce.datasets.county_list()``, 2,845
counties, cells spread evenly over them and stored county by county); a staggered county policy
(adoption 2008-2018 by county, a quarter never treated); ``y = 0.3 policy + cell effect + year
effect + county trend + noise``. Files hold whole cells (row groups of 1M rows = 50,000 cells),
so the cell effect is local to a partition and no shuffle is needed. The dask path runs on the
library's default scheduler (in the calling thread when no ``distributed.Client`` is active).

Model: ``y ~ policy | cell + year``, errors clustered by county.

Two parts, each (data, engine) in its own subprocess, peak memory = the highest RSS of the
process tree (the child and any workers it starts), polled every 0.1 s with psutil, imports
included (each engine's process imports only what it uses):

1. ``--big`` (default 10,000,000 cells = 200 million rows): ``twfe`` on the Parquet path, out of
   core on this machine (dask threads). Records time, peak memory and passes over the data.
2. ``--side`` (default 500,000 cells = 10 million rows): the same Parquet data fitted by (a) the
   dask path, (b) in-memory countyeconomy (``pd.read_parquet`` then ``twfe``), (c) pyfixest
   0.60.0 ``feols(..., vcov={"CRV1": "county"})``; coefficients and SEs are checked against (b).
   A child whose RSS passes ``--cap-gb`` is killed and recorded as out of memory (the cap keeps
   the shared machine safe; it stands in for running out of RAM).

Usage: ``nice -n 10 python benchmarks/bench_scale.py [--big 10000000] [--side 500000,1000000]
[--cap-gb 12] [--engines memory,dask,pyfixest] [--row-group 1000000] [--skip-big]
[--tmp /work/tmp/scale]
[--out benchmarks/results/scale.md]``.
The Parquet files are deleted at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

YEARS = np.arange(2003, 2023)
ROWS_PER_FILE = 5_000_000  # 250,000 cells
ROW_GROUP = 1_000_000  # 50,000 cells: every row group holds whole cells (--row-group)


def write_cells(path: Path, n_cells: int, seed: int = 7, row_group: int = ROW_GROUP) -> float:
    """Write the panel to ``path/part-*.parquet``; returns the seconds it took."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    import countyeconomy as ce

    start = time.perf_counter()
    path.mkdir(parents=True, exist_ok=True)
    codes = ce.datasets.county_list()["code"].astype(np.int64).to_numpy()
    n_c, t = len(codes), len(YEARS)
    rng = np.random.default_rng(seed)
    adopt = rng.integers(2008, 2019, size=n_c)
    adopt[rng.random(n_c) < 0.25] = 9999
    trend = rng.normal(0, 0.02, size=n_c)
    county_of_cell = np.minimum((np.arange(n_cells) * n_c) // n_cells, n_c - 1)
    per_file = ROWS_PER_FILE // t
    for i, lo in enumerate(range(0, n_cells, per_file)):
        hi = min(lo + per_file, n_cells)
        cell = np.repeat(np.arange(lo, hi, dtype=np.int64), t)
        cty = np.repeat(county_of_cell[lo:hi], t)
        year = np.tile(YEARS.astype(np.int16), hi - lo)
        policy = (year >= adopt[cty]).astype(np.float64)
        fe = np.repeat(rng.normal(0, 1, size=hi - lo), t)
        y = (
            0.3 * policy
            + fe
            + 0.05 * (year - 2003)
            + trend[cty] * (year - 2003)
            + rng.normal(0, 1, size=len(cell))
        )
        frame = pd.DataFrame(
            {"cell": cell, "year": year, "county": codes[cty], "policy": policy, "y": y}
        )
        table = pa.Table.from_pandas(frame, preserve_index=False)
        pq.write_table(table, path / f"part-{i:04d}.parquet", row_group_size=row_group)
    return time.perf_counter() - start


def child(engine: str, path: str) -> None:
    """Run one fit in this process and print a JSON line (time, estimates, passes)."""
    import warnings

    import pandas as pd

    warnings.simplefilter("ignore")
    formula = "y ~ policy | cell + year"
    out: dict[str, object] = {"engine": engine}
    start = time.perf_counter()
    if engine in ("dask", "memory"):
        # countyeconomy is imported only by its own engines: the pyfixest process holds
        # pandas, pyarrow and pyfixest (with everything its fit imports), nothing of ours
        import countyeconomy as ce
    if engine == "dask":
        res = ce.twfe(f"{path}/*.parquet", formula, vcov=ce.Cluster("county"))
        out.update(coef=float(res.params["policy"]), se=float(res.std_errors["policy"]))
        out["passes"] = int(res.info.passes)
        out["nobs"] = int(res.info.nobs)
    elif engine == "memory":
        df = pd.read_parquet(path)
        out["load_s"] = time.perf_counter() - start
        res = ce.twfe(df, formula, county="cell", year="year", vcov=ce.Cluster("county"))
        out.update(coef=float(res.params["policy"]), se=float(res.std_errors["policy"]))
        out["nobs"] = int(res.info.nobs)
    else:
        import pyfixest as pf

        df = pd.read_parquet(path)
        out["load_s"] = time.perf_counter() - start
        res = pf.feols(formula, data=df, vcov={"CRV1": "county"})
        out.update(coef=float(res.coef()["policy"]), se=float(res.se()["policy"]))
        out["nobs"] = int(res._N)
    out["seconds"] = time.perf_counter() - start
    print(json.dumps(out), flush=True)


def measure(engine: str, path: Path, cap_gb: float) -> dict[str, object]:
    """Run ``child`` in a subprocess; poll the RSS of its process tree; kill it above the cap."""
    import psutil

    cmd = [sys.executable, __file__, "--child", engine, "--path", str(path)]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak, killed = 0, False
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(
                c.memory_info().rss for c in ps.children(recursive=True)
            )
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        if rss > cap_gb * 2**30:
            proc.kill()
            killed = True
            break
        time.sleep(0.1)
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - start
    row: dict[str, object] = {"engine": engine, "peak_gb": peak / 2**30, "wall_s": wall}
    if killed:
        row["status"] = f"out of memory (killed at the {cap_gb:g} GB cap)"
    elif proc.returncode != 0:
        row["status"] = "failed: " + stderr.strip().splitlines()[-1] if stderr.strip() else "failed"
    else:
        row.update(json.loads(stdout.strip().splitlines()[-1]))
        row["status"] = "ok"
    return row


def _fmt(rows: list[dict[str, object]], base: dict[str, object] | None) -> list[str]:
    lines = [
        "| engine | status | rows | seconds | peak GB | passes | policy coef | SE | "
        "coef diff vs in-memory | SE rel. diff |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ok = r["status"] == "ok"
        dc = ds = ""
        if ok and base is not None and base.get("status") == "ok":
            dc = f"{abs(float(r['coef']) - float(base['coef'])):.1e}"  # type: ignore[arg-type]
            ds = f"{abs(float(r['se']) / float(base['se']) - 1):.1e}"  # type: ignore[arg-type]
        lines.append(
            f"| {r['engine']} | {r['status']} | {r.get('nobs', '')} | "
            f"{float(r.get('seconds', r['wall_s'])):.1f} | {float(r['peak_gb']):.2f} | "  # type: ignore[arg-type]
            f"{r.get('passes', '')} | {float(r['coef']):.6f} | {float(r['se']):.6f} | {dc} | {ds} |"  # type: ignore[arg-type]
            if ok
            else f"| {r['engine']} | {r['status']} | | | {float(r['peak_gb']):.2f} | | | | | |"  # type: ignore[arg-type]
        )
    return lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--child")
    ap.add_argument("--path")
    ap.add_argument("--big", type=int, default=10_000_000)
    ap.add_argument("--side", default="500000")
    ap.add_argument("--cap-gb", type=float, default=12.0)
    ap.add_argument("--tmp", default="/work/tmp/scale")
    ap.add_argument("--out", default="benchmarks/results/scale.md")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--engines", default="memory,dask,pyfixest")
    ap.add_argument("--row-group", type=int, default=ROW_GROUP)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.path)
        return
    tmp = Path(args.tmp)
    report = [
        "# Out-of-core twfe at scale (`benchmarks/bench_scale.py`)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()}: {os.cpu_count()} cores "
        "shared with other jobs (run under `nice -n 10`), Python "
        f"{platform.python_version()}. Model `y ~ policy | cell + year`, errors clustered by "
        "county (2,845 real counties); peak = highest RSS of the process tree.",
        "",
    ]
    for n_cells in [int(s) for s in args.side.split(",") if s]:
        path = tmp / f"side_{n_cells}"
        secs = write_cells(path, n_cells, row_group=args.row_group)
        rows = [measure(e, path, args.cap_gb) for e in args.engines.split(",")]
        shutil.rmtree(path)
        base = rows[0]
        report += [
            f"## {n_cells * len(YEARS):,} rows ({n_cells:,} cells x {len(YEARS)} years)",
            "",
            f"Parquet ({args.row_group:,}-row groups) written in {secs:.0f} s. In-memory and "
            "pyfixest times include reading the "
            "Parquet into pandas (`load` below); the dask path reads as it goes.",
            "",
            *_fmt(rows, base),
            "",
        ]
        for r in rows:
            if "load_s" in r:
                report.append(f"- {r['engine']}: load {float(r['load_s']):.1f} s")  # type: ignore[arg-type]
        report.append("")
        print("\n".join(report), flush=True)
    if not args.skip_big:
        path = tmp / "big"
        secs = write_cells(path, args.big, row_group=args.row_group)
        size = sum(f.stat().st_size for f in path.iterdir()) / 2**30
        row = measure("dask", path, args.cap_gb)
        shutil.rmtree(path)
        report += [
            f"## {args.big * len(YEARS):,} rows ({args.big:,} cells x {len(YEARS)} years), "
            "out of core",
            "",
            f"Parquet: {size:.1f} GB on disk, written in {secs:.0f} s.",
            "",
            *_fmt([row], None),
            "",
        ]
    Path(args.out).write_text("\n".join(report) + "\n", encoding="utf-8")
    print("\n".join(report))


if __name__ == "__main__":
    main()
