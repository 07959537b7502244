"""Imported first by the command line (cli.py): numpy loaded with one BLAS thread.

numpy's OpenBLAS starts a thread per core as it loads, and they spin for a while: ≈ 0.1 s of
CPU at every start, measured (docs/decisions.md, "Start-up"). swarmtop does no linear algebra
worth threads (a few small polyfits), so numpy is loaded with one, unless the user chose
otherwise; the variables are put back at once, so the processes swarmtop launches (``--run``)
get the environment it was given. Not in ``swarmtop/__init__.py``: ``import swarmtop.probe``
in a watched program must not load numpy.
"""

from __future__ import annotations

import os

_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def load_numpy_on_one_thread() -> None:
    saved = {k: os.environ.get(k) for k in _BLAS_THREADS}
    for k in _BLAS_THREADS:
        os.environ.setdefault(k, "1")
    try:
        import numpy  # noqa: F401  (loaded now, with the setting above)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


load_numpy_on_one_thread()
