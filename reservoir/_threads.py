"""``n_jobs`` -> numba threads, restored afterwards."""

from __future__ import annotations

import os
from contextlib import contextmanager

import numba

__all__ = ["numba_threads", "effective_n_jobs"]


def effective_n_jobs(n_jobs):
    """Threads for ``n_jobs`` as joblib counts them (None -> 1, -1 -> all)."""
    available = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, available + 1 + n_jobs)
    return max(1, min(int(n_jobs), available))


@contextmanager
def numba_threads(n_jobs):
    """Run numba's parallel kernels on ``n_jobs`` threads inside the block."""
    old = numba.get_num_threads()
    numba.set_num_threads(effective_n_jobs(n_jobs))
    try:
        yield
    finally:
        numba.set_num_threads(old)
