"""Ctrl-C and SIGTERM held back around a few steps that must not be cut in two.

Starting a worker process and recording it (so that it is killed on the way out), or the two
renames that put a new ``--out`` directory in place, must happen together or not at all.
Blocking the signals with ``pthread_sigmask`` is not enough in a threaded process: the kernel
then hands a process-wide signal to another thread (numpy's BLAS threads, the worker's pipe
threads), and Python still runs its handler in the main thread at the next bytecode. So the
handlers themselves are swapped for one that only takes note, and each noted signal is handed
to the handler that was in place once the block ends.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

__all__ = ["HELD_SIGNALS", "signals_held"]

#: The signals :func:`signals_held` holds back.
HELD_SIGNALS: tuple[signal.Signals, ...] = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back while the block runs; deliver them when it ends.

    A signal that arrives meanwhile is handed, once the block is over, to the handler that
    was in place before (so Ctrl-C raises ``KeyboardInterrupt`` after the block, and a
    default SIGTERM still ends the process). Outside the main thread, where Python runs no
    signal handler, the block runs as it is.

    Examples
    --------
    >>> with signals_held():
    ...     pass
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []

    def note(signum: int, frame: FrameType | None) -> None:
        noted.append(signum)

    previous: dict[int, Any] = {}
    for sig in HELD_SIGNALS:
        old = signal.getsignal(sig)
        if old is None:  # installed outside Python: it cannot be put back, so leave it
            continue
        previous[int(sig)] = old
        signal.signal(sig, note)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
        for signum in dict.fromkeys(noted):
            _deliver(signum, previous[signum])


def _deliver(signum: int, handler: Callable[[int, FrameType | None], Any] | int) -> None:
    """Hand a held-back signal to ``handler`` (a Python handler, or SIG_DFL / SIG_IGN)."""
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)
