from __future__ import annotations

import pytest

from swarmtop.sources.decoders.text import TextDecoder, detect_level


@pytest.mark.parametrize("text, level", [
    ("2026-11-25 10:00:00 ERROR agent crashed", "error"),
    ("[warn] slow response", "warning"),
    ("level=warning msg=x", "warning"),
    ("WARNING: disk", "warning"),
    ("FATAL out of memory", "critical"),
    ("Traceback (most recent call last):", "error"),
    ("DEBUG cache hit", "debug"),
    ("INFO started; ERROR later", "error"),
    ("all good here", "info"),
    ("no errors found", "info"),
])
def test_detect_level(text, level):
    assert detect_level(text) == level


def test_decode_keeps_text_and_replaces_bad_utf8():
    [ev] = TextDecoder().decode(b"ERROR \xff\xfe boom\r", "a.log", 0, 5.0)
    assert ev.level == "error" and ev.text.endswith("boom") and "\ufffd" in ev.text
    assert ev.ts == 5.0


def test_blank_lines_skipped():
    assert TextDecoder().decode(b"", "a.log", 0, 1.0) == []
