"""Which cities are 珠中江, and the Chinese names of the cities: the one home of both facts.

The plan flags employers outside 珠中江 (``external_employer``), reports KPIs for 珠中江 alone
and names cities in Chinese (``city_zh``) from here; :class:`~zzj_match.model.policy.Policy`
accepts the Chinese names in ``city_pair_caps`` through :data:`CITY_ALIASES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["CITY_ALIASES", "CITY_ZH", "ZZJ_CITIES", "city_zh", "external_city"]

#: The three cities of the 珠中江 agreement (珠海, 中山, 江门), in display order. Every other
#: city of a region (深圳, 广州, 东莞, 澳门, 香港 in the embedded one) is outside 珠中江.
ZZJ_CITIES: tuple[str, ...] = ("zhuhai", "zhongshan", "jiangmen")

#: Chinese names of the region's cities, accepted in ``city_pair_caps`` keys as aliases of the
#: ``city`` values of the embedded region (a region whose cities are spelled in Chinese matches
#: them directly).
CITY_ALIASES: dict[str, str] = {
    "珠海": "zhuhai",
    "中山": "zhongshan",
    "江门": "jiangmen",
    "深圳": "shenzhen",
    "广州": "guangzhou",
    "东莞": "dongguan",
    "香港": "hongkong",
    "澳门": "macau",
}

#: City → its Chinese name (the inverse of :data:`CITY_ALIASES`).
CITY_ZH: dict[str, str] = {v: k for k, v in CITY_ALIASES.items()}


def _per_city(cities: Iterable[object], rule: Callable[[str], object],
              dtype: type) -> npt.NDArray[np.generic]:
    """Apply ``rule`` once per distinct city and spread the answers over ``cities``.

    ``rule`` sees the city as case-folded text, a Chinese name replaced by the city it names.
    """
    if not isinstance(cities, (np.ndarray, pd.Series, pd.Index, list, tuple)):
        cities = list(cities)
    codes, distinct = pd.factorize(np.asarray(cities, dtype=object))
    texts = [str(c) for c in distinct] + [""]  # code -1: a missing value
    answers: npt.NDArray[np.generic] = np.asarray(
        [rule(CITY_ALIASES.get(c, c.casefold())) for c in texts], dtype=dtype)
    return answers[codes]


def external_city(cities: Iterable[object]) -> npt.NDArray[np.bool_]:
    """Return, for each city, whether it is outside 珠中江 (not one of :data:`ZZJ_CITIES`).

    Any case; a city given by its Chinese name (``珠海``) counts as the city it names.

    Examples
    --------
    >>> external_city(["zhuhai", "shenzhen", "江门", "macau"]).tolist()
    [False, True, False, True]
    """
    return np.asarray(_per_city(cities, lambda c: c not in ZZJ_CITIES, bool), dtype=bool)


def city_zh(cities: Iterable[object]) -> npt.NDArray[np.object_]:
    """Return the Chinese name of each city (:data:`CITY_ZH`).

    Any case; a Chinese name stays as it is; an unknown city gives ``""``.

    Examples
    --------
    >>> city_zh(["zhuhai", "shenzhen", "中山", "atlantis"]).tolist()
    ['珠海', '深圳', '中山', '']
    """
    return np.asarray(_per_city(cities, lambda c: CITY_ZH.get(c, ""), object), dtype=object)
