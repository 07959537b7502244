"""The 0-100 health score: a weighted mean of components that each explain themselves."""

from __future__ import annotations

from swarmtop.snapshot import Health, HealthComponent, PatternStats


def error_component(tasks: int, failed: int, weight: float) -> HealthComponent:
    if tasks == 0:
        return HealthComponent(score=100.0, weight=weight, why="no tasks finished yet")
    rate = failed / tasks
    # 0 % -> 100, 5 % -> 80, 20 % -> 40, >= 35 % -> 0 (piecewise linear; a person reads
    # 5 % failing as "worth a look" and a third failing as "broken")
    score = max(0.0, 100.0 - rate * 400.0) if rate <= 0.05 else max(0.0, 80.0 - (rate - 0.05) * 267)
    return HealthComponent(
        score=round(score, 1), weight=weight,
        why=f"{failed} of {tasks} tasks failed ({rate:.1%})",
    )


def latency_component(patterns: dict[str, PatternStats], weight: float) -> HealthComponent:
    measured = [(n, p) for n, p in patterns.items() if p.count and p.target_ms and p.p99_ms]
    if not measured:
        return HealthComponent(score=100.0, weight=weight, why="no task latencies with targets")
    worst_name, worst_ratio = "", 0.0
    scores = []
    for name, p in measured:
        ratio = p.p99_ms / p.target_ms  # type: ignore[operator]
        scores.append(100.0 if ratio <= 1 else max(0.0, 100.0 - (ratio - 1.0) * 100.0))
        if ratio > worst_ratio:
            worst_name, worst_ratio = name, ratio
    score = min(scores)
    over = sum(1 for s in scores if s < 100)
    why = (
        f"{over} of {len(measured)} patterns over target; worst {worst_name} p99 at "
        f"{worst_ratio:.0%} of target"
        if over
        else f"all {len(measured)} patterns within p99 target (worst {worst_name} "
        f"{worst_ratio:.0%})"
    )
    return HealthComponent(score=round(score, 1), weight=weight, why=why)


def combine(components: dict[str, HealthComponent]) -> Health:
    total_w = sum(c.weight for c in components.values())
    if total_w <= 0:
        return Health(score=100.0, components=components)
    score = sum(c.score * c.weight for c in components.values()) / total_w
    return Health(score=round(score, 1), components=components)
