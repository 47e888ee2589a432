"""A 200-configuration ESN grid search on a 2-worker dask LocalCluster
against the same search with ``n_jobs=1``, in the same run.

    python benchmarks/bench_distributed.py [--repeats 3] [--quick] [--compile]

The grid (spectral radius x input scaling x density x leak rate, 5 x 5 x 2 x 4,
N = 100) is searched with ``GridSearchCV(cv=TimeSeriesSplit(3))`` on 2,000
Mackey-Glass steps: 600 fits. The cluster is
``LocalCluster(processes=True, n_workers=2, threads_per_worker=2)`` reached
through ``joblib.parallel_config(backend="dask")``, as in the README. Its
workers are warmed by one small search first (imports and kernels loaded from
numba's cache); the start-up and that first search are reported apart.
References in the same run: the serial search with the default BLAS threads
and with one BLAS thread (what the dask workers get: their nanny sets
``OPENBLAS_NUM_THREADS=1``), and joblib's own process pool (loky,
``n_jobs=2``). Each variant runs ``--repeats`` times, alternating (the serial
search with default BLAS threads once: on a loaded machine it is several
times slower); the table gives medians. The speed-up is against the faster
serial reference.

Scheduling overhead per task: the same route (``Parallel(n_jobs=-1)`` under
the dask backend) running as many no-op calls as the search has fits, wall
time divided by the number of calls; and, from the dask task stream of the
search, the number of dask tasks (joblib batches calls) and the time the
workers spent inside them, against the wall time times the 4 worker threads.

``--compile`` measures instead what a fresh worker pays before its first fit:
a fresh process fitting an ESN, then an LSTM and a GRU, on an empty
``NUMBA_CACHE_DIR``; ``python -m reservoir --warm-cache`` on another empty one;
and the same fresh process after it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import table  # noqa: E402


def grid(quick):
    if quick:
        return {"spectral_radius": [0.5, 0.9], "input_scaling": [0.3, 1.0],
                "density": [0.05, 0.1], "leak_rate": [0.5, 1.0]}
    return {"spectral_radius": [0.5, 0.7, 0.8, 0.9, 0.95],
            "input_scaling": [0.1, 0.3, 0.5, 1.0, 2.0],
            "density": [0.05, 0.1],
            "leak_rate": [0.3, 0.5, 0.8, 1.0]}


def data(n=2000):
    from reservoir import datasets
    u = datasets.mackey_glass_squash(datasets.mackey_glass(n + 1, random_state=0))
    return u[:-1, None], u[1:]


def search(param_grid, n_jobs):
    from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
    from reservoir import ESNRegressor
    return GridSearchCV(ESNRegressor(n_reservoir=100, washout=100, random_state=0),
                        param_grid, cv=TimeSeriesSplit(n_splits=3), n_jobs=n_jobs,
                        refit=False)


def _noop(i):
    return i


_FIRST_FITS = r"""
import sys, time, warnings
warnings.simplefilter("ignore")
t0 = time.perf_counter()
import numpy as np
from reservoir import ESNRegressor, GRURegressor, LSTMRegressor
u = np.sin(np.arange(500) * 0.1)[:, None]
t1 = time.perf_counter()
ESNRegressor(n_reservoir=100, random_state=0).fit(u[:-1], u[1:, 0]).predict(u)
t2 = time.perf_counter()
for cls in (LSTMRegressor, GRURegressor):
    cls(hidden_size=16, max_iter=2, random_state=0).fit(u[:-1], u[1:, 0]).predict(u)
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def compile_cost():
    import subprocess
    import tempfile

    def first_fits(cache):
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        out = subprocess.run([sys.executable, "-c", _FIRST_FITS], env=env, check=True,
                             capture_output=True, text=True).stdout.split()
        return [float(v) for v in out]

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as cold, tempfile.TemporaryDirectory() as warm:
        empty = first_fits(cold)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "reservoir", "--warm-cache"], check=True,
                       env=dict(os.environ, NUMBA_CACHE_DIR=warm), capture_output=True)
        t_warm = time.perf_counter() - t0
        warmed = first_fits(warm)
        again = first_fits(cold)          # the first run filled it: numba's cache alone
    rows = [["empty cache", *(f"{v:.2f}" for v in empty)],
            ["after the first run (its own cache)", *(f"{v:.2f}" for v in again)],
            ["after python -m reservoir --warm-cache", *(f"{v:.2f}" for v in warmed)]]
    print("fresh process: import, first ESNRegressor fit + predict, first LSTM + GRU fit + predict")
    print(table(["numba cache", "import s", "ESN s", "LSTM + GRU s"], rows))
    print(f"python -m reservoir --warm-cache on an empty cache: {t_warm:.1f} s")
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--compile", action="store_true")
    args = parser.parse_args(argv)
    if args.compile:
        return compile_cost()

    import joblib
    from distributed import Client, LocalCluster, get_task_stream
    from threadpoolctl import threadpool_limits

    X, y = data()
    param_grid = grid(args.quick)
    n_configs = int(np.prod([len(v) for v in param_grid.values()]))
    n_fits = 3 * n_configs
    load_before = os.getloadavg()

    t0 = time.perf_counter()
    cluster = LocalCluster(processes=True, n_workers=2, threads_per_worker=2,
                           dashboard_address=None)
    client = Client(cluster)
    t_start = time.perf_counter() - t0
    small = {"spectral_radius": [0.5, 0.9], "density": [0.05, 0.1]}
    t0 = time.perf_counter()
    with joblib.parallel_config(backend="dask"):
        search(small, -1).fit(X, y)
    t_first = time.perf_counter() - t0

    times = {k: [] for k in ("serial", "serial1", "loky", "dask")}
    tasks = None
    reference = None
    for rep in range(args.repeats):
        if rep == 0:             # slow on a busy machine: once, for information
            t0 = time.perf_counter()
            search(param_grid, 1).fit(X, y)
            times["serial"].append(time.perf_counter() - t0)
        with threadpool_limits(limits=1, user_api="blas"):
            t0 = time.perf_counter()
            s = search(param_grid, 1).fit(X, y)
            times["serial1"].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        search(param_grid, 2).fit(X, y)
        times["loky"].append(time.perf_counter() - t0)
        with get_task_stream(client) as ts, joblib.parallel_config(backend="dask"):
            t0 = time.perf_counter()
            d = search(param_grid, -1).fit(X, y)
            times["dask"].append(time.perf_counter() - t0)
        tasks = ts.data
        reference = s.cv_results_["mean_test_score"]
        assert np.array_equal(d.cv_results_["mean_test_score"], reference), \
            "the cluster's scores differ from the serial ones"

    with joblib.parallel_config(backend="dask"):
        joblib.Parallel(n_jobs=-1)(joblib.delayed(_noop)(i) for i in range(50))
        t0 = time.perf_counter()
        joblib.Parallel(n_jobs=-1)(joblib.delayed(_noop)(i) for i in range(n_fits))
        t_noop = time.perf_counter() - t0
    worker_pids = client.run(os.getpid)
    client.close()
    cluster.close()
    load_after = os.getloadavg()

    med = {k: statistics.median(v) for k, v in times.items()}
    best_serial = min(med["serial"], med["serial1"])
    busy = sum(ss["stop"] - ss["start"] for t in tasks for ss in t["startstops"]
               if ss["action"] == "compute")
    wall = times["dask"][-1]
    rows = [
        ["serial, n_jobs=1 (default BLAS threads; one run)", f"{med['serial']:.2f}",
         f"{best_serial / med['serial']:.2f}x"],
        ["serial, n_jobs=1, one BLAS thread", f"{med['serial1']:.2f}",
         f"{best_serial / med['serial1']:.2f}x"],
        ["loky process pool, n_jobs=2", f"{med['loky']:.2f}",
         f"{best_serial / med['loky']:.2f}x"],
        ["dask LocalCluster 2 workers x 2 threads, n_jobs=-1", f"{med['dask']:.2f}",
         f"{best_serial / med['dask']:.2f}x"],
    ]
    print(f"{n_configs} configurations x 3 splits = {n_fits} fits of "
          f"ESNRegressor(n_reservoir=100) on 1,500 steps or fewer; "
          f"median of {args.repeats}")
    print(table(["search", "s", "speed-up vs serial"], rows))
    print()
    print(f"cluster start-up: {t_start:.2f} s; first (small) search on the fresh "
          f"workers: {t_first:.2f} s; worker pids {sorted(worker_pids.values())}, "
          f"client pid {os.getpid()}")
    print(f"no-op calls through the dask backend: {1e3 * t_noop / n_fits:.2f} ms "
          f"per call ({n_fits} calls, {t_noop:.2f} s)")
    print(f"last dask search: {len(tasks)} dask tasks for {n_fits} fits; workers "
          f"computed for {busy:.2f} s of {4 * wall:.2f} thread-seconds "
          f"({wall:.2f} s wall x 4 threads); serial compute per fit "
          f"{1e3 * best_serial / n_fits:.1f} ms")
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
