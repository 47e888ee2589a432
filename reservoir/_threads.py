"""``n_jobs`` -> numba threads, restored afterwards."""

from __future__ import annotations

from contextlib import contextmanager

import numba

__all__ = ["numba_threads", "effective_n_jobs", "single_threaded_blas"]


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


@contextmanager
def single_threaded_blas():
    """One BLAS thread inside the block.

    The recurrent networks multiply small matrices at every step (a batch of
    32 by a few hundred units). Measured on a 2-core machine with the other
    core busy, OpenBLAS with two threads took 8 ms, one scheduler quantum,
    for a (3200 x 3) @ (3 x 256) product that one thread does in 0.12 ms.
    The GRU and LSTM kernels get the second core another way: large batches
    run as two groups of sequences on two threads, each with one-thread BLAS
    products (see ``reservoir.rnn._cells``).
    """
    from threadpoolctl import threadpool_limits

    import scipy.linalg.cython_blas  # noqa: F401  (the BLAS numba calls: load it first)

    with threadpool_limits(limits=1, user_api="blas"):
        yield
