"""Rolling windows (core/quantiles.py) against a plain list of (ts, value) as the reference."""

from __future__ import annotations

import random

import numpy as np
import pytest

from swarmtop.core.quantiles import CountWindow, Window


class Reference:
    """What a window means (the deque version it replaced): the last ``span`` seconds, at most
    ``cap`` entries, expired from the front only while the front is old; entries after ``now``
    are left out unless the newest one is not after ``now``."""

    def __init__(self, span: float, cap: int) -> None:
        self.span, self.cap, self.items = span, cap, []

    def add(self, ts: float, value: float) -> None:
        self.items.append((ts, value))
        if len(self.items) > self.cap:
            del self.items[0]

    def values(self, now: float) -> list[float]:
        while self.items and self.items[0][0] < now - self.span:
            del self.items[0]
        if self.items and self.items[-1][0] <= now:  # newest not after now: all of them
            return [v for _, v in self.items]
        return [v for t, v in self.items if t <= now]


@pytest.mark.parametrize("cap", [50, 20_000])
def test_window_and_count_window_match_the_reference(cap):
    rnd = random.Random(11)
    w, c, ref = Window(10.0, cap), CountWindow(10.0, cap), Reference(10.0, cap)
    t = 1000.0
    for i in range(6000):
        t += rnd.uniform(0, 0.05)
        ts = t - rnd.uniform(0, 3) if rnd.random() < 0.1 else t  # some out of order
        value = rnd.lognormvariate(5, 1)
        flag = rnd.random() < 0.2
        w.add(ts, value)
        c.add(ts, flag)
        ref.add(ts, 1.0 if flag else 0.0)
        if i % 97 == 0:
            now = t - rnd.uniform(0, 1) if i % 2 else t  # sometimes values from after now
            flags = ref.values(now)
            assert c.counts(now) == (len(flags), int(sum(flags)))
            assert len(w.values(now)) == len(flags)
    assert c.counts(t + 100) == (0, 0)


def test_window_values_and_p99_match_numpy():
    rnd = random.Random(4)
    w, ref = Window(5.0, 300), Reference(5.0, 300)
    t = 0.0
    for i in range(5000):
        t += rnd.uniform(0, 0.02)
        ts = t + (rnd.uniform(0, 1) if rnd.random() < 0.05 else 0.0)  # a few from the future
        v = rnd.uniform(0, 1000)
        w.add(ts, v)
        ref.add(ts, v)
        if i % 53 == 0:
            expected = ref.values(t)
            got = w.values(t)
            assert got.tolist() == expected
            p99 = w.p99(t)
            if expected:
                assert p99 == pytest.approx(float(np.quantile(expected, 0.99)), rel=1e-12)
                assert w.quantiles(t)[2] == pytest.approx(p99, rel=1e-12)
            else:
                assert p99 is None
    assert w.p99(t + 100) is None and w.values(t + 100).size == 0
