"""swarmtop: htop for LLM agent swarms."""

import os as _os

__version__ = "0.1.0"

_BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")


def _load_numpy_on_one_thread() -> None:
    """numpy's OpenBLAS starts a thread per core as it loads, and they spin for a while
    (≈ 0.1 s of CPU at every start, measured: docs/PERFORMANCE.md). swarmtop does no linear
    algebra worth threads (a few small polyfits), so numpy is loaded with one, unless the
    user chose otherwise; the variables are put back at once, so the processes swarmtop
    launches (``--run``) get the environment it was given."""
    saved = {k: _os.environ.get(k) for k in _BLAS_THREADS}
    for k in _BLAS_THREADS:
        _os.environ.setdefault(k, "1")
    try:
        import numpy  # noqa: F401  (loaded now, with the setting above)
    finally:
        for k, v in saved.items():
            if v is None:
                _os.environ.pop(k, None)
            else:
                _os.environ[k] = v


_load_numpy_on_one_thread()
