"""Textual's Linux driver with an input thread that sleeps until there is input.

Textual's input thread wakes every 0.1 s to see whether it should stop (``select(0.1)``): ten
wake-ups a second of a monitor that is otherwise idle between frames. This one waits on the
terminal and on a pipe that is written when input is disabled, so it wakes for keys, mouse
and terminal replies only; it still wakes in time for the parser's own timeout (a lone ESC
is the escape key once no sequence follows it)."""

from __future__ import annotations

import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

FALLBACK_S = 0.1  # Textual's own step, if its parser no longer says when it times out


class _WakingEvent(threading.Event):
    """The driver's exit event; setting it also wakes the input thread's select."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        try:
            os.write(self._wake_fd, b"x")
        except OSError:
            pass  # closed: the thread is gone


def _parser_timeout(parser: XTermParser) -> float | None:
    """Seconds until the parser must be ticked (a sequence waiting to be judged), or None."""
    when = getattr(parser, "_timeout_time", FALLBACK_S)
    if when is None:
        return None
    if when is FALLBACK_S:
        return FALLBACK_S
    return max(0.0, when - get_time())


class QuietLinuxDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wake_r, self._wake_w = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        self.exit_event = _WakingEvent(self._wake_w)

    def run_input_thread(self) -> None:
        """Textual's loop (``LinuxDriver.run_input_thread``) with an unbounded wait."""
        selector = selectors.DefaultSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        fileno = self.fileno
        parser = XTermParser(self._debug)
        feed = parser.feed
        decode = getincrementaldecoder("utf-8")().decode

        def process(events: list[tuple[selectors.SelectorKey, int]], final: bool = False) -> None:
            for key, mask in events:
                if key.fd == self._wake_r:
                    try:
                        os.read(self._wake_r, 64)
                    except OSError:
                        pass
                    continue
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(fileno, 1024 * 4), final=final)
                    if not data:
                        break
                    for event in feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(_parser_timeout(parser)))
            selector.unregister(self.fileno)
            process(selector.select(0.1), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass

    def close(self) -> None:
        super().close()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass
