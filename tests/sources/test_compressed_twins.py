"""A Codex rollout and its compressed twin, seen one after the other in one run: Codex
compresses a cold rollout in place (``x.jsonl`` -> ``x.jsonl.zst``) and writes it back as
``x.jsonl`` when the session is resumed, then appends. Every line is counted once across the
two (swarmtop/sources/twins.py, docs/decisions.md "Compressed twins").

The rollout lines are tests/sources/codex_rollouts.py's (the real shape, read from
openai/codex's recorder; see that module's docstring); the appended call uses its helpers."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import zstandard

from swarmtop.commands.common import resolve_sources
from tests.sources import codex_rollouts as cr
from tests.sources.tailharness import Harness

# the call a resumed session appends: its totals continue from the parent's last (T5)
C6 = cr.usage(7000, 4000, 200, 50)
T6 = cr.add(cr.T5, C6)
RESUMED = cr.line(cr.T0 + 3600, "event_msg", cr.token_count(T6, C6, cr.limits(72.0, 23.0)))
PARENT_CALLS = cr.EXPECTED_PARENT["calls"]
PARENT_INPUT = cr.EXPECTED_PARENT["input"]
C6_INPUT = C6["input_tokens"] - C6["cached_input_tokens"]


def _zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(level=3).compress(data)


def _parent(tmp_path: Path) -> tuple[Path, bytes]:
    parent, child = cr.build(tmp_path)
    child.unlink()  # one rollout is enough here
    return parent, parent.read_bytes()


def _compress_in_place(plain: Path) -> Path:
    """What Codex does to a cold rollout: the .zst written, then the .jsonl removed."""
    zst = plain.with_name(plain.name + ".zst")
    zst.write_bytes(_zst(plain.read_bytes()))
    plain.unlink()
    return zst


def _harness(tmp_path: Path) -> Harness:
    return Harness(str(tmp_path / "sessions"), rescan_s=0.2, debounce_ms=20)


async def _settled(h: Harness, calls: int) -> None:
    await h.until(lambda: h.agg.snapshot().tokens.calls >= calls)
    await asyncio.sleep(1.0)  # several re-scans: a second count would show by now


async def test_a_written_back_rollout_is_read_on_from_where_its_compressed_copy_ended(
        tmp_path: Path) -> None:
    parent, data = _parent(tmp_path)
    zst = _compress_in_place(parent)
    async with _harness(tmp_path) as h:
        await h.ready()
        await _settled(h, PARENT_CALLS)
        assert h.agg.snapshot().tokens.calls == PARENT_CALLS
        # resumed: written back whole (a new inode), the compressed copy removed, then appended
        tmp = parent.with_name(".tmp-" + parent.name)
        tmp.write_bytes(data)
        os.replace(tmp, parent)
        zst.unlink()
        await asyncio.sleep(0.5)
        with parent.open("a") as f:
            f.write(RESUMED + "\n")
        await _settled(h, PARENT_CALLS + 1)
        t = h.agg.snapshot().tokens
        assert t.calls == PARENT_CALLS + 1
        assert t.input == PARENT_INPUT + C6_INPUT
        # the decoder read on with what the compressed copy told it: the model is known
        assert set(t.by_model) == {cr.MODEL}
        row = h.status[str(parent)]
        assert "compressed copy" in row.why and f"byte {len(data)}" in row.why, row.why


async def test_a_rollout_written_back_bit_by_bit_is_still_counted_once(tmp_path: Path) -> None:
    """The plain file may be shorter than what the compressed copy held at first (written
    back progressively): it is taken up once it holds all of it."""
    parent, data = _parent(tmp_path)
    _compress_in_place(parent)
    async with _harness(tmp_path) as h:
        await h.ready()
        await _settled(h, PARENT_CALLS)
        half = len(data) // 2
        with parent.open("wb") as f:
            f.write(data[:half])
            f.flush()
            await asyncio.sleep(0.8)  # several looks at a file shorter than the copy
            f.write(data[half:])
            f.write((RESUMED + "\n").encode())
        await _settled(h, PARENT_CALLS + 1)
        t = h.agg.snapshot().tokens
        assert (t.calls, t.input) == (PARENT_CALLS + 1, PARENT_INPUT + C6_INPUT)


async def test_a_different_log_at_the_plain_name_is_read_from_the_start(tmp_path: Path) -> None:
    parent, data = _parent(tmp_path)
    _compress_in_place(parent)
    async with _harness(tmp_path) as h:
        await h.ready()
        await _settled(h, PARENT_CALLS)
        other = data.replace(b"fix the failing test", b"fix the flaky test!!")  # same length
        parent.write_bytes(other)
        await _settled(h, 2 * PARENT_CALLS)
        assert h.agg.snapshot().tokens.calls == 2 * PARENT_CALLS
        assert "differ" in h.status[str(parent)].why


async def test_a_followed_rollout_compressed_in_place_is_not_counted_again(
        tmp_path: Path) -> None:
    """The opposite order: the plain file was read, then Codex compresses it. The compressed
    copy holds the same lines: nothing of it is counted again; written back and appended to
    later, only the new line counts."""
    parent, data = _parent(tmp_path)
    async with _harness(tmp_path) as h:
        await h.ready()
        await _settled(h, PARENT_CALLS)
        zst = _compress_in_place(parent)
        await h.until(lambda: str(zst) in h.status)
        await _settled(h, PARENT_CALLS)
        assert h.agg.snapshot().tokens.calls == PARENT_CALLS
        assert "already read" in h.status[str(zst)].why, h.status[str(zst)].why
        parent.write_bytes(data + (RESUMED + "\n").encode())
        zst.unlink()
        await _settled(h, PARENT_CALLS + 1)
        t = h.agg.snapshot().tokens
        assert (t.calls, t.input) == (PARENT_CALLS + 1, PARENT_INPUT + C6_INPUT)
        assert set(t.by_model) == {cr.MODEL}


async def test_a_compressed_file_not_the_followed_log_is_read_whole(tmp_path: Path) -> None:
    parent, data = _parent(tmp_path)
    async with _harness(tmp_path) as h:
        await h.ready()
        await _settled(h, PARENT_CALLS)
        zst = parent.with_name(parent.name + ".zst")
        zst.write_bytes(_zst(data.replace(b"fix the failing test", b"fix the flaky test!!")))
        parent.unlink()
        await _settled(h, 2 * PARENT_CALLS)
        assert h.agg.snapshot().tokens.calls == 2 * PARENT_CALLS
        assert "differ" in h.status[str(zst)].why, h.status[str(zst)].why


def test_a_report_naming_a_log_and_its_compressed_copy_reads_the_plain_one(
        tmp_path: Path) -> None:
    parent, data = _parent(tmp_path)
    zst = parent.with_name(parent.name + ".zst")
    zst.write_bytes(_zst(data))
    assert resolve_sources([str(zst), str(parent)]) == [parent]


def test_live_naming_a_log_and_its_compressed_copy_lists_the_plain_one(tmp_path: Path) -> None:
    import time

    from swarmtop.sources.paths import parse_source
    from swarmtop.sources.sourceset import SourceSet

    parent, data = _parent(tmp_path)
    zst = parent.with_name(parent.name + ".zst")
    zst.write_bytes(_zst(data))
    sources = SourceSet([parse_source(str(zst)), parse_source(str(parent))], set(), time.time)
    assert sources.listed() == [str(parent)]


async def test_a_rollout_compressed_after_it_was_let_go_is_not_counted_again(
        tmp_path: Path) -> None:
    """The plain file is gone and let go (idle past rotate_wait_s) before its compressed copy
    shows up: what it counted was remembered when it was let go."""
    parent, data = _parent(tmp_path)
    async with _harness(tmp_path) as h:
        await h.ready()
        await _settled(h, PARENT_CALLS)
        parent.unlink()
        await h.until(lambda: not h.tailer._by_key)  # let go
        zst = parent.with_name(parent.name + ".zst")
        zst.write_bytes(_zst(data))
        await h.until(lambda: str(zst) in h.status)
        await _settled(h, PARENT_CALLS)
        assert h.agg.snapshot().tokens.calls == PARENT_CALLS
        assert "already read" in h.status[str(zst)].why, h.status[str(zst)].why


async def test_tap_hashes_up_to_the_last_line_end() -> None:
    from swarmtop.sources.twins import Tap, Twins, digest_prefix, new_hash

    data = b"one\ntwo\nthr"
    tap = Tap()
    for part in (data[:2], data[2:6], data[6:]):
        tap.update(part)
    prefix = tap.prefix("x.jsonl.zst")
    assert (tap.length, prefix.length) == (len(data), 8)
    h = new_hash()
    h.update(data[:8])
    assert prefix.digest == h.digest()

    async def turn() -> None:
        pass

    chunks = iter([data[:5], data[5:]])
    assert await digest_prefix(lambda n: next(chunks, b""), 8, turn) == prefix.digest
    assert await digest_prefix(lambda n: b"", 8, turn) is None  # fewer bytes than asked
    twins = Twins(cap=2)
    for name in ("a", "b", "c"):
        twins.remember(name, prefix)
    assert len(twins) == 2 and twins.get("a") is None and twins.take("c") is prefix
