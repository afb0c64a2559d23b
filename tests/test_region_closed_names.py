"""Closing a link that an earlier scenario already removed is a no-op, not an error."""

from __future__ import annotations

import pytest

import zzj_match as zm


def test_without_after_as_of_accepts_links_not_yet_open() -> None:
    region = zm.datasets.zzj_region()
    before = region.as_of("2024-06-01")
    assert before.links_with("huangmaohai").empty
    again = before.without("huangmaohai", "shenzhong_link")
    assert again.links.equals(before.links)


def test_without_still_rejects_unknown_names() -> None:
    region = zm.datasets.zzj_region().as_of("2024-06-01")
    with pytest.raises(zm.InputError) as info:
        region.without("huangmaoha")
    assert "did you mean 'huangmaohai'" in str(info.value)


def test_closed_twice_is_a_no_op() -> None:
    region = zm.datasets.zzj_region()
    once = region.without("huangmaohai")
    twice = once.without("huangmaohai")
    assert twice.links.equals(once.links)
