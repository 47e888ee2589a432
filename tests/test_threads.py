"""Thread budgets and parallel kernels entered from several threads at once."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import numba
import numpy as np
import pytest

from reservoir import ESNRegressor, Reservoir
from reservoir._threads import effective_n_jobs, single_threaded_blas, thread_budget

ROOT = Path(__file__).resolve().parents[1]


def _many_sequences(seed, n=50):
    """Enough sequences of mixed lengths for a full 32-lane group, a partly
    filled one and leftovers run one by one."""
    rng = np.random.RandomState(seed)
    X = [rng.randn(int(rng.randint(20, 60)), 2) for _ in range(n)]
    y = [np.tanh(x.sum(axis=1)) for x in X]
    return X, y


def _estimators(seed, n_jobs):
    """A tiny instance of every public estimator class (new ones included),
    with ``n_jobs`` where the class has it."""
    from reservoir._warm import _TINY, _estimator_classes
    out = []
    for cls in _estimator_classes():
        params = cls().get_params(deep=False)
        kw = {k: v for k, v in _TINY.items() if k in params}
        kw.update({k: v for k, v in (("n_jobs", n_jobs), ("washout", 5),
                                     ("random_state", seed)) if k in params})
        out.append(cls(**kw))
    return out


def _flat(out):
    if isinstance(out, list):
        return np.concatenate([np.asarray(o).ravel() for o in out])
    return np.asarray(out).ravel()


def _job(seed, n_jobs):
    from sklearn.base import is_classifier
    X, y = _many_sequences(seed)
    results = []
    for est in _estimators(seed, n_jobs):
        if not hasattr(est, "predict"):
            results.append(_flat(est.fit(X).transform(X)))
            continue
        target = [(t > 0).astype(np.int64) for t in y] if is_classifier(est) else y
        results.append(_flat(est.fit(X, target).predict(X)))
    return results


def concurrent_fits_match_serial(n_threads=4, rounds=4):
    """Fit every public estimator in ``n_threads`` threads at once (``n_jobs=2``
    where the class has it), each ``rounds`` times; compare the bits with the
    same fits run one after the other with ``n_jobs=1``.
    Returns (threading layer, whether every result matched)."""
    import warnings
    warnings.simplefilter("ignore")      # one epoch does not converge; not thread-local
    seeds = range(n_threads)
    serial = {s: _job(s, 1) for s in seeds}
    results, errors = {s: [] for s in seeds}, []
    barrier = threading.Barrier(n_threads)

    def run(s):
        try:
            barrier.wait()
            for _ in range(rounds):
                results[s].append(_job(s, 2))
        except BaseException as exc:      # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    same = all(len(got) == len(serial[s]) and all(
        np.array_equal(a, b) for a, b in zip(got, serial[s]))
        for s in seeds for got in results[s])
    return numba.threading_layer(), same


@pytest.mark.filterwarnings("ignore")
def test_four_threads_fitting_at_once_give_the_serial_bits():
    """Same process, same shapes: the parallel kernel is bitwise equal to the
    one-thread run of every sequence, so the bits must not change."""
    layer, same = concurrent_fits_match_serial()
    assert same, f"concurrent fits differ from serial ones under {layer}"


def test_the_workqueue_layer_survives_concurrent_fits():
    """The layer that aborts the process on concurrent entry (numba issues
    8563, 9288): without the guard in ``numba_threads`` this run dies with
    SIGABRT ("Concurrent access has been detected")."""
    code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
            "from test_threads import concurrent_fits_match_serial\n"
            "layer, same = concurrent_fits_match_serial()\n"
            "print(layer, same)\n")
    env = dict(os.environ, NUMBA_THREADING_LAYER="workqueue",
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-c", code, str(ROOT / "tests")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["workqueue", "True"]


def test_minus_one_means_the_cores_granted_to_the_task(monkeypatch):
    cores = numba.config.NUMBA_NUM_THREADS
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert thread_budget() == cores
    assert effective_n_jobs(-1) == cores
    assert effective_n_jobs(-2) == max(1, cores - 1)
    assert effective_n_jobs(None) == 1
    # joblib's process workers and dask's nanny announce the share this way
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert thread_budget() == 1 and effective_n_jobs(-1) == 1
    assert effective_n_jobs(2) == min(2, cores)      # explicit: honoured
    monkeypatch.setenv("OMP_NUM_THREADS", "64,2")    # nested OpenMP syntax
    assert thread_budget() == cores
    monkeypatch.setenv("OMP_NUM_THREADS", "lots")    # not a number: ignored
    assert thread_budget() == cores


def test_the_recurrent_helper_thread_follows_the_budget(monkeypatch):
    """The GRU/LSTM kernels split a batch over two threads only when
    ``numba.get_num_threads()`` allows two; the estimators' BLAS block caps
    it at the budget and restores it afterwards."""
    before = numba.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    with single_threaded_blas():
        assert numba.get_num_threads() == 1
    assert numba.get_num_threads() == before
    monkeypatch.delenv("OMP_NUM_THREADS")
    with single_threaded_blas():
        assert numba.get_num_threads() == min(before, thread_budget())


def test_the_blas_limit_is_restored_when_the_last_thread_leaves():
    """OpenBLAS's limit is process-wide: threads entering and leaving the
    recurrent networks' one-BLAS-thread block in any order must leave the
    original count behind (not one thread for good)."""
    from threadpoolctl import threadpool_info

    import scipy.linalg.cython_blas  # noqa: F401

    def blas_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    original = blas_threads()
    inside, errors = [], []
    entered = threading.Barrier(4)
    order = [threading.Event() for _ in range(4)]

    def run(i):
        try:
            with single_threaded_blas():
                entered.wait()
                inside.append(blas_threads())
                order[i].wait()                  # leave in the order 0, 1, 2, 3
                inside.append(blas_threads())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for i, t in enumerate(threads):
        order[i].set()
        t.join()
    assert not errors
    assert len(inside) == 8 and all(counts for counts in inside)
    assert blas_threads() == original


def test_inside_joblib_process_workers_minus_one_is_the_workers_share(monkeypatch):
    """joblib's process workers get NUMBA_NUM_THREADS and OMP_NUM_THREADS of
    cores // n_jobs (unless the parent set them): two workers on this machine
    must not each take every core."""
    joblib = pytest.importorskip("joblib")
    for var in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    share = max(1, joblib.cpu_count() // 2)
    got = joblib.Parallel(n_jobs=2, backend="loky")(
        joblib.delayed(effective_n_jobs)(-1) for _ in range(4))
    assert all(1 <= g <= share for g in got), (got, share)
