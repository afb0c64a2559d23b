"""Plans pinned by digest, so that a restructuring of the engine provably changes no plan.

Each digest is the SHA-256 of a plan's placements (who goes where, how many, by which mode
and bridges, at how many minutes), its unmet and unplaced rows with their reasons and its
four objective levels. They were computed at the commit that added this file (after issue
#12) and are the same at the commit before #12's work (103def4): hardening changed no plan
of these markets. They pin the plan, not its correctness (the exactness tests do that): a change
that is meant to move a plan (a new rule, a new tie-break) updates the digest in the same
commit and says why; a change that is meant to move nothing (issue #13's staged engine) must
leave every digest as it is.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
import pytest

import zzj_match as zm
from zzj_match.engine import CommuteTables, match_frames

_TRANSFER_COLUMNS = ["pool_id", "worker_id", "vacancy_id", "headcount", "mode", "bridges"]
_OBJECTIVE = ["objective_key_positions", "objective_priority_placements",
              "objective_placements", "objective_cost"]


def plan_digest(plan: zm.AdjustmentPlan) -> str:
    """SHA-256 over the parts of a plan that a restructuring must not move."""
    t = plan.transfers[_TRANSFER_COLUMNS].astype(str)
    t["minutes"] = plan.transfers["minutes"].round(1).map("{:.1f}".format)
    t = t.sort_values(list(t.columns), kind="stable")
    unmet = plan.unmet[["vacancy_id", "headcount_unfilled", "reason"]].astype(str)
    unplaced = plan.unplaced[["pool_id", "headcount_unplaced", "reason"]].astype(str)
    h = hashlib.sha256()
    for name, frame in (("transfers", t), ("unmet", unmet.sort_values("vacancy_id")),
                        ("unplaced", unplaced.sort_values("pool_id"))):
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    h.update(repr([int(plan.kpis[k]) for k in _OBJECTIVE]).encode())
    return h.hexdigest()


CASES: list[tuple[str, float, int, dict[str, Any], str]] = [
    ("default-0.1", 0.1, 0, {},
     "dc9ac934f9d3b4306f81632ec78a747617b266f19238ca333613c4e49f4cfd40"),
    ("default-1", 1.0, 0, {},
     "82f81dfc021ad4d549fc89daaff6b01c1ab1995d0888029a1dcd854017ac244a"),
    ("skill-below-levels", 0.05, 1, {"allow_skill_below": True, "lexicographic": "levels"},
     "a28b273d00b24011e32c48bf343f0788810ea322d27810c92e25b875062c7109"),
    ("local-first-wage-gap", 0.05, 2, {"cross_city_cost_cny": 200.0,
                                        "wage_gap_cost_per_cny": 0.1},
     "7e3a0fc7a3439843c0b91d3e4a1a13cb053d67736ea82db9a7b24cf52a603195"),
    ("weights-no-substitution", 0.05, 3, {"lexicographic": "weights",
                                          "allow_substitution": False},
     "4a263a66ea0b977d875204113f87fb897fc1ffa5e9bd09b20f1d2eb0419f7d48"),
    ("city-pair-cap", 0.03, 4, {"city_pair_caps": {"zhongshan->zhuhai": 20}},
     "339d3edd1bf560dc09b0d5b5bf404a88ceb051bf2086ee9f04e11bf7a6ea91cd"),
]


@pytest.fixture(scope="module")
def region() -> zm.Region:
    return zm.datasets.zzj_region()


@pytest.mark.parametrize(("scale", "seed", "settings", "digest"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_plan_is_the_one_pinned(scale: float, seed: int, settings: dict[str, Any],
                                    digest: str, region: zm.Region) -> None:
    market = zm.datasets.zzj_market(scale=scale, seed=seed)
    plan = zm.match(market, region=region, policy=zm.Policy(**settings))
    assert plan_digest(plan) == digest


def test_the_digest_sees_a_moved_worker(region: zm.Region) -> None:
    plan = zm.match(zm.datasets.zzj_market(scale=0.02, seed=0), region=region)
    before = plan_digest(plan)
    t = plan.transfers
    t.loc[t.index[0], "vacancy_id"] = t.loc[t.index[-1], "vacancy_id"]
    assert plan_digest(plan) != before


# --- random markets: the exactness tests' kind of market, larger and drawn from fixed seeds ---

_ZONES = ["za", "zb", "zc", "zd", "ze"]
_CITIES = ["c1", "c1", "c2", "c2", "c3"]
_OCCS = ["6-24-05-01", "6-24-05-04", "6-24-01-00", "6-25-04-07", "4-02-01-01"]
_DAY0 = pd.Timestamp("2025-01-01")
#: The policies of tests/test_engine_exact.py.
RANDOM_POLICIES = [
    {},
    {"allow_skill_below": True, "wage_gap_cost_per_cny": 0.1, "cross_city_cost_cny": 200.0},
    {"objective": ("placements", "key_positions", "cost"), "allow_substitution": False},
    {"objective": ("priority_placements", "cost"), "soft_commute_penalty_cny": 0.0},
]
RANDOM_SEEDS = range(12)
#: SHA-256 over the digests of every (seed, policy) plan, computed with the engine before #13
#: (commit 9efd81e) and unchanged after it.
RANDOM_DIGEST = "0c96c0ac6940a2211b6ac506891938f2a6e701891c4cb7688c7cc620f47958f2"


def random_market(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, CommuteTables]:
    """A random market of every rule (dates, 共享用工, housing, shuttles, unreachable zones)."""
    rng = np.random.default_rng(seed)
    n = len(_ZONES)
    mins = rng.choice([5.0, 20.0, 40.0, 50.0, 65.0, 80.0, np.inf], size=(n, n))
    np.fill_diagonal(mins, 10.0)
    commute = CommuteTables.from_minutes(_ZONES, _CITIES, mins)
    n_e, n_v, n_p = 6, 40, 40
    ent = pd.DataFrame({"enterprise_id": [f"E{i}" for i in range(n_e)], "name": "",
                        "zone_id": rng.choice(_ZONES, n_e), "industry": "",
                        "key_enterprise": rng.random(n_e) < 0.4})
    start = rng.integers(0, 200, n_v)
    vac = pd.DataFrame({
        "vacancy_id": [f"V{i:02d}" for i in range(n_v)],
        "enterprise_id": rng.choice(ent["enterprise_id"], n_v),
        "occupation": rng.choice(_OCCS, n_v), "min_skill_level": rng.integers(1, 4, n_v),
        "headcount": rng.integers(0, 6, n_v),
        "wage_cny": rng.choice([3000.0, 4000.0, 5000.0], n_v),
        "start_date": _DAY0 + pd.to_timedelta(start, unit="D"),
        "end_date": _DAY0 + pd.to_timedelta(start + rng.integers(0, 200, n_v), unit="D"),
        "housing": rng.random(n_v) < 0.2,
        "shuttle_zones": rng.choice(["", "", "za", "zb;zc"], n_v),
    })
    sec = rng.random(n_p) < 0.3
    af = rng.integers(0, 200, n_p)
    to = _DAY0 + pd.to_timedelta(af + rng.integers(0, 200, n_p), unit="D")
    pools = pd.DataFrame({
        "pool_id": [f"P{i:02d}" for i in range(n_p)],
        "kind": np.where(sec, "secondment", "jobseeker"),
        "zone_id": rng.choice(_ZONES, n_p), "occupation": rng.choice(_OCCS, n_p),
        "skill_level": rng.integers(1, 4, n_p), "headcount": rng.integers(0, 6, n_p),
        "reservation_wage_cny": rng.choice([2500.0, 3500.0, 4500.0], n_p),
        "max_commute_min": rng.choice([30.0, 45.0, 60.0, 90.0], n_p),
        "available_from": _DAY0 + pd.to_timedelta(af, unit="D"),
        "available_to": to.where(rng.random(n_p) < 0.5, pd.NaT),
        "priority_group": np.where(sec, "none",
                                   rng.choice(["none", "graduate", "hardship"], n_p)),
        "lender_id": np.where(sec, rng.choice(ent["enterprise_id"], n_p), ""),
        "contract_end": (_DAY0 + pd.to_timedelta(rng.integers(0, 400, n_p), unit="D")).where(
            sec, pd.NaT),
        "consent": np.where(sec, rng.random(n_p) < 0.8, True),
        "dispatched": np.where(sec, rng.random(n_p) < 0.2, False),
    })
    return ent, vac, pools, commute


def random_markets_digest() -> str:
    """The combined digest of every random market under every policy."""
    h = hashlib.sha256()
    for seed in RANDOM_SEEDS:
        ent, vac, pools, commute = random_market(seed)
        for settings in RANDOM_POLICIES:
            plan = match_frames(ent, vac, pools, commute, zm.Policy(**settings))
            h.update(plan_digest(plan).encode())
    return h.hexdigest()


def test_the_random_markets_plan_as_pinned() -> None:
    assert random_markets_digest() == RANDOM_DIGEST
