"""Output feedback, deep reservoirs, the RLS readout and NVAR, with
ReservoirPy 0.4.2 in the same run.

Tasks (``--task``, default all):

* ``mso``   Multiple superimposed oscillators with output feedback: MSO2
            (sin 0.2t + sin 0.311t) and MSO3 (+ sin 0.42t), a constant input,
            N=300; train 1000 steps (washout 100), free-run 300. A shared grid
            of spectral radius x leak rate x feedback scaling, run with
            reservoir seeds 0-2 (validation) and 3-5 (test): the grid point is
            chosen on the validation seeds, reported on the test seeds. Ours
            also with teacher noise (Jaeger's recipe), measured on the grid.
* ``mg``    Jaeger's generative Mackey-Glass (tau=17) with feedback only: the
            only input is a constant; the squashed series is the teacher. N=1000,
            3000 teacher-forced training steps (washout 1000); each test trial
            is teacher-forced for 1000 true steps, then free for 84; NRMSE of
            step 84 in the original coordinates. Grid chosen on a validation
            series (30 trials), reported on a test series (100 trials).
* ``speed`` A 50,000-step teacher-forced fit plus a 5,000-step free run with
            feedback, N=300.
* ``deep``  Deep (DeepESN) against shallow reservoirs of the same total units
            (300 = 1 x 300 = 2 x 150 = 3 x 100): memory capacity, Mackey-Glass
            one-step and 84-step free-run NRMSE, MSO3 with feedback, and the
            harvest speed per step.
* ``rls``   The RLS readout tracking a system whose dynamics change halfway,
            against the batch ridge (both refitted as the data arrive), and the
            steps per second of RLS and batch ridge fits at N=100 and N=500.
* ``nvar``  NVAR on Lorenz-63 (dt=0.025, Gauthier et al.'s setting: 400
            training steps after 200 of warm-up): one-step NRMSE and free-run
            valid time against the ESN and ReservoirPy's ``NVAR >> Ridge`` on
            the same data, and the speed of a 50,000-step fit plus a
            5,000-step free run.

Usage::

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_esn_full.py [--quick] [--task ...]

Prints markdown and writes ``benchmarks/esn_full_results.md`` (with the
command, the run time and the load average). ``--quick`` runs fewer seeds,
grid points and repeats. One BLAS thread for both libraries: on a loaded
2-core machine OpenBLAS's second thread made the small readout products up
to 16x slower for both.

How ReservoirPy is run (0.4.2 node API): ``Reservoir(units, lr, sr,
input_scaling=[input scaling, feedback scaling], rc_connectivity=density,
input_connectivity=1.0, Win=mat_gen.uniform, bias=mat_gen.uniform(-b, b),
seed)``; in 0.4.2 the fed-back output is concatenated to the input, so the
second input-scaling entry is the feedback scaling and ``Win``'s second column
is ``W_back``, uniform like ours. ``ESN(reservoir, Ridge(ridge=alpha),
feedback=True).fit(X, y, warmup=washout)`` teacher-forces; ``ESN.run``
continues from the state where ``fit`` stopped and feeds back its own outputs
(step by step in Python). Trials that need a teacher-forced warm-up run the
reservoir node offline on ``[u, y(t-1)]`` and then ``Reservoir.step`` /
``Ridge.step`` in a Python loop, which is what its ESN does when running
free. NVAR: ``NVAR(delay=k, order=2, strides=1) >> Ridge(ridge=alpha)`` with
``k`` = our ``delay + 1`` (its delay counts the current input).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import mean_std, median_time, table  # noqa: E402
from reservoir import (ESNRegressor, NVARRegressor, Reservoir,  # noqa: E402
                       ReservoirWarning, datasets, metrics)
from reservoir._kernels import rls_update  # noqa: E402

try:  # the peer library is optional
    import reservoirpy
    from reservoirpy import ESN as RpyESN
    from reservoirpy import mat_gen as rpy_mat_gen
    from reservoirpy.nodes import NVAR as RpyNVAR
    from reservoirpy.nodes import Reservoir as RpyReservoir
    from reservoirpy.nodes import Ridge as RpyRidge
    RPY = f"ReservoirPy {reservoirpy.__version__}"
except ImportError:  # pragma: no cover - depends on the environment
    reservoirpy = None
    RPY = None

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "esn_full_results.md")
# data seeds: training, validation and test series are different trajectories
TRAIN_SEED, VALID_SEED, TEST_SEED = 1, 2, 3
CAP = 10.0     # NRMSE of a diverged free run is counted as this


@contextlib.contextmanager
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReservoirWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def capped_nrmse(y, p):
    p = np.asarray(p, dtype=float).reshape(np.shape(y))
    if not np.isfinite(p).all():
        return CAP
    return float(min(CAP, metrics.nrmse(y, p)))


def log_summary(values, fmt="{:.2f}"):
    return mean_std(np.log10(values), fmt)


def rpy_reservoir(n, sr, lr, in_scale, fb_scale, bias, density, seed, n_in=1):
    scaling = np.array([in_scale] * n_in + ([fb_scale] if fb_scale is not None else []))
    return RpyReservoir(units=n, lr=lr, sr=sr, input_scaling=scaling,
                        rc_connectivity=density, input_connectivity=1.0,
                        Win=rpy_mat_gen.uniform,
                        bias=rpy_mat_gen.uniform(low=-bias, high=bias) if bias else 0.0,
                        seed=seed)


# --------------------------------------------------------------------------
# MSO with output feedback
# --------------------------------------------------------------------------
MSO_FREQS = {"MSO2": (0.2, 0.311), "MSO3": (0.2, 0.311, 0.42)}
MSO_TRAIN, MSO_WASHOUT, MSO_FREE = 1000, 100, 300
MSO_FIXED = dict(n_reservoir=300, input_scaling=0.1, bias_scaling=0.2, density=0.1,
                 alpha=1e-8)


def mso(freqs, n=MSO_TRAIN + MSO_FREE):
    t = np.arange(n)
    return sum(np.sin(f * t) for f in freqs)


def mso_ours(y, sr, lr, fs, seed, noise=0.0, fixed=MSO_FIXED, **extra):
    X = np.ones((len(y), 1))
    with quiet():
        esn = ESNRegressor(**fixed, spectral_radius=sr, leak_rate=lr,
                           feedback_scaling=fs, teacher_noise=noise,
                           washout=MSO_WASHOUT, random_state=seed, **extra)
        esn.fit(X[:MSO_TRAIN], y[:MSO_TRAIN])
        free = esn.predict(X[MSO_TRAIN:], initial_state=esn.last_state_)
    return capped_nrmse(y[MSO_TRAIN:], free)


def mso_rpy(y, sr, lr, fs, seed, fixed=MSO_FIXED):
    X = np.ones((len(y), 1))
    res = rpy_reservoir(fixed["n_reservoir"], sr, lr, fixed["input_scaling"], fs,
                        fixed["bias_scaling"], fixed["density"], seed)
    model = RpyESN(reservoir=res, readout=RpyRidge(ridge=fixed["alpha"]), feedback=True)
    with quiet():
        model.fit(X[:MSO_TRAIN], y[:MSO_TRAIN, None], warmup=MSO_WASHOUT)
        free = model.run(X[MSO_TRAIN:])
    return capped_nrmse(y[MSO_TRAIN:], free)


def run_mso(quick):
    grid = [(sr, lr, fs) for sr in (0.8, 0.95) for lr in (0.3, 0.6, 1.0)
            for fs in (0.1, 0.5, 1.0)]
    if quick:
        grid = grid[::3]
    val_seeds = (0,) if quick else (0, 1, 2)
    test_seeds = (3,) if quick else tuple(range(3, 13))
    noises = (0.0, 1e-4) if quick else (0.0, 1e-6, 1e-4, 1e-2)
    out = ["## Multiple superimposed oscillators with output feedback (`--task mso`)", "",
           f"Constant input, N={MSO_FIXED['n_reservoir']}, train {MSO_TRAIN} steps "
           f"(washout {MSO_WASHOUT}), free run {MSO_FREE} steps continuing from the "
           f"end of training; NRMSE over the free run (a diverged run counts as "
           f"{CAP:g}). Grid: spectral radius {{0.8, 0.95}} x leak rate {{0.3, 0.6, 1}} "
           f"x feedback scaling {{0.1, 0.5, 1}} ({len(grid)} points); fixed: "
           f"input scaling {MSO_FIXED['input_scaling']}, bias "
           f"{MSO_FIXED['bias_scaling']}, density {MSO_FIXED['density']}, ridge "
           f"{MSO_FIXED['alpha']:g}. Each library's grid point is chosen on reservoir "
           f"seeds {val_seeds} and reported on seeds {test_seeds}.", ""]
    rows, grid_rows = [], []
    for task, freqs in MSO_FREQS.items():
        y = mso(freqs)
        scores = {}
        t0 = time.perf_counter()
        for who in ("ours", "rpy") if RPY else ("ours",):
            fn = mso_ours if who == "ours" else mso_rpy
            for p in grid:
                scores[who, p] = {s: fn(y, *p, s) for s in val_seeds + test_seeds}
        print(f"  {task} grid {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
        for who in ("ours", "rpy") if RPY else ("ours",):
            logv = {p: np.mean(np.log10([scores[who, p][s] for s in val_seeds]))
                    for p in grid}
            best = min(grid, key=logv.get)
            test = [scores[who, best][s] for s in test_seeds]
            grid_test = [np.mean(np.log10([scores[who, p][s] for s in test_seeds]))
                         for p in grid]
            rows.append([task, "ours" if who == "ours" else RPY,
                         "sr {}, leak {}, fb {}".format(*best), log_summary(test),
                         f"{np.median(grid_test):.2f}",
                         f"{sum(g < -1 for g in grid_test)}/{len(grid)}"])
        if RPY:
            for p in grid:
                o = np.mean(np.log10([scores["ours", p][s] for s in test_seeds]))
                r = np.mean(np.log10([scores["rpy", p][s] for s in test_seeds]))
                grid_rows.append([task, "{} / {} / {}".format(*p), f"{o:.2f}", f"{r:.2f}",
                                  "yes" if o <= r else "no"])
        # teacher noise, ours: the same grid, selection and test seeds
        for noise in noises:
            runs = {p: {s: (mso_ours(y, *p, s, noise=noise) if noise
                            else scores["ours", p][s]) for s in val_seeds + test_seeds}
                    for p in grid}
            vals = [np.mean(np.log10([runs[p][s] for s in test_seeds])) for p in grid]
            best_val = min(grid, key=lambda p: np.mean(np.log10(
                [runs[p][s] for s in val_seeds])))
            test = [runs[best_val][s] for s in test_seeds]
            rows.append([task, f"ours, teacher_noise={noise:g}",
                         "sr {}, leak {}, fb {}".format(*best_val), log_summary(test),
                         f"{np.median(vals):.2f}", f"{sum(v < -1 for v in vals)}/{len(grid)}"])
    out.append(table(["task", "model", "chosen on validation seeds",
                      "test log10 NRMSE (mean ± std)", "grid median log10 NRMSE",
                      "grid points with NRMSE < 0.1"], rows))
    if grid_rows:
        out += ["", "Every grid point (mean log10 NRMSE over the test seeds):", "",
                table(["task", "sr / leak / fb", "ours", RPY, "ours <= theirs"], grid_rows),
                "", f"Ours at least as accurate on {sum(r[-1] == 'yes' for r in grid_rows)} "
                f"of {len(grid_rows)} grid points."]
    out.append("")
    return "\n".join(out)


# --------------------------------------------------------------------------
# Generative Mackey-Glass with feedback only
# --------------------------------------------------------------------------
MG_WARM, MG_HORIZON, MG_STRIDE, MG_TRAIN, MG_WASHOUT = 1000, 84, 50, 3000, 1000
MG_FIXED = dict(n_reservoir=1000, density=0.01, input_scaling=0.2, bias_scaling=0.0)


def mg_series(n, seed):
    x = datasets.mackey_glass(n, random_state=seed)
    return x, datasets.mackey_glass_squash(x)


def mg_error(pred84, x, s):
    y84 = np.clip(pred84, -1 + 1e-12, 1 - 1e-12)
    return datasets.mackey_glass_unsquash(y84) - x[s + MG_WARM + MG_HORIZON - 1]


def mg_ours(p, seed, u_tr, noise=0.0, solver="qr"):
    sr, lr, fs, alpha = p
    with quiet():
        esn = ESNRegressor(**MG_FIXED, spectral_radius=sr, leak_rate=lr,
                           feedback_scaling=fs, alpha=alpha, solver=solver,
                           teacher_noise=noise, include_input=False,
                           washout=MG_WASHOUT, random_state=seed)
        esn.fit(np.ones((MG_TRAIN, 1)), u_tr[:MG_TRAIN])
    ones = np.ones((MG_WARM + MG_HORIZON, 1))

    def trial(u, s):
        with quiet():
            pred = esn.predict(ones, y_warmup=u[s:s + MG_WARM])
        return pred[-1]
    return trial


def mg_rpy(p, seed, u_tr):
    sr, lr, fs, alpha = p
    res = rpy_reservoir(MG_FIXED["n_reservoir"], sr, lr, MG_FIXED["input_scaling"], fs,
                        MG_FIXED["bias_scaling"], MG_FIXED["density"], seed)
    ridge = RpyRidge(ridge=alpha)
    model = RpyESN(reservoir=res, readout=ridge, feedback=True)
    with quiet():
        model.fit(np.ones((MG_TRAIN, 1)), u_tr[:MG_TRAIN, None], warmup=MG_WASHOUT)

    def trial(u, s):
        warm = u[s:s + MG_WARM]
        fed = np.column_stack([np.ones(MG_WARM), np.concatenate([[0.0], warm[:-1]])])
        res.reset()
        with quiet():
            x = res.run(fed)[-1]
            y = np.array([warm[-1]])          # the last teacher value, fed back next
            for _ in range(MG_HORIZON):
                x = res.step(np.concatenate([[1.0], y]))
                y = ridge.step(x)
        return float(np.ravel(y)[0])
    return trial


def mg_score(trial, x, u, n_trials):
    errs = [mg_error(trial(u, i * MG_STRIDE), x, i * MG_STRIDE) for i in range(n_trials)]
    errs = np.asarray(errs)
    if not np.isfinite(errs).all():
        return CAP
    return float(min(CAP, np.sqrt(np.mean(errs ** 2)) / np.std(x)))


def run_mg(quick):
    n_val, n_test = (10, 20) if quick else (30, 100)
    seeds = (0,) if quick else (0, 1, 2)
    grid = [(sr, lr, fs, a) for sr in (0.8, 0.95) for lr in (1.0, 0.7)
            for fs in (0.3, 1.0) for a in (1e-12, 1e-8)]
    if quick:
        grid = grid[::4]
    _, u_tr = mg_series(MG_TRAIN + 1, TRAIN_SEED)
    need = MG_WARM + MG_HORIZON + (n_test - 1) * MG_STRIDE
    x_va, u_va = mg_series(need, VALID_SEED)
    x_te, u_te = mg_series(need, TEST_SEED)
    makers = {"ours": mg_ours}
    if RPY:
        makers["rpy"] = mg_rpy
    rows = []
    for who, make in makers.items():
        t0 = time.perf_counter()
        val = {p: mg_score(make(p, 0, u_tr), x_va, u_va, n_val) for p in grid}
        best = min(grid, key=val.get)
        test = [mg_score(make(best, s, u_tr), x_te, u_te, n_test) for s in seeds]
        rows.append(["ours (solver='qr')" if who == "ours" else RPY,
                     "sr {}, leak {}, fb {}, alpha {:g}".format(*best),
                     f"{np.log10(val[best]):.2f}", log_summary(test)])
        print(f"  mg {who} {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
        if who == "ours":
            for noise in ((1e-4,) if quick else (1e-8, 1e-6, 1e-4)):
                test = [mg_score(mg_ours(best, s, u_tr, noise=noise), x_te, u_te, n_test)
                        for s in seeds]
                rows.append([f"ours, teacher_noise={noise:g}", "same", "",
                             log_summary(test)])
    out = ["## Generative Mackey-Glass with feedback only (`--task mg`)", "",
           f"tau=17, squashed by tanh(x - 1); the only input is a constant 1; "
           f"N={MG_FIXED['n_reservoir']}, density {MG_FIXED['density']}, input "
           f"scaling {MG_FIXED['input_scaling']}, no bias; train {MG_TRAIN} "
           f"teacher-forced steps (washout {MG_WASHOUT}, history seed {TRAIN_SEED}); "
           f"each trial: {MG_WARM} teacher-forced steps on the true series, then "
           f"{MG_HORIZON} free; NRMSE of step {MG_HORIZON} in the original "
           f"coordinates, normalised by the series' std. Grid: spectral radius "
           "{0.8, 0.95} x leak {1, 0.7} x feedback scaling {0.3, 1} x ridge "
           f"{{1e-12, 1e-8}}, chosen on the validation series (seed {VALID_SEED}, "
           f"{n_val} trials, reservoir seed 0), reported on the test series (seed "
           f"{TEST_SEED}, {n_test} trials, reservoir seeds {seeds}).", "",
           table(["model", "chosen", "validation log10 NRMSE84",
                  "test log10 NRMSE84 (mean ± std)"], rows), ""]
    return "\n".join(out)


# --------------------------------------------------------------------------
# Speed of feedback: teacher-forced fit + free run
# --------------------------------------------------------------------------
def run_speed(quick):
    n_fit, n_free = (10_000, 1_000) if quick else (50_000, 5_000)
    repeats = 2 if quick else 5
    y = mso(MSO_FREQS["MSO2"], n_fit + n_free)
    X = np.ones((n_fit + n_free, 1))
    p = dict(sr=0.95, lr=0.3, fs=0.5)

    def ours_fit():
        esn = ESNRegressor(**MSO_FIXED, spectral_radius=p["sr"], leak_rate=p["lr"],
                           feedback_scaling=p["fs"], washout=100, random_state=0)
        return esn.fit(X[:n_fit], y[:n_fit])

    def rpy_fit():
        res = rpy_reservoir(300, p["sr"], p["lr"], 0.1, p["fs"], 0.2, 0.1, 0)
        model = RpyESN(reservoir=res, readout=RpyRidge(ridge=1e-8), feedback=True)
        return model.fit(X[:n_fit], y[:n_fit, None], warmup=100)

    esn = ours_fit()
    state = esn.last_state_
    ours_free = lambda: esn.predict(X[n_fit:], initial_state=state)
    t = {"ours fit": [], "ours free": [], "rpy fit": [], "rpy free": []}  # seconds
    if RPY:
        model = rpy_fit()
        rpy_free = lambda: model.run(X[n_fit:])   # continues, as after fit
        rpy_free()
    ours_free()
    for _ in range(repeats):           # alternate, so both see the same load
        t["ours fit"].append(median_time(ours_fit, 1, 0))
        t["ours free"].append(median_time(ours_free, 1, 0))
        if RPY:
            t["rpy fit"].append(median_time(rpy_fit, 1, 0))
            t["rpy free"].append(median_time(rpy_free, 1, 0))
    # context: the plain harvest of the same reservoir and input, both libraries
    UF = np.column_stack([X[:n_fit], np.concatenate([[0.0], y[:n_fit - 1]])])
    res_o = Reservoir(n_reservoir=300, spectral_radius=p["sr"], leak_rate=p["lr"],
                      input_scaling=0.1, density=0.1, random_state=0).fit(UF)
    t["ours harvest"] = [median_time(lambda: res_o.transform(UF), repeats)]
    if RPY:
        res_r = rpy_reservoir(300, p["sr"], p["lr"], 0.1, p["fs"], 0.2, 0.1, 0)
        res_r.run(UF[:10])
        t["rpy harvest"] = [median_time(lambda: res_r.run(UF), max(2, repeats // 2))]
    m = {k: float(np.median(v)) if v else np.nan for k, v in t.items()}
    both_o, both_r = m["ours fit"] + m["ours free"], m["rpy fit"] + m["rpy free"]
    rows = [["fit + free run", f"{both_o:.3f}", f"{both_r:.3f}",
             f"{both_r / both_o:.1f}x", ">= 5x"],
            ["fit (teacher-forced)", f"{m['ours fit']:.3f}", f"{m['rpy fit']:.3f}",
             f"{m['rpy fit'] / m['ours fit']:.1f}x", ""],
            ["free run", f"{m['ours free']:.3f}", f"{m['rpy free']:.3f}",
             f"{m['rpy free'] / m['ours free']:.0f}x", ""],
            ["free run, per step", f"{m['ours free'] / n_free * 1e6:.1f} us",
             f"{m['rpy free'] / n_free * 1e6:.1f} us", "", ""],
            [f"context: the plain harvest of {n_fit:,} steps (no readout)",
             f"{m['ours harvest']:.3f}", f"{m.get('rpy harvest', np.nan):.3f}",
             f"{m.get('rpy harvest', np.nan) / m['ours harvest']:.1f}x", ""]]
    out = ["## Speed with feedback (`--task speed`)", "",
           f"N=300, density 0.1, MSO2 teacher; a {n_fit:,}-step teacher-forced fit "
           f"then a {n_free:,}-step free run continuing from its end "
           "(ours: `fit` then `predict(X, initial_state=esn.last_state_)`; "
           "ReservoirPy: `ESN(feedback=True).fit` then `run`, which continues "
           "from where `fit` stopped). Seconds, medians of "
           f"{repeats} alternating repeats of each part.", "",
           table(["what", "ours (s)", f"{RPY} (s)" if RPY else "peer", "ratio", "target"],
                 rows), ""]
    return "\n".join(out)


# --------------------------------------------------------------------------
# Deep against shallow
# --------------------------------------------------------------------------
DEEP_SHAPES = ((1, 300), (2, 150), (3, 100))


def shape_name(layers, n):
    return f"{layers} x {n}"


def deep_mc(layers, n, seed, activation="tanh"):
    T, D = 10_000, 300
    u, Y = datasets.memory_capacity_task(T, D, random_state=TEST_SEED + 10 * seed)
    with quiet():
        esn = ESNRegressor(n_reservoir=n, num_layers=layers, spectral_radius=0.95,
                           input_scaling=0.1, inter_scaling=1.0 if layers > 1 else None,
                           bias_scaling=0.0, density=0.1, alpha=1e-12, solver="qr",
                           activation=activation, include_input=False, washout=D,
                           random_state=seed).fit(u[:5000], Y[:5000])
        P = esn.predict(u)
    return metrics.memory_capacity(u[5000:], P[5000:])


DEEP_MG_GRID = [(sr, sc, lr) for sr in (0.8, 0.95) for sc in (0.3, 1.0) for lr in (1.0, 0.5)]


def deep_mg_model(layers, n, p, seed, u_tr):
    sr, sc, lr = p
    with quiet():
        return ESNRegressor(n_reservoir=n, num_layers=layers, spectral_radius=sr,
                            input_scaling=sc, leak_rate=lr, bias_scaling=0.2,
                            density=0.05, alpha=1e-12, solver="qr", washout=1000,
                            random_state=seed).fit(u_tr[:-1, None], u_tr[1:])


def deep_mg_free(esn, x, u, n_trials):
    errs = []
    for i in range(n_trials):
        s = i * MG_STRIDE
        with quiet():
            g = esn.generate(MG_HORIZON, X_warmup=u[s:s + MG_WARM, None])
        errs.append(mg_error(g[-1], x, s))
    errs = np.asarray(errs)
    if not np.isfinite(errs).all():
        return CAP
    return float(min(CAP, np.sqrt(np.mean(errs ** 2)) / np.std(x)))


def run_deep(quick):
    seeds = (0,) if quick else (0, 1, 2)
    n_val, n_test = (10, 20) if quick else (30, 100)
    rows = []
    # memory capacity
    for layers, n in DEEP_SHAPES:
        rows.append(["memory capacity (tanh), higher is better", shape_name(layers, n),
                     mean_std([deep_mc(layers, n, s) for s in seeds], "{:.1f}")])
    # Mackey-Glass: grid chosen on validation by NRMSE84
    x_tr, u_tr = mg_series(3001, TRAIN_SEED)
    need = MG_WARM + MG_HORIZON + (n_test - 1) * MG_STRIDE
    x_va, u_va = mg_series(need, VALID_SEED)
    x_te, u_te = mg_series(need, TEST_SEED)
    grid = DEEP_MG_GRID[::4] if quick else DEEP_MG_GRID
    mg_rows = []
    for layers, n in DEEP_SHAPES:
        val = {p: deep_mg_free(deep_mg_model(layers, n, p, 0, u_tr), x_va, u_va, n_val)
               for p in grid}
        best = min(grid, key=val.get)
        one, free = [], []
        for s in seeds:
            esn = deep_mg_model(layers, n, best, s, u_tr)
            pred = esn.predict(u_te[:-1, None])
            one.append(metrics.nrmse(u_te[1001:], pred[1000:]))
            free.append(deep_mg_free(esn, x_te, u_te, n_test))
        mg_rows.append((shape_name(layers, n), best, one, free))
        print(f"  deep mg {layers}x{n} done", file=sys.stderr, flush=True)
    for name, best, one, free in mg_rows:
        rows.append(["Mackey-Glass one-step NRMSE (log10), lower is better", name,
                     log_summary(one)])
    for name, best, one, free in mg_rows:
        rows.append([f"Mackey-Glass NRMSE84 free run (log10), lower is better", name,
                     log_summary(free) + "  (sr {}, input/inter scaling {}, leak {})".format(*best)])
    # MSO3 with feedback, the mso grid, chosen on validation seeds
    y = mso(MSO_FREQS["MSO3"])
    mgrid = [(sr, lr, fs) for sr in (0.8, 0.95) for lr in (0.3, 0.6, 1.0)
             for fs in (0.1, 0.5, 1.0)]
    if quick:
        mgrid = mgrid[::3]
    val_seeds, test_seeds = ((0,), (3,)) if quick else ((0, 1, 2), (3, 4, 5))
    for layers, n in DEEP_SHAPES:
        fixed = dict(MSO_FIXED, n_reservoir=n)
        extra = dict(num_layers=layers, inter_scaling=1.0 if layers > 1 else None)
        val = {p: np.mean(np.log10([mso_ours(y, *p, s, fixed=fixed, **extra)
                                    for s in val_seeds])) for p in mgrid}
        best = min(mgrid, key=val.get)
        test = [mso_ours(y, *best, s, fixed=fixed, **extra) for s in test_seeds]
        rows.append(["MSO3 with feedback, free-run NRMSE (log10), lower is better",
                     shape_name(layers, n),
                     log_summary(test) + "  (sr {}, leak {}, fb {})".format(*best)])
    # harvest speed
    rng = np.random.RandomState(0)
    long = rng.randn(20_000, 1)
    many = [rng.randn(100, 1) for _ in range(1000)]
    base_one = base_many = None
    for layers, n in DEEP_SHAPES:
        res = Reservoir(n_reservoir=n, num_layers=layers, random_state=0).fit(long)
        t1 = median_time(lambda: res.transform(long), 5 if not quick else 2)
        t2 = median_time(lambda: res.transform(many), 5 if not quick else 2)
        base_one, base_many = base_one or t1, base_many or t2
        rows.append(["harvest, 1 sequence x 20,000 steps (us/step)", shape_name(layers, n),
                     f"{t1 / 20_000 * 1e6:.2f}  ({t1 / base_one:.2f}x the shallow time)"])
        rows.append(["harvest, 1,000 sequences x 100 steps, 1 thread (us/step)",
                     shape_name(layers, n),
                     f"{t2 / 100_000 * 1e6:.2f}  ({t2 / base_many:.2f}x the shallow time)"])
    out = ["## Deep against shallow reservoirs, 300 units each (`--task deep`)", "",
           "Layers x units per layer; the readout sees every layer's states. Memory "
           "capacity: iid uniform input, delays 1..300, spectral radius 0.95, input "
           "scaling 0.1, inter-layer scaling 1, no bias, density 0.1, readout on the "
           "states only, ridge 1e-12 (qr), 5000 training and 5000 test steps. "
           "Mackey-Glass: the protocol of `--task mg` but input-driven (fitted on "
           "X = u[:-1], y = u[1:], free runs by `generate`), density 0.05, bias 0.2, "
           "ridge 1e-12 (qr); a grid of spectral radius {0.8, 0.95} x input (= inter-"
           "layer) scaling {0.3, 1} x leak {1, 0.5} chosen per shape on the "
           "validation series by NRMSE84. MSO3: the protocol and grid of `--task "
           "mso`, inter-layer scaling 1. Mean ± std over reservoir seeds "
           f"{seeds} (MSO: {test_seeds}).", "",
           table(["measure", "shape", "value"], rows), ""]
    return "\n".join(out)


# --------------------------------------------------------------------------
# RLS: drift and speed
# --------------------------------------------------------------------------
def drift_series(n=6000, switch=3000, seed=2):
    rng = np.random.RandomState(seed)
    u = rng.uniform(-1, 1, n)
    y = np.zeros(n)
    for t in range(2, n):
        a, b = (0.6, 0.3) if t < switch else (-0.5, 0.4)
        y[t] = a * u[t - 1] + b * u[t - 2] * u[t - 1]
    return u[:, None], y


def run_rls(quick):
    X, y = drift_series()
    first, step = 500, 250
    kw = dict(n_reservoir=100, washout=50, alpha=1e-4, input_scaling=0.5, random_state=0)
    models = {"batch ridge (cholesky), refitted on all data so far": dict(kw)}
    for ff in (1.0, 0.999, 0.995, 0.99):
        models[f"RLS, forgetting_factor={ff:g}"] = dict(kw, solver="rls",
                                                        forgetting_factor=ff)
    spans = {"steps 500-3000 (before the change)": (first, 3000),
             "3000-3500 (just after)": (3000, 3500),
             "3500-6000 (after)": (3500, 6000)}
    rows = []
    for name, params in models.items():
        esn = ESNRegressor(**params).fit(X[:first], y[:first])
        err = np.empty(len(y))
        for lo in range(first, len(y), step):
            hi = min(len(y), lo + step)
            # predict the next block from where the data stopped, then learn it
            err[lo:hi] = esn.predict(X[lo:hi], initial_state=esn.last_state_) - y[lo:hi]
            esn.partial_fit(X[lo:hi], y[lo:hi], continue_state=True)
        rows.append([name] + [f"{np.sqrt(np.mean(err[a:b] ** 2)):.4f}"
                              for a, b in spans.values()])
    out = ["## Online RLS readout (`--task rls`)", "",
           "A system whose dynamics change at step 3000: y(t) = a u(t-1) + b u(t-2) "
           "u(t-1), (a, b) = (0.6, 0.3) then (-0.5, 0.4), u iid uniform [-1, 1] "
           f"(std of y about 0.35). N=100; fitted on the first {first} steps, then "
           f"every block of {step} steps is predicted from the state where the data "
           "stopped (`predict(X, initial_state=esn.last_state_)`) and then learnt "
           "(`partial_fit(..., continue_state=True)`). RMSE of those one-step "
           "predictions:", "",
           table(["readout"] + list(spans), rows), ""]
    # speed: the marginal cost of a step (fits on T and 3T steps), so the
    # fixed costs (drawing W, its eigenvalues, the solve) cancel
    rows = []
    repeats = 2 if quick else 5
    for n, T in ((100, 10_000), (500, 2_000)):
        rng = np.random.RandomState(0)
        Xs, ys = rng.randn(3 * T, 1), rng.randn(3 * T)
        per_step = {}
        for name, extra in (("batch ridge", {}), ("RLS", dict(solver="rls"))):
            est = lambda k: ESNRegressor(n_reservoir=n, alpha=1e-4, random_state=0,
                                         **extra).fit(Xs[:k], ys[:k])
            t1, t3 = [], []
            for _ in range(repeats):
                t1.append(median_time(lambda: est(T), 1, 0))
                t3.append(median_time(lambda: est(3 * T), 1, 0))
            per_step[name] = (np.median(t3) - np.median(t1)) / (2 * T)
        states = Reservoir(n_reservoir=n, random_state=0).fit_transform(Xs[:T])
        F = n + 2

        def bare():
            rls_update(states, Xs[:T], ys[:T, None], 1.0, np.zeros((1, F)),
                       np.eye(F) * 1e4)
        tb = median_time(bare, repeats) / T
        rows.append([f"N={n}", f"{1 / per_step['batch ridge']:,.0f}",
                     f"{1 / per_step['RLS']:,.0f}", f"{1 / tb:,.0f}",
                     f"{per_step['RLS'] / per_step['batch ridge']:.1f}x"])
    out += ["Steps per second of `fit`, the reservoir's harvest included, as the "
            f"marginal cost of a step (fits on {10_000:,} and {30_000:,} steps at "
            f"N=100, {2_000:,} and {6_000:,} at N=500; medians of {repeats}); the "
            "bare RLS kernel on precomputed states beside it:",
            "", table(["case", "batch ridge fit", "RLS fit", "bare RLS kernel",
                       "RLS time / batch time"], rows), ""]
    return "\n".join(out)


# --------------------------------------------------------------------------
# NVAR on Lorenz-63
# --------------------------------------------------------------------------
LZ_DT, LZ_WARM, LZ_TRAIN, LZ_TEST, LZ_FREE = 0.025, 200, 400, 2400, 1000
LZ_LYAP = 0.9056             # largest Lyapunov exponent of Lorenz-63
LZ_THRESHOLD = 0.4           # valid time: normalised error first above this
LZ_STARTS = 10
NVAR_PARAMS = dict(delay=1, order=2, strides=1, alpha=2.5e-6)
ESN_LZ_GRID = [(sr, sc, lr, a) for sr in (0.5, 0.9) for sc in (0.1, 0.5)
               for lr in (1.0, 0.5) for a in (1e-8, 1e-5)]


def lorenz_series(seed):
    s = datasets.lorenz(LZ_WARM + LZ_TRAIN + LZ_TEST + 1, dt=LZ_DT, random_state=seed)
    train = s[:LZ_WARM + LZ_TRAIN]
    return (s - train.mean(axis=0)) / train.std(axis=0)


def valid_steps(pred, truth):
    scale = np.sqrt(np.mean(np.sum((truth - truth.mean(axis=0)) ** 2, axis=1)))
    err = np.linalg.norm(np.asarray(pred) - truth, axis=1) / scale
    bad = ~(err <= LZ_THRESHOLD)
    return int(np.argmax(bad)) if bad.any() else len(err)


def lz_starts():
    end = LZ_WARM + LZ_TRAIN
    return [end + k * 100 for k in range(LZ_STARTS)]


def lz_score_ours(est, s):
    """One-step NRMSE on the test part and the valid times (in Lyapunov
    times) of free runs from several starts."""
    end = LZ_WARM + LZ_TRAIN
    with quiet():
        pred = est.predict(s[:-1])
        one = metrics.nrmse(s[end + 1:], pred[end:])
        vt = [valid_steps(est.generate(LZ_FREE, X_warmup=s[:t]), s[t:t + LZ_FREE])
              for t in lz_starts()]
    return one, np.asarray(vt) * LZ_DT * LZ_LYAP


def lz_ours_nvar(s):
    return NVARRegressor(**NVAR_PARAMS, washout=LZ_WARM).fit(
        s[:LZ_WARM + LZ_TRAIN - 1], s[1:LZ_WARM + LZ_TRAIN])


def lz_ours_esn(s, p, seed):
    sr, sc, lr, a = p
    with quiet():
        return ESNRegressor(n_reservoir=300, spectral_radius=sr, input_scaling=sc,
                            leak_rate=lr, alpha=a, bias_scaling=0.5, density=0.05,
                            solver="qr", washout=LZ_WARM, random_state=seed).fit(
            s[:LZ_WARM + LZ_TRAIN - 1], s[1:LZ_WARM + LZ_TRAIN])


def lz_rpy(s):
    end = LZ_WARM + LZ_TRAIN
    model = RpyNVAR(delay=NVAR_PARAMS["delay"] + 1, order=NVAR_PARAMS["order"],
                    strides=NVAR_PARAMS["strides"]) >> RpyRidge(ridge=NVAR_PARAMS["alpha"])
    model.fit(s[:end - 1], s[1:end], warmup=LZ_WARM)
    model.reset()
    nvar = model.nodes[0]
    nvar.store = np.zeros_like(nvar.store)
    pred = model.run(s[:-1])
    one = metrics.nrmse(s[end + 1:], pred[end:])
    vt = []
    for t in lz_starts():
        model.reset()
        nvar.store = np.zeros_like(nvar.store)
        u = model.run(s[:t])[-1]
        out = [u]
        for _ in range(LZ_FREE - 1):
            u = np.ravel(model(u))
            out.append(u)
        vt.append(valid_steps(np.array(out), s[t:t + LZ_FREE]))
    return one, np.asarray(vt) * LZ_DT * LZ_LYAP


def run_nvar(quick):
    seeds = (TEST_SEED,) if quick else (TEST_SEED, TEST_SEED + 1, TEST_SEED + 2)
    grid = ESN_LZ_GRID[::4] if quick else ESN_LZ_GRID
    # the ESN's grid point, chosen on a validation trajectory by median valid time
    s_va = lorenz_series(VALID_SEED)
    val = {p: np.median(lz_score_ours(lz_ours_esn(s_va, p, 0), s_va)[1]) for p in grid}
    best = max(grid, key=val.get)
    results = {"NVARRegressor (ours)": [], f"ESNRegressor (ours), N=300": []}
    if RPY:
        results[f"{RPY} NVAR >> Ridge"] = []
    for seed in seeds:
        s = lorenz_series(seed)
        results["NVARRegressor (ours)"].append(lz_score_ours(lz_ours_nvar(s), s))
        results["ESNRegressor (ours), N=300"].append(
            lz_score_ours(lz_ours_esn(s, best, 0), s))
        if RPY:
            results[f"{RPY} NVAR >> Ridge"].append(lz_rpy(s))
    rows = []
    for name, res in results.items():
        ones = [r[0] for r in res]
        vts = np.concatenate([r[1] for r in res])
        rows.append([name, log_summary(ones), f"{np.median(vts):.2f}",
                     f"{np.percentile(vts, 25):.2f} - {np.percentile(vts, 75):.2f}"])
    out = ["## NVAR on Lorenz-63 (`--task nvar`)", "",
           f"dt={LZ_DT}, series standardised with the training part's mean and std; "
           f"fitted on X = s[:-1], y = s[1:] over the first {LZ_WARM + LZ_TRAIN} "
           f"steps, the first {LZ_WARM} as washout (Gauthier et al.'s 5 + 10 time "
           f"units); one-step NRMSE over the next {LZ_TEST} steps (mean of the three "
           f"coordinates); valid time of {LZ_FREE}-step free runs from {LZ_STARTS} "
           f"starts 100 steps apart after training: the time until the error "
           f"|y_hat - y| / sqrt(mean |y - mean y|^2) first exceeds {LZ_THRESHOLD}, in "
           f"Lyapunov times (lambda = {LZ_LYAP}). NVAR: delay={NVAR_PARAMS['delay']} "
           f"(ReservoirPy delay={NVAR_PARAMS['delay'] + 1}), order 2, ridge "
           f"{NVAR_PARAMS['alpha']:g}, 27 features. ESN: N=300, density 0.05, bias "
           "0.5, qr readout; spectral radius {0.5, 0.9} x input scaling {0.1, 0.5} x "
           "leak {1, 0.5} x ridge {1e-8, 1e-5} chosen on a validation trajectory "
           f"(seed {VALID_SEED}): sr {best[0]}, input scaling {best[1]}, leak "
           f"{best[2]}, ridge {best[3]:g}. Trajectory seeds {seeds}.", "",
           table(["model", "one-step log10 NRMSE (mean ± std)",
                  "median valid time (Lyapunov times)", "interquartile range"], rows), ""]
    # speed: a long fit and free run
    n_fit, n_free = (10_000, 1_000) if quick else (50_000, 5_000)
    repeats = 2 if quick else 5
    s = datasets.lorenz(n_fit + 1, dt=LZ_DT, random_state=0)
    s = (s - s.mean(axis=0)) / s.std(axis=0)
    # the same penalty per training step as above: with 2.5e-6 on 50,000 steps
    # the free run leaves the attractor within 40 steps (both libraries)
    alpha = NVAR_PARAMS["alpha"] * n_fit / LZ_TRAIN
    nvar_params = dict(NVAR_PARAMS, alpha=alpha)
    finite = {}

    def ours():
        est = NVARRegressor(**nvar_params, washout=10).fit(s[:-1], s[1:])
        g = est.generate(n_free)
        finite["ours"] = bool(np.isfinite(g).all() and np.abs(g).max() < 10)
        return g

    def esn():
        sr, sc, lr, a = best
        est = ESNRegressor(n_reservoir=300, spectral_radius=sr, input_scaling=sc,
                           leak_rate=lr, alpha=a, bias_scaling=0.5, density=0.05,
                           washout=10, random_state=0).fit(s[:-1], s[1:])
        return est.generate(n_free)

    def rpy():
        model = RpyNVAR(delay=2, order=2, strides=1) >> RpyRidge(ridge=alpha)
        model.fit(s[:-1], s[1:], warmup=10)
        u = np.ravel(model(s[-1]))
        out = [u]
        for _ in range(n_free - 1):
            u = np.ravel(model(u))
            out.append(u)
        finite["rpy"] = bool(np.isfinite(out).all() and np.abs(out).max() < 10)
        return u

    funcs = {"NVARRegressor (ours)": ours, "ESNRegressor (ours), N=300": esn}
    if RPY:
        funcs[f"{RPY} NVAR >> Ridge"] = rpy
    for f in funcs.values():
        f()
    times = {k: [] for k in funcs}
    for _ in range(repeats):
        for k, f in funcs.items():
            times[k].append(median_time(f, 1, 0))
    ref = np.median(times["NVARRegressor (ours)"])
    rows = [[k, f"{np.median(v):.3f}", f"{np.median(v) / ref:.1f}x"]
            for k, v in times.items()]
    out += [f"Speed: fit on {n_fit:,} steps, then a {n_free:,}-step free "
            "run from the end of training (ours: `fit` + `generate`; ReservoirPy: "
            "`fit` + `model(u)` step by step), NVAR ridge "
            f"{alpha:g} (the penalty per step above). Free runs stayed on the "
            f"attractor: ours {finite.get('ours')}, ReservoirPy {finite.get('rpy')}. "
            f"Seconds, median of {repeats} alternating repeats:", "",
            table(["model", "s", "time / ours (NVAR)"], rows), ""]
    return "\n".join(out)


TASKS = {"mso": run_mso, "mg": run_mg, "speed": run_speed, "deep": run_deep,
         "rls": run_rls, "nvar": run_nvar}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--task", choices=list(TASKS) + ["all"], default="all",
                        nargs="+")
    args = parser.parse_args(argv)
    tasks = list(TASKS) if "all" in args.task else args.task
    t0 = time.perf_counter()
    load0 = os.getloadavg()
    sections = []
    for name in tasks:
        t = time.perf_counter()
        sections.append(TASKS[name](args.quick))
        print(sections[-1], flush=True)
        print(f"  [{name}: {time.perf_counter() - t:.0f}s]", file=sys.stderr, flush=True)
    load1 = os.getloadavg()
    cmd = "OPENBLAS_NUM_THREADS={} python benchmarks/bench_esn_full.py{}{}".format(
        os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"),
        " --quick" if args.quick else "",
        "" if "all" in args.task else " --task " + " ".join(args.task))
    head = ["# Output feedback, deep reservoirs, RLS and NVAR", "",
            f"Command: `{cmd}`; {time.perf_counter() - t0:.0f} s on "
            f"{platform.machine()} ({os.cpu_count()} cores), load average "
            f"{load0[0]:.1f} at the start and {load1[0]:.1f} at the end; "
            f"peer: {RPY or 'not installed'}.", ""]
    with open(RESULTS, "w", encoding="utf-8") as f:
        f.write("\n".join(head + sections))


if __name__ == "__main__":
    main()
