"""The time limit of one :func:`~zzj_match.match` call (``Policy.time_limit_s``).

The deadline lives in a context variable, so the stages of a solve check it without passing it
along, and two solves in two threads of a service each keep their own. Stages call
:func:`check` between their steps; the wait for worker processes reads :func:`remaining`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar

from zzj_match.errors import TimeLimitError

__all__ = ["check", "limit", "remaining"]

# (monotonic time at which the limit runs out, the limit in seconds)
_DEADLINE: ContextVar[tuple[float, float] | None] = ContextVar("zzj_match_deadline",
                                                               default=None)


@contextlib.contextmanager
def limit(seconds: float | None) -> Iterator[None]:
    """Bound the stages run inside this block by ``seconds`` from now (``None``: no bound).

    An enclosing limit that runs out earlier stays in force.
    """
    outer = _DEADLINE.get()
    if seconds is None:
        yield
        return
    new = (time.monotonic() + float(seconds), float(seconds))
    token = _DEADLINE.set(new if outer is None or new[0] < outer[0] else outer)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def remaining() -> float | None:
    """Seconds left before the limit runs out (may be negative); ``None`` without a limit."""
    current = _DEADLINE.get()
    return None if current is None else current[0] - time.monotonic()


def check(stage: str) -> None:
    """Raise when the time limit has run out.

    Parameters
    ----------
    stage : str
        What is being done, for the message (``"building the class network"``).

    Raises
    ------
    TimeLimitError
        When the current limit has run out.
    """
    current = _DEADLINE.get()
    if current is not None and time.monotonic() >= current[0]:
        raise TimeLimitError(current[1], stage)
