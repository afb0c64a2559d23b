"""Individual workers: pool members get the pool's placements in worker_id order."""

from __future__ import annotations

import pandas as pd
import pytest

from test_engine_worked_example import worked_example
from zzj_match.engine import match_frames
from zzj_match.errors import InputError


def _workers(pools: pd.DataFrame) -> pd.DataFrame:
    p2 = pools.set_index("pool_id").loc["P2"]
    member = {c: p2[c] for c in pools.columns if c not in ("pool_id", "headcount")}
    solo = {**member, "kind": "jobseeker", "zone_id": "zs_tanzhou", "lender_id": "",
            "contract_end": pd.NaT, "skill_level": 1}
    rows = [
        {**member, "worker_id": "w2", "pool_id": "P2"},
        {**member, "worker_id": "w1", "pool_id": "P2"},
        {**solo, "worker_id": "W9", "pool_id": ""},
    ]
    return pd.DataFrame(rows)


def test_members_get_placements_in_id_order_and_solo_workers_are_pools_of_one() -> None:
    ent, vac, pools, commute = worked_example()
    plan = match_frames(ent, vac, pools, commute, workers=_workers(pools))
    t = plan.transfers
    # W9 (local, same occupation as V2) is cheaper than P2's shuttle ride: P1 splits between
    # V1 and V2, W9 takes V2's other position, and P2 sends two to V1 (5 placed either way)
    assert list(zip(t["pool_id"], t["worker_id"], t["vacancy_id"], t["headcount"],
                    strict=True)) == [("P1", "", "V1", 1), ("P1", "", "V2", 1),
                                      ("P2", "w1", "V1", 1), ("P2", "w2", "V1", 1),
                                      ("W9", "W9", "V2", 1)]
    assert plan.kpis["objective_cost"] == 300 + 200 + 2 * 950 + 100
    unplaced = plan.unplaced.set_index("pool_id")
    assert unplaced.loc["P2", "headcount_unplaced"] == 1
    assert plan.kpis["workers"] == 10


def test_worker_id_clashing_with_a_pool_id_is_an_input_error() -> None:
    ent, vac, pools, commute = worked_example()
    workers = _workers(pools)
    workers.loc[2, "worker_id"] = "P1"
    workers.loc[1, "pool_id"] = "P77"
    with pytest.raises(InputError) as err:
        match_frames(ent, vac, pools, commute, workers=workers)
    assert sorted(err.value.problems["column"]) == ["pool_id", "worker_id"]
