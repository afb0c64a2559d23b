"""Run many scenarios on one market: :func:`sweep`, sequentially or on an executor.

What is shipped once: the market, region and policy form one payload. On a Dask
``distributed.Client`` it is scattered to every worker (``broadcast=True``) and each task
takes the future; on any other ``concurrent.futures.Executor`` it is pickled once into a
temporary file and each task carries only the file's path and a token: the first task in a
process reads and unpickles it into a per-process cache, later tasks there reuse it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from zzj_match.engine import match
from zzj_match.errors import InputError
from zzj_match.model.market import LabourMarket
from zzj_match.model.policy import Policy
from zzj_match.model.region import Region
from zzj_match.plan import AdjustmentPlan
from zzj_match.scenarios._scenario import Scenario, apply

__all__ = ["SweepResult", "run_scenario", "sweep"]

_log = logging.getLogger(__name__)

Payload = tuple[LabourMarket, Region, Policy]
#: token -> payload, in this process; one entry (the sweep running now)
_CACHE: dict[str, Payload] = {}

@dataclass(frozen=True)
class SweepResult:
    """A sweep's table and, by scenario name, its plans (``None`` for a failed scenario).

    Attributes
    ----------
    table : pandas.DataFrame
        As :func:`sweep` returns without ``plans=True``.
    plans : dict of str to AdjustmentPlan or None
    """

    table: pd.DataFrame
    plans: dict[str, AdjustmentPlan | None]

def _row(plan: AdjustmentPlan) -> dict[str, Any]:
    row = {k: v for k, v in plan.kpis.items()
           if isinstance(v, (int, float)) and not isinstance(v, bool)}
    flows = plan.city_flows()
    cells = flows.to_numpy(dtype="int64")
    for i, home in enumerate(flows.index):
        for j, work in enumerate(flows.columns):  # a few cities: a small table, not pairs
            row[f"flow_{str(home).casefold()}->{str(work).casefold()}"] = int(cells[i, j])
    return row

def run_scenario(scenario: Scenario, payload: Payload, keep_plan: bool
                 ) -> tuple[dict[str, Any], AdjustmentPlan | None]:
    """Make one scenario's plan; its error, if any, becomes the row's ``error`` text.

    Parameters
    ----------
    scenario : Scenario
    payload : (LabourMarket, Region, Policy)
    keep_plan : bool
        Return the plan as well.

    Returns
    -------
    (dict, AdjustmentPlan or None)
        The row (``status``, ``error``, KPIs, flows) and the plan when asked for and made.
    """
    market, region, policy = payload
    try:
        changed_region, changed_policy = apply(scenario, region, policy)
        plan = match(market, region=changed_region, policy=changed_policy)
    except Exception as exc:  # one scenario's failure is its row, the others go on
        _log.info("scenario %s failed: %s", scenario.name, exc)
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"}, None
    return {"status": "ok", "error": "", **_row(plan)}, plan if keep_plan else None

def _cached_task(scenario: Scenario, token: str, path: str, keep_plan: bool
                 ) -> tuple[dict[str, Any], AdjustmentPlan | None, int]:
    """Run a scenario on the payload in ``path``, unpickled once per process.

    The int returned is 1 when this task unpickled the payload, else 0.
    """
    loaded = 0
    if token not in _CACHE:
        _CACHE.clear()
        _CACHE[token] = pickle.loads(Path(path).read_bytes())
        loaded = 1
    row, plan = run_scenario(scenario, _CACHE[token], keep_plan)
    return row, plan, loaded

def _scattered_task(scenario: Scenario, payload: Payload, keep_plan: bool
                    ) -> tuple[dict[str, Any], AdjustmentPlan | None, int]:
    """Run a scenario on a payload Dask already holds on this worker (nothing unpickled)."""
    row, plan = run_scenario(scenario, payload, keep_plan)
    return row, plan, 0


def _is_dask_client(executor: Any) -> bool:
    kind = type(executor)
    return kind.__module__.split(".")[0] == "distributed" and hasattr(executor, "scatter")

def _bar(progress: bool | None, total: int) -> Any:
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="scenarios", unit="scenario")

def _collect(futures: Sequence[Any], bar: Any) -> list[Any]:
    out = []
    for fut in futures:  # in the scenarios' order: the table does not depend on timing
        try:
            out.append(fut.result())
        except Exception as exc:  # a lost worker, a plan that cannot travel back: one row
            out.append(({"status": "error", "error": f"{type(exc).__name__}: {exc}"}, None, 0))
        if bar is not None:
            bar.update(1)
    return out

def _submit_all(executor: Any, scenarios: Sequence[Scenario], payload: Payload,
                keep_plan: bool, bar: Any) -> tuple[list[Any], dict[str, Any]]:
    if _is_dask_client(executor):
        shipped = executor.scatter(payload, broadcast=True)
        futures = [executor.submit(_scattered_task, s, shipped, keep_plan, pure=False)
                   for s in scenarios]
        return _collect(futures, bar), {"shipped": "dask scatter"}
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    token = hashlib.sha256(data).hexdigest()
    folder = tempfile.mkdtemp(prefix="zzj_sweep_")
    try:
        path = os.path.join(folder, "payload.pkl")
        Path(path).write_bytes(data)
        fs: list[Future[Any]] = [executor.submit(_cached_task, s, token, path, keep_plan)
                                 for s in scenarios]
        results = _collect(fs, bar)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        _CACHE.pop(token, None)  # a thread pool filled this process's cache: empty it
    return results, {"shipped": "file", "payload_loads": sum(r[2] for r in results)}

def _setting_rank(column: str) -> int:
    """Order settings columns as a scenario lists them: closures, dates, prices, policy."""
    head = column.partition(".")[0]
    order = ("close", "start", "end", "as_of", "toll", "fare")
    return order.index(head) if head in order else len(order)


def _table(scenarios: Sequence[Scenario], rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    records = [{"scenario": s.name, **s.settings(), **row}
               for s, row in zip(scenarios, rows, strict=True)]
    seen: dict[str, None] = {}
    for s in scenarios:
        seen.update(dict.fromkeys(s.settings()))
    columns: dict[str, None] = {"scenario": None}
    columns.update(dict.fromkeys(sorted(seen, key=_setting_rank)))
    columns.update({"status": None, "error": None})
    for rec in records:
        columns.update(dict.fromkeys(rec))
    table = pd.DataFrame.from_records(records, columns=list(columns))
    flows = [c for c in table.columns if c.startswith("flow_")]
    ok = table["status"] == "ok"
    table.loc[ok, flows] = table.loc[ok, flows].fillna(0)
    return table

def _check(market: Any, scenarios: Any, policy: Any, executor: Any) -> list[Scenario]:
    problems: list[dict[str, Any]] = []
    if not isinstance(market, LabourMarket):
        problems.append({"table": "sweep", "row": None, "column": "market",
                         "value": type(market).__name__, "message": "not a LabourMarket"})
    listed = list(scenarios) if isinstance(scenarios, Iterable) else []
    bad = [i for i, s in enumerate(listed) if not isinstance(s, Scenario)]
    if not isinstance(scenarios, Iterable) or bad:
        problems.append({"table": "sweep", "row": None, "column": "scenarios", "value": bad,
                         "message": "scenarios must be Scenario objects (see scenarios.grid)"})
    names = [s.name for s in listed if isinstance(s, Scenario)]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        problems.append({"table": "sweep", "row": None, "column": "scenarios", "value": dup,
                         "message": "two scenarios have this name"})
    if policy is not None and not isinstance(policy, Policy):
        problems.append({"table": "sweep", "row": None, "column": "policy",
                         "value": type(policy).__name__, "message": "not a Policy"})
    if executor is not None and not (isinstance(executor, Executor)
                                     or _is_dask_client(executor)):
        problems.append({"table": "sweep", "row": None, "column": "executor",
                         "value": type(executor).__name__,
                         "message": "not a concurrent.futures.Executor or Dask Client"})
    if problems:
        raise InputError(problems)
    return listed

def sweep(market: LabourMarket, scenarios: Iterable[Scenario], *,  # long: docstring
          region: Region | None = None, policy: Policy | None = None,
          executor: Executor | Any = None, plans: bool = False,
          progress: bool | None = None) -> pd.DataFrame | SweepResult:
    """Make one plan per scenario and tabulate them: settings, status, KPIs, city flows.

    Parameters
    ----------
    market : LabourMarket
    scenarios : iterable of Scenario
        E.g. :func:`zzj_match.scenarios.grid`; names must be unique.
    region : Region, optional
        The region each scenario changes; the embedded one by default.
    policy : Policy, optional
        The policy each scenario changes; the default policy by default. With an executor
        every task runs with ``processes=1`` (no process pools inside workers).
    executor : concurrent.futures.Executor or distributed.Client, optional
        ``None``: in this process, one scenario after the other. The market, region and
        policy are shipped once (module docstring; ``docs/sweeps.md``).
    plans : bool
        Also return the plans, as a :class:`SweepResult`.
    progress : bool, optional
        ``True``: a ``tqdm.auto`` bar (needs the ``cli`` extra). Default: none.

    Returns
    -------
    pandas.DataFrame or SweepResult
        One row per scenario, in the given order: ``scenario``, its settings, ``status``
        (``"ok"``/``"error"``), ``error`` (``""`` when ok), the numeric KPIs of
        ``plan.kpis`` and ``flow_<home>-><work>`` headcounts (NaN on error rows). The same
        whichever executor. ``table.attrs["shipped"]`` says how the payload travelled.

    Raises
    ------
    InputError
        If the market, scenarios, policy or executor are not what they should be. A
        scenario's own failure is not raised: it is its row's ``error``.
    """
    listed = _check(market, scenarios, policy, executor)
    from zzj_match.engine.pipeline import matched_region

    base_policy = policy if policy is not None else Policy()
    base_region = region if region is not None else matched_region(None, Policy())
    bar = _bar(progress, len(listed))
    try:
        if executor is None:
            results = []
            for s in listed:
                results.append((*run_scenario(s, (market, base_region, base_policy), plans), 0))
                if bar is not None:
                    bar.update(1)
            attrs: dict[str, Any] = {"shipped": "in process"}
        else:
            payload = (market, base_region, base_policy.model_copy(update={"processes": 1}))
            results, attrs = _submit_all(executor, listed, payload, plans, bar)
    finally:
        if bar is not None:
            bar.close()
    table = _table(listed, [r[0] for r in results])
    table.attrs.update(attrs)
    if plans:
        return SweepResult(table, {s.name: r[1] for s, r in zip(listed, results, strict=True)})
    return table
