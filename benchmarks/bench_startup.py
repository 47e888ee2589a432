"""Fresh-process cost: import, fit and predict a small ESN with numba's cache warm.

    python benchmarks/bench_startup.py [--repeats 7]

The reference in the same run is a process that only imports the
dependencies (numpy, scipy.sparse, pandas, numba, sklearn.base), the floor no
estimator built on them can go below. The package's own share is the job's
time minus the floor's: importing ``reservoir`` plus loading the compiled
kernels from numba's cache plus the fit itself. Target: at most 0.15 s.

numba defers most of its own start-up to the first call of any compiled
function, cached or not (its typing and lowering registries: measured at
0.3-0.7 s of CPU, the larger part of a small fit's cost). A second floor,
the dependencies plus one call of a trivial ``@njit(cache=True)`` function
from a warm cache, shows that cost apart from the package's own.

The three processes run in rotating order, ``repeats`` times; the medians
are reported as wall-clock time and as CPU time of the child (user + system,
from ``getrusage``), which a loaded machine inflates much less than wall
time. ``python -X importtime`` gives the import of ``reservoir`` alone, by
module (median over the repeats).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from _common import table  # noqa: E402

FLOOR = "import numpy, scipy.sparse, pandas, numba, sklearn.base"
IMPORT = FLOOR + "; import reservoir"
NUMBA_FLOOR_MODULE = """
import numba


@numba.njit(cache=True)
def one(x):
    return x + 1.0
"""
JOB = FLOOR + """
import numpy as np
from reservoir import ESNRegressor
u = np.sin(np.arange(1000) / 7.0)[:, None]
esn = ESNRegressor(n_reservoir=100, washout=50, random_state=0).fit(u[:-1], u[1:, 0])
esn.predict(u[:-1])
"""


def run(code, *flags):
    """(wall s, child CPU s, stderr) of one fresh interpreter."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, *flags, "-c", code], check=True,
                         capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, res.stderr


def import_times(stderr):
    """{module: (self µs, cumulative µs)} from ``-X importtime`` output."""
    out = {}
    for line in stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|(\s*)(\S+)", line)
        if m:
            out[m.group(4)] = (int(m.group(1)), int(m.group(2)))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args(argv)
    load0 = os.getloadavg()
    tmp = tempfile.mkdtemp()
    with open(os.path.join(tmp, "_numba_floor.py"), "w") as f:
        f.write(NUMBA_FLOOR_MODULE)
    numba_floor = (FLOOR + f"; import sys; sys.path.insert(0, {tmp!r}); "
                   "import _numba_floor; _numba_floor.one(1.0)")
    run(JOB)                                   # warm numba's caches
    run(numba_floor)
    jobs = [("floor", FLOOR), ("numba", numba_floor), ("import", IMPORT), ("job", JOB)]
    wall = {k: [] for k, _ in jobs}
    cpu = {k: [] for k, _ in jobs}
    modules = []
    for r in range(args.repeats):
        for key, code in jobs[r % 4:] + jobs[:r % 4]:
            w, c, _ = run(code)
            wall[key].append(w)
            cpu[key].append(c)
        modules.append(import_times(run(IMPORT, "-X", "importtime")[2]))
    load1 = os.getloadavg()
    med = {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in wall}
    rows = [["import dependencies only (the floor)", f"{med['floor'][0]:.2f}",
             f"{med['floor'][1]:.2f}", "-", "-"]]
    for key, label in (("numba", "... + numba's first call of a cached trivial function"),
                       ("import", "... + `import reservoir`"),
                       ("job", "... + import, fit and predict an ESN (N=100, T=1,000)")):
        rows.append([label, f"{med[key][0]:.2f}", f"{med[key][1]:.2f}",
                     f"{med[key][0] - med['floor'][0]:.3f}",
                     f"{med[key][1] - med['floor'][1]:.3f}"])
    rows.append(["job beyond the floor with numba's first call", "", "",
                 f"{med['job'][0] - med['numba'][0]:.3f}",
                 f"{med['job'][1] - med['numba'][1]:.3f}"])
    print(f"Fresh processes, warm numba cache, median of {args.repeats}:\n")
    print(table(["process", "wall (s)", "CPU (s)", "share beyond floor, wall (s)",
                 "share beyond floor, CPU (s)"], rows))
    names = sorted({m for d in modules for m in d if m.split(".")[0] == "reservoir"})
    imp = [[m, f"{statistics.median(d.get(m, (0, 0))[0] for d in modules) / 1e3:.1f}",
            f"{statistics.median(d.get(m, (0, 0))[1] for d in modules) / 1e3:.1f}"]
           for m in names]
    imp.sort(key=lambda row: -float(row[2]))
    print("\n`python -X importtime`, after the dependencies, median ms:\n")
    print(table(["module", "self (ms)", "cumulative (ms)"], imp))
    print(f"\nLoad average {load0[0]:.1f} at the start, {load1[0]:.1f} at the end "
          "(2 cores).")


if __name__ == "__main__":
    main()
