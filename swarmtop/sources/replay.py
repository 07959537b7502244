"""Replay a `--record` file as a finite source, paced by the events' own timestamps."""

from __future__ import annotations

import asyncio
import json
import math
import time

import msgspec

from swarmtop.errors import ReplayError as ReplayError  # re-exported: its historical home
from swarmtop.events import Event, ParseError, decode_event
from swarmtop.sources.base import Emit
from swarmtop.sources.decoders.common import valid_utf8

HEADER_KEY = "swarmtop_record"
BATCH = 2000




def check_record(path: str) -> None:
    """Raise ReplayError unless ``path`` starts like a swarmtop record file."""
    try:
        with open(path, "rb") as f:
            first = f.readline(1 << 16)
    except OSError as exc:
        raise ReplayError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        head = json.loads(first)
    except ValueError:
        head = None
    if not isinstance(head, dict) or HEADER_KEY not in head:
        raise ReplayError(f"{path} is not a swarmtop record file (written by --record)")


class ReplaySource:
    """Emits every recorded event in order. ``speed`` = math.inf replays as fast as possible."""

    def __init__(self, path: str, speed: float = 1.0) -> None:
        self.path = path
        self.speed = speed
        self.done = False
        self.bytes_total = 0
        self.bytes_read = 0

    async def run(self, emit: Emit) -> None:
        check_record(self.path)
        start_wall = time.monotonic()
        first_ts: float | None = None
        max_ts = -math.inf
        batch: list[Event] = []
        with open(self.path, "rb") as f:
            import os

            self.bytes_total = os.fstat(f.fileno()).st_size
            f.readline()  # header
            offset = f.tell()
            for line in f:
                self.bytes_read += len(line)
                if not line.endswith(b"\n"):
                    break  # a cut last line (the recorder was killed mid-write)
                try:
                    ev = decode_event(valid_utf8(line))
                except msgspec.DecodeError as exc:
                    ev = ParseError(ts=max_ts if max_ts > -math.inf else 0.0, source=self.path,
                                    offset=offset, reason=f"bad record line: {exc}")
                offset += len(line)
                if math.isfinite(self.speed) and not isinstance(ev, ParseError):
                    if first_ts is None:
                        first_ts = ev.ts
                    if ev.ts > max_ts:
                        max_ts = ev.ts
                        due = start_wall + (max_ts - first_ts) / self.speed
                        delay = due - time.monotonic()
                        if delay > 0.005:
                            if batch:
                                await emit(batch)
                                batch = []
                            await asyncio.sleep(delay)
                elif ev.ts > max_ts:
                    max_ts = ev.ts
                batch.append(ev)
                if len(batch) >= BATCH:
                    await emit(batch)
                    batch = []
                    await asyncio.sleep(0)
        if batch:
            await emit(batch)
        self.done = True

    async def close(self) -> None:
        return None
