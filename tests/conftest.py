"""Shared test helpers: run the CLI as a user would, against this checkout."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess[str]:
    """`swarmtop ARGS...` in a subprocess, importing the package from this checkout."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("SWARMTOP_CONFIG", "")
    env["HOME"] = kwargs.pop("home", env.get("HOME", "/tmp"))
    return subprocess.run(
        [sys.executable, "-m", "swarmtop", *args],
        capture_output=True, text=True, timeout=timeout, env=env, **kwargs,
    )


@pytest.fixture
def cli():
    return run_cli
