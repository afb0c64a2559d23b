"""Ctrl-C and SIGTERM held back around steps that must not be cut in two."""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

import pytest

from zzj_match._signals import signals_held


def _from_another_thread(sig: signal.Signals) -> threading.Thread:
    """A thread, started before the block, that sends ``sig`` to itself when told to."""
    go = threading.Event()

    def send() -> None:
        go.wait()
        signal.pthread_kill(threading.get_ident(), sig)

    thread = threading.Thread(target=send)
    thread.start()
    thread.go = go  # type: ignore[attr-defined]
    return thread


def test_ctrl_c_received_by_another_thread_waits_for_the_end_of_the_block() -> None:
    # a signal mask on the main thread alone does not hold this one back: the other thread
    # takes it, and Python runs the handler in the main thread at its next bytecode
    sender = _from_another_thread(signal.SIGINT)
    steps: list[str] = []

    def block() -> None:
        with signals_held():
            sender.go.set()  # type: ignore[attr-defined]
            sender.join()
            for _ in range(50):
                time.sleep(0.001)  # many bytecodes: a handler would have run by now
            steps.append("end of block")

    with pytest.raises(KeyboardInterrupt):
        block()
    assert steps == ["end of block"]


def test_a_held_signal_goes_to_the_handler_in_place_once() -> None:
    seen: list[int] = []

    def handler(signum: int, frame: Any) -> None:
        seen.append(signum)

    old = signal.signal(signal.SIGTERM, handler)
    try:
        with signals_held():
            signal.raise_signal(signal.SIGTERM)
            signal.raise_signal(signal.SIGTERM)
            time.sleep(0.01)
            assert seen == []
        assert seen == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is handler
    finally:
        signal.signal(signal.SIGTERM, old)


def test_an_ignored_signal_stays_ignored() -> None:
    old = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        with signals_held():
            signal.raise_signal(signal.SIGTERM)
        assert signal.getsignal(signal.SIGTERM) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, old)


def test_outside_the_main_thread_the_block_just_runs() -> None:
    out: list[str] = []

    def body() -> None:
        with signals_held():
            out.append("ran")

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    assert out == ["ran"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
