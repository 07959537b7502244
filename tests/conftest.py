"""Shared test helpers: run the CLI as a user would, against this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from swarmtop import errorlog

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session", autouse=True)
def _state_home_for_the_session(tmp_path_factory: pytest.TempPathFactory):
    """swarmtop's log file (errorlog.py) never lands in the real home, even from a fixture
    wider than one test."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        yield


@pytest.fixture(autouse=True)
def _no_session_book_left():
    """No session's book of failures left in use after a test (a Runtime not stopped)."""
    yield
    errorlog.use(None)


@pytest.fixture
def state_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """This test's own XDG_STATE_HOME, so its own swarmtop.log to read."""
    home = tmp_path_factory.mktemp("state")
    monkeypatch.setenv("XDG_STATE_HOME", str(home))
    return home


def run_cli(*args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess[str]:
    """`swarmtop ARGS...` in a subprocess, importing the package from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("SWARMTOP_CONFIG", "")
    env["HOME"] = kwargs.pop("home", env.get("HOME", "/tmp"))
    for name in kwargs.pop("env_drop", ()):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "swarmtop", *args],
        capture_output=True, text=True, timeout=timeout, env=env, **kwargs,
    )


@pytest.fixture
def cli():
    return run_cli
