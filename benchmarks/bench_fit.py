"""A small fit, the unit of every search, against ReservoirPy; and a fit at scale.

    python benchmarks/bench_fit.py [--sizes 100 200 300 500 1000] [--repeats 7]
    python benchmarks/bench_fit.py --scale 1000000 2000000 [--scale-n 1000]

The first form times, through the public API on 2,000 steps of Mackey-Glass,

- ``ESNRegressor(n_reservoir=N).fit(u, y).predict(u)`` against the same job in
  ReservoirPy 0.4.2 (``Reservoir >> Ridge`` with the same N, spectral radius,
  density, leak rate, ridge, uniform recurrent and input weights and the same
  bias range; ReservoirPy's readout reads only the states, ours also the
  input column, so ours does slightly more work);
- ``Reservoir(n_reservoir=N).fit(u)`` (drawing the matrices and scaling them
  to the spectral radius) against ReservoirPy's ``Reservoir.initialize``.

Each repeat runs the two jobs back to back, in alternating order, with a
fresh seed; the ratio is ReservoirPy's time over ours, the median over the
repeats of the per-pair ratio (pairs see the same machine load). ReservoirPy
runs as installed (OpenBLAS with its default threads) and, in a second
column, inside ``threadpool_limits(1)``, so the gain from pinning BLAS is
visible separately.

The second form fits ``ESNRegressor(n_reservoir=1000)`` on each length in a
fresh process and reports time and peak resident memory (``ru_maxrss``),
beside the peak after only creating the input arrays.

Results append to ``benchmarks/fit_results.md`` with ``--write``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import table  # noqa: E402

from reservoir import ESNRegressor, Reservoir, datasets  # noqa: E402

PARAMS = dict(spectral_radius=0.9, density=0.1, leak_rate=1.0, alpha=1e-6,
              bias_scaling=0.2, input_scaling=1.0)
RESULTS = os.path.join(os.path.dirname(__file__), "fit_results.md")


def series(n_steps):
    x = datasets.mackey_glass(n_steps + 1, random_state=0)
    x = (x - x.mean()) / x.std()
    return x[:-1, None], x[1:]


# -- the jobs ---------------------------------------------------------------
def ours_fit(N, seed, u, y):
    ESNRegressor(n_reservoir=N, random_state=seed, **PARAMS).fit(u, y).predict(u)


def ours_init(N, seed, u, y):
    keys = ("spectral_radius", "density", "leak_rate", "bias_scaling", "input_scaling")
    Reservoir(n_reservoir=N, random_state=seed,
              **{k: PARAMS[k] for k in keys}).fit(u)


def rpy_reservoir(N, seed):
    from reservoirpy import mat_gen
    from reservoirpy.nodes import Reservoir as RpyReservoir
    b = PARAMS["bias_scaling"]
    return RpyReservoir(units=N, sr=PARAMS["spectral_radius"], lr=PARAMS["leak_rate"],
                        rc_connectivity=PARAMS["density"], input_connectivity=1.0,
                        input_scaling=PARAMS["input_scaling"], W=mat_gen.uniform,
                        Win=mat_gen.uniform, bias=mat_gen.uniform(low=-b, high=b),
                        seed=seed)


def rpy_fit(N, seed, u, y):
    from reservoirpy.nodes import Ridge
    model = rpy_reservoir(N, seed) >> Ridge(ridge=PARAMS["alpha"])
    model.fit(u, y[:, None])
    model.run(u)


def rpy_init(N, seed, u, y):
    rpy_reservoir(N, seed).initialize(u)


def one_thread(job):
    # the project's cached limiter: threadpool_limits itself costs ~20 ms a
    # call, which would be charged to the reference
    from reservoir._blas import one_blas_thread

    def run(*args):
        with one_blas_thread():
            job(*args)
    return run


def paired(jobs, N, repeats, u, y):
    """Times of each job over ``repeats`` rounds, the order rotating."""
    for job in jobs:                      # warm: numba's cache, imports
        job(N, 0, u, y)
    times = [[] for _ in jobs]
    for r in range(repeats):
        order = list(range(len(jobs)))
        order = order[r % len(order):] + order[:r % len(order)]
        for j in order:
            t0 = time.perf_counter()
            jobs[j](N, r + 1, u, y)
            times[j].append(time.perf_counter() - t0)
    return times


def ratio(ref, ours):
    return statistics.median(a / b for a, b in zip(ref, ours))


def small_fits(sizes, repeats, n_steps):
    u, y = series(n_steps)
    out = []
    for what, ours, rpy in (("fit + predict", ours_fit, rpy_fit),
                            ("Reservoir.fit alone", ours_init, rpy_init)):
        rows = []
        for N in sizes:
            t_ours, t_rpy, t_rpy1 = paired([ours, rpy, one_thread(rpy)], N,
                                           repeats, u, y)
            med = [1e3 * statistics.median(t) for t in (t_ours, t_rpy, t_rpy1)]
            rows.append([N, f"{med[0]:.1f}", f"{med[1]:.1f}", f"{med[2]:.1f}",
                         f"{ratio(t_rpy, t_ours):.2f}",
                         f"{ratio(t_rpy1, t_ours):.2f}"])
            print(what, rows[-1], flush=True)
        out.append((what, rows))
    return out


# -- scale --------------------------------------------------------------------
def scale_child(n_steps, N):
    rng = np.random.RandomState(0)
    u = rng.uniform(-1, 1, size=(n_steps, 1))
    y = np.roll(u[:, 0], 3)
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    esn = ESNRegressor(n_reservoir=N, washout=100, random_state=0).fit(u, y)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"steps": n_steps, "N": N, "seconds": elapsed,
                      "base_mb": base, "peak_mb": peak,
                      "samples": int(esn.n_samples_fitted_)}))


def scale(lengths, N):
    rows = []
    for T in lengths:
        res = subprocess.run([sys.executable, __file__, "--scale-child", str(T),
                              str(N)], check=True, capture_output=True, text=True)
        r = json.loads(res.stdout.strip().splitlines()[-1])
        rows.append([f"{T:,}", N, f"{r['seconds']:.1f}",
                     f"{1e6 * r['seconds'] / T:.1f}", f"{r['base_mb']:.0f}",
                     f"{r['peak_mb']:.0f}"])
        print(rows[-1], flush=True)
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[100, 200, 300, 500, 1000])
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--scale", type=int, nargs="+", default=None,
                   help="fit these lengths at --scale-n units instead")
    p.add_argument("--scale-n", type=int, default=1000)
    p.add_argument("--scale-child", type=int, nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--write", action="store_true", help=f"append to {RESULTS}")
    args = p.parse_args(argv)
    if args.scale_child:
        return scale_child(*args.scale_child)
    load0 = os.getloadavg()
    t0 = time.time()
    if args.scale:
        rows = scale(args.scale, args.scale_n)
        text = table(["steps", "N", "fit (s)", "µs / step", "peak RSS before fit (MB)",
                      "peak RSS after fit (MB)"], rows)
        title = f"Fit at scale: `python benchmarks/bench_fit.py --scale {' '.join(map(str, args.scale))}`"
    else:
        parts = small_fits(args.sizes, args.repeats, args.steps)
        import reservoirpy
        head = ["N", "ours (ms)", f"ReservoirPy {reservoirpy.__version__} (ms)",
                "ReservoirPy, 1 BLAS thread (ms)", "ratio", "ratio to 1 thread"]
        text = "\n\n".join(f"{what}, {args.steps} steps, median of {args.repeats} "
                           f"paired runs:\n\n" + table(head, rows)
                           for what, rows in parts)
        title = ("Small fits: `python benchmarks/bench_fit.py --sizes "
                 f"{' '.join(map(str, args.sizes))} --repeats {args.repeats}`")
    load1 = os.getloadavg()
    note = (f"Load average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end "
            f"({time.time() - t0:.0f} s, 2 cores).")
    block = f"## {title}\n\n{text}\n\n{note}\n"
    print("\n" + block)
    if args.write:
        with open(RESULTS, "a") as f:
            f.write("\n" + block)


if __name__ == "__main__":
    main()
