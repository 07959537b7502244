"""One vocabulary of units (swarmtop/units.py): each unit's format, and the figures that
declare theirs (trend series, baseline figures, alert metrics) printed in it."""

from __future__ import annotations

import pytest

from swarmtop import units
from swarmtop.core.alerts import fmt_value
from swarmtop.core.signals import METRICS
from swarmtop.core.trends import TrendTracker


@pytest.mark.parametrize(("unit", "value", "text"), [
    (units.COUNT, 1234, "1,234"), (units.COUNT, 2.5, "2.5"),
    (units.NUMBER, 0.1234, "0.123"), (units.NUMBER, 123456, "123.5k"),
    (units.TOKENS_PER_MIN, 1500, "1.5k/min"),
    (units.USD, 12.3456, "$12.35"), (units.USD, 0.01234, "$0.0123"),
    (units.USD_PER_MIN, 0.5, "$0.5000/min"),
    (units.MS, 15, "15ms"), (units.MS, 1500, "1.50s"),
    (units.SECONDS, 45, "45s"), (units.SECONDS, 150, "2.5min"), (units.SECONDS, 5400, "1.5h"),
    (units.BYTES, 3 << 20, "3.0MiB"), (units.BYTES, -2048, "-2.0KiB"), (units.BYTES, 12, "12B"),
    (units.BYTES_PER_S, 1024, "1.0KiB/s"),
    (units.RATIO, 0.85, "85%"), (units.RATIO, 12, "12.0x"),
    (units.SHARE, 0.042, "4.2%"), (units.PERCENT, 91.6, "92%"),
    (units.FLAG, 1, "1"), (units.CODE, 137, "137"), ("", 0.5, "0.5"),
])
def test_each_unit_has_one_format(unit: str, value: float, text: str) -> None:
    assert units.fmt(value, unit) == text
    assert units.fmt(None, unit) == "-"


def test_every_declared_unit_is_known() -> None:
    for name, spec in METRICS.items():
        assert units.known(spec.unit), f"{name}: {spec.unit}"
    assert all(units.known(u) for u in units.TREND_SERIES.values())


def test_trends_and_alerts_print_in_their_declared_unit() -> None:
    tr = TrendTracker(step_s=1.0)
    for k in range(12):
        tr.sample(1000.0 + k, {"total_rss_bytes": float((100 + k) << 20), "error_rate": 0.05})
    section = tr.section()
    assert section["total_rss_bytes"].unit == units.BYTES
    assert section["error_rate"].unit == units.SHARE
    assert fmt_value("memory.time_to_limit_s", 150) == "2.5min"
    assert fmt_value("error_rate", 0.25) == "25%"
