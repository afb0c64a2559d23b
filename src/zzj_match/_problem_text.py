"""How input problems are shown: escaped, bounded text and the table of problem kinds.

Owns the control-character escaping of reported values (:func:`escape_controls`,
:data:`CONTROL_RANGES`), the rendering of offending values as report text, the widths and
counts that keep a report bounded (:data:`PROBLEMS_PER_KIND`), and the kinds table of
:class:`~zzj_match.errors.InputError`. The public names are re-exported by
:mod:`zzj_match.errors`, their documented home. Imports nothing from zzj_match, so
:mod:`zzj_match.errors` can import it.
"""

from __future__ import annotations

import re
import reprlib
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pandas is imported where it is used, so ``import zzj_match`` stays light
    import pandas as pd

__all__ = [
    "CONTROL_CLASS",
    "CONTROL_RANGES",
    "PROBLEMS_PER_KIND",
    "escape_controls",
]

#: At most this many problems of one kind (one check of one column) are listed in
#: :attr:`InputError.problems`; the rest are only counted (:attr:`InputError.kinds`), so a
#: million bad rows give a table of bounded size.
PROBLEMS_PER_KIND = 1_000

#: Code points of the Unicode categories Cc (control), Cf (format: zero-width, bidi controls,
#: BOM), Zl and Zp (line and paragraph separators), as inclusive ranges (Unicode 14). Ids must
#: not contain them, and reported values show them escaped (``\n``, ``\x00``, ``\u202e``).
CONTROL_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x001F), (0x007F, 0x009F), (0x00AD, 0x00AD), (0x0600, 0x0605), (0x061C, 0x061C),
    (0x06DD, 0x06DD), (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x180E, 0x180E),
    (0x200B, 0x200F), (0x2028, 0x202E), (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)

_SHOWN_IN_STR = 25  # up to this many problems, str() lists them all in row order
_ROWS_PER_KIND = 3  # beyond it, str() lists the first rows of each kind ...
_KINDS_SHOWN = 25  # ... of this many kinds, and counts the rest
_VALUE_WIDTH = 40
_MESSAGE_WIDTH = 300
_KINDS_ATTR = "zzj_match.problem_kinds"


def _py_escape(cp: int) -> str:
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


#: The character class of :data:`CONTROL_RANGES` in Python ``re`` syntax.
CONTROL_CLASS = "[" + "".join(
    _py_escape(a) if a == b else f"{_py_escape(a)}-{_py_escape(b)}" for a, b in CONTROL_RANGES
) + "]"
# reported values also escape lone surrogates (text decoded with errors="surrogateescape"),
# which no UTF-8 column, terminal or log can hold
_CONTROL_RE = re.compile(CONTROL_CLASS[:-1] + "\\ud800-\\udfff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_REPR = reprlib.Repr()
_REPR.maxstring = 120
_REPR.maxother = 120


def _escape_one(match: re.Match[str]) -> str:
    ch = match.group()
    named = _NAMED_ESCAPES.get(ch)
    if named is not None:
        return named
    cp = ord(ch)
    return f"\\x{cp:02x}" if cp < 0x100 else f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def escape_controls(text: str) -> str:
    r"""Return ``text`` with control and invisible characters written as escapes.

    Line breaks become ``\n`` / ``\r``, a tab ``\t``, other characters of
    :data:`CONTROL_RANGES` ``\xNN``, ``\uNNNN`` or ``\UNNNNNNNN``; everything else is kept.
    A reported value therefore stays on one line and cannot forge lines in a terminal or log.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    str
        The escaped text (``text`` itself when there is nothing to escape).

    Examples
    --------
    >>> print(escape_controls("p1\nERROR forged line"))
    p1\nERROR forged line
    """
    return _CONTROL_RE.sub(_escape_one, text) if _CONTROL_RE.search(text) else text


def _as_text(value: Any) -> str:
    """One cell as report text: bounded in length, control characters escaped, never raising."""
    import pandas as pd

    if isinstance(value, str):
        return escape_controls(value)
    if isinstance(value, (list, tuple, dict, set, frozenset, bytes, bytearray, np.ndarray)):
        try:
            text = _REPR.repr(value)
        except Exception:  # a hostile __repr__ must not hide the problem
            text = f"<{type(value).__name__}>"
        return escape_controls(text)
    if value is None or value is pd.NA:
        return "<missing>"
    if isinstance(value, float) and np.isnan(value):
        return "NaN"
    if value is pd.NaT or (isinstance(value, np.datetime64) and np.isnat(value)):
        return "NaT"
    try:
        text = str(value)
    except Exception:
        text = f"<{type(value).__name__}>"
    if len(text) > 4 * _MESSAGE_WIDTH:
        text = text[: 4 * _MESSAGE_WIDTH] + "..."
    return escape_controls(text)


def _texts(values: Any) -> np.ndarray[Any, np.dtype[np.object_]]:
    """Render values as report text (see :func:`_as_text`), one by one.

    Collectors keep at most :data:`PROBLEMS_PER_KIND` values of a kind, so the loop is short.
    """
    arr = np.asarray(values, dtype=object)
    if arr.ndim != 1:
        arr = arr.reshape(-1)
    out = np.empty(arr.shape[0], dtype=object)
    for i, v in enumerate(arr):
        out[i] = _as_text(v)
    return out


def _escape_column(values: Any) -> Any:
    """Escape control characters in a text column of the problems table (others kept)."""
    import pandas as pd

    s = pd.Series(values, dtype=object)
    uniq = {
        v: escape_controls(v) for v in pd.unique(s.to_numpy(dtype=object)) if isinstance(v, str)
    }
    if all(k == v for k, v in uniq.items()):
        return s
    return s.map(lambda v: uniq.get(v, v) if isinstance(v, str) else v)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _blank(value: Any) -> str:
    """Show a ``row`` or ``column`` cell as table text: empty when missing (file or column)."""
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def _clip(frame: pd.DataFrame) -> pd.DataFrame:
    """Return the problems as the table shows them: missing row/column empty, text cut."""
    out = frame.copy()
    out["row"] = [_blank(v) for v in out["row"]]
    out["column"] = [_blank(v) for v in out["column"]]
    out["value"] = [_cut(str(v), _VALUE_WIDTH) for v in out["value"]]
    out["message"] = [_cut(str(v), _MESSAGE_WIDTH) for v in out["message"]]
    return out


def _kinds(
    frame: pd.DataFrame, meta: Any
) -> tuple[np.ndarray[Any, np.dtype[np.intp]], pd.DataFrame]:
    """Kind code per problem row and the kinds table (from a collector, or by message)."""
    import pandas as pd

    n = len(frame)
    cols = ["table", "column", "message", "found", "listed"]
    if meta is not None and len(meta[0]) == n:
        codes = np.asarray(meta[0], dtype=np.intp).reshape(-1)
        kinds = pd.DataFrame(list(meta[1]), columns=cols[:4]) if meta[1] else None
    else:
        codes = None
        kinds = None
    if codes is None or kinds is None or (n and codes.max(initial=0) >= len(kinds)):
        keys = frame[["table", "column", "message"]].astype(object)
        codes = np.asarray(keys.groupby(list(keys.columns), sort=False, dropna=False)
                           .ngroup().to_numpy(), dtype=np.intp)
        first = pd.Series(np.arange(n)).groupby(codes).first().to_numpy()
        kinds = keys.iloc[first].reset_index(drop=True)
        kinds["found"] = np.bincount(codes, minlength=len(kinds)).astype(np.int64)
    listed = np.bincount(codes, minlength=len(kinds)).astype(np.int64)
    kinds = kinds.loc[:, cols[:4]].copy()
    kinds["found"] = np.maximum(kinds["found"].to_numpy(dtype=np.int64), listed)
    kinds["listed"] = listed
    # renumber kinds in the order first met in the (sorted) problems table
    order = pd.unique(np.r_[codes, np.arange(len(kinds))])
    remap = np.empty(len(kinds), dtype=np.intp)
    remap[order] = np.arange(len(order))
    kinds = kinds.iloc[order].reset_index(drop=True)
    for col in ("table", "column", "message"):
        kinds[col] = _escape_column(kinds[col].to_numpy(dtype=object)).to_numpy(dtype=object)
    return remap[codes], kinds

