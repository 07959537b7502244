"""Lanes: a job wakes only the thread that runs it; a second thread only while one is busy."""

from __future__ import annotations

import threading

import pytest

from swarmtop.sources.lanes import Lanes


def test_one_thread_while_jobs_come_one_at_a_time() -> None:
    lanes = Lanes(2, thread_name_prefix="t-lanes")
    try:
        names = {lanes.submit(lambda: threading.current_thread().name).result(5)
                 for _ in range(20)}
        assert lanes.threads == 1 and len(names) == 1
    finally:
        lanes.shutdown()


def test_a_busy_lane_gets_a_second_thread_and_no_more_than_n() -> None:
    lanes = Lanes(2, thread_name_prefix="t-lanes")
    hold = threading.Event()
    try:
        stuck = lanes.submit(hold.wait, 5)  # a read that hangs
        other = lanes.submit(lambda: threading.current_thread().name)
        assert other.result(5) != "" and lanes.threads == 2 and not stuck.done()
        third = lanes.submit(lambda: 3)  # to the lane with the fewest jobs in flight
        assert third.result(5) == 3 and lanes.threads == 2
    finally:
        hold.set()
        lanes.shutdown()


def test_submit_after_shutdown_raises() -> None:
    lanes = Lanes(1, thread_name_prefix="t-lanes")
    lanes.shutdown()
    with pytest.raises(RuntimeError):
        lanes.submit(lambda: None)
