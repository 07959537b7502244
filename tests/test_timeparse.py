"""Timestamps as logs write them (swarmtop/timeparse.py): ISO-8601 with or without a zone,
epoch seconds, ms, µs or ns told apart by magnitude, and what is neither."""

from __future__ import annotations

import pytest

from swarmtop.timeparse import iso, parse_ts

T = 1_764_000_000.5  # 2025-11-24T16:00:00.500Z


@pytest.mark.parametrize("value", [
    "2025-11-24T16:00:00.500Z", "2025-11-24T16:00:00.500+00:00",
    "2025-11-24T17:00:00.500+01:00", "2025-11-24T16:00:00.500",  # naive: taken as UTC
    T, int(T * 1e3), int(T * 1e6), int(T * 1e9),
])
def test_each_shape_gives_the_same_time(value: object) -> None:
    assert parse_ts(value) == pytest.approx(T, abs=1e-3)


@pytest.mark.parametrize("value", [None, True, "", "yesterday", [T], {"ts": T}])
def test_neither_a_time_nor_a_number(value: object) -> None:
    assert parse_ts(value) is None


def test_iso_round_trips_to_the_millisecond() -> None:
    assert iso(T) == "2025-11-24T16:00:00.500Z"
    assert parse_ts(iso(T)) == T
