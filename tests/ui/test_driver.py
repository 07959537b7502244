"""The quiet Linux driver's input thread: it sleeps until input, wakes for a lone ESC in time
to call it the escape key, and wakes at once when input is disabled."""

from __future__ import annotations

import os
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX terminals only")


def test_waits_without_timeout_unless_a_sequence_is_pending():
    from textual._xterm_parser import XTermParser

    from swarmtop.ui.driver import _parser_timeout

    parser = XTermParser()
    assert _parser_timeout(parser) is None  # nothing pending: sleep until input
    assert list(parser.feed("\x1b")) == []  # an ESC that may start a sequence
    pending = _parser_timeout(parser)
    assert pending is not None and 0 < pending <= 0.2
    time.sleep(pending + 0.01)
    assert [k.key for k in parser.tick()] == ["escape"]
    assert _parser_timeout(parser) is None


def test_exit_event_wakes_the_select():
    from swarmtop.ui.driver import _WakingEvent

    r, w = os.pipe()
    try:
        event = _WakingEvent(w)
        event.set()
        assert event.is_set() and os.read(r, 8) == b"x"
    finally:
        os.close(r)
        os.close(w)


def test_the_app_runs_on_the_quiet_driver():
    from textual.drivers.linux_driver import LinuxDriver

    from swarmtop.ui.app import SwarmtopApp
    from swarmtop.ui.driver import QuietLinuxDriver
    from tests.ui.fakes import FakeFeed

    app = SwarmtopApp(FakeFeed())
    if issubclass(app.driver_class, LinuxDriver):
        assert app.driver_class is QuietLinuxDriver
