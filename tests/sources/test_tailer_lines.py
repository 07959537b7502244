"""Line handling while following: partial lines, over-long lines, bad bytes, binary files."""

from __future__ import annotations

from tailharness import Harness, expect, numbered


def _append(path, data: bytes) -> None:
    with open(path, "ab") as f:
        f.write(data)


async def test_split_line_across_writes(tmp_path):
    log = tmp_path / "app.log"
    _append(log, b"first\nhel")
    async with Harness(str(log)) as h:
        await h.until(lambda: h.count == 1 and "incomplete" in h.status[str(log)].why)
        assert h.lines == 1
        _append(log, b"lo wor")
        await h.until(lambda: h.status[str(log)].why.count("(9 bytes)") == 1)
        _append(log, b"ld\n")
        await h.settle(2)
        assert h.texts == {"first": 1, "hello world": 1}
        assert h.lines == 2
        assert "incomplete" not in h.status[str(log)].why


async def test_five_mib_line_is_cut_and_counted(tmp_path):
    log = tmp_path / "app.log"
    _append(log, b"before\n")
    async with Harness(str(log)) as h:
        await h.until(lambda: h.count == 1)
        for _ in range(5):  # 5 MiB written in pieces, never held whole
            _append(log, b"x" * (1 << 20))
        _append(log, b"\nafter\n")
        await h.settle(3)
        assert h.texts == {"before": 1, "after": 1}
        assert len(h.errors) == 1
        assert h.errors[0].reason == f"line longer than {1 << 20} bytes: cut"
        assert h.lines == 3
        assert h.agg.snapshot().sources.bad_lines == 1


async def test_invalid_utf8_replaced(tmp_path):
    log = tmp_path / "app.log"
    _append(log, b"ok\n")
    async with Harness(str(log)) as h:
        await h.until(lambda: h.count == 1)
        _append(log, b"bad \xff\xfe bytes\n")
        await h.settle(2)
        assert h.texts == {"ok": 1, "bad \ufffd\ufffd bytes": 1}
        assert h.lines == 2


async def test_binary_file_skipped_with_reason(tmp_path):
    _append(tmp_path / "a.log", numbered("a", 5))
    async with Harness(str(tmp_path)) as h:
        await h.until(lambda: h.count == 5)
        _append(tmp_path / "blob.dat", b"\x00\x01\x02binary\n" * 100)
        await h.until(lambda: str(tmp_path / "blob.dat") in h.status)
        st = h.status[str(tmp_path / "blob.dat")]
        assert st.state == "skipped"
        assert "binary" in st.why
        _append(tmp_path / "a.log", numbered("a", 5, 5))
        await h.settle(10)
        assert h.texts == expect("a", 10)
        assert h.lines == 10


async def test_decoder_exception_is_a_bad_line_not_a_crash(tmp_path, monkeypatch):
    from swarmtop.sources.decoders import DECODERS
    from swarmtop.sources.decoders.text import TextDecoder

    class Fragile(TextDecoder):
        def decode(self, line, source, offset, now):
            if b"boom" in line:
                raise RuntimeError("bug in a decoder")
            return super().decode(line, source, offset, now)

    monkeypatch.setitem(DECODERS, "fragile", Fragile)
    log = tmp_path / "app.log"
    _append(log, b"one\nboom\ntwo\n")
    async with Harness(str(log), fmt="fragile") as h:
        await h.settle(3)
        _append(log, b"three\n")
        await h.settle(4)
        assert h.texts == {"one": 1, "two": 1, "three": 1}
        assert [e.reason for e in h.errors] == ["decoder failed: RuntimeError: bug in a decoder"]
        assert h.lines == 4
