"""Command line interface ``zzj-match``: solve the default 珠中江 market, or your own tables.

``zzj-match demo`` solves the embedded synthetic market and prints a plan summary;
``zzj-match solve DIR`` does the same for ``enterprises.csv``, ``vacancies.csv`` and
``pools.csv`` (and optionally ``workers.csv``) in ``DIR``. Exit status: 0 on success, 2 on bad
input (the table of problems is printed, every bad row named), 3 when the time limit ran out,
4 when an output could not be written (a full disk), 130 after Ctrl-C, 143 after SIGTERM, 1 on
an internal error. ``--out`` is replaced as a whole (see ``docs/cli.md``).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import math
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO, cast

from zzj_match._cli.outdir import OutputDir, OutputWriteError
from zzj_match._cli.policy_file import load_policy

__all__ = ["main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
#: Exit status when the time limit (``--time-limit``, ``time_limit_s``) ran out.
EXIT_TIME_LIMIT = 3
#: Exit status when an output could not be written: standard output or ``--out`` (a full
#: disk, an I/O error). Not an internal error; ``--out`` keeps its previous content.
EXIT_CANNOT_WRITE = 4
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, as a shell reports a command stopped by Ctrl-C
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so ``finally`` blocks clean up (like Ctrl-C)."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated


class _Sink:
    """A text stream that goes quiet once it cannot be written to.

    The reader went away (``zzj-match ... | head -1``: a broken pipe), the stream was closed
    before the run (``>&-``: ``sys.stdout`` is ``None``) or the write failed (``> /dev/full``):
    later writes are dropped, so the run still finishes (and writes ``--out``) and no
    traceback reaches the terminal. A failure other than a broken pipe is kept in
    :attr:`error`, for :func:`main` to report in one line.
    """

    def __init__(self, inner: TextIO | None) -> None:
        self.inner = inner
        self.broken = inner is None
        self.error: OSError | None = None

    def _guard(self, action: str, *args: Any) -> None:
        if self.broken:
            return
        try:
            getattr(self.inner, action)(*args)
        except BrokenPipeError:
            self.broken = True
        except OSError as err:  # ENOSPC, EIO, ...: the stream is lost, the run is not
            self.broken = True
            self.error = err
        except ValueError:  # the stream object was closed
            self.broken = True

    def write(self, text: str) -> int:
        self._guard("write", text)
        return len(text)

    def flush(self) -> None:
        self._guard("flush")

    def isatty(self) -> bool:
        return not self.broken and self.inner is not None and self.inner.isatty()

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, ... of the real stream
        if name == "inner":  # not set yet (copy, pickle): no endless recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    def silence(self) -> None:
        """Point a broken file descriptor at /dev/null, so the exit flush stays quiet."""
        if not self.broken or self.inner is None:
            return
        try:
            fd = self.inner.fileno()
        except (OSError, ValueError, AttributeError):
            return
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, fd)
        finally:
            os.close(null)


def _hold_closed_fds() -> None:
    """Open /dev/null on a standard descriptor closed before the run (``>&-``, ``2>&-``).

    Else the first file the run opens (an input table, a file of ``--out``) would get that
    number, and a library writing to "standard output" would write into it.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)


class _Stages:
    """Progress over named stages: a tqdm bar after two seconds, else lines on stderr."""

    def __init__(self, total: int, *, stream: TextIO, quiet: bool) -> None:
        self._stream = stream
        self._quiet = quiet
        self._t0 = time.perf_counter()
        self._bar: Any = None
        if not quiet and stream.isatty():
            try:
                from tqdm import tqdm
            except ImportError:  # the `cli` extra is optional
                self._bar = None
            else:
                self._bar = tqdm(total=total, file=stream, delay=2.0, leave=False, unit="step")

    def start(self, label: str) -> None:
        if self._quiet:
            return
        if self._bar is not None:
            self._bar.set_description(label)
            return
        self._stream.write(f"zzj-match [{time.perf_counter() - self._t0:6.1f} s] {label}\n")
        self._stream.flush()

    def done(self) -> None:
        if self._bar is not None:
            self._bar.update(1)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):  # inf, nan, and 1e400 (which float() makes inf)
        raise argparse.ArgumentTypeError(f"must be a finite number > 0: {text!r}")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def _out_dir(text: str) -> Path:
    if not text.strip():
        raise argparse.ArgumentTypeError("must name a directory, not an empty string")
    if "\x00" in text:
        raise argparse.ArgumentTypeError("must not contain a NUL character")
    return Path(text)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="zzj-match",
        description="Match labour surplus and shortage across Zhuhai, Zhongshan and Jiangmen.",
    )
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command")

    def scenario(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--as-of",
            type=_date,
            metavar="YYYY-MM-DD",
            help="use the road network as it stood on this date (e.g. 2024-06-01: before "
            "the 深中通道 and the 黄茅海跨海通道)",
        )
        sp.add_argument(
            "--close",
            nargs="+",
            default=[],
            metavar="TAG",
            help="close links with these ids or tags (e.g. huangmaohai, shenzhong_link, hzmb); "
            "the summary then compares against the open network",
        )
        sp.add_argument("--policy", type=Path, metavar="FILE", help="policy JSON file")
        sp.add_argument(
            "--out",
            type=_out_dir,
            metavar="DIR",
            help="write the plan tables here (replaced as a whole: the new result or the old one)",
        )
        sp.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
        sp.add_argument("--debug", action="store_true", help="show tracebacks")
        sp.add_argument(
            "--time-limit",
            type=_positive,
            metavar="SECONDS",
            help="stop each solve (match call) after this many seconds: exit status 3 "
            "(sets the policy's time_limit_s)",
        )

    demo = sub.add_parser("demo", help="solve the embedded synthetic 珠中江 market")
    demo.add_argument("--scale", type=_positive, default=1.0,
                      help="market size (1 ≈ 86k workers, 119k positions)")
    demo.add_argument("--seed", type=int, default=0, help="random seed of the market")
    scenario(demo)
    solve = sub.add_parser("solve", help="solve the market in a directory of tables")
    solve.add_argument(
        "dir", type=Path, metavar="DIR", help="directory with enterprises/vacancies/pools.csv"
    )
    solve.add_argument(
        "--encoding",
        metavar="NAME",
        help="text encoding of the CSV files (e.g. gbk); default: UTF-8, else GB18030",
    )
    scenario(solve)
    return p


def _scenario(region: Any, as_of: dt.date | None, close: Sequence[str]) -> tuple[Any, str]:
    label = []
    if close:  # close first: a link not yet open on `as_of` is still a known tag
        region = region.without(*close)
        label.append("closed: " + ", ".join(close))
    if as_of is not None:
        region = region.as_of(as_of)
        label.insert(0, f"network as of {as_of.isoformat()}")
    return region, "; ".join(label)


def _run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    import zzj_match as zm
    from zzj_match.engine import match
    from zzj_match.report.summary import (
        compare_plans,
        format_comparison,
        format_summary,
        plan_summary,
    )

    scenario_given = args.as_of is not None or bool(args.close)
    stages = _Stages(4 + int(scenario_given), stream=stderr, quiet=args.quiet)
    out = None if args.out is None else OutputDir(args.out)
    try:
        # every problem with the arguments and the policy, in one table, before any solving
        policy, problems = load_policy(args.policy)
        problems += out.check() if out is not None else []
        if not problems and out is not None:
            problems += out.prepare()
        if problems:
            raise zm.InputError(problems, summary=f"{len(problems)} problem"
                                f"{'s' if len(problems) != 1 else ''} with the arguments "
                                "or the policy file")
        if args.command == "demo":
            stages.start(
                f"generating the synthetic market (scale {args.scale:g}, seed {args.seed})"
            )
            market = zm.datasets.zzj_market(scale=args.scale, seed=args.seed)
            title = (
                f"zzj-match demo: synthetic 珠中江 market (scale {args.scale:g}, seed {args.seed})"
            )
        else:
            stages.start(f"reading {args.dir}")
            market = zm.LabourMarket.from_csv_dir(args.dir, encoding=args.encoding)
            title = f"zzj-match solve {args.dir}"
        stages.done()
        stages.start("loading the region")
        region = zm.datasets.zzj_region()
        scenario, label = _scenario(region, args.as_of, args.close)
        if args.time_limit is not None:  # the option overrides the policy file
            policy = zm.Policy.model_validate(
                {**policy.model_dump(), "time_limit_s": args.time_limit})
        stages.done()
        stdout.write(f"{title}\n{market!r}\n\n{market.summary().to_string()}\n\n")
        base = None
        if scenario_given:
            stages.start("solving on the open network")
            base = match(market, region=region, policy=policy)
            stages.done()
        stages.start(f"solving ({label})" if label else "solving")
        plan = match(market, region=scenario, policy=policy)
        stages.done()
        stages.start("summarising")
        head = f"Plan ({label})" if label else "Plan (open network)"
        stdout.write(format_summary(plan_summary(plan), title=head))
        comparison = None
        if base is not None:
            comparison = compare_plans({"open network": base, label: plan})
            stdout.write("\nScenario against the open network\n")
            stdout.write(format_comparison(comparison) + "\n")
        if out is not None:
            written = out.write(plan, comparison)
            stdout.write(f"\nwrote {', '.join(p.name for p in written)} to {args.out}\n")
        stages.done()
    except zm.TimeLimitError as err:  # one line, no traceback: the limit is not a failure
        stderr.write(f"zzj-match: {err}\n")
        return EXIT_TIME_LIMIT
    finally:
        if out is not None:
            out.discard()
        stages.close()
    return EXIT_OK


def _print_problems(err: Any, stream: TextIO) -> None:
    import pandas as pd

    stream.write(f"zzj-match: bad input: {err.summary}\n")
    with pd.option_context(
        "display.max_rows",
        None,
        "display.max_columns",
        None,
        "display.width",
        200,
        "display.max_colwidth",
        80,
    ):
        # bounded: the first rows of each kind of problem, and counts of the rest
        body = err.report(rows_per_kind=5, max_kinds=50, table=True).split("\n", 1)
        stream.write((body[1] if len(body) > 1 else "") + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``zzj-match`` and return its exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success (also when standard output is closed or its reader went away early:
        nothing more is written to it); 2 on bad input (usage errors, and
        :class:`~zzj_match.InputError`, whose problems table is printed on stderr); 3 when the
        time limit ran out; 4 when an output could not be written (standard output or
        ``--out``: a full disk, an I/O error); 130 after Ctrl-C (SIGINT); 143 after SIGTERM;
        1 on an internal error.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    zzj_match ...
    0
    """
    _hold_closed_fds()
    stdout, stderr = _Sink(sys.stdout), _Sink(sys.stderr)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        code = _main(argv, cast(TextIO, stdout), cast(TextIO, stderr))
        stdout.flush()  # a full disk may only show now, when the buffer is written
        if stdout.error is not None:
            stderr.write(f"zzj-match: cannot write to standard output: {_why(stdout.error)}\n")
            code = EXIT_CANNOT_WRITE if code == EXIT_OK else code
        return code
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        stdout.flush()
        stderr.flush()
        stdout.silence()
        stderr.silence()


def _why(err: OSError) -> str:
    return err.strerror or str(err)


def _main(argv: Sequence[str] | None, stdout: TextIO, stderr: TextIO) -> int:
    """Parse the arguments, run the command and map every way out to an exit status."""
    import zzj_match as zm

    parser = _parser()
    args = None
    try:
        # argparse prints help and usage errors on sys.stdout/sys.stderr: the sinks, so a
        # closed pipe or a full disk is handled as for the run itself
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            try:
                args = parser.parse_args(argv)
            except SystemExit as stop:  # argparse exits 2 on usage errors, 0 on --help
                return int(stop.code) if isinstance(stop.code, int) else EXIT_BAD_INPUT
        if args.version:
            stdout.write(f"zzj_match {zm.__version__}\n")
            return EXIT_OK
        if args.command is None:
            parser.print_help(stderr)
            return EXIT_BAD_INPUT
        return _run(args, stdout, stderr)
    except zm.InputError as err:
        _print_problems(err, stderr)
        return EXIT_BAD_INPUT
    except OutputWriteError as err:
        stderr.write(f"zzj-match: {err}\n")
        return EXIT_CANNOT_WRITE
    except KeyboardInterrupt:
        stderr.write("zzj-match: interrupted\n")
        return EXIT_INTERRUPTED
    except _Terminated:
        stderr.write("zzj-match: terminated (SIGTERM)\n")
        return EXIT_TERMINATED
    except Exception as err:
        if getattr(args, "debug", False):
            traceback.print_exc(file=stderr)
        stderr.write(
            f"zzj-match: internal error: {type(err).__name__}: {err}\n"
            "(run again with --debug for the traceback, and please report it)\n"
        )
        return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
