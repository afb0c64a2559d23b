"""Worker processes that solve components of a class network (``python -m`` this module).

The parent writes one pickle to the worker's standard input, ``(objective, method,
components)``, and reads one pickle back from its standard output: ``("ok", results)``
with one ``(LexResult, pieces)`` per component, or ``("error", exception)``. The worker
is a fresh interpreter: it imports only this package, never the caller's ``__main__``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from zzj_match.errors import SolverError

logger = logging.getLogger(__name__)


@dataclass
class Job:
    """A started worker: its process, the thread feeding it and its standard error file."""

    process: subprocess.Popen[bytes]
    feeder: threading.Thread
    stderr: IO[bytes]


def start(comps: list[Any], objective: tuple[str, ...], method: str) -> Job:
    """Start a worker on ``comps``; a thread hands them over while the caller works on."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([package_root, *filter(None, [env.get("PYTHONPATH")])])
    err = tempfile.TemporaryFile()  # noqa: SIM115 - kept open until finish()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "zzj_match.engine._worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, env=env,
        )
    except OSError:
        err.close()
        raise
    data = pickle.dumps((objective, method, comps), protocol=pickle.HIGHEST_PROTOCOL)

    def feed() -> None:
        assert proc.stdin is not None
        # a worker that is gone leaves finish() without an answer, and it says so
        with contextlib.suppress(OSError):
            proc.stdin.write(data)
        with contextlib.suppress(OSError):
            proc.stdin.close()

    feeder = threading.Thread(target=feed, name="zzj_match-worker-feed", daemon=True)
    feeder.start()
    return Job(process=proc, feeder=feeder, stderr=err)


def finish(job: Job) -> list[Any] | None:
    """Collect a worker's results; ``None`` when it failed for a reason of its own.

    Raises
    ------
    SolverError
        When a solve in the worker failed (the same error the caller would have raised).
    """
    proc = job.process
    assert proc.stdout is not None
    job.feeder.join()
    try:
        status, payload = pickle.load(proc.stdout)
    except Exception:  # died, or wrote something else: the caller solves its share
        status, payload = "lost", None
    proc.stdout.close()
    code = proc.wait()
    job.stderr.seek(0)
    tail = job.stderr.read()[-2000:].decode(errors="replace").strip()
    job.stderr.close()
    if status == "ok" and code == 0:
        return list(payload)
    if status == "error" and isinstance(payload, SolverError):
        raise payload
    logger.warning("a worker process failed (exit code %s): %s", code, tail or payload)
    return None


def main() -> int:
    """Solve the components read from standard input; write the results to standard output."""
    from zzj_match.engine._network import _solve_component

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
