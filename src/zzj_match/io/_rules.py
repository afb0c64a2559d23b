"""The 共享用工 (secondment) rules of a pool or worker row: written once, for frames and models.

A secondment row (idle staff lent by an enterprise) needs its lender, the end of the lender's
contract (not before the row is available) and explicit consent; a jobseeker row has neither
lender nor contract end. :func:`secondment_problems` states these rules over whole columns;
the frame validator (:mod:`zzj_match.io._validate`) calls it with a table's columns and the
row models (:class:`~zzj_match.model.market.WorkerPool`, ``Worker``) with their one row, so
both accept, reject and word the same.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from zzj_match.io._parse import BoolArray

__all__ = ["secondment_problems"]


def secondment_problems(
    secondment: BoolArray,
    jobseeker: BoolArray,
    *,
    lender_missing: BoolArray,
    contract_end_missing: BoolArray,
    consent_missing: BoolArray,
    contract_end_early: BoolArray,
) -> Iterator[tuple[BoolArray, str, str]]:
    """Yield ``(rows, column, message)`` for every secondment rule some rows break.

    Parameters
    ----------
    secondment, jobseeker : array of bool
        Rows of each kind (a row of unusable kind is neither).
    lender_missing, contract_end_missing, consent_missing : array of bool
        Rows where that cell is empty.
    contract_end_early : array of bool
        Rows whose contract end and availability start are both known and the contract ends
        before the row is available.

    Yields
    ------
    rows : array of bool
        The rows breaking the rule (never all false).
    column : str
        The column at fault.
    message : str
        Why.

    Examples
    --------
    >>> import numpy as np
    >>> t, f = np.array([True]), np.array([False])
    >>> [c for _, c, _ in secondment_problems(t, f, lender_missing=t, contract_end_missing=f,
    ...                                       consent_missing=f, contract_end_early=f)]
    ['lender_id']
    """
    rules = (
        (secondment & lender_missing, "lender_id",
         "a secondment pool needs lender_id (the lending enterprise)"),
        (jobseeker & ~lender_missing, "lender_id", "only secondment pools have a lender_id"),
        (secondment & contract_end_missing, "contract_end",
         "a secondment pool needs contract_end (end of the lender's contract)"),
        (jobseeker & ~contract_end_missing, "contract_end",
         "only secondment pools have a contract_end"),
        (secondment & consent_missing, "consent",
         "consent must be given explicitly (true/false) for a secondment pool"),
        (secondment & contract_end_early, "contract_end", "contract_end is before available_from"),
    )
    for rows, column, message in rules:
        rows = np.asarray(rows, dtype=bool)
        if rows.any():
            yield rows, column, message
