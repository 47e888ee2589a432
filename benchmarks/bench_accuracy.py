"""Accuracy targets of the ESN, side by side with ReservoirPy 0.4.2.

Three tasks, each tuned on validation data, reported on separate test data and
averaged over reservoir seeds (mean +- std):

* ``mg``    Mackey-Glass tau=17, Jaeger's protocol, N=1000: NRMSE of the 84th
            free-running step over 100 trials (target <= 10**-4.2).
* ``narma`` NARMA-10, N=200: test NRMSE (target <= 0.15).
* ``mc``    memory capacity of N=100 reservoirs, tanh and linear.

Usage::

    python benchmarks/bench_accuracy.py [--quick] [--task mg|narma|mc|all] [--tune]

Prints markdown tables and writes them to ``benchmarks/accuracy_results.md``
(``--tune`` runs the hyper-parameter search on validation data instead and
prints the best settings; it writes nothing). ReservoirPy is optional: without
it the peer rows are skipped.

How ReservoirPy is run (0.4.2 node API, no private helpers):
``Reservoir(units, lr=leak_rate, sr=spectral_radius, input_scaling,
rc_connectivity=density, input_connectivity=1.0, Win=mat_gen.uniform,
bias=mat_gen.uniform(low=-b, high=b), seed)``; states come from
``Reservoir.run`` (fresh zero state per sequence via ``reset``), the readout
is ``Ridge(ridge=alpha).fit(features, y, warmup=washout)`` on ``[u(t), x(t)]``
(or ``x(t)``), and free-running uses ``Reservoir.step`` / ``Ridge.step`` in
a Python loop, each output fed back as the next input. ``Win`` and the bias are
dense uniform so the input side matches ours; ``W`` keeps ReservoirPy's
default (sparse normal, scaled to ``sr``). ReservoirPy has no
``bias_scaling`` argument in 0.4.2 (the brief's spelling); a uniform bias
initializer is its equivalent.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
import warnings

import numpy as np
import scipy.linalg as sla

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from reservoir import ESNRegressor, datasets, metrics  # noqa: E402
from reservoir._warnings import ReservoirWarning  # noqa: E402

try:  # the peer library is optional
    import reservoirpy
    from reservoirpy import mat_gen as rpy_mat_gen
    from reservoirpy.nodes import Reservoir as RpyReservoir, Ridge as RpyRidge

    # reservoirpy.verbosity() was removed in 0.4 (the node API prints nothing)
    RPY_VERSION = reservoirpy.__version__
except ImportError:  # pragma: no cover - depends on the environment
    reservoirpy = None
    RPY_VERSION = None

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "accuracy_results.md")

# --------------------------------------------------------------------------
# Hyper-parameters (found by the --tune search, validation data only)
# --------------------------------------------------------------------------
# Mackey-Glass: a random search over spectral_radius {0.5..0.95}, input_scaling
# 10**U(-2, 0.3), bias_scaling {0..1}, density {1%, 5%}, leak_rate {0.4..1}
# (20 configurations, N=1000, reservoir seed 0), each scored on 30 trials of a
# validation series for alpha in {1e-12, 1e-10, 1e-8, 1e-6}. The recorded
# search used training history seed 100 and validation seed 300 (never the
# test seed 3); `--tune` repeats the same procedure on seeds 1 / 2. The best
# (log10 NRMSE84 = -2.98 on validation, alpha=1e-8) is below. Jaeger's noise-free
# sr=0.8 / density 1% / small input setting reached only about -2.2 with this
# library's readout (see the alpha=1e-12 and least-squares rows of the table
# for why a tiny ridge does not help here).
MG_PARAMS = dict(n_reservoir=1000, spectral_radius=0.9, input_scaling=0.9,
                 bias_scaling=0.5, density=0.05, leak_rate=0.7, alpha=1e-8)
# ReservoirPy gets the same search (--tune) on the same validation data; with
# no separate run recorded, the full benchmark uses our tuned point for it too.
MG_PARAMS_RPY = dict(MG_PARAMS)

# NARMA-10: grid over spectral_radius {0.9, 1.0}, input_scaling {0.1, 0.3, 1},
# leak_rate {1, 0.8}, bias_scaling {0, 0.2, 1}, centred input or not, alpha
# {1e-10..1e-4}, N=200, reservoir seed 0; the recorded search trained on
# 4000 steps of data seed 1 and scored the following 1800 steps (validation
# data, never a test seed; `--tune` scores a separate validation seed 2). Best: sr 0.9, IS 0.1, no leak, bias 0.2, alpha 1e-10; centring the
# input changed the NRMSE by < 0.002, so the raw input is used.
NARMA_PARAMS = dict(n_reservoir=200, spectral_radius=0.9, input_scaling=0.1,
                    bias_scaling=0.2, density=0.1, leak_rate=1.0, alpha=1e-10)
NARMA_PARAMS_RPY = dict(NARMA_PARAMS)

# Memory capacity: fixed by the brief (sr 0.95, small input scaling, no bias,
# readout on the states only); alpha chosen on a validation input (seed 2)
# from {1e-10, 1e-8, 1e-6, 1e-4}: validation MC tanh 37.4 / 37.4 / 37.4 / 35.6,
# linear 52.6 / 46.9 / 41.7 / 36.1 (ReservoirPy: 33.0 / 33.0 / 33.0 / 32.1 and
# 51.5 / 46.1 / 40.5 / 34.1), so 1e-10 for both libraries and activations.
MC_PARAMS = dict(n_reservoir=100, spectral_radius=0.95, input_scaling=0.1,
                 bias_scaling=0.0, density=0.1, leak_rate=1.0, alpha=1e-10)

ALPHAS = (1e-12, 1e-10, 1e-8, 1e-6)

# data seeds: training, validation and test series are different trajectories
TRAIN_SEED, VALID_SEED, TEST_SEED = 1, 2, 3


@contextlib.contextmanager
def count_warnings():
    """Silence ReservoirWarnings and count them (``box[0]`` after the block)."""
    box = [0]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield box
    box[0] = sum(issubclass(w.category, ReservoirWarning) for w in caught)


def mean_std(values, fmt="{:.3f}"):
    values = np.asarray(values, dtype=float)
    if values.size == 1:
        return fmt.format(values[0])
    return f"{fmt.format(values.mean())} ± {fmt.format(values.std(ddof=1))}"


def esn_kwargs(params):
    return {k: v for k, v in params.items()}


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def fmt_params(params):
    return ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}"
                     for k, v in params.items())


# --------------------------------------------------------------------------
# ReservoirPy adapter
# --------------------------------------------------------------------------
def rpy_reservoir(params, seed, activation="tanh"):
    b = params["bias_scaling"]
    bias = rpy_mat_gen.uniform(low=-b, high=b) if b > 0 else 0.0
    return RpyReservoir(
        units=params["n_reservoir"], lr=params["leak_rate"],
        sr=params["spectral_radius"], input_scaling=params["input_scaling"],
        rc_connectivity=params["density"], input_connectivity=1.0,
        Win=rpy_mat_gen.uniform, bias=bias,
        activation="identity" if activation == "identity" else "tanh",
        seed=seed)


def rpy_states(res, X):
    """States from a zero initial state."""
    if getattr(res, "initialized", False):
        res.reset()
    return res.run(np.ascontiguousarray(X, dtype=np.float64))


def rpy_features(X, S, include_input):
    return np.hstack([X, S]) if include_input else S


# --------------------------------------------------------------------------
# Mackey-Glass, Jaeger's protocol
# --------------------------------------------------------------------------
MG_WARM, MG_HORIZON, MG_STRIDE = 1000, 84, 50


def mg_series(n, seed):
    x = datasets.mackey_glass(n, random_state=seed)
    return x, datasets.mackey_glass_squash(x)


def mg_data(n_trials):
    x_tr, u_tr = mg_series(3001, TRAIN_SEED)
    need = MG_WARM + MG_HORIZON + (n_trials - 1) * MG_STRIDE
    return (x_tr, u_tr), need


def mg_score(generate, x, u, n_trials):
    """NRMSE84 in the original coordinates: generate(warm) -> 84 outputs."""
    errs = np.empty(n_trials)
    for i in range(n_trials):
        s = i * MG_STRIDE
        g = np.asarray(generate(u[s:s + MG_WARM, None])).reshape(-1)
        y84 = np.clip(g[MG_HORIZON - 1], -1 + 1e-12, 1 - 1e-12)
        errs[i] = datasets.mackey_glass_unsquash(y84) - x[s + MG_WARM + MG_HORIZON - 1]
    return float(np.sqrt(np.mean(errs ** 2)) / np.std(x))


def ours_mg_fit(params, seed, include_input, u_tr):
    kw = esn_kwargs(params)
    with count_warnings() as n_warn:
        esn = ESNRegressor(**kw, washout=1000, include_input=include_input,
                           random_state=seed).fit(u_tr[:-1, None], u_tr[1:])
    return esn, n_warn[0]


def ours_generate(esn):
    return lambda warm: esn.generate(MG_HORIZON, X_warmup=warm)


def lstsq_readout(esn, X, y, alpha, washout):
    """Diagnostic only: re-solve the ridge on the same states by least squares
    on the stacked system [Z; sqrt(alpha) I] (SVD, no normal equations)."""
    S = esn.reservoir_.transform(X)[washout:]
    Z = np.hstack([X[washout:], S]) if esn.include_input else S
    zm, ym = Z.mean(axis=0), y[washout:].mean()
    A = np.vstack([Z - zm, np.sqrt(alpha) * np.eye(Z.shape[1])])
    b = np.concatenate([y[washout:] - ym, np.zeros(Z.shape[1])])
    w = sla.lstsq(A, b, lapack_driver="gelsd")[0]
    esn.coef_ = w[None, :]
    esn.intercept_ = np.array([ym - zm @ w])
    return esn


class RpyMG:
    """ReservoirPy ESN trained by teacher forcing, free-run step by step."""

    def __init__(self, params, seed, include_input, u_tr):
        self.include_input = include_input
        self.res = rpy_reservoir(params, seed)
        X, y = u_tr[:-1, None], u_tr[1:, None]
        self.F = rpy_features(X, rpy_states(self.res, X), include_input)
        self.y = y
        self.fit(params["alpha"])

    def fit(self, alpha):
        self.ridge = RpyRidge(ridge=alpha).fit(self.F, self.y, warmup=1000)
        return self

    def generate(self, warm):
        S = rpy_states(self.res, warm)
        x, u = S[-1], warm[-1]
        out = np.empty(MG_HORIZON)
        for k in range(MG_HORIZON):
            f = np.concatenate([u, x]) if self.include_input else x
            y = self.ridge.step(f)
            out[k] = y[0]
            if k + 1 < MG_HORIZON:
                x = self.res.step(y)
                u = y
        return out


def run_mg(quick):
    n_trials = 30 if quick else 100
    seeds = [0] if quick else [0, 1, 2]
    (_, u_tr), need = mg_data(n_trials)
    x_te, u_te = mg_series(need, TEST_SEED)
    rows = {}

    def add(name, value, extra=""):
        rows.setdefault(name, ([], []))
        rows[name][0].append(value)
        if extra != "":
            rows[name][1].append(extra)

    for seed in seeds:
        for include_input in (True, False):
            t0 = time.perf_counter()
            esn, nw = ours_mg_fit(MG_PARAMS, seed, include_input, u_tr)
            add(f"ours, include_input={include_input}",
                mg_score(ours_generate(esn), x_te, u_te, n_trials), nw)
            print(f"  mg ours seed={seed} include_input={include_input} "
                  f"{time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
            if include_input and not quick:
                with count_warnings() as n_warn:
                    esn.refit_readout(1e-12)
                add("ours, include_input=True, alpha=1e-12 (library readout)",
                    mg_score(ours_generate(esn), x_te, u_te, n_trials), n_warn[0])
                lstsq_readout(esn, u_tr[:-1, None], u_tr[1:], 1e-12, 1000)
                add("diagnostic: same reservoir, alpha=1e-12 solved by SVD least squares",
                    mg_score(ours_generate(esn), x_te, u_te, n_trials), 0)
        if reservoirpy is not None:
            t0 = time.perf_counter()
            model = RpyMG(MG_PARAMS_RPY, seed, True, u_tr)
            add("ReservoirPy, input to readout",
                mg_score(model.generate, x_te, u_te, n_trials), "")
            print(f"  mg rpy seed={seed} {time.perf_counter() - t0:.1f}s",
                  file=sys.stderr, flush=True)

    out = [f"### Mackey-Glass tau=17, N=1000, NRMSE of step 84 over {n_trials} "
           f"free-run trials ({len(seeds)} reservoir seeds)",
           "",
           "Protocol: Euler 0.1 subsampled x10, squashed by tanh(x - 1); train "
           "3000 teacher-forced steps (washout 1000, history seed "
           f"{TRAIN_SEED}); each test trial warms up on 1000 true steps and "
           "free-runs 84; error of step 84 in the original coordinates, "
           f"normalised by the test series' std (test history seed {TEST_SEED}, "
           f"trials {MG_STRIDE} steps apart). Target: log10 NRMSE84 <= -4.2.",
           ""]
    body = []
    for name, (vals, warns) in rows.items():
        vals = np.asarray(vals)
        w = str(int(np.sum(warns))) if warns else "-"
        body.append([name, mean_std(np.log10(vals), "{:.2f}"),
                     mean_std(vals, "{:.2e}"), w])
    out.append(table(["model", "log10 NRMSE84 (mean ± std)", "NRMSE84",
                      "ReservoirWarnings"], body))
    out += ["", f"Hyper-parameters (ours and ReservoirPy): {fmt_params(MG_PARAMS)}.", ""]
    return "\n".join(out)


def tune_mg(n_configs=20, n_trials=30):
    (_, u_tr), need = mg_data(n_trials)
    x_va, u_va = mg_series(need, VALID_SEED)
    rng = np.random.RandomState(0)
    results = []
    for _ in range(n_configs):
        p = dict(n_reservoir=1000,
                 spectral_radius=float(rng.choice([0.5, 0.7, 0.8, 0.9, 0.95])),
                 input_scaling=float(10 ** rng.uniform(-2, 0.3)),
                 bias_scaling=float(rng.choice([0.0, 0.05, 0.2, 0.5, 1.0])),
                 density=float(rng.choice([0.01, 0.05])),
                 leak_rate=float(rng.choice([1.0, 1.0, 0.7, 0.4])), alpha=ALPHAS[0])
        esn, _ = ours_mg_fit(p, 0, True, u_tr)
        rpy = RpyMG(p, 0, True, u_tr) if reservoirpy is not None else None
        for a in ALPHAS:
            with count_warnings():
                esn.refit_readout(a)
            s_ours = np.log10(mg_score(ours_generate(esn), x_va, u_va, n_trials))
            s_rpy = np.nan
            if rpy is not None:
                s_rpy = np.log10(mg_score(rpy.fit(a).generate, x_va, u_va, n_trials))
            results.append((s_ours, s_rpy, dict(p, alpha=a)))
            print(f"  ours {s_ours:6.2f}  rpy {s_rpy:6.2f}  {fmt_params(dict(p, alpha=a))}",
                  flush=True)
    best = min(results, key=lambda r: r[0])
    print("best for ours:", best[0], fmt_params(best[2]))
    if reservoirpy is not None:
        best = min(results, key=lambda r: r[1])
        print("best for ReservoirPy:", best[1], fmt_params(best[2]))


# --------------------------------------------------------------------------
# NARMA-10
# --------------------------------------------------------------------------
N_TRAIN, N_VALID, N_TEST, NARMA_WASHOUT = 4000, 2000, 2000, 200


def narma_data(seed, n_eval):
    """One series: first N_TRAIN rows train, the next n_eval rows are scored."""
    u, y = datasets.narma(N_TRAIN + n_eval, random_state=seed)
    return u[:, None], y


def ours_narma(params, seed, u, y):
    with count_warnings() as n_warn:
        esn = ESNRegressor(**params, washout=NARMA_WASHOUT, random_state=seed)
        esn.fit(u[:N_TRAIN], y[:N_TRAIN])
    return esn, n_warn[0]


def rpy_narma(params, seed, u, y):
    res = rpy_reservoir(params, seed)
    F = rpy_features(u, rpy_states(res, u), True)
    ridge = RpyRidge(ridge=params["alpha"]).fit(F[:N_TRAIN], y[:N_TRAIN, None],
                                                warmup=NARMA_WASHOUT)
    return ridge.run(F)[:, 0], F


def run_narma(quick):
    seeds = [0] if quick else [0, 1, 2, 3, 4]
    ours, rpy, warns = [], [], 0
    for seed in seeds:
        # test series: data seed TEST_SEED + 10 * seed (one per reservoir seed)
        u, y = narma_data(TEST_SEED + 10 * seed, N_TEST)
        esn, nw = ours_narma(NARMA_PARAMS, seed, u, y)
        warns += nw
        ours.append(metrics.nrmse(y[N_TRAIN:], esn.predict(u)[N_TRAIN:]))
        if reservoirpy is not None:
            pred, _ = rpy_narma(NARMA_PARAMS_RPY, seed, u, y)
            rpy.append(metrics.nrmse(y[N_TRAIN:], pred[N_TRAIN:]))
    rows = [["ours (include_input=True)", mean_std(ours), str(warns)]]
    if rpy:
        rows.append([f"ReservoirPy {RPY_VERSION}, input to readout", mean_std(rpy), "-"])
    out = [f"### NARMA-10, N=200, test NRMSE ({len(seeds)} seeds)", "",
           f"Train {N_TRAIN} steps (washout {NARMA_WASHOUT}), test the next "
           f"{N_TEST} steps of the same run (state carried over); NRMSE = RMSE / "
           "std(target). Seed s: reservoir seed s, data seed "
           f"{TEST_SEED} + 10 s. Target <= 0.15.", "",
           table(["model", "test NRMSE (mean ± std)", "ReservoirWarnings"], rows),
           "", f"Hyper-parameters (both): {fmt_params(NARMA_PARAMS)}.", ""]
    return "\n".join(out)


def tune_narma():
    import itertools
    u, y = narma_data(VALID_SEED, N_VALID)
    results = []
    grid = itertools.product([0.9, 1.0], [0.1, 0.3, 1.0], [1.0, 0.8], [0.0, 0.2, 1.0])
    for sr, IS, lr, b in grid:
        p = dict(n_reservoir=200, spectral_radius=sr, input_scaling=IS,
                 bias_scaling=b, density=0.1, leak_rate=lr, alpha=ALPHAS[0])
        esn, _ = ours_narma(p, 0, u, y)
        rpy_F = None
        for a in (1e-10, 1e-8, 1e-6, 1e-4):
            with count_warnings():
                esn.refit_readout(a)
            s_ours = metrics.nrmse(y[N_TRAIN:], esn.predict(u)[N_TRAIN:])
            s_rpy = np.nan
            if reservoirpy is not None:
                if rpy_F is None:
                    _, rpy_F = rpy_narma(dict(p, alpha=a), 0, u, y)
                ridge = RpyRidge(ridge=a).fit(rpy_F[:N_TRAIN], y[:N_TRAIN, None],
                                              warmup=NARMA_WASHOUT)
                s_rpy = metrics.nrmse(y[N_TRAIN:], ridge.run(rpy_F)[N_TRAIN:, 0])
            results.append((s_ours, s_rpy, dict(p, alpha=a)))
            print(f"  ours {s_ours:.3f}  rpy {s_rpy:.3f}  {fmt_params(dict(p, alpha=a))}",
                  flush=True)
    best = min(results, key=lambda r: r[0])
    print("best for ours:", best[0], fmt_params(best[2]))
    if reservoirpy is not None:
        best = min(results, key=lambda r: r[1])
        print("best for ReservoirPy:", best[1], fmt_params(best[2]))


# --------------------------------------------------------------------------
# Memory capacity
# --------------------------------------------------------------------------
MC_MAX_DELAY, MC_TRAIN, MC_TEST = 200, 5000, 5000


def mc_ours(params, activation, seed, data_seed):
    u, Y = datasets.memory_capacity_task(MC_TRAIN + MC_TEST, MC_MAX_DELAY,
                                         random_state=data_seed)
    with count_warnings() as n_warn:
        esn = ESNRegressor(**params, activation=activation, washout=MC_MAX_DELAY,
                           include_input=False, random_state=seed)
        esn.fit(u[:MC_TRAIN], Y[:MC_TRAIN])
    P = esn.predict(u)
    return metrics.memory_capacity(u[MC_TRAIN:], P[MC_TRAIN:]), n_warn[0], esn, u, Y


def mc_rpy(params, activation, seed, data_seed):
    u, Y = datasets.memory_capacity_task(MC_TRAIN + MC_TEST, MC_MAX_DELAY,
                                         random_state=data_seed)
    res = rpy_reservoir(params, seed, activation)
    S = rpy_states(res, u)
    ridge = RpyRidge(ridge=params["alpha"]).fit(S[:MC_TRAIN], Y[:MC_TRAIN],
                                                warmup=MC_MAX_DELAY)
    P = ridge.run(S)
    return metrics.memory_capacity(u[MC_TRAIN:], P[MC_TRAIN:])


def run_mc(quick):
    seeds = [0] if quick else [0, 1, 2]
    rows = []
    for activation in ("tanh", "identity"):
        ours, rpy, warns = [], [], 0
        for seed in seeds:
            mc, nw, *_ = mc_ours(MC_PARAMS, activation, seed, TEST_SEED + 10 * seed)
            ours.append(mc)
            warns += nw
            if reservoirpy is not None:
                rpy.append(mc_rpy(MC_PARAMS, activation, seed, TEST_SEED + 10 * seed))
        rows.append([activation, "ours", mean_std(ours, "{:.1f}"),
                     f"{max(ours):.1f}", str(warns)])
        if rpy:
            rows.append([activation, f"ReservoirPy {RPY_VERSION}",
                         mean_std(rpy, "{:.1f}"), f"{max(rpy):.1f}", "-"])
    n = MC_PARAMS["n_reservoir"]
    out = [f"### Memory capacity, N={n}, delays 1..{MC_MAX_DELAY} "
           f"({len(seeds)} seeds)", "",
           f"Input iid uniform [-0.5, 0.5]; one readout per delay trained on "
           f"{MC_TRAIN} steps (washout {MC_MAX_DELAY}), MC = sum of squared "
           f"correlations on the next {MC_TEST} steps. The readout sees the "
           f"states only (include_input=False), so MC <= N = {n}.", "",
           table(["activation", "model", "MC (mean ± std)", "max", "ReservoirWarnings"], rows),
           "", f"Hyper-parameters (both): {fmt_params(MC_PARAMS)}.", ""]
    return "\n".join(out)


def tune_mc():
    for activation in ("tanh", "identity"):
        for a in (1e-10, 1e-8, 1e-6, 1e-4):
            mc, nw, *_ = mc_ours(dict(MC_PARAMS, alpha=a), activation, 0, VALID_SEED)
            rpy = (mc_rpy(dict(MC_PARAMS, alpha=a), activation, 0, VALID_SEED)
                   if reservoirpy is not None else np.nan)
            print(f"  {activation:8s} alpha={a:g}: ours {mc:.1f} (warnings {nw})  "
                  f"rpy {rpy:.1f}", flush=True)


# --------------------------------------------------------------------------
def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="one seed, fewer trials (< 2 minutes)")
    parser.add_argument("--task", choices=["mg", "narma", "mc", "all"], default="all")
    parser.add_argument("--tune", action="store_true",
                        help="run the hyper-parameter search on validation data")
    args = parser.parse_args(argv)
    tasks = ["mg", "narma", "mc"] if args.task == "all" else [args.task]
    if args.tune:
        for task in tasks:
            print(f"## tuning {task}")
            {"mg": tune_mg, "narma": tune_narma, "mc": tune_mc}[task]()
        return
    t0 = time.perf_counter()
    parts = ["# Accuracy of the ESN vs ReservoirPy", "",
             f"ReservoirPy: {RPY_VERSION or 'not installed (rows skipped)'}; "
             f"mode: {'quick' if args.quick else 'full'}; "
             "regenerate with `python benchmarks/bench_accuracy.py`.", ""]
    for task in tasks:
        t = time.perf_counter()
        text = {"mg": run_mg, "narma": run_narma, "mc": run_mc}[task](args.quick)
        parts.append(text)
        print(text, flush=True)
        print(f"({task}: {time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
    parts.append(f"Total time {time.perf_counter() - t0:.0f} s.")
    with open(RESULTS, "w") as fh:
        fh.write("\n".join(parts) + "\n")
    print(f"wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
