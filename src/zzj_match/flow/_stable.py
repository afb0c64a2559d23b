"""Stable matching with pooled units on plain arrays: deferred acceptance and blocking pairs.

Two sides, A (the proposers) and B (the receivers). Agent ``a`` of A has ``a_cap[a]``
identical units that share one preference list (a pool of identical workers); agent ``b`` of B
has ``b_cap[b]`` seats. The admissible pairs are aligned arrays ``a, b, a_rank, b_rank``: row
``k`` says that ``a[k]`` and ``b[k]`` may be matched, ``a_rank[k]`` is the place of ``b[k]`` in
the list of ``a[k]`` and ``b_rank[k]`` the place of ``a[k]`` in the list of ``b[k]`` (smaller is
better, strict within one agent, only the order counts). A match gives ``heads[k] >= 0`` units
of ``a[k]`` seats of ``b[k]``, at most ``a_cap`` per ``a`` and ``b_cap`` per ``b``.

* :func:`blocking_heads` — how many units of each pair would rather be matched to each other
  than keep what the match gives them (the pooled definition of a blocking pair).
* :func:`deferred_acceptance` — the A-optimal stable match, by deferred acceptance with one
  pointer per agent of A, vectorised over the proposers of each round; certified stable.

The module knows nothing of labour markets; see ``docs/_stable_kernel.md`` for the model.
"""

from __future__ import annotations

__all__ = ["blocking_counts", "blocking_heads", "deferred_acceptance"]

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from zzj_match._problems import ProblemCollector
from zzj_match.errors import SolverError
from zzj_match.flow._bounds import SAFE
from zzj_match.flow._check import _as_1d, _first

logger = logging.getLogger(__name__)

I64 = npt.NDArray[np.int64]
_PAIR_COLUMNS = ("a", "b", "a_rank", "b_rank")
_PACKED_LIMIT = 2**62  # a packed sort key below this cannot overflow int64


@dataclass(frozen=True)
class _Pairs:
    """Checked pairs and capacities, with the two preference orders (rows sorted per agent)."""

    a: I64
    b: I64
    a_cap: I64
    b_cap: I64
    by_a: I64  # rows sorted by (a, a_rank): the lists of A, one after the other
    by_b: I64  # rows sorted by (b, b_rank)
    a_start: I64  # by_a[a_start[i]:a_start[i + 1]] is the list of agent i of A
    b_start: I64


def _order(group: I64, rank: I64, n_groups: int) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Rows sorted by ``(group, rank)`` (equal ranks by row), and which rows tie the one before.

    One ``np.sort`` of a packed key ``(group, rank, row)`` when it fits in int64 (several
    times faster than ``lexsort``), ``lexsort`` otherwise.
    """
    m = int(group.shape[0])
    if m == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    low = int(rank.min())
    span = int(rank.max()) - low + 1
    if max(n_groups, 1) * span * m < _PACKED_LIMIT:
        key = np.sort((group * span + (rank - low)) * m + np.arange(m, dtype=np.int64))
        pair = key // m
        return key - pair * m, pair[1:] == pair[:-1]
    order = np.lexsort((rank, group)).astype(np.int64)
    g, r = group[order], rank[order]
    return order, (g[1:] == g[:-1]) & (r[1:] == r[:-1])


def _starts(group: I64, n_groups: int) -> I64:
    """Where each group's rows start in the sorted order (``n_groups + 1`` offsets)."""
    out = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(group, minlength=n_groups), out=out[1:])
    return out


def _group_sums(values: npt.NDArray[Any], order: I64, start: I64) -> npt.NDArray[Any]:
    """Per-group sums of ``values`` (in int64 exact when every group's true sum fits)."""
    ex = np.zeros(values.shape[0] + 1, dtype=values.dtype)
    np.cumsum(values[order], out=ex[1:])  # an int64 wrap-around cancels in the differences
    out: npt.NDArray[Any] = ex[start[1:]] - ex[start[:-1]]
    return out


def _convert(
    pc: ProblemCollector, pairs: dict[str, Any], a_cap: Any, b_cap: Any
) -> tuple[dict[str, I64 | None], I64 | None, I64 | None]:
    """Return the inputs as 1-D int64 arrays, their lengths, signs and the caps' total checked."""
    caps: dict[str, I64 | None] = {}
    for name, value in (("a_cap", a_cap), ("b_cap", b_cap)):
        arr = _as_1d(pc, name, name, value, allow_float=False)
        if arr is not None:
            if (arr < 0).any():
                pc.add_mask(name, arr < 0, name, arr, "must be >= 0")
            elif float(arr.astype(np.float64).sum()) > SAFE:
                pc.add(name, None, name, f"sum {float(arr.sum(dtype=np.float64)):.3g}",
                       "the capacities of one side must total at most 2**60 (int64 safety)")
        caps[name] = arr
    cols: dict[str, I64 | None] = {
        name: _as_1d(pc, "pairs", name, value, allow_float=False) for name, value in pairs.items()
    }
    given = [(name, arr) for name, arr in cols.items() if arr is not None]
    if given:
        first, n = given[0][0], given[0][1].shape[0]  # the first usable column sets the length
        for name, arr in given[1:]:
            if arr.shape[0] != n:
                pc.add("pairs", None, name, f"length {arr.shape[0]}",
                       f"has length {arr.shape[0]}, expected {n} (that of `{first}`)")
                cols[name] = None
    if cols.get("heads") is not None:
        heads = cols["heads"]
        assert heads is not None
        if (heads < 0).any():
            pc.add_mask("pairs", heads < 0, "heads", heads, "must be >= 0")
    return cols, caps["a_cap"], caps["b_cap"]


def _check_agents(pc: ProblemCollector, side: str, agent: I64, cap: I64 | None) -> I64 | None:
    """Flag agent indices out of range; return the rows in range (None when all are)."""
    if cap is None:
        return None
    n = int(cap.shape[0])
    bad = (agent < 0) | (agent >= n)
    if bad.any():
        pc.add_mask("pairs", bad, side, agent,
                    f"agent index out of range 0..{n - 1} (n = len({side}_cap) = {n})")
        return np.flatnonzero(~bad)
    return None


def _flag_sorted_repeats(
    pc: ProblemCollector, rows: I64, same: npt.NDArray[np.bool_], m: int, column: str,
    values: I64, message: str,
) -> None:
    """Flag ``rows[1:][same]`` (a row equal to the one before it in a sorted order)."""
    if same.any():
        mask = np.zeros(m, dtype=bool)
        mask[rows[1:][same]] = True
        pc.add_mask("pairs", mask, column, values, message)


def _check_pairs(pc: ProblemCollector, cols: dict[str, I64 | None], a_cap: I64 | None,
                 b_cap: I64 | None) -> _Pairs | None:
    """Check indices, duplicate pairs and ties in rank lists; return the checked pairs."""
    a, b, a_rank, b_rank = (cols[n] for n in _PAIR_COLUMNS)
    if a is None or b is None or a_rank is None or b_rank is None:
        return None
    m = int(a.shape[0])
    out_a, out_b = _check_agents(pc, "a", a, a_cap), _check_agents(pc, "b", b, b_cap)
    if a_cap is None or b_cap is None:
        return None
    na, nb = int(a_cap.shape[0]), int(b_cap.shape[0])
    rows: I64 | None = None  # the rows checked further: all, or those with agents in range
    if out_a is not None or out_b is not None:
        everything = np.arange(m, dtype=np.int64)
        rows = np.intersect1d(everything if out_a is None else out_a,
                              everything if out_b is None else out_b)
    sa, sb = (a, b) if rows is None else (a[rows], b[rows])
    if na * nb < _PACKED_LIMIT:
        key = np.sort(sa * nb + sb)
        duplicated = bool((key[1:] == key[:-1]).any())
    else:
        duplicated = True  # decided by the exact sort below
    if duplicated and sa.size:
        by_pair, same = _order(sa, sb, na)
        _flag_sorted_repeats(pc, by_pair if rows is None else rows[by_pair], same, m, "b", b,
                             "the pair (a, b) is given more than once")
    orders = []
    for agent, rank, n, name in ((sa, a_rank, na, "a_rank"), (sb, b_rank, nb, "b_rank")):
        order, tie = _order(agent, rank if rows is None else rank[rows], n)
        order = order if rows is None else rows[order]
        _flag_sorted_repeats(pc, order, tie, m, name, rank,
                             "ties with another pair of the same agent (ranks must be strict)")
        orders.append(order)
    if pc:
        return None
    return _Pairs(a=a, b=b, a_cap=a_cap, b_cap=b_cap, by_a=orders[0], by_b=orders[1],
                  a_start=_starts(a, na), b_start=_starts(b, nb))


def _checked(a: Any, b: Any, a_rank: Any, b_rank: Any, a_cap: Any, b_cap: Any,
             heads: Any = None) -> tuple[_Pairs, I64]:
    """Every input check of both functions; one :class:`InputError` naming every problem."""
    pc = ProblemCollector()
    given = {"a": a, "b": b, "a_rank": a_rank, "b_rank": b_rank}
    if heads is not None:
        given["heads"] = heads
    cols, acap, bcap = _convert(pc, given, a_cap, b_cap)
    pairs = _check_pairs(pc, cols, acap, bcap)
    h = cols.get("heads")
    if pairs is not None and h is not None:
        for side, order, start, cap in (("a", pairs.by_a, pairs.a_start, pairs.a_cap),
                                        ("b", pairs.by_b, pairs.b_start, pairs.b_cap)):
            rough = _group_sums(h.astype(np.float64), order, start)  # no wrap-around
            over = (rough > 2.0 * SAFE) | (_group_sums(h, order, start) > cap)
            if over.any():
                pc.add_mask(f"{side}_cap", over, f"{side}_cap", cap,
                            "the heads on this agent's pairs total more than its capacity")
    pc.raise_if_any(_first(pc) if pc else None)
    assert pairs is not None
    return pairs, (np.zeros(pairs.a.shape[0], dtype=np.int64) if h is None else h)


def _room(order: I64, start: I64, agent: I64, cap: I64, heads: I64) -> I64:
    """Per pair: the agent's capacity minus its heads on pairs it ranks at least as high."""
    ex = np.zeros(heads.shape[0] + 1, dtype=np.int64)
    np.cumsum(heads[order], out=ex[1:])
    ag = agent[order]
    out = np.empty(heads.shape[0], dtype=np.int64)
    out[order] = cap[ag] - (ex[1:] - ex[start[ag]])
    return out


def _rooms(pairs: _Pairs, heads: I64) -> tuple[I64, I64]:
    """``wa`` and ``wb`` of every pair of a checked, feasible match (see :func:`blocking_heads`)."""
    return (_room(pairs.by_a, pairs.a_start, pairs.a, pairs.a_cap, heads),
            _room(pairs.by_b, pairs.b_start, pairs.b, pairs.b_cap, heads))


def _blocking(pairs: _Pairs, heads: I64) -> I64:
    """Blocking heads of every pair of a checked, feasible match."""
    wa, wb = _rooms(pairs, heads)
    out: I64 = np.where((wa > 0) & (wb > 0), np.minimum(wa, wb), 0)
    return out


def blocking_heads(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    a_rank: npt.ArrayLike,
    b_rank: npt.ArrayLike,
    a_cap: npt.ArrayLike,
    b_cap: npt.ArrayLike,
    heads: npt.ArrayLike,
) -> I64:
    """Return how many heads of every pair block a match (0 where the pair does not block).

    Units of one agent are interchangeable. Pair ``k = (a, b)`` blocks with
    ``min(wa, wb)`` heads, where ``wa`` counts the units of ``a`` that are unmatched or matched
    to agents ``a`` ranks below ``b``, and ``wb`` the seats of ``b`` that are free or held by
    agents ``b`` ranks below ``a``; it blocks when both are positive. Sorts the pairs per agent
    and takes cumulative sums: O(m log m).

    Parameters
    ----------
    a, b : array_like of int, shape (m,)
        The agents of each pair, ``0 <= a < len(a_cap)`` and ``0 <= b < len(b_cap)``; each
        pair at most once.
    a_rank, b_rank : array_like of int, shape (m,)
        The place of ``b`` in the list of ``a`` and of ``a`` in the list of ``b`` (smaller is
        better; distinct within one agent; any int64, only the order counts).
    a_cap, b_cap : array_like of int
        Units of each agent of A, seats of each agent of B (``>= 0``).
    heads : array_like of int, shape (m,)
        The match: units of ``a`` on seats of ``b``, within both capacities.

    Returns
    -------
    numpy.ndarray of int64, shape (m,)
        The blocking heads of every pair, in the order given.

    Raises
    ------
    InputError
        Naming every bad input: arrays that are not 1-D integer arrays or of the wrong length,
        negative capacities or heads, agent indices out of range, pairs given twice, ties in a
        rank list, heads over an agent's capacity, capacities of one side totalling more than
        2**60.

    Examples
    --------
    >>> blocking_heads([0, 0], [0, 1], [0, 1], [0, 0], [2], [1, 2], [0, 2]).tolist()
    [1, 0]
    """
    pairs, h = _checked(a, b, a_rank, b_rank, a_cap, b_cap, heads)
    return _blocking(pairs, h)


def blocking_counts(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    a_rank: npt.ArrayLike,
    b_rank: npt.ArrayLike,
    a_cap: npt.ArrayLike,
    b_cap: npt.ArrayLike,
    heads: npt.ArrayLike,
) -> tuple[I64, I64]:
    """Return :func:`blocking_heads` and, per agent of A, its units in any blocking pair.

    A unit of ``a`` takes part in a blocking pair when some ``b`` it prefers to its own place
    would take it; those are the ``wa`` units of ``a``'s best-ranked blocking pair (``wa``
    shrinks down ``a``'s list), so the count per agent is the largest ``wa`` over its
    blocking pairs, 0 for an agent in none. Unlike the sum of blocking heads over pairs, it
    counts each unit once.

    Returns
    -------
    tuple of numpy.ndarray of int64
        The blocking heads of every pair (shape (m,)) and the units per agent of A (shape
        ``len(a_cap)``).

    Raises
    ------
    InputError
        As :func:`blocking_heads`.

    Examples
    --------
    >>> heads, units = blocking_counts([0, 0], [0, 1], [0, 1], [0, 0], [2], [1, 2], [0, 2])
    >>> heads.tolist(), units.tolist()
    ([1, 0], [2])
    """
    pairs, h = _checked(a, b, a_rank, b_rank, a_cap, b_cap, heads)
    wa, wb = _rooms(pairs, h)
    block = (wa > 0) & (wb > 0)
    units = np.zeros(pairs.a_cap.size, dtype=np.int64)
    np.maximum.at(units, pairs.a[block], wa[block])
    out: I64 = np.where(block, np.minimum(wa, wb), 0)
    return out, units


def _ranges(lo: I64, lens: I64) -> I64:
    """``concatenate([arange(l, l + n) for l, n in zip(lo, lens)])``, vectorised."""
    total = int(lens.sum())
    first = np.cumsum(lens) - lens
    out: I64 = np.arange(total, dtype=np.int64) + np.repeat(lo - first, lens)
    return out


@dataclass
class _State:
    """The state of deferred acceptance between rounds."""

    pairs: _Pairs
    pos_a: I64  # pos_a[k]: place of pair k in by_a
    pos_b: I64  # pos_b[k]: place of pair k in by_b (b's preference order, all b together)
    cur: I64  # per a: the place in by_a of the first b of its list that has not rejected it
    free: I64  # per a: units not held by any b
    held: I64  # per pair: units of a that b holds
    tot: I64  # per b: units held
    worst: I64  # per b: pos_b of the worst pair it holds (-1: none); exact when b is full
    keys: I64  # sorted pos_b of the pairs holding units


def _skip_refusals(s: _State, active: I64) -> I64:
    """Move the pointers past receivers that are full of agents they prefer.

    Such a receiver rejects the proposal whole, whatever else it gets in the round; skipping
    it now spares a round. Returns the proposers still holding a pointer.
    """
    p = s.pairs
    end = p.a_start[1:]
    idx = active
    while idx.size:
        k = p.by_a[s.cur[idx]]
        bb = p.b[k]
        idx = idx[(s.tot[bb] >= p.b_cap[bb]) & (s.pos_b[k] > s.worst[bb])]
        s.cur[idx] += 1
        idx = idx[s.cur[idx] < end[idx]]
    out: I64 = active[s.cur[active] < end[active]]
    return out


def _trim(s: _State, over: I64) -> I64:
    """Each over-full receiver keeps its best units up to its seats; return whom it rejected."""
    p = s.pairs
    lo = np.searchsorted(s.keys, p.b_start[over])
    lens = np.searchsorted(s.keys, p.b_start[over + 1]) - lo
    pos = _ranges(lo, lens)  # the held pairs of these receivers, best first per receiver
    kk = p.by_b[s.keys[pos]]
    h = s.held[kk]
    cs = np.cumsum(h)
    after = np.repeat(cs[np.cumsum(lens) - 1], lens) - cs  # units held below this pair
    excess = np.repeat(s.tot[over] - p.b_cap[over], lens)
    rem = np.minimum(np.maximum(excess - after, 0), h)
    hit = np.flatnonzero(rem)
    kr, rr = kk[hit], rem[hit]
    s.held[kr] -= rr
    s.tot[over] = p.b_cap[over]
    ar = p.a[kr]
    np.add.at(s.free, ar, rr)
    at_pointer = s.pos_a[kr] == s.cur[ar]  # rejected where it was proposing: move on
    s.cur[ar[at_pointer]] += 1
    gone = hit[s.held[kr] == 0]  # emptied pairs: a suffix of each receiver's held pairs
    seg = np.repeat(np.arange(over.shape[0]), lens)
    kept = lens - np.bincount(seg[gone], minlength=over.shape[0])
    s.worst[over] = np.where(kept > 0, s.keys[np.maximum(lo + kept - 1, 0)], -1)
    s.keys = np.delete(s.keys, pos[gone])
    out: I64 = np.unique(ar)
    return out


def _propose(pairs: _Pairs) -> I64:
    """Run A-proposing deferred acceptance, one pointer per proposer; the heads per pair."""
    m = int(pairs.a.shape[0])
    ramp = np.arange(m, dtype=np.int64)
    pos_a = np.empty(m, dtype=np.int64)
    pos_a[pairs.by_a] = ramp
    pos_b = np.empty(m, dtype=np.int64)
    pos_b[pairs.by_b] = ramp
    nb = int(pairs.b_cap.shape[0])
    s = _State(pairs=pairs, pos_a=pos_a, pos_b=pos_b, cur=pairs.a_start[:-1].copy(),
               free=pairs.a_cap.copy(), held=np.zeros(m, dtype=np.int64),
               tot=np.zeros(nb, dtype=np.int64), worst=np.full(nb, -1, dtype=np.int64),
               keys=np.zeros(0, dtype=np.int64))
    end = pairs.a_start[1:]
    active = np.flatnonzero((s.free > 0) & (s.cur < end))
    rounds = 0
    while active.size:
        rounds += 1
        active = _skip_refusals(s, active)
        if not active.size:
            break
        k = pairs.by_a[s.cur[active]]  # one pair per proposer: all its free units go there
        bb, key = pairs.b[k], pos_b[k]
        fresh = s.held[k] == 0
        s.held[k] += s.free[active]
        np.add.at(s.tot, bb, s.free[active])
        np.maximum.at(s.worst, bb, key)
        s.free[active] = 0
        if fresh.any():
            new = np.sort(key[fresh])
            s.keys = np.insert(s.keys, np.searchsorted(s.keys, new), new)
        over = np.unique(bb[s.tot[bb] > pairs.b_cap[bb]])
        if not over.size:
            break  # every proposal held, nobody rejected: no free unit has a pointer left
        rejected = _trim(s, over)
        active = rejected[s.cur[rejected] < end[rejected]]
    logger.debug("deferred acceptance: %d rounds over %d pairs", rounds, m)
    return s.held


def _certify(pairs: _Pairs, heads: I64) -> None:
    """Raise :class:`SolverError` unless ``heads`` is a feasible match with no blocking pair."""
    problems = []
    if (heads < 0).any():
        problems.append(f"{int((heads < 0).sum())} pairs with negative heads")
    for side, order, start, cap in (("A", pairs.by_a, pairs.a_start, pairs.a_cap),
                                    ("B", pairs.by_b, pairs.b_start, pairs.b_cap)):
        over = _group_sums(heads, order, start) > cap
        if over.any():
            problems.append(f"{int(over.sum())} agents of {side} over their capacity")
    if not problems:
        block = _blocking(pairs, heads)
        if block.any():
            k = int(np.flatnonzero(block)[0])
            problems.append(f"{int(np.count_nonzero(block))} blocking pairs (first: row {k}, "
                            f"a={int(pairs.a[k])}, b={int(pairs.b[k])}, {int(block[k])} heads)")
    if problems:
        raise SolverError("deferred acceptance failed its stability certificate: "
                          + "; ".join(problems))


def deferred_acceptance(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    a_rank: npt.ArrayLike,
    b_rank: npt.ArrayLike,
    a_cap: npt.ArrayLike,
    b_cap: npt.ArrayLike,
) -> I64:
    """Return the A-optimal stable match of pooled units: deferred acceptance, A proposing.

    Each agent of A keeps one pointer, the first agent of its list that has not rejected any
    of its units (one that has will never take it again), and all its free units propose
    there together; each receiver keeps its best units up to its seats, the marginal agent's
    partly, and rejects the rest. A round is a handful of numpy operations over the proposers
    and the receivers they reach; only the rounds loop. Swap the two sides in the call for the
    B-optimal match. The answer is checked before it is returned: within both capacities and
    :func:`blocking_heads` zero on every pair.

    Parameters
    ----------
    a, b : array_like of int, shape (m,)
        The agents of each admissible pair (A proposes), ``0 <= a < len(a_cap)``,
        ``0 <= b < len(b_cap)``; each pair at most once.
    a_rank, b_rank : array_like of int, shape (m,)
        The place of ``b`` in the list of ``a`` and of ``a`` in the list of ``b`` (smaller is
        better; distinct within one agent; any int64, only the order counts).
    a_cap, b_cap : array_like of int
        Units of each agent of A, seats of each agent of B (``>= 0``).

    Returns
    -------
    numpy.ndarray of int64, shape (m,)
        Heads per pair, in the order given: the stable match every agent of A likes best
        (the same whatever the order of the rows).

    Raises
    ------
    InputError
        Naming every bad input, as :func:`blocking_heads` (without ``heads``).
    SolverError
        If the match found fails the certificate (a defect, never expected).

    Examples
    --------
    Two units of pool 0 and one of pool 1; both prefer vacancy 0 (one seat), which prefers
    pool 1; vacancy 1 has two seats.

    >>> deferred_acceptance([0, 0, 1, 1], [0, 1, 0, 1], [0, 1, 0, 1], [1, 0, 0, 1],
    ...                     [2, 1], [1, 2]).tolist()
    [0, 2, 1, 0]
    """
    pairs, _ = _checked(a, b, a_rank, b_rank, a_cap, b_cap)
    heads = _propose(pairs)
    _certify(pairs, heads)
    return heads
