"""What making parallel kernels safe for several calling threads costs.

    python benchmarks/bench_threads.py [--repeats 3]

Dask workers (and joblib's threading backend) call estimators from several
threads of one process at once. numba's ``workqueue`` threading layer aborts
the process when two threads enter a ``parallel=True`` kernel together, so the
project serialises those calls with a lock under that layer
(``reservoir._threads.numba_threads``) and takes no lock under OpenMP or TBB.
The alternatives measured here, each in a fresh process:

- ``omp``: numba's OpenMP layer (thread-safe; what numba picks here when TBB
  is absent), no lock;
- ``workqueue + lock``: the layer that would abort, with the project's lock;
- ``no parallel=True``: the many-sequence kernel compiled serially (the same
  Python function, ``parallel=False``), as if the project dropped
  ``parallel=True``; any layer.

The job: ``ESNRegressor(n_reservoir=100, n_jobs=2)`` fitted on 128 sequences
of 100 steps, ``--fits`` times per caller, by 1 caller and by 4 callers
(threads) at once; the wall time until all are done, median of ``--repeats``
processes per variant (run alternately). BLAS runs on one thread
(``OPENBLAS_NUM_THREADS=1``, as in a dask worker), so that the table measures
numba's threads, not BLAS threads competing with them. Also the time of one
uncontended ``numba_threads`` block (numba's ``get_num_threads`` and
``set_num_threads`` are most of it), in microseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(__file__))
from _common import table  # noqa: E402

_CHILD = r"""
import json, sys, threading, time
import numba, numpy as np
variant, callers, fits = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
from reservoir import ESNRegressor, _kernels
from reservoir._threads import numba_threads
if variant == "serial":
    _kernels._harvest_many = numba.njit(nogil=True, error_model="numpy")(
        _kernels._harvest_many.py_func)
rng = np.random.RandomState(0)
X = [rng.randn(100, 2) for _ in range(128)]
y = [np.tanh(x.sum(axis=1)) for x in X]
def job():
    for _ in range(fits):
        ESNRegressor(n_reservoir=100, n_jobs=2, random_state=0).fit(X, y)
ESNRegressor(n_reservoir=100, n_jobs=2, random_state=0).fit(X, y)   # compile / load
threads = [threading.Thread(target=job) for _ in range(callers)]
t0 = time.perf_counter()
for t in threads: t.start()
for t in threads: t.join()
wall = time.perf_counter() - t0
t0 = time.perf_counter()
for _ in range(10000):
    with numba_threads(2):
        pass
guard = (time.perf_counter() - t0) / 10000
print(json.dumps({"wall": wall, "layer": numba.threading_layer(), "guard": guard}))
"""

_VARIANTS = {"omp": ("default", {}), "workqueue + lock": ("default",
                                                          {"NUMBA_THREADING_LAYER": "workqueue"}),
             "no parallel=True": ("serial", {})}


def run(name, callers, fits):
    variant, extra = _VARIANTS[name]
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", **extra)
    out = subprocess.run([sys.executable, "-c", _CHILD, variant, str(callers), str(fits)],
                         capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--fits", type=int, default=5)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()
    results = {(n, c): [] for n in _VARIANTS for c in (1, 4)}
    layers, guards = {}, {}
    for _ in range(args.repeats):
        for name in _VARIANTS:
            for callers in (1, 4):
                r = run(name, callers, args.fits)
                results[name, callers].append(r["wall"])
                layers[name] = r["layer"]
                guards.setdefault(name, []).append(r["guard"])
    load_after = os.getloadavg()
    med = {k: statistics.median(v) for k, v in results.items()}
    rows = []
    for name in _VARIANTS:
        rows.append([f"{name} ({layers[name]})",
                     f"{med[name, 1]:.2f}", f"{med[name, 1] / med['omp', 1]:.2f}",
                     f"{med[name, 4]:.2f}", f"{med[name, 4] / med['omp', 4]:.2f}",
                     f"{1e6 * statistics.median(guards[name]):.1f}"])
    print(f"ESNRegressor(n_reservoir=100, n_jobs=2).fit on 128 x 100 steps, "
          f"{args.fits} fits per caller; median of {args.repeats} processes")
    print(table(["variant (layer)", "1 caller s", "ratio", "4 callers s", "ratio",
                 "guard us"], rows))
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}")


if __name__ == "__main__":
    main()
