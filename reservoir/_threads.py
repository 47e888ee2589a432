"""``n_jobs`` -> numba threads, restored afterwards; thread budgets and the
guard that makes parallel kernels safe to enter from several threads.

Three layers of threads can multiply: the outer jobs of joblib or dask
(processes and their threads), numba's threads inside one fit (``n_jobs`` of
the estimator) and BLAS threads inside the readout. The rules here:

- ``n_jobs=None`` is one numba thread, as in scikit-learn; an explicit positive
  ``n_jobs`` is honoured (up to ``NUMBA_NUM_THREADS``).
- ``n_jobs=-1`` means every core *granted to this task* (:func:`thread_budget`):
  ``NUMBA_NUM_THREADS``, capped by ``OMP_NUM_THREADS`` when it is set (joblib's
  process workers set both to ``cores // n_jobs``; a dask nanny starts its
  workers with ``OMP_NUM_THREADS=1``), and inside a dask worker thread by
  ``cores // worker threads``.
- The recurrent networks use a helper thread only when the budget allows two.
"""

from __future__ import annotations

import os
import sys
import threading
from contextlib import contextmanager, nullcontext

import numba

from ._blas import one_blas_thread

__all__ = ["numba_threads", "effective_n_jobs", "single_threaded_blas",
           "thread_budget"]

# Threading layers that may be entered by several Python threads at once.
# numba's ``workqueue`` layer aborts the process when that happens (numba
# issues 8563 and 9288), and it is what numba falls back to when neither TBB
# nor OpenMP can be loaded (the usual case on macOS with pip wheels).
_THREADSAFE_LAYERS = ("tbb", "omp")
_launch_lock = threading.RLock()


def _forget_lock():
    global _launch_lock
    _launch_lock = threading.RLock()


if hasattr(os, "register_at_fork"):   # a lock held by a thread that does not exist
    os.register_at_fork(after_in_child=_forget_lock)


def _env_threads(name):
    """The first positive integer of an ``*_NUM_THREADS`` variable, or None."""
    value = os.environ.get(name, "").split(",")[0].strip()
    try:
        n = int(value)
    except ValueError:
        return None
    return n if n > 0 else None


def _dask_worker_threads():
    """Threads of the dask worker running the calling thread, or None."""
    distributed = sys.modules.get("distributed")   # never import dask ourselves
    if distributed is None:
        return None
    try:
        worker = distributed.get_worker()
    except (ValueError, AttributeError):
        return None
    return getattr(worker, "nthreads", None)


def thread_budget():
    """Threads one task of this process may use for its inner parallelism.

    ``NUMBA_NUM_THREADS`` (all cores, unless set), capped by
    ``OMP_NUM_THREADS`` when set and, inside a dask worker thread, by the
    cores per worker thread. Never less than 1.
    """
    cores = numba.config.NUMBA_NUM_THREADS
    budget = cores
    omp = _env_threads("OMP_NUM_THREADS")
    if omp is not None:
        budget = min(budget, omp)
    nthreads = _dask_worker_threads()
    if nthreads:
        budget = min(budget, cores // nthreads)
    return max(1, budget)


def effective_n_jobs(n_jobs):
    """Threads for ``n_jobs`` as joblib counts them (None -> 1, -1 -> all
    the cores granted to this task, see :func:`thread_budget`)."""
    available = numba.config.NUMBA_NUM_THREADS
    if n_jobs is None:
        return 1
    if n_jobs < 0:
        return max(1, thread_budget() + 1 + n_jobs)
    return max(1, min(int(n_jobs), available))


def _threadsafe_layer():
    try:
        return numba.threading_layer() in _THREADSAFE_LAYERS
    except ValueError:          # no thread pool launched yet
        return False


@contextmanager
def numba_threads(n_jobs):
    """Run numba's parallel kernels on ``n_jobs`` threads inside the block.

    Every call of a ``parallel=True`` kernel goes through this block (also
    with one thread: the kernel still enters the threading layer). Under a
    threading layer that is not thread-safe (``workqueue``), the blocks of
    all threads of the process are serialised by one lock, so dask workers
    with several threads, or the threading backend of joblib, cannot crash
    the process. Under TBB or OpenMP no lock is taken.
    """
    old = numba.get_num_threads()        # launches the pool: the layer is known
    guard = nullcontext() if _threadsafe_layer() else _launch_lock
    with guard:
        numba.set_num_threads(effective_n_jobs(n_jobs))
        try:
            yield
        finally:
            numba.set_num_threads(old)


@contextmanager
def single_threaded_blas():
    """One BLAS thread inside the block, and numba threads within the budget.

    The recurrent networks multiply small matrices at every step (a batch of
    32 by a few hundred units). Measured on a 2-core machine with the other
    core busy, OpenBLAS with two threads took 8 ms, one scheduler quantum,
    for a (3200 x 3) @ (3 x 256) product that one thread does in 0.12 ms.
    The GRU and LSTM kernels get the second core another way: large batches
    run as two groups of sequences on two threads, each with one-thread BLAS
    products (see ``reservoir.rnn._cells``), when ``numba.get_num_threads()``
    is at least 2. Inside the block that count is capped by
    :func:`thread_budget`, so a fit inside a dask worker thread or a joblib
    process worker does not add a helper thread beyond its share of cores.
    The BLAS part is :func:`reservoir._blas.one_blas_thread`, the one
    pinning of the package (the reservoir path uses it too): libraries looked
    up once, re-entrant, and safe with blocks in several threads at once.
    """
    old = numba.get_num_threads()
    numba.set_num_threads(min(old, thread_budget()))
    try:
        with one_blas_thread():
            yield
    finally:
        numba.set_num_threads(old)
