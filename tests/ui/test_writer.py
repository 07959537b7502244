"""The output thread outlives its terminal (swarmtop/ui/writer.py): once a write fails (an
SSH drop: EIO), writes and stop() still return, so the monitor can exit on SIGHUP. Textual's
own thread dies there and its full queue blocks the exit forever."""

from __future__ import annotations

import io
import threading

from textual.drivers._writer_thread import MAX_QUEUED_WRITES

from swarmtop.ui.writer import SturdyWriterThread


class GoneTerminal(io.StringIO):
    def __init__(self, fail_after: int) -> None:
        super().__init__()
        self.left = fail_after

    def write(self, text: str) -> int:
        if self.left <= 0:
            raise OSError(5, "Input/output error")
        self.left -= 1
        return super().write(text)


def _returns(fn, seconds: float = 10.0) -> bool:
    t = threading.Thread(target=fn, daemon=True)
    t.start()
    t.join(seconds)
    return not t.is_alive()


def test_writes_and_stop_return_after_the_terminal_is_gone() -> None:
    out = GoneTerminal(fail_after=3)
    w = SturdyWriterThread(out)
    w.start()

    def flood() -> None:
        for n in range(MAX_QUEUED_WRITES * 20):
            w.write(f"frame {n}\n")

    assert _returns(flood), "a write blocked on the full queue"
    assert _returns(w.stop), "stop() blocked"
    assert isinstance(w.broken, OSError)
    assert out.getvalue() == "frame 0\nframe 1\nframe 2\n"  # what was written before


def test_a_working_terminal_gets_every_write() -> None:
    out = io.StringIO()
    w = SturdyWriterThread(out)
    w.start()
    for n in range(100):
        w.write(f"{n}\n")
    w.stop()
    assert w.broken is None
    assert out.getvalue() == "".join(f"{n}\n" for n in range(100))
