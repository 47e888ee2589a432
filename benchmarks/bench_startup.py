"""Fresh-process cost: import, fit and predict a small ESN with numba's cache warm.

    python benchmarks/bench_startup.py [--repeats 5]

Target: under 1.5 s for the whole process. The reference in the same run is a
process that only imports the dependencies (scikit-learn, pandas, numba), the
floor no estimator built on them can go below.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import table  # noqa: E402

JOB = """
import numpy as np
from reservoir import ESNRegressor
u = np.sin(np.arange(1000) / 7.0)[:, None]
esn = ESNRegressor(n_reservoir=100, washout=50, random_state=0).fit(u[:-1], u[1:, 0])
esn.predict(u[:-1]); esn.generate(10)
"""
FLOOR = "import numpy, scipy.sparse, pandas, numba, sklearn.base"


def wall(code, repeats):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args(argv)
    subprocess.run([sys.executable, "-c", JOB], check=True)   # warm numba's cache
    t_job = wall(JOB, args.repeats)
    t_floor = wall(FLOOR, args.repeats)
    print(f"Fresh process, warm numba cache, median of {args.repeats}:\n")
    print(table(["process", "s", "ratio to import floor"], [
        ["import dependencies only", f"{t_floor:.2f}", "1.00"],
        ["import + fit + predict + generate (N=100, T=1000)", f"{t_job:.2f}",
         f"{t_job / t_floor:.2f}"],
    ]))


if __name__ == "__main__":
    main()
