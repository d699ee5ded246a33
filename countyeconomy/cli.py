"""Command line: ``countyeconomy demo`` writes the flagship HTML report and prints its numbers."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``countyeconomy`` command."""
    parser = argparse.ArgumentParser(prog="countyeconomy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the flagship analysis on embedded simulated data")
    demo.add_argument("--out", default="build/demo", help="output folder (default build/demo)")
    demo.add_argument("--seed", type=int, default=2024, help="simulation seed")
    demo.add_argument(
        "--draws", type=int, default=99, help="placebo and wild-bootstrap draws (default 99)"
    )
    demo.add_argument("--quiet", action="store_true", help="print only the report's path")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from countyeconomy.demo import analyse, summary_text, write_report

        start = time.perf_counter()
        analysis = analyse(args.seed, draws=args.draws)
        path = write_report(analysis, args.out)
        if not args.quiet:
            print(summary_text(analysis))
            print(f"Report written in {time.perf_counter() - start:.0f} s:")
        print(path.resolve())  # the last line: the report's path
        return 0
    return 2  # pragma: no cover - argparse enforces the sub-command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
