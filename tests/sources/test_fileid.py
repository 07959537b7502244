"""File identity decisions as pure functions: fake stat results and heads, no files."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass

from swarmtop.sources.fileid import (
    FP_BYTES,
    TRUNC_MEMORY_S,
    Change,
    Relation,
    changed_since,
    content_change,
    copy_relation,
    family_key,
    is_regular,
    key_of,
    related_names,
)


def fake_stat(*, mode: int = stat.S_IFREG | 0o644, ino: int = 5, dev: int = 7, size: int = 0,
              mtime_ns: int = 0, nlink: int = 1) -> os.stat_result:
    s = mtime_ns / 1e9
    return os.stat_result((mode, ino, dev, nlink, 0, 0, size, 0, int(s), 0,
                           0.0, s, 0.0, 0, mtime_ns, 0))


@dataclass
class Member:
    """A followed file as copy detection sees it."""

    report: str
    head: bytes = b""
    prev_head: bytes = b""
    prev_at: float = 0.0
    whole: bool = False
    copy_of: object | None = None


HEAD = b"2026-11-25 start of app.log\n" + b"x" * 300


# ---- stat ---------------------------------------------------------------------------------
def test_key_is_dev_and_inode():
    assert key_of(fake_stat(dev=3, ino=9)) == (3, 9)


def test_only_regular_files_are_followed():
    assert is_regular(fake_stat())
    assert not is_regular(fake_stat(mode=stat.S_IFDIR | 0o755))
    assert not is_regular(fake_stat(mode=stat.S_IFIFO | 0o644))
    assert not is_regular(None)


def test_changed_since_size_or_mtime():
    st = fake_stat(size=100, mtime_ns=5_000)
    assert not changed_since(st, 100, 5_000)
    assert changed_since(st, 90, 5_000)
    assert changed_since(st, 100, 4_000)


# ---- truncation and rewrites --------------------------------------------------------------
def test_content_change():
    assert content_change(100, 80, b"abc", b"abc") is Change.NONE
    assert content_change(100, 80, b"abcdef", b"abc") is Change.NONE  # head grew
    assert content_change(100, 80, b"ab", b"abc") is Change.NONE  # read fewer bytes now
    assert content_change(50, 80, b"abc", b"abc") is Change.TRUNCATED
    assert content_change(100, 80, b"xbc", b"abc") is Change.REWRITTEN
    assert content_change(50, 80, b"xbc", b"abc") is Change.TRUNCATED  # size is judged first
    assert content_change(0, 0, b"", b"abc") is Change.NONE


# ---- names --------------------------------------------------------------------------------
def test_family_key_is_directory_and_name_to_first_dot():
    assert family_key("/d/app.log") == ("/d", "app")
    assert family_key("/d/app.log.1") == ("/d", "app")
    assert family_key("/d/app.1.log") == ("/d", "app")
    assert family_key("/e/app.log") != family_key("/d/app.log")


def test_related_names():
    assert related_names("/d/app.log", "/d/app.log.1")
    assert related_names("/d/app.log", "/d/app.log-20261125")
    assert related_names("/d/app.log", "/d/app.1.log")
    assert not related_names("/d/app.log", "/d/app.log")
    assert not related_names("/d/app.log", "/d/app.other.log")


# ---- copy detection -----------------------------------------------------------------------
def test_no_family_is_no_relation():
    m = copy_relation("/d/app.log.1", HEAD, [], now=100.0)
    assert m.relation is Relation.NONE and m.original is None


def test_same_head_related_name_is_linked():
    orig = Member("/d/app.log", head=HEAD[:FP_BYTES])
    m = copy_relation("/d/app.log.1", HEAD[:FP_BYTES], [orig], now=100.0)
    assert m.relation is Relation.LINKED and m.original is orig


def test_unrelated_name_with_same_head_is_not_a_copy():
    orig = Member("/d/app.log", head=HEAD[:FP_BYTES])
    assert copy_relation("/d/app.other", HEAD[:FP_BYTES], [orig], 100.0).relation is Relation.NONE


def test_prefix_of_head_defers():
    orig = Member("/d/app.log", head=HEAD[:FP_BYTES])
    m = copy_relation("/d/app.log.1", HEAD[:40], [orig], now=100.0)
    assert m.relation is Relation.DEFER and m.original is orig
    assert copy_relation("/d/app.log.1", b"", [orig], 100.0).relation is Relation.DEFER


def test_different_head_is_new():
    orig = Member("/d/app.log", head=HEAD[:FP_BYTES])
    assert copy_relation("/d/app.log.1", b"other\n", [orig], 100.0).relation is Relation.NONE


def test_whole_file_and_copies_are_never_originals():
    whole = Member("/d/app.log", head=HEAD[:FP_BYTES], whole=True)
    copy = Member("/d/app.log.2", head=HEAD[:FP_BYTES], copy_of=object())
    m = copy_relation("/d/app.log.1", HEAD[:FP_BYTES], [whole, copy], now=100.0)
    assert m.relation is Relation.NONE


def test_copy_made_before_recent_truncation():
    orig = Member("/d/app.log", head=b"", prev_head=HEAD[:FP_BYTES], prev_at=90.0)
    m = copy_relation("/d/app.log.1", HEAD[:FP_BYTES], [orig], now=100.0)
    assert m.relation is Relation.AFTER_TRUNC and m.original is orig
    # a copy still being written of the pre-truncation head waits
    assert copy_relation("/d/app.log.1", HEAD[:10], [orig], 100.0).relation is Relation.DEFER
    # the pre-truncation head is forgotten after TRUNC_MEMORY_S
    late = 90.0 + TRUNC_MEMORY_S + 1
    assert copy_relation("/d/app.log.1", HEAD[:FP_BYTES], [orig], late).relation is Relation.NONE


def test_after_trunc_wins_over_linked_and_linked_over_defer():
    linked = Member("/d/app.log", head=HEAD[:FP_BYTES])
    trunc = Member("/d/app", prev_head=HEAD[:FP_BYTES], prev_at=99.0)
    m = copy_relation("/d/app.log.1", HEAD[:FP_BYTES], [linked, trunc], now=100.0)
    assert m.relation is Relation.AFTER_TRUNC and m.original is trunc
    longer = Member("/d/app", head=HEAD[:FP_BYTES] + b"more")
    for family in ([longer, linked], [linked, longer]):
        m = copy_relation("/d/app.log.1", HEAD[:FP_BYTES], family, now=100.0)
        assert m.relation is Relation.LINKED and m.original is linked
