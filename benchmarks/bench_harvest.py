"""Reservoir state harvesting against ReservoirPy 0.4.2, and the public path against the bare kernel, in the same run.

    python benchmarks/bench_harvest.py [--quick] [--public-only]

The public path: ``Reservoir.transform`` and ``ESNRegressor.predict`` (input
validation, the drive, the states, the readout, the output in the input's
structure) against the bare harvest kernel on a drive ``W_in u + b``
computed beforehand, on the same matrices, for ``leak_rate`` 1 and 0.3:
one sequence of 20,000 steps at N=100 and 1,000 sequences of 100 steps (a
3-D array) at N=500 on all numba threads (``n_jobs=-1``). Target: the public
path within 1.15x of the kernel. The kernel also runs into a freshly
allocated output, as ``transform`` must return one: faulting in fresh pages
(400 MB at 1,000 x 100 x 500) is part of any new result. All run one after
another in every repeat; the ratio is the median of the per-repeat ratios
to the kernel into a reused output.

Targets (ratio = ReservoirPy time / ours): one sequence of 20,000 steps at
density 0.1, >= 4x at N=100 and >= 2x at N=500 and N=2000; 1000 sequences of
100 steps at N=500, >= 6x. After warm-up (numba compiled, ReservoirPy
initialised) the two implementations run alternately, >= 5 times each; the
table gives the median time of each and the median of the per-pair ratios,
which is steadier than a ratio of medians on a shared machine. The load
average is printed with the table. ReservoirPy runs many sequences with
``Reservoir.run(list_of_arrays)`` (its multi-series API in 0.4.2; every
sequence starts from the same state), ``workers=1``. Ours runs them on all
numba threads (``NUMBA_NUM_THREADS``), and again on one thread: that row
compares the kernels alone, whatever share of the second core the machine
leaves us.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numba
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import table  # noqa: E402

from reservoir import ESNRegressor, Reservoir  # noqa: E402
from reservoir._kernels import harvest, harvest_many, pack_recurrent  # noqa: E402


def fixed_indegree(n, density, rng):
    """Packed random W with k = round(density * n) nonzeros per row, sr ~ 0.9."""
    k = max(1, round(density * n))
    indices = np.array([np.sort(rng.choice(n, size=k, replace=False))
                        for _ in range(n)])
    data = rng.normal(scale=0.9 / np.sqrt(k), size=(n, k))
    indptr = np.arange(n + 1, dtype=np.int64) * k
    return pack_recurrent(indptr, indices.ravel().astype(np.int32), data.ravel())


def reservoirpy_reservoir(n):
    try:
        from reservoirpy.nodes import Reservoir
    except ImportError:
        return None
    res = Reservoir(units=n, rc_connectivity=0.1, sr=0.9, lr=1.0, input_dim=1,
                    seed=0)
    res.run(np.zeros((10, 1)))  # initialise and warm up
    return res


def paired_times(ours, theirs, repeats):
    """Median times of ``ours()`` and ``theirs()`` run alternately, and the
    median ratio theirs / ours over the pairs (theirs may be None)."""
    ours()
    if theirs is not None:
        theirs()
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        for fn, times in ((ours, t_ours), (theirs, t_theirs)):
            if fn is not None:
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
    if theirs is None:
        return statistics.median(t_ours), None, None
    return (statistics.median(t_ours), statistics.median(t_theirs),
            statistics.median(b / a for a, b in zip(t_ours, t_theirs)))


def single(n, n_steps, repeats, rng):
    packed = fixed_indegree(n, 0.1, rng)
    u = rng.uniform(-1, 1, size=(n_steps, 1))
    drive = np.ascontiguousarray(u @ rng.uniform(-1, 1, size=(1, n)))
    out = np.empty_like(drive)
    x0 = np.zeros(n)
    res = reservoirpy_reservoir(n)
    ours, theirs, ratio = paired_times(
        lambda: harvest(packed, drive, 1.0, x0, False, out),
        (lambda: res.run(u)) if res else None, repeats)
    return ours / n_steps, None if theirs is None else theirs / n_steps, ratio


def many(n, n_seq, n_steps, repeats, rng, n_threads):
    packed = fixed_indegree(n, 0.1, rng)
    us = [rng.uniform(-1, 1, size=(n_steps, 1)) for _ in range(n_seq)]
    drive = np.ascontiguousarray(
        np.concatenate(us) @ rng.uniform(-1, 1, size=(1, n)))
    offsets = np.arange(n_seq + 1, dtype=np.int64) * n_steps
    x0 = np.zeros((n_seq, n))
    out = np.empty_like(drive)
    res = reservoirpy_reservoir(n)
    old = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        return paired_times(
            lambda: harvest_many(packed, drive, offsets, 1.0, x0, False, out),
            (lambda: res.run(us)) if res else None, repeats)
    finally:
        numba.set_num_threads(old)


def public_against_kernel(n, X, leak, repeats):
    """Median times of the bare kernel (into a reused output, and into a
    fresh one as transform must), ``Reservoir.transform`` and
    ``ESNRegressor.predict`` on ``X`` (run in turn in every repeat), and the
    medians of the per-repeat ratios to the kernel into a reused output."""
    kw = dict(n_reservoir=n, leak_rate=leak, n_jobs=-1, random_state=0)
    res = Reservoir(**kw).fit(X)
    esn = ESNRegressor(**kw).fit(X, X[..., 0])
    seqs = [X] if X.ndim == 2 else list(X)
    drive = np.ascontiguousarray(np.concatenate(seqs) @ res.W_in_.T + res.bias_)
    out = np.empty_like(drive)
    packed = res._packed_layers[0]
    if len(seqs) == 1:
        def kernel(out=out):
            harvest(packed, drive, leak, np.zeros(n), False, out)
    else:
        offsets = np.arange(len(seqs) + 1, dtype=np.int64) * seqs[0].shape[0]
        x0 = np.zeros((len(seqs), n))

        def kernel(out=out):
            harvest_many(packed, drive, offsets, leak, x0, False, out)
    fns = [kernel, lambda: kernel(np.empty_like(drive)), lambda: res.transform(X),
           lambda: esn.predict(X)]
    times = [[] for _ in fns]
    for fn in fns:
        fn()                                        # compile / warm up
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    medians = [statistics.median(ts) for ts in times]
    ratios = [statistics.median(b / a for a, b in zip(times[0], ts))
              for ts in times[1:]]
    return medians, ratios


def public_rows(quick, repeats):
    rng = np.random.default_rng(2)
    n_steps, n_seq = (2000, 200) if quick else (20000, 1000)
    cases = [(100, rng.uniform(-1, 1, size=(n_steps, 1)),
              f"1 x {n_steps} steps, N=100", 1e6 / n_steps, "us/step"),
             (500, rng.uniform(-1, 1, size=(n_seq, 100, 1)),
              f"{n_seq} x 100 steps, N=500, {numba.config.NUMBA_NUM_THREADS} "
              "threads", 1.0, "s")]
    rows = []
    for n, X, label, scale, unit in cases:
        for leak in (1.0, 0.3):
            (k, f, t, p), (rf, rt, rp) = public_against_kernel(n, X, leak, repeats)
            rows.append([label, f"{leak:g}", unit, f"{k * scale:.3g}",
                         f"{f * scale:.3g} ({rf:.2f})", f"{t * scale:.3g}",
                         f"{rt:.2f}", f"{p * scale:.3g}", f"{rp:.2f}"])
    return table(["case", "leak_rate", "unit", "bare kernel",
                  "kernel, fresh output (ratio)", "Reservoir.transform", "ratio",
                  "ESNRegressor.predict", "ratio"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer steps (ratios are noisier)")
    parser.add_argument("--public-only", action="store_true",
                        help="only the public path against the kernel")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    repeats = args.repeats
    if args.public_only:
        load_before = os.getloadavg()
        print(public_rows(args.quick, repeats))
        print(f"\n1/5/15-minute load average {load_before[0]:.2f}/"
              f"{load_before[1]:.2f}/{load_before[2]:.2f} before, "
              f"{os.getloadavg()[0]:.2f} after.")
        return
    n_steps = 2000 if args.quick else 20000
    rows = []

    def fmt(ours, theirs, ratio, target, scale):
        if theirs is None:
            return [f"{ours * scale:.2f}", "n/a", "n/a", target]
        return [f"{ours * scale:.2f}", f"{theirs * scale:.2f}",
                f"{ratio:.1f}x", target]

    load_before = os.getloadavg()[0]
    for n, target in [(100, ">= 4x"), (500, ">= 2x"), (2000, ">= 2x")]:
        ours, theirs, ratio = single(n, n_steps, repeats, rng)
        rows.append([f"1 x {n_steps} steps, N={n}", "us/step"]
                    + fmt(ours, theirs, ratio, target, 1e6))
    n_seq = 200 if args.quick else 1000
    all_threads = numba.config.NUMBA_NUM_THREADS
    for n_threads, target in [(all_threads, ">= 6x"), (1, "")]:
        ours, theirs, ratio = many(500, n_seq, 100, repeats,
                                   np.random.default_rng(1), n_threads)
        rows.append([f"{n_seq} x 100 steps, N=500, {n_threads} thread"
                     + "s" * (n_threads > 1), "s total"]
                    + fmt(ours, theirs, ratio, target, 1.0))
    print(table(["case", "unit", "ours", "ReservoirPy 0.4.2",
                 "ratio (median of pairs)", "target"], rows))
    print("\nThe public path against the bare kernel (target: ratio <= 1.15):\n")
    print(public_rows(args.quick, repeats))
    print(f"\n{os.cpu_count()} CPUs, numba threading layer "
          f"{numba.threading_layer()}; 1-minute load average "
          f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after.")


if __name__ == "__main__":
    main()
