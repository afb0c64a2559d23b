"""Command line interface ``zzj-match``: solve the default 珠中江 market, or your own tables.

``zzj-match demo`` solves the embedded synthetic market and prints a plan summary;
``zzj-match solve DIR`` does the same for ``enterprises.csv``, ``vacancies.csv`` and
``pools.csv`` (and optionally ``workers.csv``) in ``DIR``. Exit status: 0 on success, 2 on bad
input (the table of problems is printed, every bad row named), 3 when the time limit ran out,
130 after Ctrl-C, 143 after SIGTERM, 1 on an internal error. ``--out`` is replaced as a
whole (see ``docs/cli.md``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import errno
import importlib.util
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO, cast

__all__ = ["main"]

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_BAD_INPUT = 2
#: Exit status when the time limit (``--time-limit``, ``time_limit_s``) ran out.
EXIT_TIME_LIMIT = 3
EXIT_INTERRUPTED = 128 + signal.SIGINT  # 130, as a shell reports a command stopped by Ctrl-C
EXIT_TERMINATED = 128 + signal.SIGTERM  # 143

#: Files ``--out`` may hold: a directory holding only these is a previous result and is
#: replaced; anything else in it is the user's and makes ``--out`` refused.
OUTPUT_FILES = frozenset(
    {
        "transfers.csv",
        "unmet.csv",
        "unplaced.csv",
        "kpis.csv",
        "city_flows.csv",
        "comparison.csv",
        "plan.xlsx",
    }
)
_TMP_TAG = ".zzj-match-"  # temporary siblings of --out: .NAME.zzj-match-{new,old}-PID-XXXX
#: Tests only: when set to a path, the writer creates that file once the first output file is
#: in the temporary directory, then waits (up to a minute) so a signal can be sent mid-write.
_TEST_WRITE_HOOK = "ZZJ_MATCH_TEST_WRITE_HOOK"


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so ``finally`` blocks clean up (like Ctrl-C)."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated


class _Sink:
    """A text stream that goes quiet once its reader has gone (``zzj-match ... | head -1``).

    The first ``BrokenPipeError`` marks the stream broken; later writes are dropped, so the
    run still finishes (and writes ``--out``) and no traceback reaches the terminal.
    """

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.inner.write(text)
            except BrokenPipeError:
                self.broken = True
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.inner.flush()
            except BrokenPipeError:
                self.broken = True

    def isatty(self) -> bool:
        return not self.broken and self.inner.isatty()

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, ... of the real stream
        if name == "inner":  # not set yet (copy, pickle): no endless recursion
            raise AttributeError(name)
        return getattr(self.inner, name)

    def silence(self) -> None:
        """Point the broken file descriptor at /dev/null, so the exit flush stays quiet."""
        if not self.broken:
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
    demo.add_argument("--scale", type=_positive, default=1.0, help="market size (1 ≈ 100k)")
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


def _policy(path: Path | None) -> tuple[Any, list[dict[str, Any]]]:
    """Load the policy file; return ``(policy or None, problems)``, never raise on bad input.

    A readable UTF-8 file holding one JSON object with known keys and valid values is a
    policy; anything else is named in the problems (table ``policy``). The retraining matrix
    it names is read here too, so a bad matrix is reported before any solving starts.
    """
    import zzj_match as zm

    if path is None:
        return zm.Policy(), []
    from pydantic import ValidationError

    def problem(message: str, column: str | None = None, value: Any = None) -> dict[str, Any]:
        return {"table": "policy", "row": None, "column": column,
                "value": str(path) if value is None else value, "message": message}

    if path.is_dir():
        return None, [problem("is a directory, not a policy file")]
    if not path.exists():  # not is_file(): /dev/stdin and named pipes are fine
        return None, [problem("policy file not found")]
    try:
        policy = zm.Policy.from_json(path)
    except zm.InputError as err:
        return None, _records(err)
    except OSError as err:
        return None, [problem(f"cannot be read: {err.strerror or err}")]
    except ValidationError as err:
        return None, [_validation_problem(e, path) for e in err.errors()]
    if policy.retraining_matrix is not None:
        from zzj_match.engine._rules import load_retraining_matrix

        try:
            load_retraining_matrix(policy.retraining_matrix)
        except zm.InputError as err:
            return None, _records(err)
    return policy, []


def _records(err: Any) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in err.problems.to_dict("records")]


def _validation_problem(e: Any, path: Path) -> dict[str, Any]:
    """One pydantic error of a policy file as a row of the problems table."""
    import json

    loc = [str(x) for x in e["loc"]]
    value = e.get("input")
    message = str(e["msg"]).removeprefix("Value error, ")
    if loc and loc[-1] == "[key]":  # a bad key of a dict setting: name the setting and key
        loc = loc[:-2]
    if e["type"] == "model_type":  # the JSON is not an object
        message = ('a policy file holds one JSON object, e.g. {"max_commute_min": 45}; '
                   f"this one holds a JSON {type(value).__name__}")
        value = str(path)
    elif e["type"] == "json_invalid":
        message = f"not JSON: {message}"
        value = str(path)
    if not isinstance(value, str | int | float | bool) and value is not None:
        try:
            value = json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            value = repr(value)
    return {"table": "policy", "row": None, "column": ".".join(loc) or None,
            "value": value, "message": message}


def _scenario(region: Any, as_of: dt.date | None, close: Sequence[str]) -> tuple[Any, str]:
    label = []
    if close:  # close first: a link not yet open on `as_of` is still a known tag
        region = region.without(*close)
        label.append("closed: " + ", ".join(close))
    if as_of is not None:
        region = region.as_of(as_of)
        label.insert(0, f"network as of {as_of.isoformat()}")
    return region, "; ".join(label)


def _write_outputs(plan: Any, out: Path, comparison: Any | None) -> list[Path]:
    """Write the plan's tables into the existing directory ``out``."""
    from zzj_match.report.summary import city_flows

    written = []
    for name in ("transfers", "unmet", "unplaced"):
        path = out / f"{name}.csv"
        getattr(plan, name).to_csv(path, index=False, date_format="%Y-%m-%d")
        written.append(path)
        _test_pause()
    import pandas as pd

    kpis = pd.DataFrame({"kpi": list(plan.kpis), "value": [plan.kpis[k] for k in plan.kpis]})
    kpis.to_csv(out / "kpis.csv", index=False)
    written.append(out / "kpis.csv")
    city_flows(plan).to_csv(out / "city_flows.csv")
    written.append(out / "city_flows.csv")
    if comparison is not None:
        comparison.to_csv(out / "comparison.csv")
        written.append(out / "comparison.csv")
    if importlib.util.find_spec("openpyxl") is None:
        return written
    from zzj_match.report.excel import write_excel

    written.append(write_excel(plan, out / "plan.xlsx", comparison=comparison))
    return written


def _test_pause() -> None:
    """Signal "writing now" and wait, for tests only (see :data:`_TEST_WRITE_HOOK`)."""
    hook = os.environ.get(_TEST_WRITE_HOOK)
    if not hook or Path(hook).exists():
        return
    Path(hook).write_text(str(os.getpid()), encoding="utf-8")
    time.sleep(60.0)


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back (delivered on exit) around the renames of a commit."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two directories in one step (Linux ``renameat2(RENAME_EXCHANGE)``).

    Returns false where the system or the file system cannot, so the caller falls back to
    two renames.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True


class _OutputDir:
    """``--out``: checked before solving, written in a temporary sibling, renamed into place.

    The directory holds either the complete new result or the previous one, never a mix:
    the tables are written into ``.NAME.zzj-match-new-PID-XXXX`` beside it and the two
    directories are then swapped in one system call (or, where that call is missing, two
    renames with SIGINT/SIGTERM held back). Leftovers of a run that was killed are removed
    (or, if that run was killed between its two renames, the previous result is put back)
    by the next run.
    """

    def __init__(self, given: Path) -> None:
        self.given = given
        target = Path(os.path.abspath(given))
        if target.is_symlink():
            target = Path(os.path.realpath(target))
        self.target = target
        self.tmp: Path | None = None

    def _problem(self, message: str) -> dict[str, Any]:
        return {"table": "arguments", "row": None, "column": "--out",
                "value": str(self.given), "message": message}

    def check(self) -> list[dict[str, Any]]:
        """Problems with ``--out`` found without touching the disk."""
        t = self.target
        if not t.name:
            return [self._problem("is the root directory; name a directory for the results")]
        cwd = Path.cwd()
        if t == cwd or t in cwd.parents:
            return [self._problem("is the current directory (or holds it), which would be "
                                  "replaced as a whole; name a directory for the results")]
        if t.exists() and not t.is_dir():
            return [self._problem("exists and is not a directory")]
        for up in t.parents:
            if up.exists():
                if not up.is_dir():
                    return [self._problem(f"is under {up}, which is a file, not a directory")]
                break
        if t.is_dir():
            try:
                entries = list(os.scandir(t))
            except OSError as err:
                return [self._problem(f"cannot be read: {err.strerror or err}")]
            foreign = sorted(e.name for e in entries
                             if e.name not in OUTPUT_FILES or not e.is_file(follow_symlinks=False))
            if foreign:
                shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
                return [self._problem(
                    f"holds {len(foreign)} file(s) zzj-match did not write ({shown}); --out is "
                    "replaced as a whole, so name a new or empty directory or one written by "
                    "zzj-match")]
        return []

    def prepare(self) -> list[dict[str, Any]]:
        """Create the parent and the temporary directory (proof that --out is writable)."""
        import tempfile

        parent = self.target.parent
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            return [self._problem(f"cannot create {parent}: {err.strerror or err}")]
        self._sweep()
        try:
            prefix = f".{self.target.name}{_TMP_TAG}new-{os.getpid()}-"
            self.tmp = Path(tempfile.mkdtemp(dir=parent, prefix=prefix))
            # mkdtemp makes it private (0700); the result gets the mode of the one it
            # replaces, or what the umask gives a new directory
            if self.target.is_dir():
                mode = self.target.stat().st_mode & 0o7777
            else:
                umask = os.umask(0o022)
                os.umask(umask)
                mode = 0o777 & ~umask
            self.tmp.chmod(mode)
        except OSError as err:
            return [self._problem(f"cannot write in {parent}: {err.strerror or err}")]
        return []

    def _sweep(self) -> None:
        """Remove the temporary siblings of runs that died; restore a result moved aside."""
        import shutil

        stem = f".{self.target.name}{_TMP_TAG}"
        try:
            entries = sorted(self.target.parent.iterdir())
        except OSError:
            return
        for entry in entries:
            if not entry.name.startswith(stem):
                continue
            kind, _, rest = entry.name[len(stem):].partition("-")
            pid = rest.partition("-")[0]
            if kind not in ("new", "old") or not pid.isdigit() or _alive(int(pid)):
                continue
            if kind == "old" and not os.path.lexists(self.target):
                os.rename(entry, self.target)  # killed between its two renames: put it back
            else:
                shutil.rmtree(entry, ignore_errors=True)

    def write(self, plan: Any, comparison: Any | None) -> list[Path]:
        """Write every table into the temporary directory, then put it in place."""
        assert self.tmp is not None, "prepare() first"
        written = _write_outputs(plan, self.tmp, comparison)
        for path in written:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        with _signals_held():
            self._commit(self.tmp)
            self.tmp = None
        self._sync_parent()
        return [self.target / p.name for p in written]

    def _commit(self, tmp: Path) -> None:
        import shutil
        import uuid

        t = self.target
        if not os.path.lexists(t):
            try:
                os.rename(tmp, t)
                return
            except OSError:  # created meanwhile by another run: swap with it below
                pass
        if _exchange(tmp, t):
            shutil.rmtree(tmp, ignore_errors=True)  # now holds the previous result
            return
        old = t.parent / f".{t.name}{_TMP_TAG}old-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        os.rename(t, old)
        os.rename(tmp, t)
        shutil.rmtree(old, ignore_errors=True)

    def _sync_parent(self) -> None:
        """Make the renames durable (best effort: not every system can sync a directory)."""
        try:
            fd = os.open(self.target.parent, os.O_RDONLY)
        except OSError:
            return
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)

    def discard(self) -> None:
        """Remove the temporary directory if the run stopped before putting it in place."""
        import shutil

        if self.tmp is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


def _run(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    import zzj_match as zm
    from zzj_match.engine import match
    from zzj_match.report.summary import compare_plans, format_summary, plan_summary

    scenario_given = args.as_of is not None or bool(args.close)
    stages = _Stages(4 + int(scenario_given), stream=stderr, quiet=args.quiet)
    out = None if args.out is None else _OutputDir(args.out)
    try:
        # every problem with the arguments and the policy, in one table, before any solving
        policy, problems = _policy(args.policy)
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
            stdout.write(comparison.to_string(float_format=lambda x: f"{x:,.2f}") + "\n")
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
        0 on success (also when the reader of stdout closed the pipe early); 2 on bad input
        (usage errors, and :class:`~zzj_match.InputError`, whose problems table is printed
        on stderr); 3 when the time limit ran out; 130 after Ctrl-C (SIGINT); 143 after
        SIGTERM; 1 on an internal error.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    zzj_match ...
    0
    """
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse exits 2 on usage errors, 0 on --help
        return int(stop.code) if isinstance(stop.code, int) else EXIT_BAD_INPUT
    import zzj_match as zm

    if args.version:
        sys.stdout.write(f"zzj_match {zm.__version__}\n")
        return EXIT_OK
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    stdout, stderr = _Sink(sys.stdout), _Sink(sys.stderr)
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if in_main else None
    try:
        return _main(args, cast(TextIO, stdout), cast(TextIO, stderr))
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        stdout.flush()
        stderr.flush()
        stdout.silence()
        stderr.silence()


def _main(args: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> int:
    """Run the parsed command and map every way out to an exit status."""
    import zzj_match as zm

    try:
        return _run(args, stdout, stderr)
    except zm.InputError as err:
        _print_problems(err, stderr)
        return EXIT_BAD_INPUT
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
