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


def _job(seed):
    X, y = _many_sequences(seed)
    esn = ESNRegressor(n_reservoir=40, washout=5, n_jobs=2, random_state=seed).fit(X, y)
    states = Reservoir(n_reservoir=30, n_jobs=2, random_state=seed).fit(X).transform(X)
    return esn.coef_, np.concatenate(esn.predict(X)), np.concatenate(states)


def concurrent_fits_match_serial(n_threads=4, rounds=6):
    """Fit in ``n_threads`` threads at once, each ``rounds`` times; compare the
    bits with the same fits run one after the other with ``n_jobs=1``.
    Returns (threading layer, whether every result matched)."""
    seeds = range(n_threads)
    serial = {}
    for s in seeds:
        X, y = _many_sequences(s)
        esn = ESNRegressor(n_reservoir=40, washout=5, n_jobs=1, random_state=s).fit(X, y)
        res = Reservoir(n_reservoir=30, n_jobs=1, random_state=s).fit(X)
        serial[s] = (esn.coef_, np.concatenate(esn.predict(X)),
                     np.concatenate(res.transform(X)))
    results, errors = {s: [] for s in seeds}, []
    barrier = threading.Barrier(n_threads)

    def run(s):
        try:
            barrier.wait()
            for _ in range(rounds):
                results[s].append(_job(s))
        except BaseException as exc:      # reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in seeds]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    same = all(np.array_equal(a, b)
               for s in seeds for got in results[s] for a, b in zip(got, serial[s]))
    return numba.threading_layer(), same


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
