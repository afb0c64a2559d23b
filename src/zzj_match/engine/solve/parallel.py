"""Every component solved, in this process or in worker processes."""

from __future__ import annotations

__all__ = ["PARALLEL_MIN_ARCS", "POLL_S", "STALL_S", "STOPPABLE_MIN_ARCS", "available_cpus",
           "solve_all"]

import logging
import os
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd

from zzj_match._signals import signals_held
from zzj_match.engine import _deadline
from zzj_match.engine.network.components import components
from zzj_match.engine.network.layout import ClassNetwork
from zzj_match.engine.solve import worker as _worker
from zzj_match.engine.solve.component import solve_component as _solve_component
from zzj_match.engine.solve.levels import LexResult, SolveOutcome

logger = logging.getLogger(__name__)

# arcs outside the largest component from which a worker process pays for its start-up
# (a fresh interpreter importing numpy, pandas and scipy: about a second). Default market:
# 0.56 M such arcs at scale 3 (solve 5.9 s alone, 4.9 s with a worker), 0.15 M at scale 1.
PARALLEL_MIN_ARCS = 500_000

# arcs from which a component is solved in a worker process (with `processes=1` only under a
# time limit), so that Ctrl-C and the time limit can stop it: LEMON and OR-Tools hold the GIL
# and never look at signals during a solve (measured: SIGINT took effect 2.2 s and 4.2 s late
# at scale 3). The default market's largest component: 0.10 M arcs at scale 1 (0.36 s), 0.21 M
# at scale 2 (1.2 s), 0.34 M at scale 3 (3.1 s). Below this, a solve here delays Ctrl-C by about
# a second at most, and a worker's start-up (1-3 s: a fresh interpreter importing numpy, pandas
# and scipy) would cost more than it could save.
STOPPABLE_MIN_ARCS = 250_000
# seconds between two looks at the running workers (Ctrl-C, time limit, stalls)
POLL_S = 0.1
# seconds without any CPU time after which a worker counts as stopped or hung (Linux)
STALL_S = 10.0


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the platform has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _process_count(sizes: list[int], processes: int | None) -> int:
    """How many processes (this one included) should solve components of these sizes."""
    if len(sizes) < 2 or processes == 1:
        return 1
    if processes is None:
        rest = sum(sizes) - max(sizes)
        if rest < PARALLEL_MIN_ARCS:
            return 1
        processes = available_cpus()
    return max(1, min(processes, len(sizes)))


def _shares(sizes: list[int], n: int) -> list[list[int]]:
    """Components for ``n`` processes, largest first onto the least loaded (share 0 is here).

    A component's load is taken as ``arcs ** 1.5``: network simplex time grows faster than
    the network (measured on the default market at scales 1, 3 and 10).
    """
    load = [0.0] * n
    share: list[list[int]] = [[] for _ in range(n)]
    for k in sorted(range(len(sizes)), key=lambda k: (-sizes[k], k)):
        j = min(range(n), key=lambda j: (load[j], j))
        share[j].append(k)
        load[j] += float(sizes[k]) ** 1.5
    return share


def _solve_components(comps: list[ClassNetwork], objective: tuple[str, ...], method: str,
                      processes: int | None) -> tuple[list[tuple[LexResult, pd.DataFrame]], int]:
    """Solve every component, sharing them out to worker processes when that pays.

    A worker is a ``multiprocessing`` process of the spawn start method
    (:mod:`zzj_match.engine.solve.worker`) that receives its components on a pipe and sends
    back their results; it never imports the caller's ``__main__`` and is gone when its share
    is done. Each component's solve is the
    same wherever it runs, so the plan does not depend on the number of processes; a worker
    that fails to start or to finish, or that stalls (:data:`STALL_S`), has its share solved
    here.

    A component of at least :data:`STOPPABLE_MIN_ARCS` arcs is solved in a worker (with
    ``processes=1`` only under a time limit): the solvers hold the GIL and do not look at
    signals while they run, so Ctrl-C or the time limit could not stop them here. Any exit
    from this function other than its return (Ctrl-C, SIGTERM turned into an exception, the
    time limit, an error) kills and reaps every worker still running.
    """
    sizes = [int(c.tail.size) for c in comps]
    shares = _shares(sizes, _process_count(sizes, processes))
    # this process takes a share without any component too long to solve where Ctrl-C and the
    # time limit cannot reach; if there is none, such components leave share 0 for a worker
    # of their own. `processes=1` keeps them here unless there is a time limit.
    long = STOPPABLE_MIN_ARCS if processes != 1 or _deadline.remaining() is not None else None
    here = [i for i, share in enumerate(shares)
            if long is None or all(sizes[k] < long for k in share)]
    if here:
        shares.insert(0, shares.pop(here[0]))
    else:
        away = [k for k in shares[0] if sizes[k] >= STOPPABLE_MIN_ARCS]
        shares[0] = [k for k in shares[0] if sizes[k] < STOPPABLE_MIN_ARCS]
        shares.append(away)
    n_proc = 1 if shares[0] else 0  # the processes that did solve
    out: dict[int, tuple[LexResult, pd.DataFrame]] = {}
    running: list[tuple[list[int], _worker.Job]] = []
    stage = f"solving {len(comps)} components of the class network"
    try:
        for share in shares[1:]:
            try:
                with signals_held():  # Ctrl-C after the append, or not at all
                    running.append((share, _worker.start([comps[k] for k in share],
                                                         objective, method)))
            except OSError as exc:  # pragma: no cover - platform dependent
                logger.warning("a worker process could not start (%s); solving its share "
                               "here", exc)
                shares[0].extend(share)
                n_proc = 1
        for k in shares[0]:
            _deadline.check(stage)
            out[k] = _solve_component(comps[k], objective, method)
            logger.info("component %d of %d solved (%d arcs)", len(out), len(comps), sizes[k])
        for share, results in _collect(running, stage):
            if results is None:
                n_proc = max(n_proc, 1)
                for k in share:
                    _deadline.check(stage)
                    out[k] = _solve_component(comps[k], objective, method)
            else:
                n_proc += 1
                out.update(zip(share, results, strict=True))
            logger.info("components %d of %d solved", len(out), len(comps))
    finally:
        with signals_held():  # a second Ctrl-C must not cut the clean-up short
            for _, job in running:  # those that replied are reaped already
                _worker.kill(job)
    return [out[k] for k in range(len(comps))], max(n_proc, 1)


def _collect(running: list[tuple[list[int], Any]], stage: str) -> Iterator[
        tuple[list[int], list[Any] | None]]:
    """Yield each worker's share and results as they come (``None``: solve it here).

    Waits in polls of :data:`POLL_S`, so Ctrl-C and the time limit act at once; a worker
    that has used no CPU time for :data:`STALL_S` seconds is killed and its share handed back.
    """
    pending = list(running)
    while pending:
        for item in [item for item in pending if _worker.done(item[1])]:
            pending.remove(item)
            yield item[0], _worker.finish(item[1])
        _deadline.check(stage)
        for item in [item for item in pending if _worker.stalled(item[1], STALL_S)]:
            logger.warning("a worker process (pid %d) used no CPU time for %g s (stopped or "
                           "hung); killed, its share is solved here", item[1].pid,
                           STALL_S)
            pending.remove(item)
            _worker.kill(item[1])
            yield item[0], None
        if pending:
            _worker.wait_for(pending[0][1], POLL_S)


def solve_all(net: ClassNetwork, objective: tuple[str, ...], method: str, *,
              processes: int | None = 1) -> SolveOutcome:
    """Solve every component of ``net`` lexicographically and decompose the flows.

    Parameters
    ----------
    net : ClassNetwork
        The whole network from :func:`build_network`.
    objective : tuple of str
    method : {"auto", "weights", "levels"}
    processes : int or None, default 1
        Processes solving components at once, this one included; ``None`` chooses: one
        per available CPU when the components outside the largest have at least
        :data:`PARALLEL_MIN_ARCS` arcs, else 1. A component of at least
        :data:`STOPPABLE_MIN_ARCS` arcs goes to a worker process (so that Ctrl-C and the time
        limit can stop it), with ``processes=1`` only under a time limit.

    Returns
    -------
    SolveOutcome

    Raises
    ------
    TimeLimitError
        When the time limit of the enclosing :func:`~zzj_match.match` runs out (every worker
        process is killed first; so it is on Ctrl-C).
    SolverError
        When a component cannot be solved.
    """
    t0 = time.perf_counter()
    comps = components(net)
    t_split = time.perf_counter() - t0
    pieces = []
    levels = {"key_positions": 0, "priority_placements": 0, "placements": 0, "cost": 0}
    if "kept_placements" in objective:
        levels["kept_placements"] = 0
    pots = []
    solves = 0
    backends: set[str] = set()
    methods: set[str] = set()
    solved, n_proc = _solve_components(comps, objective, method, processes)
    for comp, (res, piece) in zip(comps, solved, strict=True):
        for k in levels:
            levels[k] += res.levels[k]
        pieces.append(piece)
        pots.append((comp, res.potential, res.flow))
        solves += res.solves
        backends.add(res.backend)
        methods.add(res.method)
    frame = (pd.concat(pieces, ignore_index=True) if pieces else
             pd.DataFrame({"pc": np.zeros(0, np.int64), "vc": np.zeros(0, np.int64),
                           "headcount": np.zeros(0, np.int64)}))
    frame = frame.sort_values(["pc", "vc"], kind="stable").reset_index(drop=True)
    stats = {
        "cost_solved_alone": all(m.split("+")[-1].split(":")[0] == "cost" for m in methods),
        "components": len(comps),
        "largest_component_arcs": max((c.tail.size for c in comps), default=0),
        "solves": solves,
        "processes": n_proc,
        "backends": ",".join(sorted(backends)),
        "level_groups": ";".join(sorted(methods)),
        "seconds_split": t_split,
        "seconds_solve": time.perf_counter() - t0 - t_split,
    }
    return SolveOutcome(pieces=frame, levels=levels, potentials=pots, stats=stats)
