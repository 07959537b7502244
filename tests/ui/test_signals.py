"""SIGTERM and SIGHUP (an SSH drop) end the dashboard cleanly: the feed is stopped and the
terminal is given back (alternate screen left, mouse tracking off)."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _read_until(fd: int, needle: bytes, deadline: float, buf: bytearray) -> bool:
    while time.monotonic() < deadline:
        if needle in buf:
            return True
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return needle in buf
            if not chunk:
                return needle in buf
            buf.extend(chunk)
    return needle in buf


def _dashboard_in_a_pty(body: str) -> tuple[subprocess.Popen, int]:
    """``run_app`` (code ``body`` after its imports) on an 80x24 pty: (process, master fd)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    code = ("import sys; from swarmtop.ui import run_app; from tests.ui.fakes import MovingFeed\n"
            + body)
    env = dict(os.environ, TERM="xterm-256color", PYTHONPATH=str(ROOT))
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=ROOT, start_new_session=True)
    os.close(slave)
    return proc, master


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_signal_exits_cleanly(signame, tmp_path):
    marker = tmp_path / "stopped"
    proc, master = _dashboard_in_a_pty(
        "class F(MovingFeed):\n"
        "    async def stop(self):\n"
        f"        open({str(marker)!r}, 'w').write('stopped')\n"
        "sys.exit(run_app(F(), theme=None, interval=0.2))\n")
    out = bytearray()
    try:
        assert _read_until(master, b"health", time.monotonic() + 60, out), bytes(out[-500:])
        proc.send_signal(getattr(signal, signame))
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            _read_until(master, b"\x00never", time.monotonic() + 0.3, out)
        assert proc.poll() == 128 + getattr(signal, signame)
        _read_until(master, b"\x00never", time.monotonic() + 0.5, out)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    assert b"\x1b[?1049l" in out  # left the alternate screen
    assert b"\x1b[?1000l" in out  # mouse tracking off
    assert marker.read_text() == "stopped"


def test_sighup_after_the_terminal_is_gone_still_exits(tmp_path):
    """An SSH drop closes the terminal first: writes fail (EIO) and the frames keep coming.
    Textual's output thread died there and the exit then blocked forever on its full queue
    (the monitor, its watcher and sampler went on); swarmtop/ui/writer.py's does not."""
    proc, master = _dashboard_in_a_pty(
        "sys.exit(run_app(MovingFeed(), theme=None, interval=0.1))\n")
    out = bytearray()
    try:
        assert _read_until(master, b"health", time.monotonic() + 60, out), bytes(out[-500:])
        os.close(master)  # the terminal is gone
        master = -1
        time.sleep(3)  # frames go on being written: far more than the output queue holds
        assert proc.poll() is None
        proc.send_signal(signal.SIGHUP)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        if master >= 0:
            os.close(master)
    assert proc.returncode is not None
