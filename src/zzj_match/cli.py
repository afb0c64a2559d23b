"""Command line interface: ``zzj-match demo`` and ``zzj-match solve DIR``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="zzj-match", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="solve the embedded default 珠中江 market")
    demo.add_argument("--scale", type=float, default=1.0)
    demo.add_argument("--seed", type=int, default=0)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args = _parser().parse_args(argv)
    import zzj_match

    sys.stdout.write(f"zzj_match {zzj_match.__version__}: {args.command} is being built\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
