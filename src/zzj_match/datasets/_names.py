"""Chinese names of the occupation codes the embedded market uses (for the plan's outputs).

The names come from the default market's occupation table
(``zzj_match/datasets/data/market_occupations.csv``, column ``name_zh``, each row citing the
2022 classification 职业分类大典); :func:`zzj_match.match` hands them to the plan, whose tables
name every occupation code it knows in Chinese beside the code (``occupation_zh``), and leave
the others blank.
"""

from __future__ import annotations

from functools import lru_cache

from zzj_match.datasets._market import calibration_tables

__all__ = ["occupation_names"]


@lru_cache(maxsize=1)
def _names() -> tuple[tuple[str, str], ...]:
    occ = calibration_tables()["occupations"]
    rows = occ.loc[occ["name_zh"].astype(str).str.strip() != "", ["occupation", "name_zh"]]
    pairs = rows.astype(str).drop_duplicates("occupation").sort_values("occupation")
    return tuple(zip(pairs["occupation"], pairs["name_zh"].str.strip(), strict=True))


def occupation_names() -> dict[str, str]:
    """Return occupation code → Chinese name for the codes of the embedded default market.

    Returns
    -------
    dict of str to str
        One entry per occupation code of ``market_occupations.csv`` with a name (the first
        name given, when a code is listed under several industries).

    Examples
    --------
    >>> names = occupation_names()
    >>> names["6-31-05-00"]
    '包装工'
    """
    return dict(_names())
