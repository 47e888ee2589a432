"""Peak memory of fitting a long series: 2,000,000 steps, N=500.

    python benchmarks/bench_memory.py [--steps 2000000] [--n-reservoir 500]

Target: peak resident memory under 1 GB, where the T x N state matrix alone
would take 8 GB. Measured in a child process (its peak RSS), beside a child
that only imports the package and builds the same input arrays.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import table  # noqa: E402

SETUP = """
import resource, sys, time
import numpy as np
from reservoir import ESNRegressor
T, N = {steps}, {n}
rng = np.random.RandomState(0)
u = rng.uniform(-1, 1, size=(T + 1, 1))
X, y = u[:-1], u[1:, 0]
"""
FIT = """
t0 = time.perf_counter()
esn = ESNRegressor(n_reservoir=N, density=0.1, washout=100, random_state=0).fit(X, y)
print("fit_seconds", time.perf_counter() - t0)
"""
REPORT = """
print("peak_mb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def child(code):
    out = subprocess.run([sys.executable, "-c", code], check=True,
                         capture_output=True, text=True).stdout
    return {k: float(v) for k, v in (line.split() for line in out.splitlines())}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=2_000_000)
    p.add_argument("--n-reservoir", type=int, default=500)
    args = p.parse_args(argv)
    setup = SETUP.format(steps=args.steps, n=args.n_reservoir)
    base = child(setup + REPORT)
    fit = child(setup + FIT + REPORT)
    dense_gb = args.steps * args.n_reservoir * 8 / 1e9
    print(f"Fit of {args.steps:,} steps, N={args.n_reservoir} "
          f"(state matrix would be {dense_gb:.1f} GB):\n")
    print(table(["process", "peak RSS (MB)", "fit time (s)"], [
        ["import + input arrays only", f"{base['peak_mb']:.0f}", "-"],
        ["... + ESNRegressor.fit", f"{fit['peak_mb']:.0f}", f"{fit['fit_seconds']:.1f}"],
    ]))


if __name__ == "__main__":
    main()
