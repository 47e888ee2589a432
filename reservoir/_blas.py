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
``set_num_threads``. The block is re-entrant and shared between Python
threads: the first thread in sets one thread, the last one out restores the
previous count (OpenBLAS's count is process-wide).
"""

from __future__ import annotations

import functools
import threading
from contextlib import contextmanager

__all__ = ["one_blas_thread", "pinned"]

_lock = threading.Lock()
_depth = 0
_saved = []
_libraries = None


def _blas_libraries():
    """The BLAS libraries loaded now (numpy's and scipy's OpenBLAS are two)."""
    global _libraries
    if _libraries is None:
        import scipy.linalg  # noqa: F401  (load scipy's BLAS before the scan)
        from threadpoolctl import ThreadpoolController

        _libraries = ThreadpoolController().select(user_api="blas").lib_controllers
    return _libraries


@contextmanager
def one_blas_thread(enabled=True):
    """Run the block with one BLAS thread (nothing changes when not
    ``enabled``)."""
    global _depth, _saved
    if not enabled:
        yield
        return
    with _lock:
        if _depth == 0:
            libs = _blas_libraries()
            _saved = [(lib, lib.num_threads) for lib in libs]
            for lib, n in _saved:
                if n != 1:
                    lib.set_num_threads(1)
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                for lib, n in _saved:
                    if n != 1:
                        lib.set_num_threads(n)
                _saved = []


def pinned(method):
    """Decorate a method so that it runs inside :func:`one_blas_thread`."""
    @functools.wraps(method)
    def run(*args, **kwargs):
        with one_blas_thread():
            return method(*args, **kwargs)
    return run
