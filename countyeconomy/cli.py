"""Command line: ``countyeconomy demo`` writes the flagship HTML report."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``countyeconomy`` command."""
    parser = argparse.ArgumentParser(prog="countyeconomy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="run the flagship analysis on embedded simulated data")
    demo.add_argument("--out", default="build/demo", help="output folder (default build/demo)")
    demo.add_argument("--seed", type=int, default=2024, help="simulation seed")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from countyeconomy.demo import run_demo

        path = run_demo(args.out, seed=args.seed)
        print(path.resolve())
        return 0
    return 2  # pragma: no cover - argparse enforces the sub-command


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
