"""Misbehaving stand-ins for :func:`zzj_match.engine.solve.worker.serve`.

A test puts one in place with ``monkeypatch.setattr(worker, "serve", fake)``; the spawned
worker process then imports it from here by name (``tests/`` is on the ``sys.path`` a spawned
process inherits), so each must be a module-level function taking ``(tasks, replies,
parent)``. Those that would run on die with the test process (``_die_with_parent``) should a
test fail before it kills them.
"""

from __future__ import annotations

import time
from multiprocessing.connection import Connection
from typing import NoReturn

from zzj_match.engine.solve import worker
from zzj_match.errors import SolverError


def exits_at_once_with_status_3(tasks: Connection, replies: Connection, parent: int) -> None:
    raise SystemExit(3)


def reads_then_exits_without_a_reply(tasks: Connection, replies: Connection,
                                     parent: int) -> None:
    tasks.recv_bytes()


def replies_with_bytes_that_are_no_pickle(tasks: Connection, replies: Connection,
                                          parent: int) -> None:
    tasks.recv_bytes()
    replies.send_bytes(b"not a pickle")


def replies_ok_with_no_results(tasks: Connection, replies: Connection, parent: int) -> None:
    tasks.recv_bytes()
    replies.send(("ok", []))


def replies_ok_with_a_wrong_shape(tasks: Connection, replies: Connection, parent: int) -> None:
    tasks.recv_bytes()
    replies.send(("ok", "xy"))


def replies_with_an_unknown_status(tasks: Connection, replies: Connection,
                                   parent: int) -> None:
    tasks.recv_bytes()
    replies.send(("maybe", None))


def replies_with_a_bare_number(tasks: Connection, replies: Connection, parent: int) -> None:
    tasks.recv_bytes()
    replies.send(5)


def replies_with_a_solver_error(tasks: Connection, replies: Connection, parent: int) -> None:
    tasks.recv_bytes()
    replies.send(("error", SolverError("boom in the worker")))


def _boom(*args: object) -> NoReturn:
    raise ValueError("boom")


def fails_in_the_solve(tasks: Connection, replies: Connection, parent: int) -> None:
    """The real worker, whose solve raises an unexpected exception."""
    worker.solve_component = _boom  # type: ignore[assignment]
    worker.serve(tasks, replies, parent)


def sleeps_forever_without_cpu(tasks: Connection, replies: Connection, parent: int) -> None:
    worker._die_with_parent(parent)
    time.sleep(600)


def says_ready_then_sleeps(tasks: Connection, replies: Connection, parent: int) -> None:
    """Reply ``("ready", None)`` once it dies with its parent, then sleep."""
    worker._die_with_parent(parent)
    replies.send(("ready", None))
    time.sleep(600)


def replies_then_lingers(tasks: Connection, replies: Connection, parent: int) -> None:
    """Replies (with no results) but does not exit."""
    worker._die_with_parent(parent)
    tasks.recv_bytes()
    replies.send(("ok", []))
    time.sleep(600)


def closes_its_pipes_and_sleeps(tasks: Connection, replies: Connection, parent: int) -> None:
    worker._die_with_parent(parent)
    tasks.close()
    replies.close()
    time.sleep(600)


def solves_without_end(tasks: Connection, replies: Connection, parent: int) -> None:
    """Keeps using CPU time, so it never counts as stalled."""
    worker._die_with_parent(parent)
    while True:
        pass
