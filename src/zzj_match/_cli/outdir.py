"""The ``--out`` directory of ``zzj-match``: checked, written in a temporary sibling, swapped in.

Owns the list of files a result holds (:data:`OUTPUT_FILES`), the writing of the plan's tables,
and the atomic replacement of the directory: ``renameat2(RENAME_EXCHANGE)`` where Linux has it,
else two renames with SIGINT and SIGTERM held back, plus the sweep of what killed runs left
behind. The test hook ``ZZJ_MATCH_TEST_WRITE_HOOK`` pauses a write so tests can send a signal.
"""

from __future__ import annotations

import errno
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

from zzj_match._signals import signals_held

__all__ = ["OUTPUT_FILES", "OutputDir", "OutputWriteError"]

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


class OutputWriteError(Exception):
    """Writing ``--out`` failed (a full disk, an I/O error); the directory was left as it was."""

    def __init__(self, given: Path, err: OSError) -> None:
        self.errno = err.errno
        super().__init__(
            f"cannot write --out {given}: {err.strerror or err}; {given} holds what it held "
            "before the run"
        )


def _write_outputs(plan: Any, out: Path, comparison: Any | None) -> list[Path]:
    """Write the plan's tables into the existing directory ``out``."""
    from zzj_match.report.summary import city_flows, kpi_table, labelled_city_flows

    written = []
    for name in ("transfers", "unmet", "unplaced"):
        path = out / f"{name}.csv"
        getattr(plan, name).to_csv(path, index=False, date_format="%Y-%m-%d")
        written.append(path)
        _test_pause()
    kpi_table(plan).to_csv(out / "kpis.csv", index=False)
    written.append(out / "kpis.csv")
    labelled_city_flows(city_flows(plan)).to_csv(out / "city_flows.csv", index=False)
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


class OutputDir:
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
        try:
            written = _write_outputs(plan, self.tmp, comparison)
            for path in written:
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)  # a full disk may only show here
                finally:
                    os.close(fd)
            with signals_held():
                self._commit(self.tmp)
                self.tmp = None
        except OSError as err:  # the temporary directory is removed by discard()
            raise OutputWriteError(self.given, err) from err
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
        try:
            os.rename(tmp, t)
        except OSError:
            os.rename(old, t)  # put the previous result back
            raise
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
