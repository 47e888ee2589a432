"""Searches and backtests on a dask.distributed cluster, through joblib.

A process-based ``LocalCluster`` of two workers with two threads each, as the
README's "Scaling out" section sets up. Skipped when dask.distributed is not
installed (the ``distributed`` extra).
"""

import os

import numpy as np
import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

from distributed import Client, LocalCluster, get_task_stream  # noqa: E402
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit  # noqa: E402

from forecasting import Forecaster, backtest  # noqa: E402
from reservoir import ESNRegressor  # noqa: E402
from reservoir._threads import effective_n_jobs, thread_budget  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with LocalCluster(processes=True, n_workers=2, threads_per_worker=2,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _worker_pids(client):
    pids = client.run(os.getpid)              # {worker address: process id}
    assert len(pids) == 2 and os.getpid() not in pids.values()
    return pids


def _series(n=600):
    t = np.arange(n)
    u = (np.sin(0.21 * t) * np.cos(0.033 * t) + 0.2 * np.sin(0.9 * t))[:, None]
    return u[:-1], u[1:, 0]


def _search(n_jobs):
    # Defined inside so that it pickles by value (the workers cannot import
    # this test module): the process that computed each split's score.
    def pid(est, X, y):
        return float(os.getpid())

    def score(est, X, y):
        return est.score(X, y)

    grid = {"spectral_radius": [0.5, 0.95], "n_reservoir": [20, 40],
            "density": [0.05, 0.2]}
    return GridSearchCV(ESNRegressor(washout=20, random_state=0), grid,
                        cv=TimeSeriesSplit(n_splits=3), n_jobs=n_jobs,
                        scoring={"score": score, "pid": pid}, refit="score")


def test_grid_search_on_the_cluster_gives_the_serial_bits(client):
    X, y = _series()
    serial = _search(1).fit(X, y)
    with joblib.parallel_config(backend="dask"):
        dist = _search(-1).fit(X, y)
    for split in range(3):
        key = f"split{split}_test_score"
        np.testing.assert_array_equal(dist.cv_results_[key], serial.cv_results_[key])
    assert dist.best_params_ == serial.best_params_
    np.testing.assert_array_equal(dist.best_estimator_.predict(X),
                                  serial.best_estimator_.predict(X))
    # every fit (and its score) ran in a worker process, none here
    pids = set(_worker_pids(client).values())
    ran = {p for s in range(3) for p in dist.cv_results_[f"split{s}_test_pid"]}
    assert ran <= {float(p) for p in pids}
    assert float(os.getpid()) in {p for s in range(3)
                                  for p in serial.cv_results_[f"split{s}_test_pid"]}


def test_backtest_on_the_cluster_gives_the_serial_bits(client):
    idx = pd.date_range("2024-01-01", periods=24 * 20, freq="h")
    rng = np.random.RandomState(0)
    y = pd.Series(10 + np.sin(2 * np.pi * np.arange(len(idx)) / 24)
                  + 0.1 * rng.randn(len(idx)), index=idx, name="load")
    f = Forecaster(ESNRegressor(n_reservoir=30, washout=24, random_state=0))
    serial = backtest(f, y, initial=24 * 14, horizon=12, step=24)
    with get_task_stream(client) as tasks, joblib.parallel_config(backend="dask"):
        dist = backtest(f, y, initial=24 * 14, horizon=12, step=24, n_jobs=-1)
    pd.testing.assert_frame_equal(dist.table, serial.table, check_exact=True)
    pd.testing.assert_series_equal(dist.summary, serial.summary, check_exact=True)
    workers = set(_worker_pids(client))
    ran_on = {t["worker"] for t in tasks.data}
    assert len(tasks.data) >= 1 and ran_on <= workers


def test_inside_a_worker_thread_the_budget_is_one_core_per_task(client):
    """Two workers of two threads on this machine: the nanny starts workers
    with OMP_NUM_THREADS=1 and each worker thread gets cores // 2; either
    way n_jobs=-1 inside a task means one numba thread, not all cores."""
    assert client.submit(thread_budget, pure=False).result() == 1
    assert client.submit(effective_n_jobs, -1, pure=False).result() == 1
    assert client.submit(effective_n_jobs, 2, pure=False).result() == min(
        2, client.submit(lambda: __import__("numba").config.NUMBA_NUM_THREADS,
                         pure=False).result())
