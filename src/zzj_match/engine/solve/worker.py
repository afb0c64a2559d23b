"""Worker processes that solve components of a class network, on ``multiprocessing``.

A worker is a process of ``multiprocessing``'s *spawn* start method running :func:`serve`: a
fresh interpreter of the same Python and ``sys.path`` that imports this package and nothing of
the caller's (its ``__main__`` is hidden while the process starts: :func:`_main_hidden`). Two
one-way ``multiprocessing`` pipes join it to the caller: the caller sends one pickle of
``(objective, method, components)``; the worker sends back one of ``("ok", [(LexResult,
pieces), ...])``, ``("error", SolverError)`` or ``("failed", what went wrong)`` and exits.

The caller never blocks on a worker: threads feed it and read its reply, and the caller polls
them (:func:`done`), so it can kill the worker (:func:`kill`: ``Process.kill`` and ``join``) on
Ctrl-C, when the time limit runs out, or when the worker has used no CPU time for a while
(:func:`stalled`: stopped with SIGSTOP, or hung). A worker ignores SIGINT (its caller decides)
and, on Linux, is killed by the kernel when its caller dies.
"""

from __future__ import annotations

__all__ = ["Job", "cpu_ticks", "done", "finish", "kill", "serve", "stalled", "start", "wait_for"]

import contextlib
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import traceback
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing import resource_tracker
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

import pandas as pd

from zzj_match.engine.network.layout import ClassNetwork
from zzj_match.engine.solve.component import solve_component
from zzj_match.engine.solve.levels import LexResult
from zzj_match.errors import SolverError

logger = logging.getLogger(__name__)

# seconds a worker that has replied may take to exit before it is killed
_EXIT_WAIT_S = 10.0
# seconds a worker whose reply pipe ended without a reply may take to exit before it is
# killed: the pipe ends while the interpreter shuts down, before the process is gone
_LOST_WAIT_S = 1.0
# seconds between two looks at a worker beyond which its stall count starts again
_LOOK_GAP_S = 1.0
# a fresh interpreter per worker, whatever start method the caller chose for its own processes
_SPAWN = multiprocessing.get_context("spawn")
# one thread at a time swaps ``sys.modules["__main__"]`` (see _main_hidden)
_MAIN_LOCK = threading.Lock()


@dataclass
class Job:
    """A started worker: its process, the pipe ends and threads that feed and read it.

    ``answer`` receives the worker's one reply once ``reader`` has read it (``("lost", None)``
    when the worker ended without one) at ``answered_at``; ``exitcode`` is set once the
    process has been reaped (negative: the signal that ended it); ``cpu`` and
    ``progress_at`` follow its CPU time for :func:`stalled`.
    """

    process: BaseProcess
    pid: int
    tasks: Connection
    replies: Connection
    feeder: threading.Thread
    reader: threading.Thread
    answer: list[tuple[str, Any]]
    size: int
    answered_at: float | None = None
    reaped: bool = False
    exitcode: int | None = None
    cpu: int | None = None
    progress_at: float = field(default_factory=time.monotonic)
    seen_at: float = field(default_factory=time.monotonic)


@contextlib.contextmanager
def _main_hidden() -> Iterator[None]:
    """Start processes in this block without having them import the caller's ``__main__``.

    A spawned process re-imports the main module of its parent (by path, or by name when it
    was run with ``python -m``) before it runs anything, unless that module has neither a
    ``__spec__`` nor a ``__file__`` — as in the interactive interpreter. A script without an
    ``if __name__ == "__main__":`` guard would run again in every worker. So for the few
    milliseconds of ``Process.start()`` (which reads ``sys.modules["__main__"]`` to tell the
    child what to import) an empty module stands in for the caller's; a lock keeps two
    threads from swapping it at once.
    """
    with _MAIN_LOCK:
        main = sys.modules.get("__main__")
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            if main is None:  # pragma: no cover - an embedding without __main__
                del sys.modules["__main__"]
            else:
                sys.modules["__main__"] = main


@contextlib.contextmanager
def _sigint_blocked() -> Iterator[None]:
    """Start processes in this block with SIGINT blocked, until they ignore it themselves.

    A terminal's Ctrl-C reaches the whole process group, workers included; one that arrived
    while a worker's interpreter starts (about a second, before :func:`serve` ignores SIGINT)
    would end it with a ``KeyboardInterrupt`` traceback on the shared standard error. A new
    process inherits the signal mask of the thread that starts it, so SIGINT is blocked in
    this thread while ``Process.start()`` runs (as ``multiprocessing`` does for its own
    resource tracker, bpo-33613). This process loses no signal: Python runs its handlers in
    the main thread whichever thread the kernel hands a signal to, and one that finds no
    thread to take it waits until the mask is put back. The resource tracker, which the first
    spawned process of a program starts and which clears its mask when started, is started
    first.
    """
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    resource_tracker.ensure_running()
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def start(comps: list[ClassNetwork], objective: tuple[str, ...], method: str) -> Job:
    """Start a worker on ``comps``; threads hand them over and read the reply meanwhile.

    Raises
    ------
    OSError
        When the worker process cannot be started (also in a daemonic ``multiprocessing``
        process, which may not have children).
    """
    if multiprocessing.current_process().daemon:
        raise OSError("a daemonic process may not start processes of its own")
    data = pickle.dumps((objective, method, comps), protocol=pickle.HIGHEST_PROTOCOL)
    task_out, task_in = _SPAWN.Pipe(duplex=False)
    reply_out, reply_in = _SPAWN.Pipe(duplex=False)
    process = _SPAWN.Process(target=serve, args=(task_out, reply_in, os.getpid()),
                             name="zzj_match-worker", daemon=True)
    try:
        with _main_hidden(), _sigint_blocked():
            process.start()
    except BaseException:
        task_in.close()
        reply_out.close()
        raise
    finally:  # the worker has its own copies now: its end alone keeps each pipe open
        task_out.close()
        reply_in.close()
    assert process.pid is not None  # started

    def feed() -> None:
        # a worker that is gone leaves finish() without an answer, and it says so
        with contextlib.suppress(OSError):
            task_in.send_bytes(data)

    answer: list[tuple[str, Any]] = []

    def read() -> None:
        try:  # blocked in a read without the GIL: the caller stays free to poll
            reply = reply_out.recv()
        except Exception:  # died, was killed or sent something else
            reply = ("lost", None)
        if not (isinstance(reply, tuple) and len(reply) == 2 and isinstance(reply[0], str)):
            reply = ("malformed", reply)
        answer.append(reply)

    feeder = threading.Thread(target=feed, name="zzj_match-worker-feed", daemon=True)
    feeder.start()
    reader = threading.Thread(target=read, name="zzj_match-worker-read", daemon=True)
    reader.start()
    return Job(process=process, pid=process.pid, tasks=task_in, replies=reply_out,
               feeder=feeder, reader=reader, answer=answer, size=len(comps))


def _exit_wait(job: Job) -> float:
    """Seconds left for a worker whose reply (or its end) has been read to exit on its own."""
    if job.answered_at is None:
        job.answered_at = time.monotonic()
    lost = not job.answer or job.answer[0][0] == "lost"
    wait = _LOST_WAIT_S if lost else _EXIT_WAIT_S
    return job.answered_at + wait - time.monotonic()


def done(job: Job) -> bool:
    """Whether the worker has replied (or ended its pipe) and exited, or had time enough to.

    Never blocks: call it every fraction of a second.
    """
    if job.reader.is_alive():
        return False
    return job.process.exitcode is not None or _exit_wait(job) <= 0


def wait_for(job: Job, timeout: float) -> None:
    """Wait up to ``timeout`` seconds for the worker's reply or, once that is read, its exit."""
    if job.reader.is_alive():
        job.reader.join(timeout)
    elif not job.reaped:
        wait([job.process.sentinel], timeout)


def finish(job: Job) -> list[tuple[LexResult, pd.DataFrame]] | None:
    """Collect a worker's results (waiting for them); ``None`` when it failed on its own.

    A reply that is not one ``(result, pieces)`` pair per component handed over counts as a
    failure too; a worker that does not exit after its reply (:data:`_EXIT_WAIT_S`) or after
    ending its pipe without one (:data:`_LOST_WAIT_S`) is killed.

    Raises
    ------
    SolverError
        When a solve in the worker failed (the same error the caller would have raised).
    """
    job.reader.join()
    status, payload = job.answer[0] if job.answer else ("lost", None)
    code = _reap(job, max(0.0, _exit_wait(job)))
    kill(job)  # a worker that has not exited is killed; the pipes and threads are released
    if (status == "ok" and code == 0 and isinstance(payload, list)
            and len(payload) == job.size
            and all(isinstance(r, tuple) and len(r) == 2 for r in payload)):
        return payload
    if status == "error" and isinstance(payload, SolverError):
        raise payload
    logger.warning("a worker process failed: %s", _failure(code, status, payload))
    return None


def _failure(code: int | None, status: str, payload: Any) -> str:
    """Say how a worker ended and what it replied.

    ``code`` is the exit status (negative: the signal that killed it; ``None``: it replied
    but did not exit and was killed), ``status, payload`` its reply (``"lost"``: none).
    """
    if code is None and status == "lost":
        return "ended its pipe without a reply but did not exit; killed"
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
    if status == "lost":
        parts.append("no reply")
    elif status == "ok":
        parts.append("a reply that is not one (result, pieces) pair per component")
    elif status == "error":
        parts.append(f"an error that is not a SolverError: {payload!r}")
    elif status == "failed":
        parts.append(f"an exception in the worker: {payload}")
    elif status == "malformed":
        parts.append(f"a reply that is not a (status, payload) pair: {payload!r:.80}")
    else:
        parts.append(f"a reply of unknown status {status!r}")
    return "; ".join(parts)


def _reap(job: Job, timeout: float | None = None) -> int | None:
    """Wait up to ``timeout`` seconds for the worker to exit; its exit code, or ``None``."""
    if not job.reaped:
        job.process.join(timeout)
        if job.process.exitcode is None:
            return None
        job.exitcode = job.process.exitcode
        job.reaped = True
        job.process.close()
    return job.exitcode


def kill(job: Job) -> None:
    """Kill the worker if it still runs, reap it and release its pipes (idempotent)."""
    if not job.reaped:
        job.process.kill()
        _reap(job)
    # the pipes end with the process, so both threads return promptly
    job.reader.join(timeout=5.0)
    job.feeder.join(timeout=5.0)
    _close(job)


def _close(job: Job) -> None:
    """Close the caller's pipe ends once no thread uses them any more."""
    if not job.reader.is_alive() and not job.feeder.is_alive():
        job.tasks.close()
        job.replies.close()


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
    ticks = cpu_ticks(job.pid)
    now = time.monotonic()
    gap = now - job.seen_at
    job.seen_at = now
    if ticks is None or ticks != job.cpu or gap > _LOOK_GAP_S:
        job.cpu = ticks
        job.progress_at = now
        return False
    return now - job.progress_at >= stall_s


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this worker when ``parent`` ends, however it ends (Linux)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent ended before prctl
        os._exit(1)


def _summary(exc: BaseException) -> str:
    """One line about an exception: its type, message and the line that raised it."""
    where = traceback.extract_tb(exc.__traceback__)[-1:] if exc.__traceback__ else []
    at = f" (at {where[0].filename}:{where[0].lineno} in {where[0].name})" if where else ""
    return f"{type(exc).__name__}: {exc}{at}"


def serve(tasks: Connection, replies: Connection, parent: int) -> None:
    """Solve the components received on ``tasks``; send the results on ``replies``.

    What a worker process runs (``parent``: the caller's process id).
    """
    # the caller stops this worker (it kills it on Ctrl-C, a time limit or a stall); a
    # terminal's Ctrl-C reaching the whole process group must not end it on its own. Started
    # with SIGINT blocked (_sigint_blocked), it now ignores it: one pending is discarded.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    result: tuple[str, Any]
    try:
        objective, method, comps = tasks.recv()  # one pickle, as start() sent it
        result = ("ok", [solve_component(c, objective, method) for c in comps])
    except SolverError as exc:
        result = ("error", exc)
    except Exception as exc:  # said in the caller's warning, which then solves them itself
        result = ("failed", _summary(exc))
    with contextlib.suppress(OSError):  # the caller is gone or has given up on this worker
        replies.send(result)
