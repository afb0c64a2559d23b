"""The flow layer's int64 safety bound, and the exact magnitude it is compared with.

A sum or product proven below :data:`SAFE` (``2**60``) cannot overflow int64, even after the
float rounding of the bound itself. One home for the bound that the back-end choice
(``_backends``), the certificate (``_certificate``) and ``min_cost_flow`` (``_mcf``) rely on.
"""

from __future__ import annotations

__all__ = ["SAFE", "absmax"]

from typing import Any

import numpy.typing as npt

SAFE = 2.0**60


def absmax(values: npt.NDArray[Any]) -> int:
    """Exact ``max |values|`` as a Python int (0 for an empty array)."""
    if values.size == 0:
        return 0
    return max(-int(values.min()), int(values.max()))
