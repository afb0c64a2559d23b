"""The stable-matching kernels of the flow layer: deferred acceptance and blocking heads.

Deferred acceptance is compared with the ``matching`` library's ``HospitalResident`` (both
optimal sides) with every unit of a pool expanded into a resident of its own; blocking heads
with a brute force that looks at every unit and every seat; both are checked for row-order
independence and for their input reports.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zzj_match.errors import InputError, SolverError
from zzj_match.flow import _stable as stable_module
from zzj_match.flow import blocking_heads, deferred_acceptance

with warnings.catch_warnings():  # importing matching sets simplefilter("always"):
    from matching.games import HospitalResident  # undone here, warnings stay errors

Market = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@st.composite
def markets(draw: Any, max_a: int = 5, max_b: int = 5, max_cap: int = 3) -> Market:
    """A random pooled market: some admissible pairs, strict ranks that are not dense."""
    na = draw(st.integers(0, max_a))
    nb = draw(st.integers(0, max_b))
    a_cap = np.array(draw(st.lists(st.integers(0, max_cap), min_size=na, max_size=na)),
                     dtype=np.int64)
    b_cap = np.array(draw(st.lists(st.integers(0, max_cap), min_size=nb, max_size=nb)),
                     dtype=np.int64)
    admissible = draw(st.lists(st.booleans(), min_size=na * nb, max_size=na * nb))
    pairs = [(i, j) for i in range(na) for j in range(nb) if admissible[i * nb + j]]
    m = len(pairs)
    rows = draw(st.permutations(range(m)))
    a = np.array([pairs[r][0] for r in rows], dtype=np.int64)
    b = np.array([pairs[r][1] for r in rows], dtype=np.int64)
    # distinct over all rows, hence within each agent; gaps and negative values on purpose
    a_rank = 3 * np.array(draw(st.permutations(range(m))), dtype=np.int64) + 5
    b_rank = 17 - 4 * np.array(draw(st.permutations(range(m))), dtype=np.int64)
    return a, b, a_rank, b_rank, a_cap, b_cap


def swapped(market: Market) -> Market:
    a, b, a_rank, b_rank, a_cap, b_cap = market
    return b, a, b_rank, a_rank, b_cap, a_cap


def random_market(rng: np.random.Generator, na: int, nb: int, density: float,
                  max_cap: int, *, conflict: bool = False) -> Market:
    """A seeded random market.

    By default preferences are correlated (popular agents on both sides: long rejection
    chains). With ``conflict``, each receiver likes a proposer the less the more that proposer
    likes it, which makes the two sides' optimal stable matches differ more often.
    """
    adm = rng.random((na, nb)) < density
    a, b = (x.astype(np.int64) for x in np.nonzero(adm))
    if conflict:
        taste = rng.normal(size=a.size)
        a_score, b_score = taste, -taste + 0.3 * rng.normal(size=a.size)
    else:
        qa, qb = rng.normal(size=na), rng.normal(size=nb)
        a_score, b_score = qb[b] + rng.normal(size=a.size), qa[a] + rng.normal(size=a.size)
    a_rank = np.argsort(np.argsort(-a_score)).astype(np.int64)
    b_rank = np.argsort(np.argsort(-b_score)).astype(np.int64)
    rows = rng.permutation(a.size)
    return (a[rows], b[rows], a_rank[rows], b_rank[rows],
            rng.integers(0, max_cap + 1, na).astype(np.int64),
            rng.integers(0, max_cap + 1, nb).astype(np.int64))


# ---- the peer: the matching library, one resident per unit --------------------------------


def library_heads(market: Market, optimal: str) -> np.ndarray:
    """Heads per pair of the ``matching`` library's stable match of the expanded game.

    Residents are the units of A (unit ``u`` of agent ``i`` is ``"r{i}.{u}"``, all with the
    list of ``i``); hospitals are the agents of B, ranking the units of an agent together in
    unit order. Both sides get consistent lists (everyone ranks exactly those who rank them
    back), and players the library would exclude with a warning — a hospital without seats,
    anyone with an empty list — are left out, as they stay unmatched anyway.
    """

    a, b, a_rank, b_rank, a_cap, b_cap = market
    live = [k for k in range(a.size) if a_cap[a[k]] > 0 and b_cap[b[k]] > 0]
    resident_prefs: dict[str, list[str]] = {}
    for i in range(a_cap.size):
        mine = sorted((k for k in live if a[k] == i), key=lambda k: a_rank[k])
        for u in range(a_cap[i] if mine else 0):
            resident_prefs[f"r{i}.{u}"] = [f"h{b[k]}" for k in mine]
    hospital_prefs: dict[str, list[str]] = {}
    for j in range(b_cap.size):
        mine = sorted((k for k in live if b[k] == j), key=lambda k: b_rank[k])
        if mine:
            hospital_prefs[f"h{j}"] = [f"r{a[k]}.{u}" for k in mine for u in range(a_cap[a[k]])]
    heads = np.zeros(a.size, dtype=np.int64)
    if not hospital_prefs:
        return heads
    capacities = {name: int(b_cap[int(name[1:])]) for name in hospital_prefs}
    game = HospitalResident.create_from_dictionaries(resident_prefs, hospital_prefs, capacities)
    row = {(int(a[k]), int(b[k])): k for k in range(a.size)}
    for hospital, residents in game.solve(optimal=optimal).items():
        for resident in residents:
            heads[row[int(resident.name[1:].split(".")[0]), int(hospital.name[1:])]] += 1
    return heads


@settings(max_examples=60, deadline=None)
@given(markets())
def test_deferred_acceptance_is_the_matching_librarys_resident_optimal_match(
    market: Market,
) -> None:
    assert deferred_acceptance(*market).tolist() == library_heads(market, "resident").tolist()


@settings(max_examples=60, deadline=None)
@given(markets())
def test_swapped_sides_give_the_matching_librarys_hospital_optimal_match(
    market: Market,
) -> None:
    assert (deferred_acceptance(*swapped(market)).tolist()
            == library_heads(market, "hospital").tolist())


@pytest.mark.parametrize(("conflict", "max_cap"), [(False, 6), (True, 2)])
def test_larger_markets_agree_with_the_matching_library(conflict: bool, max_cap: int) -> None:
    """Tens of agents with a few units or seats each, both optimal sides, eight seeds."""
    differ = 0
    for seed in range(8):
        market = random_market(np.random.default_rng(seed), 25, 30, 0.3, max_cap,
                               conflict=conflict)
        worker_optimal = deferred_acceptance(*market)
        employer_optimal = deferred_acceptance(*swapped(market))
        assert worker_optimal.tolist() == library_heads(market, "resident").tolist()
        assert employer_optimal.tolist() == library_heads(market, "hospital").tolist()
        assert worker_optimal.sum() > 0
        # every stable match places the same number of units (rural hospitals theorem)
        assert worker_optimal.sum() == employer_optimal.sum()
        differ += worker_optimal.tolist() != employer_optimal.tolist()
    if conflict:  # so the comparisons tell the two optimal sides apart
        assert differ >= 2


@pytest.mark.parametrize("n", [2, 40])
def test_a_rejection_chain_through_every_agent(n: int) -> None:
    """Receiver j likes proposer j - 1 best, who likes receiver j - 1 best: when the receivers
    propose, every rejection sets off exactly one more (one proposer per round)."""
    a = np.r_[np.arange(n), np.arange(n - 1)]
    b = np.r_[np.arange(n), np.arange(1, n)]
    a_rank = np.r_[np.zeros(n, np.int64), np.ones(n - 1, np.int64)]
    b_rank = np.r_[np.ones(n, np.int64), np.zeros(n - 1, np.int64)]
    market = (a, b, a_rank, b_rank, np.ones(n, np.int64), np.ones(n, np.int64))
    receivers_propose = deferred_acceptance(*swapped(market))
    assert receivers_propose.tolist() == library_heads(market, "hospital").tolist()
    assert receivers_propose.tolist() == [1] * n + [0] * (n - 1)  # everyone on their own index
    assert deferred_acceptance(*market).tolist() == library_heads(market, "resident").tolist()


# ---- blocking heads against a brute force ------------------------------------------------


def brute_blocking(market: Market, heads: np.ndarray) -> list[int]:
    """Per pair, count one by one the units and seats that would rather take each other."""
    a, b, a_rank, b_rank, a_cap, b_cap = market
    out = []
    for k in range(a.size):
        units: list[int | None] = []  # a's rank of the place of every unit of a[k]
        seats: list[int | None] = []  # b's rank of the holder of every seat of b[k]
        for q in range(a.size):
            if a[q] == a[k]:
                units += [int(a_rank[q])] * int(heads[q])
            if b[q] == b[k]:
                seats += [int(b_rank[q])] * int(heads[q])
        units += [None] * (int(a_cap[a[k]]) - len(units))
        seats += [None] * (int(b_cap[b[k]]) - len(seats))
        willing_units = sum(1 for r in units if r is None or r > a_rank[k])
        willing_seats = sum(1 for r in seats if r is None or r > b_rank[k])
        out.append(min(willing_units, willing_seats))
    return out


@st.composite
def matches(draw: Any) -> tuple[Market, np.ndarray]:
    """A market and any feasible match of it (drawn heads, clipped to what caps still allow)."""
    market = draw(markets(max_cap=4))
    a, b, _, _, a_cap, b_cap = market
    room_a, room_b = a_cap.copy(), b_cap.copy()
    heads = np.zeros(a.size, dtype=np.int64)
    for k in range(a.size):
        h = min(draw(st.integers(0, 4)), room_a[a[k]], room_b[b[k]])
        heads[k] = h
        room_a[a[k]] -= h
        room_b[b[k]] -= h
    return market, heads


@settings(max_examples=60, deadline=None)
@given(matches())
def test_blocking_heads_equal_the_brute_force(case: tuple[Market, np.ndarray]) -> None:
    market, heads = case
    assert blocking_heads(*market, heads).tolist() == brute_blocking(market, heads)


def test_random_matches_block_and_the_count_is_the_brute_forces() -> None:
    """Seeded: many random matches block (so the comparison above is not vacuous)."""
    rng = np.random.default_rng(7)
    blocking = stable = 0
    for _ in range(80):
        market = random_market(rng, 4, 5, 0.6, 3)
        a, b, _, _, a_cap, b_cap = market
        room_a, room_b = a_cap.copy(), b_cap.copy()
        heads = np.zeros(a.size, dtype=np.int64)
        for k in rng.permutation(a.size):
            heads[k] = min(rng.integers(0, 3), room_a[a[k]], room_b[b[k]])
            room_a[a[k]] -= heads[k]
            room_b[b[k]] -= heads[k]
        got = blocking_heads(*market, heads)
        assert got.tolist() == brute_blocking(market, heads)
        blocking += bool(got.any())
        stable += not got.any()
    assert blocking > 20
    assert stable > 0


def test_a_hand_made_blocking_pair() -> None:
    # pool 0 (3 units) likes vacancy 0 best, but 2 units sit in vacancy 1; vacancy 0 has one
    # free seat and one held by pool 1, which it likes less than pool 0
    market = (np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0, 1, 0]),
              np.array([0, 0, 1]), np.array([3, 1]), np.array([2, 2]))
    heads = np.array([0, 2, 1])
    # wa = 3 units not in vacancy 0, wb = 2 seats not held by better than pool 0
    assert blocking_heads(*market, heads).tolist() == [2, 0, 0]
    assert brute_blocking(market, heads) == [2, 0, 0]
    assert deferred_acceptance(*market).tolist() == [2, 1, 0]


@settings(max_examples=60, deadline=None)
@given(markets(max_cap=4))
def test_deferred_acceptance_leaves_no_blocking_pair(market: Market) -> None:
    for side in (market, swapped(market)):
        heads = deferred_acceptance(*side)
        assert not blocking_heads(*side, heads).any()
        assert brute_blocking(side, heads) == [0] * heads.size


# ---- determinism ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(matches(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_the_answer(case: tuple[Market, np.ndarray],
                                              rnd: Any) -> None:
    market, heads = case
    perm = np.array(rnd.sample(range(heads.size), heads.size), dtype=np.int64)
    shuffled = tuple(x[perm] for x in market[:4]) + market[4:]
    assert (deferred_acceptance(*shuffled).tolist()
            == deferred_acceptance(*market)[perm].tolist())
    assert (blocking_heads(*shuffled, heads[perm]).tolist()
            == blocking_heads(*market, heads)[perm].tolist())


def test_empty_inputs() -> None:
    empty: list[int] = []
    assert deferred_acceptance(empty, empty, empty, empty, [2], [1]).tolist() == []
    assert deferred_acceptance(empty, empty, empty, empty, empty, empty).tolist() == []
    assert blocking_heads(empty, empty, empty, empty, [], [], empty).tolist() == []


def test_the_lexsort_path_for_wide_ranks_gives_the_same_answer() -> None:
    market = random_market(np.random.default_rng(3), 12, 15, 0.5, 4)
    wide = (*market[:2], market[2] * 2**50 - 2**61, market[3] * 2**52, *market[4:])
    assert deferred_acceptance(*wide).tolist() == deferred_acceptance(*market).tolist()


# ---- the certificate ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wrong", "message"),
    [
        (lambda pairs: np.zeros(pairs.a.size, dtype=np.int64), "blocking pairs"),
        (lambda pairs: np.full(pairs.a.size, 5, dtype=np.int64), "over their capacity"),
        (lambda pairs: np.full(pairs.a.size, -1, dtype=np.int64), "negative heads"),
    ],
)
def test_a_wrong_answer_fails_the_certificate(
    monkeypatch: pytest.MonkeyPatch, wrong: Callable[[Any], np.ndarray], message: str
) -> None:
    market = (np.array([0]), np.array([0]), np.array([0]), np.array([0]),
              np.array([2]), np.array([1]))
    monkeypatch.setattr(stable_module, "_propose", wrong)
    with pytest.raises(SolverError, match=message):
        deferred_acceptance(*market)


# ---- input reports ----------------------------------------------------------------------


def problems(err: pytest.ExceptionInfo[InputError]) -> set[tuple[str, Any, str]]:
    frame = err.value.problems
    return {(t, None if r is None or str(r) == "<NA>" else int(r), c)
            for t, r, c in zip(frame["table"], frame["row"], frame["column"], strict=True)}


def test_every_bad_pair_is_named_in_one_report() -> None:
    a = [0, 0, 3, 1, 1, 1]
    b = [0, 0, 1, 1, -1, 0]
    a_rank = [0, 1, 0, 5, 6, 5]  # row 5 ties row 3 in the list of agent 1
    b_rank = [0, 1, 0, 2, 0, 3]
    heads = [1, 0, 0, 0, 0, -2]
    with pytest.raises(InputError) as err:
        blocking_heads(a, b, a_rank, b_rank, [2, -1], [1, 1], heads)
    assert problems(err) == {
        ("a_cap", 1, "a_cap"),  # negative
        ("pairs", 1, "b"),  # (0, 0) again
        ("pairs", 2, "a"),  # agent 3 of 2
        ("pairs", 4, "b"),  # agent -1
        ("pairs", 5, "a_rank"),  # tie
        ("pairs", 5, "heads"),  # negative
    }
    with pytest.raises(InputError) as err:
        deferred_acceptance(a, b, a_rank, b_rank, [2, -1], [1, 1])
    assert problems(err) == {("a_cap", 1, "a_cap"), ("pairs", 1, "b"), ("pairs", 2, "a"),
                             ("pairs", 4, "b"), ("pairs", 5, "a_rank")}


def test_ties_in_the_receivers_lists_are_named() -> None:
    with pytest.raises(InputError) as err:
        deferred_acceptance([0, 1, 2], [0, 0, 0], [0, 0, 0], [4, 9, 4], [1, 1, 1], [1])
    assert problems(err) == {("pairs", 2, "b_rank")}


def test_bad_arrays_are_named() -> None:
    with pytest.raises(InputError) as err:
        deferred_acceptance([0, 1], [[0, 1]], [0.5, 1.0], [0], [1, 1], np.array([True]))
    assert problems(err) == {("pairs", None, "b"), ("pairs", None, "a_rank"),
                             ("pairs", None, "b_rank"), ("b_cap", None, "b_cap")}


def test_lengths_are_measured_against_the_first_usable_column() -> None:
    with pytest.raises(InputError) as err:
        deferred_acceptance("x", [0, 0], [0, 1, 2], [0, 1], [1], [2])
    assert problems(err) == {("pairs", None, "a"), ("pairs", None, "a_rank")}
    assert "expected 2 (that of `b`)" in str(err.value)


def test_heads_over_a_capacity_are_named() -> None:
    with pytest.raises(InputError) as err:
        blocking_heads([0, 0, 1], [0, 1, 1], [0, 1, 0], [0, 0, 1], [1, 5], [3, 2], [1, 1, 2])
    # agent 0 of A holds 2 units of 1; agent 1 of B holds 3 seats of 2
    assert problems(err) == {("a_cap", 0, "a_cap"), ("b_cap", 1, "b_cap")}
    with pytest.raises(InputError) as err:
        blocking_heads([0], [0], [0], [0], [1], [1], [2, 0])
    assert problems(err) == {("pairs", None, "heads")}


def test_capacities_beyond_int64_safety_are_named() -> None:
    with pytest.raises(InputError) as err:
        deferred_acceptance([0], [0], [0], [0], [2**62, 2**62], [1])
    assert problems(err) == {("a_cap", None, "a_cap")}
