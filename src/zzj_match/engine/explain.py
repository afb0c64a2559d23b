"""Why a vacancy stays unmet or a pool unplaced: the binding reason of each, in domain terms.

The one home of the reasons (``no_compatible_workers`` … ``city_pair_cap``, ``out_of_scope``)
and their texts; see docs/engine.md "Reasons".
"""

from __future__ import annotations

__all__ = ["REASONS", "explain", "external_vacancies", "out_of_scope"]

import dataclasses
import itertools
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match.engine import _deadline
from zzj_match.engine.network.candidates import candidates
from zzj_match.engine.network.structure import ChainStructure, compatible_sums
from zzj_match.engine.rules.admissible import RULE_FLAGS, net_threshold
from zzj_match.engine.rules.arrays import Prepared
from zzj_match.engine.rules.licences import licence_route, missing_text
from zzj_match.model._cities import external_city
from zzj_match.plan._plan import ENGINE_UNMET_COLUMNS, ENGINE_UNPLACED_COLUMNS

_REASON_TEXT = {
    "no_compatible_workers": "no worker of this or a substitutable occupation with the "
    "required skill level",
    "no_compatible_vacancies": "no vacancy of this or a substitutable occupation at this "
    "skill level",
    "licence": "{who} of a substitutable occupation exist, but only with a licence the workers "
    "lack: {lic}; the policy does not allow licensing (allow_licensing)",
    "wage_gap": "qualified {who} exist, but {wage}",
    "period": "qualified {who} exist, but none is available in the period",
    "sharing_rules": "qualified {who} exist, but the 共享用工 rules exclude them",
    "commute_limit": "qualified {who} exist, but none within the commute limit; "
    "{plus} would be within {extra:g} more minutes",
    "net_income": "qualified {who} exist within the commute limit, but none nets the "
    "reservation wage after commuting costs{net}",
    "competition": "{n} compatible {who} exist, but {by}",
    "not_selected": "compatible {who} remain; the policy's objective does not ask for more "
    "placements",
    "city_pair_cap": "compatible {who} remain only across a binding city-pair cap: {caps}",
    "out_of_scope": "the employer is in {city}, outside 珠中江, and the policy leaves such "
    "employers out of the match (external_employers='exclude')",
}
#: Why compatible partners are all taken, in a plan chosen by the objective (``match``) or by
#: both sides' preferences (``stable_match``).
_TAKEN_BY = {
    "objective": "they are taken by matches ranked higher by the policy's objective",
    "preferences": "in this stable plan each is held by a partner it prefers",
}
#: Every reason code of ``plan.unmet`` / ``plan.unplaced`` (docs/engine.md "Reasons").
REASONS: tuple[str, ...] = tuple(_REASON_TEXT)
_STAGE_REASON = ("wage_gap", "period", "sharing_rules", "commute_limit", "net_income")
#: The flags the widened commute count applies (every rule but the commute and net income).
_PLUS_FLAGS = (*(f for f in RULE_FLAGS if f not in ("ok_commute", "ok_net")), "ok_commute_plus")
#: The rules applied before the wage rule (the candidates a ``wage_gap`` detail speaks of).
_BEFORE_WAGE = RULE_FLAGS[:RULE_FLAGS.index("ok_wage")]


def _stage_counts(
    owner: npt.NDArray[np.int64], flags: dict[str, npt.NDArray[np.bool_]], n: int,
) -> list[npt.NDArray[np.int64]]:
    """For each owner, how many candidate rows pass stages 1..k cumulatively."""
    out = []
    mask = np.ones(owner.size, dtype=bool)
    for stage in RULE_FLAGS:
        mask = mask & flags[stage]
        out.append(np.bincount(owner[mask], minlength=n).astype(np.int64))
    return out


_EXPLAIN_PAIRS = 4_000_000
# rows whose partners are checked against the caps in one enumeration
_CAP_ROWS = 2_000


def _explain_counts(
    prep: Prepared, pool_rows: npt.NDArray[np.int64], vac_rows: npt.NDArray[np.int64],
    weight: npt.NDArray[np.int64], left: npt.NDArray[np.int64], *, by_vacancy: bool,
) -> tuple[list[npt.NDArray[np.int64]], npt.NDArray[np.int64], npt.NDArray[Any],
           npt.NDArray[Any], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Per-row candidate counts for the explanations, in chunks of the explained rows.

    The explained rows (vacancies when ``by_vacancy``, else pools) are split so that each
    chunk enumerates about ``_EXPLAIN_PAIRS`` candidate pairs (counted from the occupations;
    every count is a sum over one explained row's pairs, so chunks add up exactly).
    ``weight`` and ``left`` are the headcount and the unmatched headcount of the partner
    side. Returns the cumulative stage counts, the heads within the limit plus the margin,
    spare and compatible partner heads, (for vacancies) the lowest reservation wage among
    the candidates that pass the rules applied before the wage rule (``_BEFORE_WAGE``), and
    the smallest net-income shortfall with its out-of-pocket commute cost (columns 0 and 1,
    NaN where no candidate fails on net income alone).
    """
    n = len(prep.vacancies) if by_vacancy else len(prep.pools)
    rows = vac_rows if by_vacancy else pool_rows
    other = pool_rows if by_vacancy else vac_rows
    # pairs per explained row: partners of a substitutable occupation (twice with training)
    own_t, oth_t = (prep.vacancies, prep.pools) if by_vacancy else (prep.pools, prep.vacancies)
    a, b = (("vacancy_occupation", "pool_occupation") if by_vacancy else
            ("pool_occupation", "vacancy_occupation"))
    occ_n = pd.Series(oth_t.occupation[other]).value_counts()
    per_occ = (prep.subst[[a, b]].assign(k=prep.subst[b].map(occ_n).fillna(0).to_numpy())
               .groupby(a)["k"].sum())
    npair = per_occ.reindex(own_t.occupation[rows]).fillna(0).to_numpy()
    npair = npair * (2 if prep.policy.allow_skill_below else 1) + 1
    cut = np.searchsorted(np.cumsum(npair), np.arange(1, int(npair.sum() // _EXPLAIN_PAIRS)
                                                      + 1) * _EXPLAIN_PAIRS)
    bounds = np.unique(np.r_[0, cut, rows.size])
    stages = [np.zeros(n, dtype=np.int64) for _ in RULE_FLAGS]
    plus = np.zeros(n, dtype=np.int64)
    spare = np.zeros(n, dtype=np.float64)
    n_comp = np.zeros(n, dtype=np.float64)
    minr = np.full(n, np.nan, dtype=np.float64)
    short = np.full((n, 2), np.nan, dtype=np.float64)
    r = prep.pools.reservation_wage
    for lo, hi in itertools.pairwise(bounds):
        _deadline.check("explaining unmet vacancies and unplaced pools")
        chunk = rows[lo:hi]
        if by_vacancy:
            cand = candidates(prep, other, chunk)
            own, oth = cand.v, cand.p
        else:
            cand = candidates(prep, chunk, other)
            own, oth = cand.p, cand.v
        for acc, add in zip(stages, _stage_counts(own, cand.flags, n), strict=True):
            acc += add
        # every rule, the commute limit widened by the explanation margin
        sel = np.all([cand.flags[s] for s in _PLUS_FLAGS], axis=0)
        plus += np.bincount(own[sel], weights=weight[oth[sel]], minlength=n).astype(np.int64)
        comp = np.flatnonzero(np.all([cand.flags[s] for s in RULE_FLAGS], axis=0))
        spare += np.bincount(own[comp], weights=left[oth[comp]], minlength=n)
        n_comp += np.bincount(own[comp], weights=weight[oth[comp]], minlength=n)
        if by_vacancy and own.size:
            # the wage detail's minimum: over the candidates that pass the rules before it
            low = np.full(n, np.inf)
            before = np.all([cand.flags[s] for s in _BEFORE_WAGE], axis=0)
            np.minimum.at(low, own[before], r[oth[before]])
            seen = np.isfinite(low)
            minr[seen] = np.fmin(minr[seen], low[seen])
        _net_shortfall(prep, cand.p, cand.v, own, cand.flags, short)
    return stages, plus, spare, n_comp, minr, short


def _net_shortfall(prep: Prepared, pi: npt.NDArray[np.int64], vi: npt.NDArray[np.int64],
                   own: npt.NDArray[np.int64], flags: dict[str, npt.NDArray[Any]],
                   short: npt.NDArray[np.float64]) -> None:
    """Keep per row the smallest net-income shortfall (and its out-of-pocket cost) in ``short``.

    Over the candidates that pass every rule but net income: how much the offered wage
    falls short of what the worker needs after commuting.
    """
    k = np.flatnonzero(np.all([flags[f] for f in RULE_FLAGS[:-1]], axis=0) & ~flags["ok_net"])
    if k.size == 0:
        return
    p, v = prep.pools, prep.vacancies
    pk, vk, case = pi[k], vi[k], flags["case"][k]
    zp, zv = p.zone[pk], v.zone[vk]
    gap = net_threshold(prep, pk, case, zp, zv) - v.wage[vk]
    oop = prep.zone_cost.oop[p.profile[pk], case, zp, zv]
    order = np.lexsort((gap, own[k]))
    first = order[np.r_[True, own[k][order][1:] != own[k][order][:-1]]]
    rows = own[k][first]
    better = ~(short[rows, 0] <= gap[first])
    short[rows[better], 0] = gap[first][better]
    short[rows[better], 1] = oop[first][better]


def _explain_rows(
    prep: Prepared, pool_rows: npt.NDArray[np.int64], vac_rows: npt.NDArray[np.int64],
    weight: npt.NDArray[np.int64], left: npt.NDArray[np.int64], comp: npt.NDArray[np.int64],
    spare_heads: npt.NDArray[np.int64], st: ChainStructure | None, *, by_vacancy: bool,
) -> tuple[list[npt.NDArray[np.int64]], npt.NDArray[np.int64], npt.NDArray[Any],
           npt.NDArray[Any], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """:func:`_explain_counts`, enumerating only the rows without any admissible partner.

    With the chain structure, a row with admissible partners is explained by ``competition``
    or ``not_selected`` from its partner sums ``comp`` and ``spare_heads`` alone.
    """
    if st is None:
        return _explain_counts(prep, pool_rows, vac_rows, weight, left, by_vacancy=by_vacancy)
    rows = vac_rows if by_vacancy else pool_rows
    has = comp[rows] > 0
    lone = rows[~has]
    if by_vacancy:
        out = _explain_counts(prep, pool_rows, lone, weight, left, by_vacancy=True)
    else:
        out = _explain_counts(prep, lone, vac_rows, weight, left, by_vacancy=False)
    stages, plus, spare, n_comp, minr, short = out
    busy = rows[has]
    for acc in stages:
        acc[busy] = 1
    spare[busy] = spare_heads[busy]
    n_comp[busy] = comp[busy]
    return stages, plus, spare, n_comp, minr, short


def explain(prep: Prepared, pairs: pd.DataFrame, st: ChainStructure | None = None,
            caps: dict[tuple[str, str], int] | None = None, *, chosen_by: str = "objective",
            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Unmet vacancies and unplaced pools, each with the binding reason in domain terms.

    The rules are applied in a fixed order — occupation and skill, licence, wage, period, 共享用工,
    commute, net income — and the reason is the first rule after which no candidate is left; when
    some compatible partner exists, the reason is ``competition`` (every compatible partner is used
    by matches the objective ranks higher), ``city_pair_cap`` (the partners left over are all across
    city pairs whose cap ``caps`` — ``{(home_city, work_city): cap}`` — the plan has reached) or
    ``not_selected`` (some are left over otherwise). ``chosen_by="preferences"`` (a stable
    plan) says of ``competition`` that every compatible partner is held by one it prefers.
    """
    p, v = prep.pools, prep.vacancies
    h = pairs["headcount"].to_numpy()
    placed = np.bincount(pairs["p"].to_numpy(), weights=h, minlength=len(p)).astype(np.int64)
    filled = np.bincount(pairs["v"].to_numpy(), weights=h, minlength=len(v)).astype(np.int64)
    left = _Left(pool=p.headcount - placed, vacancy=v.headcount - filled)
    sums = _partner_sums(prep, st, left)
    frames = (_unmet(prep, pairs, st, caps, left, sums, filled),
              _unplaced(prep, pairs, st, caps, left, sums, placed))
    if chosen_by != "objective":
        for frame in frames:
            comp = (frame["reason"] == "competition").to_numpy(dtype=bool)
            if comp.any():
                frame.loc[comp, "detail"] = frame.loc[comp, "detail"].astype(str).str.replace(
                    _TAKEN_BY["objective"], _TAKEN_BY[chosen_by], regex=False)
    return frames


class _Left(NamedTuple):
    """Heads left over per pool row and per vacancy row."""

    pool: npt.NDArray[np.int64]
    vacancy: npt.NDArray[np.int64]


class _Sums(NamedTuple):
    """Per vacancy and per pool row: heads of admissible partners, and of those left over."""

    v_comp: npt.NDArray[np.int64]
    v_spare: npt.NDArray[np.int64]
    p_comp: npt.NDArray[np.int64]
    p_spare: npt.NDArray[np.int64]


def _partner_sums(prep: Prepared, st: ChainStructure | None, left: _Left) -> _Sums:
    """Sum partners from the chains: rows with an admissible partner need no enumeration."""
    n_v, n_p = len(prep.vacancies), len(prep.pools)
    out = _Sums(*(np.zeros(n, dtype=np.int64) for n in (n_v, n_v, n_p, n_p)))
    if st is None:
        return out
    vcl, pcl = st.vac_class, st.pool_class
    vr, pr = np.flatnonzero(vcl >= 0), np.flatnonzero(pcl >= 0)
    pc_left = np.bincount(pcl[pr], weights=left.pool[pr], minlength=st.ends.pool_heads.size)
    v_left_c = np.zeros(st.ends.vacancy_heads.size, dtype=np.int64)
    v_left_c[vcl[vr]] = left.vacancy[vr]
    heads_v, heads_p = compatible_sums(st, st.ends.pool_heads, st.ends.vacancy_heads)
    left_v, left_p = compatible_sums(st, pc_left.astype(np.int64), v_left_c)
    out.v_comp[vr], out.v_spare[vr] = heads_v[vcl[vr]], left_v[vcl[vr]]
    out.p_comp[pr], out.p_spare[pr] = heads_p[pcl[pr]], left_p[pcl[pr]]
    return out


def _unmet(prep: Prepared, pairs: pd.DataFrame, st: ChainStructure | None,
           caps: dict[tuple[str, str], int] | None, left: _Left, sums: _Sums,
           filled: npt.NDArray[np.int64]) -> pd.DataFrame:
    """List the unmet vacancies with their reasons."""
    p, v, ct = prep.pools, prep.vacancies, prep.commute
    rows = np.flatnonzero(left.vacancy > 0)
    active_p = np.flatnonzero(p.headcount > 0)
    stages, plus, spare, n_comp, minr, short = _explain_rows(
        prep, active_p, rows, p.headcount, left.pool, sums.v_comp, sums.v_spare, st,
        by_vacancy=True)
    reason, detail = _reasons(rows, stages, plus, spare, n_comp, "workers",
                              prep.policy.explain_extra_min, short)
    _capped(prep, pairs, caps, rows, active_p, left.pool, reason, detail, by_vacancy=True)
    _licensed(prep, rows, active_p, reason, detail, by_vacancy=True)
    for k, r in enumerate(rows):
        if reason[k] == "wage_gap":
            detail[k] = _REASON_TEXT["wage_gap"].format(
                who="workers",
                wage=f"the lowest reservation wage ({minr[r]:,.0f} CNY) exceeds the offered "
                     f"{v.wage[r]:,.0f} CNY",
            )
    unmet = pd.DataFrame({
        "vacancy_id": v.vacancy_id[rows], "enterprise_id": v.enterprise_id[rows],
        "zone_id": ct.zone_ids[v.zone[rows]], "city": ct.city[v.zone[rows]],
        "occupation": v.occupation[rows], "headcount": v.headcount[rows],
        "headcount_filled": filled[rows], "headcount_unfilled": left.vacancy[rows],
        "reason": reason, "detail": detail,
    })
    return unmet.loc[:, list(ENGINE_UNMET_COLUMNS)].reset_index(drop=True)


def _unplaced(prep: Prepared, pairs: pd.DataFrame, st: ChainStructure | None,
              caps: dict[tuple[str, str], int] | None, left: _Left, sums: _Sums,
              placed: npt.NDArray[np.int64]) -> pd.DataFrame:
    """List the unplaced pools with their reasons."""
    p, v, ct = prep.pools, prep.vacancies, prep.commute
    rows = np.flatnonzero(left.pool > 0)
    active_v = np.flatnonzero(v.headcount > 0)
    # a pool the 共享用工 rules bar (no consent, dispatched) has the reason sharing_rules
    # whatever its candidates (set below): enumerating them would only be thrown away (at
    # scale 10 they were most of the explanations' time)
    may = rows[p.may_share[rows]]
    stages, plus, spare, n_comp, _, short = _explain_rows(
        prep, may, active_v, v.headcount, left.vacancy, sums.p_comp, sums.p_spare, st,
        by_vacancy=False)
    reason, detail = _reasons(rows, stages, plus, spare, n_comp, "positions",
                              prep.policy.explain_extra_min, short)
    for k in np.flatnonzero(~p.may_share[rows]).tolist():
        row = int(rows[k])
        reason[k] = "sharing_rules"
        why = []
        if not bool(p.consent[row]):
            why.append("the workers have not consented to secondment")
        if bool(p.dispatched[row]):
            why.append("dispatched (劳务派遣) workers may never be shared")
        detail[k] = "共享用工 rules: " + "; ".join(why)
    _capped(prep, pairs, caps, rows, active_v, left.vacancy, reason, detail, by_vacancy=False)
    _licensed(prep, rows, active_v, reason, detail, by_vacancy=False)
    for k in np.flatnonzero(np.asarray(reason) == "wage_gap").tolist():
        detail[k] = _REASON_TEXT["wage_gap"].format(
            who="positions",
            wage=f"every one pays less than the reservation wage "
                 f"({p.reservation_wage[int(rows[k])]:,.0f} CNY)",
        )
    unplaced = pd.DataFrame({
        "pool_id": p.pool_id[rows], "zone_id": ct.zone_ids[p.zone[rows]],
        "city": ct.city[p.zone[rows]], "occupation": p.occupation[rows],
        "headcount": p.headcount[rows], "headcount_placed": placed[rows],
        "headcount_unplaced": left.pool[rows], "reason": reason, "detail": detail,
    })
    return unplaced.loc[:, list(ENGINE_UNPLACED_COLUMNS)].reset_index(drop=True)


def _reasons(
    rows: npt.NDArray[np.int64], stages: list[npt.NDArray[np.int64]],
    plus: npt.NDArray[np.int64], spare: npt.NDArray[Any], n_comp: npt.NDArray[Any], who: str,
    extra: float, short: npt.NDArray[np.float64],
) -> tuple[list[str], list[str]]:
    """Binding reason and detail for each row from its cumulative stage counts."""
    reasons: list[str] = []
    details: list[str] = []
    none_first = "no_compatible_workers" if who == "workers" else "no_compatible_vacancies"
    counts = (np.stack([s[rows] for s in stages], axis=1) if rows.size else
              np.zeros((0, len(RULE_FLAGS))))
    for k, r in enumerate(rows):
        c = counts[k]
        if c[0] == 0:
            reason = none_first
            detail = _REASON_TEXT[none_first]
        elif c[-1] > 0:
            if spare[r] > 0:
                reason = "not_selected"
                detail = _REASON_TEXT["not_selected"].format(who=who)
            else:
                reason = "competition"
                detail = _REASON_TEXT["competition"].format(n=f"{int(n_comp[r]):,}", who=who,
                                                            by=_TAKEN_BY["objective"])
        else:
            stage = int(np.flatnonzero(c[1:] == 0)[0])
            reason = _STAGE_REASON[stage]
            net = ""
            if reason == "net_income" and np.isfinite(short[r, 0]):
                net = (f": commuting costs {short[r, 1]:,.0f} CNY/month; the best offer is "
                       f"short by {max(short[r, 0], 0.0):,.0f}")
            detail = _REASON_TEXT[reason].format(who=who, wage="", plus=f"{int(plus[r]):,}",
                                                 extra=extra, net=net)
        reasons.append(reason)
        details.append(detail)
    return reasons, details


def _capped(
    prep: Prepared, pairs: pd.DataFrame, caps: dict[tuple[str, str], int] | None,
    rows: npt.NDArray[np.int64], other: npt.NDArray[np.int64], left: npt.NDArray[np.int64],
    reasons: list[str], details: list[str], *, by_vacancy: bool,
) -> None:
    """Turn ``not_selected`` into ``city_pair_cap`` where a binding cap cuts the partners off.

    A row (vacancy when ``by_vacancy``, else pool) is ``not_selected`` when compatible
    partners among ``other`` have heads left (``left``). When every such partner is across a
    city pair whose cap the plan has reached, the cap is the reason, and the detail names each
    such cap with the placements on its pair. Pairs are enumerated for these rows only.
    """
    todo = np.flatnonzero(np.asarray(reasons, dtype=object) == "not_selected")
    if not caps or todo.size == 0:
        return
    city = prep.commute.city
    p_zi = prep.pools.zone
    v_zi = prep.vacancies.zone
    flows = (pd.DataFrame({"h": city[p_zi[pairs["p"].to_numpy()]],
                           "w": city[v_zi[pairs["v"].to_numpy()]],
                           "n": pairs["headcount"].to_numpy()})
             .groupby(["h", "w"])["n"].sum())
    placed = {key: int(flows.get(key, 0)) for key in caps}
    binding = {key for key, cap in caps.items() if placed[key] >= cap}
    who = "workers" if by_vacancy else "positions"
    for lo in range(0, todo.size, _CAP_ROWS):
        _deadline.check("explaining unmet vacancies and unplaced pools")
        ks = todo[lo:lo + _CAP_ROWS]
        cand = (candidates(prep, other, rows[ks]) if by_vacancy else
                candidates(prep, rows[ks], other))
        own, oth = (cand.v, cand.p) if by_vacancy else (cand.p, cand.v)
        ok = np.all([cand.flags[s] for s in RULE_FLAGS], axis=0) & (left[oth] > 0)
        found = pd.DataFrame({"own": own[ok], "h": city[p_zi[cand.p[ok]]],
                              "w": city[v_zi[cand.v[ok]]]}).drop_duplicates()
        found["bind"] = [key in binding for key in zip(found["h"], found["w"], strict=True)]
        at = {int(rows[k]): k for k in ks.tolist()}
        for _, mine in found.groupby("own", sort=False):
            if bool(mine["bind"].all()):
                k = at[int(mine["own"].to_numpy(dtype=np.int64)[0])]
                reasons[k] = "city_pair_cap"
                details[k] = _REASON_TEXT["city_pair_cap"].format(who=who, caps="; ".join(
                    f"{h}->{w} capped at {caps[(h, w)]:,} (placements on that pair: "
                    f"{placed[(h, w)]:,})" for h, w in sorted(zip(mine["h"], mine["w"],
                                                                  strict=True))))


def _employer_zones(enterprises: pd.DataFrame, vacancies: pd.DataFrame,
                    commute: Any) -> tuple[npt.NDArray[Any], npt.NDArray[np.intp]]:
    """Each vacancy's enterprise zone and its index in the commute tables (-1: unknown)."""
    zone_of = pd.Series(enterprises["zone_id"].to_numpy(dtype=object),
                        index=enterprises["enterprise_id"].to_numpy(dtype=object))
    zone = vacancies["enterprise_id"].map(zone_of).to_numpy(dtype=object)
    return zone, pd.Index(commute.zone_ids).get_indexer(zone)


def external_vacancies(enterprises: pd.DataFrame, vacancies: pd.DataFrame,
                       commute: Any) -> npt.NDArray[np.bool_]:
    """Whether each vacancy's employer is outside 珠中江 (the city of its enterprise's zone).

    A vacancy whose enterprise or zone the commute tables do not know is not flagged here
    (``prepare`` names it in its report).
    """
    _, at = _employer_zones(enterprises, vacancies, commute)
    out = np.zeros(at.size, dtype=bool)
    out[at >= 0] = external_city(commute.city[at[at >= 0]])
    return out


def out_of_scope(enterprises: pd.DataFrame, vacancies: pd.DataFrame,
                 commute: Any) -> pd.DataFrame:
    """Return the unmet rows of the vacancies left out as outside 珠中江 (``out_of_scope``).

    ``vacancies`` are rows :func:`external_vacancies` flagged (their zones are known).

    Returns
    -------
    DataFrame
        One row per vacancy of ``vacancies`` (zero headcounts included, so that the plan
        counts every position), the columns of the engine's unmet rows and ``key_enterprise``.
    """
    zone, at = _employer_zones(enterprises, vacancies, commute)
    city = commute.city[at]
    heads = vacancies["headcount"].to_numpy(dtype=np.int64)
    key = pd.Series(enterprises["key_enterprise"].to_numpy(dtype=bool),
                    index=enterprises["enterprise_id"].to_numpy(dtype=object))
    return pd.DataFrame({
        "vacancy_id": vacancies["vacancy_id"].to_numpy(dtype=object),
        "enterprise_id": vacancies["enterprise_id"].to_numpy(dtype=object),
        "zone_id": zone, "city": city,
        "occupation": vacancies["occupation"].to_numpy(dtype=object),
        "headcount": heads, "headcount_filled": np.zeros_like(heads),
        "headcount_unfilled": heads, "reason": "out_of_scope",
        "detail": [_REASON_TEXT["out_of_scope"].format(city=c) for c in city],
        "key_enterprise": vacancies["enterprise_id"].map(key).to_numpy(dtype=bool),
    })


def _licensed(
    prep: Prepared, rows: npt.NDArray[np.int64], other: npt.NDArray[np.int64],
    reasons: list[str], details: list[str], *, by_vacancy: bool,
) -> None:
    """Turn ``no_compatible_*`` into ``licence`` where only a missing licence leaves no one.

    Only when ``Policy.allow_licensing`` is off (with it, a missing licence is a priced course,
    never a reason). The licence rule comes right after occupation and skill: the rows without
    any candidate are enumerated again with the licensing route open; a row that then has
    candidates of a substitutable occupation with the skill lacks a licence, and the detail
    names the licences its candidates miss, with their course.
    """
    none_first = "no_compatible_workers" if by_vacancy else "no_compatible_vacancies"
    todo = np.flatnonzero(np.asarray(reasons, dtype=object) == none_first)
    lic = prep.licences
    if prep.policy.allow_licensing or todo.size == 0 or not lic.needs.any():
        return
    route = dataclasses.replace(
        prep, policy=prep.policy.model_copy(update={"allow_licensing": True}))
    n = len(prep.vacancies) if by_vacancy else len(prep.pools)
    who = "workers" if by_vacancy else "positions"
    for lo in range(0, todo.size, _CAP_ROWS):
        _deadline.check("explaining unmet vacancies and unplaced pools")
        ks = todo[lo:lo + _CAP_ROWS]
        cand = (candidates(route, other, rows[ks]) if by_vacancy else
                candidates(route, rows[ks], other))
        ok = cand.flags[RULE_FLAGS[0]]  # occupation and skill
        occ = np.searchsorted(prep.occupations, prep.vacancies.occupation[cand.v[ok]])
        missing = licence_route(route, cand.p[ok], occ).missing
        mask = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(mask, (cand.v if by_vacancy else cand.p)[ok], missing)
        for k in ks.tolist():
            m = int(mask[int(rows[k])])
            if m:
                reasons[k] = "licence"
                details[k] = _REASON_TEXT["licence"].format(who=who, lic=missing_text(lic, m))
