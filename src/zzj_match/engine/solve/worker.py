"""Worker processes that solve components of a class network (``python -m`` this module).

The parent writes one pickle to the worker's standard input, ``(objective, method,
components)``, and reads one pickle back from its standard output: ``("ok", results)``
with one ``(LexResult, pieces)`` per component, or ``("error", exception)``. The worker
is a fresh interpreter: it imports only this package, never the caller's ``__main__``.

The parent never blocks on a worker: threads feed it and read its reply, and the parent polls
them (:func:`done`), so it can kill the worker (:func:`kill`) on Ctrl-C, when the time limit
runs out, or when the worker has used no CPU time for a while (:func:`stalled`: stopped with
SIGSTOP, or hung). A worker ignores SIGINT (its parent decides) and, on Linux, is killed by the
kernel when its parent dies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from zzj_match.errors import SolverError

logger = logging.getLogger(__name__)

# the parent's process id, handed to the worker so that it can tell it outlived the parent
_PARENT_ENV = "ZZJ_MATCH_PARENT_PID"
# seconds a worker that has replied may take to exit before it is killed
_EXIT_WAIT_S = 10.0
# seconds between two looks at a worker beyond which its stall count starts again
_LOOK_GAP_S = 1.0


@dataclass
class Job:
    """A started worker: its process, the threads feeding and reading it, its standard error.

    ``answer`` receives the worker's one reply once ``reader`` has read it (``("lost", None)``
    when the worker ended without one); ``cpu`` and ``progress_at`` follow its CPU time for
    :func:`stalled`.
    """

    process: subprocess.Popen[bytes]
    feeder: threading.Thread
    stderr: IO[bytes]
    reader: threading.Thread
    answer: list[tuple[str, Any]]
    size: int
    cpu: int | None = None
    progress_at: float = field(default_factory=time.monotonic)
    seen_at: float = field(default_factory=time.monotonic)


def command() -> list[str]:
    """Return the command line that starts a worker (tests put a misbehaving one here)."""
    return [sys.executable, "-m", "zzj_match.engine.solve.worker"]


def start(comps: list[Any], objective: tuple[str, ...], method: str) -> Job:
    """Start a worker on ``comps``; threads hand them over and read the reply meanwhile.

    Raises
    ------
    OSError
        When the worker process cannot be started.
    """
    data = pickle.dumps((objective, method, comps), protocol=pickle.HIGHEST_PROTOCOL)
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
    env[_PARENT_ENV] = str(os.getpid())
    err = tempfile.TemporaryFile()  # noqa: SIM115 - kept open until finish()
    try:
        proc = subprocess.Popen(
            command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env,
        )
    except OSError:
        err.close()
        raise

    def feed() -> None:
        assert proc.stdin is not None
        # a worker that is gone leaves finish() without an answer, and it says so
        with contextlib.suppress(OSError):
            proc.stdin.write(data)
        with contextlib.suppress(OSError):
            proc.stdin.close()

    answer: list[tuple[str, Any]] = []

    def read() -> None:
        assert proc.stdout is not None
        try:  # blocked in read() without the GIL: the caller stays free to poll
            answer.append(pickle.load(proc.stdout))
        except Exception:  # died, was killed or wrote something else
            answer.append(("lost", None))

    feeder = threading.Thread(target=feed, name="zzj_match-worker-feed", daemon=True)
    feeder.start()
    reader = threading.Thread(target=read, name="zzj_match-worker-read", daemon=True)
    reader.start()
    return Job(process=proc, feeder=feeder, stderr=err, reader=reader, answer=answer,
               size=len(comps))


def done(job: Job) -> bool:
    """Whether the worker's reply (or its end without one) has been read."""
    return not job.reader.is_alive()


def finish(job: Job) -> list[Any] | None:
    """Collect a worker's results (waiting for them); ``None`` when it failed on its own.

    A reply that is not one ``(result, pieces)`` pair per component handed over counts as a
    failure too.

    Raises
    ------
    SolverError
        When a solve in the worker failed (the same error the caller would have raised).
    """
    proc = job.process
    job.reader.join()
    job.feeder.join()
    answer: tuple[str, Any] = job.answer[0] if job.answer else ("lost", None)
    status, payload = answer
    if status == "lost" and proc.poll() is None:  # closed its output yet runs on: end it
        with contextlib.suppress(OSError):
            proc.kill()
    try:
        code: int | None = proc.wait(timeout=_EXIT_WAIT_S)
    except subprocess.TimeoutExpired:  # replied but does not exit
        kill(job)
        code = None
    tail = _close(job)
    if (status == "ok" and code == 0 and isinstance(payload, list)
            and len(payload) == job.size
            and all(isinstance(r, tuple) and len(r) == 2 for r in payload)):
        return payload
    if status == "error" and isinstance(payload, SolverError):
        raise payload
    logger.warning("a worker process failed: %s", _failure(code, status, payload, tail))
    return None


def _failure(code: int | None, status: str, payload: Any, tail: str) -> str:
    """Say how a worker ended, what it replied and the end of its standard error.

    ``code`` is the exit status (negative: the signal that killed it; ``None``: it replied
    but did not exit and was killed), ``status, payload`` its reply (``"lost"``: none).
    """
    if code is None:
        parts = ["did not exit after its reply and was killed"]
    elif code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "unknown signal"
        parts = [f"killed by signal {-code} ({name})"]
    else:
        parts = [f"exit code {code}"]
    if status == "ok":
        parts.append("a reply that is not one (result, pieces) pair per component")
    elif status == "error":
        parts.append(f"an error that is not a SolverError: {payload!r}")
    elif status != "lost":
        parts.append(f"a reply of unknown status {status!r}")
    if tail:
        parts.append(f"standard error: {tail}")
    else:
        parts.append("no output" if status == "lost" else "nothing on standard error")
    return "; ".join(parts)


def kill(job: Job) -> None:
    """Kill the worker if it still runs, reap it and release its pipes (idempotent)."""
    proc = job.process
    if proc.poll() is None:
        with contextlib.suppress(OSError):
            proc.kill()
    proc.wait()
    # the pipes end with the process, so both threads return promptly
    job.reader.join(timeout=5.0)
    job.feeder.join(timeout=5.0)
    _close(job)


def _close(job: Job) -> str:
    """Close the job's pipes and standard error file; return the end of its standard error."""
    for pipe in (job.process.stdin, job.process.stdout):
        if pipe is not None and not job.reader.is_alive() and not job.feeder.is_alive():
            with contextlib.suppress(OSError):
                pipe.close()
    if job.stderr.closed:
        return ""
    job.stderr.seek(0)
    tail = job.stderr.read()[-2000:].decode(errors="replace").strip()
    job.stderr.close()
    return tail


def cpu_ticks(pid: int) -> int | None:
    """CPU time (user + system, clock ticks) of process ``pid``; ``None`` without ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()  # after "pid (comm) "
    return int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15 of stat(5)


def stalled(job: Job, stall_s: float) -> bool:
    """Whether the worker has used no CPU time for ``stall_s`` seconds (stopped or hung).

    Call it every fraction of a second. Only time during which the caller kept looking
    counts: after a gap of more than :data:`_LOOK_GAP_S` between two calls (the caller was
    stopped too, as Ctrl-Z stops a whole process group, or busy) the count starts again. Only
    where ``/proc`` tells a process's CPU time (Linux); elsewhere always ``False``.
    """
    ticks = cpu_ticks(job.process.pid)
    now = time.monotonic()
    gap = now - job.seen_at
    job.seen_at = now
    if ticks is None or ticks != job.cpu or gap > _LOOK_GAP_S:
        job.cpu = ticks
        job.progress_at = now
        return False
    return now - job.progress_at >= stall_s


def _die_with_parent() -> None:
    """Have the kernel kill this worker when its parent ends, however it ends (Linux)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    parent = os.environ.get(_PARENT_ENV)
    if parent and os.getppid() != int(parent):  # the parent ended before prctl
        os._exit(1)


def main() -> int:
    """Solve the components read from standard input; write the results to standard output."""
    # the parent stops this worker (it kills it on Ctrl-C, a time limit or a stall); a
    # terminal's Ctrl-C reaching the whole process group must not end it on its own
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    from zzj_match.engine.solve.component import solve_component as _solve_component

    objective, method, comps = pickle.load(sys.stdin.buffer)
    try:
        result: tuple[str, Any] = (
            "ok", [_solve_component(c, objective, method) for c in comps])
    except SolverError as exc:
        result = ("error", exc)
    pickle.dump(result, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
