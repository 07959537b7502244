"""numpy is loaded with one BLAS thread by the command line, and by nothing a watched program
imports (swarmtop/numpy_threads.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

CHECK = """
import os, sys
{pre}
import swarmtop.cli
tasks = len(os.listdir("/proc/self/task")) if os.path.isdir("/proc/self/task") else 1
print(os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("OMP_NUM_THREADS"), tasks)
"""


def _run(code: str, **env: str) -> str:
    e = {k: v for k, v in os.environ.items()
         if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    e.update(env, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code], env=e, capture_output=True, text=True,
                       timeout=60, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


def test_cli_loads_numpy_on_one_thread_and_puts_the_environment_back() -> None:
    # the variables are gone again (a --run child gets the environment swarmtop was given),
    # and OpenBLAS started no thread of its own
    assert _run(CHECK.format(pre="")) == "None None 1"


def test_a_users_own_setting_is_kept() -> None:
    assert _run(CHECK.format(pre=""), OPENBLAS_NUM_THREADS="3").split()[0] == "3"


def test_the_probe_does_not_load_numpy() -> None:
    """``import swarmtop.probe`` runs inside the watched program: it stays light."""
    assert _run("import sys, swarmtop.probe; print('numpy' in sys.modules)") == "False"
