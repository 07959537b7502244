from __future__ import annotations

from swarmtop.sources.lines import LineSplitter


def collect(chunks: list[bytes], max_line: int = 1 << 20) -> tuple[list, LineSplitter]:
    sp = LineSplitter(0, max_line)
    out = []
    for c in chunks:
        out.extend(sp.feed(c))
    return out, sp


def test_split_across_chunks_and_offsets():
    out, sp = collect([b"ab", b"c\nde", b"f\n", b"gh"])
    assert out == [(0, b"abc", False), (4, b"def", False)]
    assert sp.committed == 8 and sp.pending == 2


def test_long_line_is_cut_without_holding_it_whole():
    big = b"x" * 5000
    out, sp = collect([big[:1000], big[1000:], b"\nok\n"], max_line=100)
    assert out[0] == (0, b"x" * 100, True)
    assert out[1] == (5001, b"ok", False)
    assert len(sp._buf) == 0


def test_long_line_inside_one_chunk():
    out, _ = collect([b"short\n" + b"y" * 300 + b"\nend\n"], max_line=100)
    assert out == [(0, b"short", False), (6, b"y" * 100, True), (307, b"end", False)]


def test_partial_line_waits():
    out, sp = collect([b"no newline yet"])
    assert out == [] and sp.pending == 14 and sp.committed == 0
