"""The retraining matrix: which occupations may fill which, at what one-off cost and days.

One home of the matrix's format: rows keyed by the vacancy occupation's medium group
(``d-dd``, as :data:`~zzj_match.io._spec.MEDIUM_GROUP_PATTERN`) or ``*``, and a relation
``small`` or ``medium`` (docs/engine.md, "Admissible matches").
"""

from __future__ import annotations

import functools

__all__ = ["load_retraining_matrix", "substitution_table"]

from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from zzj_match._problems import ProblemCollector
from zzj_match.errors import InputError
from zzj_match.io._spec import MEDIUM_GROUP_PATTERN as _MEDIUM_GROUP
from zzj_match.model.policy import Policy

_RELATIONS = ("small", "medium")
_MATRIX_COLUMNS = ("group", "relation", "cost_cny", "days")


def load_retraining_matrix(path: str | Path | None = None) -> pd.DataFrame:
    """Load the occupation-substitution (retraining) matrix.

    Parameters
    ----------
    path : str or Path, optional
        A CSV with columns ``group`` (a medium group ``d-dd`` of the 2022 classification, or
        ``*`` for the default), ``relation`` (``small``: both occupations in one small group;
        ``medium``: in one medium group), ``cost_cny`` (one-off, per worker) and ``days``.
        Default: the matrix shipped in ``zzj_match/engine/data/retraining.csv``.

    Returns
    -------
    pandas.DataFrame
        Columns ``group, relation, cost_cny, days`` (plus any others given).

    Raises
    ------
    InputError
        Missing columns, unknown relations, negative or missing costs.
    """
    if path is None:  # the shipped matrix: read and checked once per process
        return _embedded_matrix().copy()
    return _checked_matrix(_read_matrix_file(Path(path)))


@functools.cache
def _embedded_matrix() -> pd.DataFrame:
    """Read and check the shipped matrix once per process (callers get copies)."""
    ref = resources.files("zzj_match.engine").joinpath("data/retraining.csv")
    with ref.open("r", encoding="utf-8") as fh:
        return _checked_matrix(pd.read_csv(fh, dtype={"group": str, "relation": str}))


def _checked_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Check a retraining matrix's columns and values (:func:`load_retraining_matrix`).

    Raises
    ------
    InputError
        Missing columns, unknown relations, negative or missing costs.
    """
    pc = ProblemCollector()
    missing = [c for c in _MATRIX_COLUMNS if c not in frame.columns]
    for col in missing:
        pc.add("retraining", None, col, None,
               f"required column missing (a retraining CSV has the columns "
               f"{', '.join(_MATRIX_COLUMNS)}; this file has {', '.join(map(str, frame.columns))})")
    pc.raise_if_any()
    group = frame["group"].fillna("").astype(str)
    # rows are looked up by the vacancy occupation's medium group (substitution_table), and an
    # occupation code is OCCUPATION_PATTERN: a row of any other group could never be used
    pc.add_mask("retraining",
                ~((group == "*") | group.str.fullmatch(_MEDIUM_GROUP)).to_numpy(dtype=bool),
                "group", frame["group"],
                "must be a medium group (d-dd, major group 1-8) of the 2022 classification "
                "(e.g. '6-24') or '*'; rows of any other group would never be used")
    cost = pd.to_numeric(frame["cost_cny"], errors="coerce")
    days = pd.to_numeric(frame["days"], errors="coerce")
    pc.add_mask("retraining", ~frame["relation"].isin(_RELATIONS).to_numpy(), "relation",
                frame["relation"], "must be 'small' or 'medium'")
    for col, values in (("cost_cny", cost), ("days", days)):
        finite = np.isfinite(values.to_numpy(dtype=np.float64))
        pc.add_mask("retraining", ~(finite & (values >= 0).to_numpy()), col, frame[col],
                    "must be a finite number >= 0")
    pc.add_mask("retraining", frame.duplicated(["group", "relation"]).to_numpy(), "group",
                frame["group"], "duplicate (group, relation) row")
    pc.raise_if_any()
    out = frame.copy()
    out["cost_cny"] = cost.astype(np.float64)
    out["days"] = days.astype(np.float64)
    return out


def _read_matrix_file(path: Path) -> pd.DataFrame:
    """Read a retraining CSV, naming what is wrong with the file instead of a raw OS error."""

    def bad(message: str) -> InputError:
        return InputError([{"table": "retraining", "row": None, "column": None,
                            "value": str(path), "message": message}])

    if path.is_dir():
        raise bad("is a directory, not a retraining CSV file")
    if not path.exists():
        raise bad("retraining matrix file not found (a relative path is taken from the "
                  "current directory)")
    try:
        return pd.read_csv(path, dtype={"group": str, "relation": str}, encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise bad("not UTF-8 text: not a retraining CSV") from None
    except pd.errors.EmptyDataError:
        raise bad("empty file: a retraining CSV has a header row group,relation,cost_cny,"
                  "days") from None
    except pd.errors.ParserError as err:
        raise bad(f"not a readable CSV: {err}") from None
    except OSError as err:
        raise bad(f"cannot be read: {err.strerror or err}") from None


def _segments(codes: npt.NDArray[Any], k: int) -> npt.NDArray[Any]:
    """First ``k`` dash-separated segments of each code, ``""`` when the code is coarser."""
    out = np.empty(codes.shape[0], dtype=object)
    for i, code in enumerate(codes):  # unique codes only: a few dozen
        parts = str(code).split("-")
        out[i] = "-".join(parts[:k]) if len(parts) >= k else ""
    return out


def substitution_table(
    pool_codes: npt.ArrayLike,
    vacancy_codes: npt.ArrayLike,
    policy: Policy,
    matrix: pd.DataFrame,
) -> pd.DataFrame:
    """Which worker occupations may fill which vacancy occupations, at what retraining cost.

    Rule: equal codes → no retraining; both codes with a small group (``d-dd-dd``) and the same
    small group → relation ``small``; same medium group (``d-dd``) → relation ``medium``;
    otherwise not substitutable. Costs are looked up by the vacancy occupation's medium group,
    falling back to the ``*`` row. Substitution is off when ``policy.allow_substitution`` is
    false.

    Parameters
    ----------
    pool_codes, vacancy_codes : array_like of str
        Distinct occupation codes of workers and of vacancies.
    policy : Policy
    matrix : DataFrame
        From :func:`load_retraining_matrix`.

    Returns
    -------
    pandas.DataFrame
        ``pool_occupation, vacancy_occupation, relation, retraining_cost_cny,
        retraining_days`` for every admissible pair, sorted.
    """
    pcodes = np.unique(np.asarray(pool_codes, dtype=object).astype(str)).astype(object)
    vcodes = np.unique(np.asarray(vacancy_codes, dtype=object).astype(str)).astype(object)
    a = np.repeat(pcodes, vcodes.size)
    b = np.tile(vcodes, pcodes.size)
    a_med, b_med = np.repeat(_segments(pcodes, 2), vcodes.size), np.tile(_segments(vcodes, 2),
                                                                        pcodes.size)
    a_sm, b_sm = np.repeat(_segments(pcodes, 3), vcodes.size), np.tile(_segments(vcodes, 3),
                                                                       pcodes.size)
    same = a == b
    small = ~same & (a_sm != "") & (a_sm == b_sm)
    medium = ~same & ~small & (a_med != "") & (a_med == b_med)
    if not policy.allow_substitution:
        small[:] = False
        medium[:] = False
    keep = same | small | medium
    rel = np.where(same, "same", np.where(small, "small", "medium"))
    out = pd.DataFrame(
        {
            "pool_occupation": a[keep],
            "vacancy_occupation": b[keep],
            "relation": rel[keep],
            "group": b_med[keep],
        }
    )
    mat = matrix.drop_duplicates(["group", "relation"]).set_index(["group", "relation"])
    specific = mat.reindex(pd.MultiIndex.from_arrays([out["group"], out["relation"]]))
    fallback = mat.reindex(pd.MultiIndex.from_arrays([np.full(len(out), "*", dtype=object),
                                                      out["relation"]]))
    cost = specific["cost_cny"].to_numpy(dtype=np.float64).copy()
    days = specific["days"].to_numpy(dtype=np.float64).copy()
    miss = np.isnan(cost)
    cost[miss] = fallback["cost_cny"].to_numpy(dtype=np.float64)[miss]
    days[miss] = fallback["days"].to_numpy(dtype=np.float64)[miss]
    same = (out["relation"] == "same").to_numpy()
    cost[same] = 0.0
    days[same] = 0.0
    bad = np.isnan(cost) & ~same
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise InputError(
            [{"table": "retraining", "row": None, "column": "group",
              "value": out["group"].iloc[k],
              "message": f"no row for group {out['group'].iloc[k]!r} or '*' with relation "
                         f"{out['relation'].iloc[k]!r}"}]
        )
    out["retraining_cost_cny"] = cost
    out["retraining_days"] = days
    out = out.drop(columns="group")
    return out.sort_values(["pool_occupation", "vacancy_occupation"]).reset_index(drop=True)
