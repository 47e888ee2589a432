"""One BLAS thread around the reservoir path's small products and solves.

A reservoir fit of a few thousand steps calls BLAS and LAPACK on matrices of
a few hundred rows: the readout's ``dsyrk``, its Cholesky factorisation and
solve, the Arnoldi steps of the spectral radius. With two OpenBLAS threads on
a two-core machine whose other core is busy, each call waits for a
scheduler quantum; measured at N = 300 (load average 4), one dense
eigenvalue call took 3.6 s on two threads against 0.2 s on one.

``threadpoolctl.threadpool_limits`` scans every loaded library on each
entry (22 ms per call, measured, more than a whole small fit), so the
libraries are looked up once, and later entries only call each library's
``set_num_threads``. The block is re-entrant; each Python thread's
outermost block restores what it found (OpenBLAS's count is process-wide,
and, as ``reservoir._threads.single_threaded_blas`` notes, the thread that set
it controls it until its block ends). Measured over a 2000 x 1000 ``dsyrk``
and Cholesky at load 9 on 2 cores: 1,865 ms on two threads, 399 ms on one; at
2000 x 300, 692 against 66 ms.
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager

__all__ = ["one_blas_thread", "pinned"]

_state = threading.local()      # each thread's depth and saved counts
_lock = threading.Lock()
_libraries = None


def _blas_libraries():
    """The BLAS libraries loaded now (numpy's and scipy's OpenBLAS are two)."""
    global _libraries
    with _lock:
        if _libraries is None:
            import scipy.linalg  # noqa: F401  (load scipy's BLAS before the scan)
            import scipy.linalg.cython_blas  # noqa: F401  (the BLAS numba calls)
            from threadpoolctl import ThreadpoolController

            _libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    return _libraries


@contextmanager
def one_blas_thread(enabled=True):
    """Run the block with one BLAS thread (nothing changes when not
    ``enabled``). Re-entrant; the outermost block of each Python thread
    restores the counts it found."""
    if not enabled:
        yield
        return
    depth = getattr(_state, "depth", 0)
    if depth == 0:
        saved = [(lib, lib.num_threads) for lib in _blas_libraries()]
        for lib, n in saved:
            if n != 1:
                lib.set_num_threads(1)
        _state.saved = saved
    _state.depth = depth + 1
    try:
        yield
    finally:
        _state.depth = depth
        if depth == 0:
            for lib, n in _state.saved:
                if n != 1:
                    lib.set_num_threads(n)
            _state.saved = []


def pinned(method):
    """Decorate a method so that it runs inside :func:`one_blas_thread`."""
    @functools.wraps(method)
    def run(*args, **kwargs):
        with one_blas_thread():
            return method(*args, **kwargs)
    return run
