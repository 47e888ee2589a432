"""Ridge readout cost against one bare BLAS ``X^T X`` (dsyrk) on the same states.

    python benchmarks/bench_readout.py [--quick]
    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_readout.py   # stable on a shared machine

Target: accumulating the statistics chunk by chunk and solving costs within
1.2x of one dsyrk on the whole state matrix (T=20,000, N=2,000). ReservoirPy's
``Ridge.fit`` on the same states is timed beside it when installed.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np
from scipy.linalg import blas

sys.path.insert(0, os.path.dirname(__file__))
from _common import median_time, table  # noqa: E402

from reservoir.esn import _chunk_rows  # noqa: E402
from reservoir.readout import make_statistics  # noqa: E402


def chunks_of(X):
    """The state chunks as ESNRegressor.fit hands them over: buffers the
    kernel has just written, which the statistics may shift in place."""
    chunk = _chunk_rows(X.shape[1])
    return [X[lo:lo + chunk].copy() for lo in range(0, X.shape[0], chunk)]


def ours(chunks, U, Y, alpha, solver="cholesky"):
    stats = make_statistics(solver, chunks[0].shape[1], U.shape[1], Y.shape[1])
    lo = 0
    for c in chunks:
        hi = lo + c.shape[0]
        stats.update(c, U[lo:hi], Y[lo:hi], overwrite_states=True)
        lo = hi
    return stats.solve(alpha)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="T=5000, N=1000, 3 repeats")
    args = p.parse_args(argv)
    T, N, reps = (5000, 1000, 3) if args.quick else (20000, 2000, 5)
    rng = np.random.RandomState(0)
    X = np.tanh(rng.randn(T, N))
    U = rng.randn(T, 1)
    Y = X[:, :5].sum(axis=1, keepdims=True) + 0.01 * rng.randn(T, 1)

    t_syrk = median_time(lambda: blas.dsyrk(1.0, X.T, trans=0), reps)
    # the in-place shift overwrites the chunks: fresh copies for every run,
    # made outside the timed call
    runs = iter([chunks_of(X) for _ in range(reps + 1)])
    t_ours = median_time(lambda: ours(next(runs), U, Y, 1e-6), reps)
    runs = iter([chunks_of(X) for _ in range(reps + 1)])
    t_qr = median_time(lambda: ours(next(runs), U, Y, 1e-6, "qr"), reps)
    rows = [["bare dsyrk X^T X", f"{t_syrk * 1e3:.0f}", "1.00"],
            ["reservoir solver='cholesky': stream + solve", f"{t_ours * 1e3:.0f}",
             f"{t_ours / t_syrk:.2f}"],
            ["reservoir solver='qr': stream + solve", f"{t_qr * 1e3:.0f}",
             f"{t_qr / t_syrk:.2f}"]]
    try:
        from reservoirpy.nodes import Ridge

        t_rpy = median_time(lambda: Ridge(ridge=1e-6).fit(X, Y), reps)
        rows.append(["ReservoirPy 0.4.2 Ridge.fit", f"{t_rpy * 1e3:.0f}",
                     f"{t_rpy / t_syrk:.2f}"])
    except ImportError:
        rows.append(["ReservoirPy (not installed)", "-", "-"])
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"Ridge readout, T={T}, N={N}, median of {reps}, BLAS threads "
          f"{threads}, load {os.getloadavg()[0]:.1f}:\n")
    print(table(["method", "ms", "ratio to dsyrk"], rows))


if __name__ == "__main__":
    main()
