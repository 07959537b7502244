"""A benchmark states each target it measures as a hidden Markdown line; the runner
(`python -m benchmarks`) collects them into the targets table of docs/PERFORMANCE.md."""

from __future__ import annotations

import re

_LINE = re.compile(r"^<!-- target: (.*?) \| (.*?) \| (.*?) \| (met|missed) -->$", re.M)


def target(name: str, figure: str, goal: str, met: bool) -> str:
    return f"<!-- target: {name} | {figure} | {goal} | {'met' if met else 'missed'} -->"


def collect(text: str) -> list[tuple[str, str, str, str]]:
    return _LINE.findall(text)
