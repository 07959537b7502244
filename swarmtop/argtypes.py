"""Argument types for argparse: a bad value becomes one plain line naming what was expected."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def number(*, above: float | None = None, at_least: float | None = None,
           at_most: float | None = None, what: str = "expected a number",
           cast: Callable[[str], float] = float) -> Callable[[str], float]:
    """A parser for numbers in a range; ``what`` names the value in the message."""

    def parse(text: str) -> float:
        try:
            v = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}, got {text!r}") from None
        if ((above is not None and v <= above) or (at_least is not None and v < at_least)
                or (at_most is not None and v > at_most)):
            raise argparse.ArgumentTypeError(f"{what}, got {v:g}")
        return v

    return parse


positive = number(above=0, what="expected a positive number")
non_negative = number(at_least=0, what="expected a number >= 0")
