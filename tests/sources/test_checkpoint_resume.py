"""Where a file resumes after a restart, decided from saved entries alone (no files)."""

from __future__ import annotations

from swarmtop.sources import checkpoint
from swarmtop.sources.fileid import FP_BYTES

HEAD = b"h" * FP_BYTES


def test_entry_hashes_the_head_never_stores_it():
    e = checkpoint.entry((1, 2), b"secret line\n", 12, "/d/app.log")
    assert (e.dev, e.ino, e.fp_len, e.offset, e.path) == (1, 2, 12, 12, "/d/app.log")
    assert "secret" not in e.fp


def test_no_entries_no_resume():
    assert checkpoint.Resume([]).start((1, 2), "/d/app.log", HEAD, 100) is None


def test_same_identity_and_head_resumes_once():
    r = checkpoint.Resume([checkpoint.entry((1, 2), HEAD, 50, "/d/app.log")])
    assert r.start((1, 2), "/d/app.log", HEAD, 100) == 50
    assert r.start((1, 2), "/d/app.log", HEAD, 100) is None  # claimed


def test_short_head_entry_matches_a_grown_file():
    r = checkpoint.Resume([checkpoint.entry((1, 2), b"abc\n", 4, "/d/app.log")])
    assert r.start((1, 2), "/d/app.log", b"abc\ndef\n", 8) == 4


def test_truncated_since_reads_from_start():
    r = checkpoint.Resume([checkpoint.entry((1, 2), HEAD, 500, "/d/app.log")])
    assert r.start((1, 2), "/d/app.log", HEAD, 300) == 0


def test_reused_inode_with_other_head_is_new():
    r = checkpoint.Resume([checkpoint.entry((1, 2), HEAD, 50, "/d/app.log")])
    assert r.start((1, 2), "/d/app.log", b"x" * FP_BYTES, 100) is None


def test_moved_or_copied_by_head_and_related_name():
    saved = [checkpoint.entry((1, 2), HEAD, 50, "/d/app.log")]
    assert checkpoint.Resume(saved).start((1, 9), "/d/app.log.1", HEAD, 40) == 40  # min(offset, size)
    assert checkpoint.Resume(saved).start((1, 9), "/e/app.log", HEAD, 100) == 50  # same name
    assert checkpoint.Resume(saved).start((1, 9), "/d/other.log", HEAD, 100) is None
    assert checkpoint.Resume(saved).start((1, 9), "/d/app.log.1", HEAD[:100], 100) is None


def test_entry_claimed_by_identity_is_not_matched_by_head():
    r = checkpoint.Resume([checkpoint.entry((1, 2), HEAD, 50, "/d/app.log")])
    assert r.start((1, 2), "/d/app.log", HEAD, 100) == 50
    assert r.start((1, 9), "/d/app.log.1", HEAD, 100) is None
