"""The float32 ESN: speed against ReservoirPy 0.4.2 and float64, and accuracy against float64, in one run.

    python benchmarks/bench_float32.py [--quick] [--speed-only] [--accuracy-only]

Speed, through the public API: ``Reservoir(dtype="float32").transform(u)``
and the float64 ``Reservoir.transform`` against ReservoirPy 0.4.2's
``Reservoir.run(u)`` (float64, its only dtype for the states here) on one
sequence of one input, density 0.1, spectral radius 0.9, no leak: N=2000
(5,000 steps) and N=500 (20,000 steps). The three run one after another in
every repeat; times are medians, ratios the medians of the per-repeat ratios
ReservoirPy / ours. Targets: float32 >= 3x ReservoirPy at N=2000 and
>= 2.5x at N=500.

Accuracy, float32 against float64 on the same reservoir (same
``random_state``): Mackey-Glass with the protocol and hyper-parameters of
``bench_accuracy.py`` (train on 3,000 steps, each test trial warms up on
1,000 true steps and free-runs 84; log10 NRMSE of step 84), and NARMA-10
(train 10,000 steps, test NRMSE on the next 2,000), reservoir seeds 0-2.
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

import bench_accuracy as acc  # noqa: E402
from reservoir import Reservoir, metrics  # noqa: E402


def reservoirpy_reservoir(n):
    try:
        from reservoirpy.nodes import Reservoir as RpyReservoir
    except ImportError:
        return None
    res = RpyReservoir(units=n, rc_connectivity=0.1, sr=0.9, lr=1.0, input_dim=1,
                       seed=0)
    res.run(np.zeros((10, 1)))  # initialise and warm up
    return res


def speed(n, n_steps, repeats, rng):
    u = rng.uniform(-1, 1, size=(n_steps, 1))
    ours = {dt: Reservoir(n_reservoir=n, density=0.1, spectral_radius=0.9,
                          dtype=dt, random_state=0).fit(u)
            for dt in ("float32", "float64")}
    rpy = reservoirpy_reservoir(n)

    def run_rpy():
        rpy.reset()
        rpy.run(u)

    fns = {"float32": lambda: ours["float32"].transform(u),
           "float64": lambda: ours["float64"].transform(u)}
    if rpy is not None:
        fns["rpy"] = run_rpy
    for fn in fns.values():
        fn()
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) * 1e6 / n_steps for k, v in times.items()}
    ratio = {}
    for k in ("float32", "float64"):
        if "rpy" in times:
            ratio[k] = statistics.median(r / o for o, r in zip(times[k], times["rpy"]))
    ratio["64/32"] = statistics.median(
        b / a for a, b in zip(times["float32"], times["float64"]))
    return med, ratio


def speed_rows(quick, repeats):
    rng = np.random.default_rng(0)
    rows = []
    for n, steps, target in [(2000, 5000, ">= 3x"), (500, 20000, ">= 2.5x")]:
        steps = steps // 5 if quick else steps
        med, ratio = speed(n, steps, repeats, rng)
        rpy = (f"{med['rpy']:.1f}", f"{ratio['float32']:.2f}x",
               f"{ratio['float64']:.2f}x") if "rpy" in med else ("n/a",) * 3
        rows.append([f"1 x {steps} steps, N={n}", f"{med['float32']:.1f}",
                     f"{med['float64']:.1f}", rpy[0], rpy[1], rpy[2],
                     f"{ratio['64/32']:.2f}x", target])
    return table(["case (us/step)", "ours float32", "ours float64",
                  "ReservoirPy 0.4.2", "float32 vs ReservoirPy",
                  "float64 vs ReservoirPy", "float32 vs float64",
                  "target (float32)"], rows)


def accuracy_rows(quick):
    seeds = [0] if quick else [0, 1, 2]
    n_trials = 30 if quick else 100
    (_, u_tr), need = acc.mg_data(n_trials)
    x_te, u_te = acc.mg_series(need, acc.TEST_SEED)
    rows = []
    mg = {"float64": [], "float32": []}
    narma = {"float64": [], "float32": []}
    for seed in seeds:
        for dt in mg:
            esn, _ = acc.ours_mg_fit(acc.MG_PARAMS, seed, u_tr, dtype=dt)
            mg[dt].append(np.log10(acc.mg_score(acc.ours_generate(esn), x_te,
                                                u_te, n_trials)))
        u, y = acc.narma_data(acc.TEST_SEED + 10 * seed, acc.N_TEST)
        for dt in narma:
            esn, _ = acc.ours_narma(dict(acc.NARMA_PARAMS, dtype=dt), seed, u, y)
            narma[dt].append(metrics.nrmse(y[acc.N_TRAIN:],
                                           esn.predict(u)[acc.N_TRAIN:]))
    for name, res in (("Mackey-Glass, log10 NRMSE84", mg), ("NARMA-10, NRMSE", narma)):
        for dt, vals in res.items():
            rows.append([name, dt, f"{np.mean(vals):.3f}",
                         " / ".join(f"{v:.3f}" for v in vals)])
    return table(["task", "dtype", "mean over seeds", f"per seed {seeds}"], rows)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--speed-only", action="store_true")
    parser.add_argument("--accuracy-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    load = os.getloadavg()
    if not args.accuracy_only:
        print(speed_rows(args.quick, args.repeats))
        print(f"\n1/5/15-minute load average {load[0]:.2f}/{load[1]:.2f}/"
              f"{load[2]:.2f} before, {os.getloadavg()[0]:.2f} after.\n", flush=True)
    if not args.speed_only:
        print(accuracy_rows(args.quick))


if __name__ == "__main__":
    main()
