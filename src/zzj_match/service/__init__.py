"""The service layer: a solved market kept in memory and queried per request.

:class:`Matcher` solves a market once, answers ranked recommendations for a person
(:meth:`Matcher.recommend`) and ranked candidates for a vacancy (:meth:`Matcher.candidates`)
from an immutable snapshot, safely from many threads, and takes changes through
``Matcher.update``. See docs/services.md.
"""

from __future__ import annotations

from zzj_match.service._matcher import Matcher

__all__ = ["Matcher"]
