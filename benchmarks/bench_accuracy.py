"""Accuracy targets of the ESN, side by side with ReservoirPy 0.4.2.

Three tasks, each tuned on validation data, reported on separate test data and
averaged over reservoir seeds (mean +- std):

* ``mg``    Mackey-Glass tau=17, Jaeger's protocol, N=1000: NRMSE of the 84th
            free-running step over 100 trials (target <= 10**-4.2). Our
            readout uses ``solver="qr"`` with alpha=1e-14; a row with the
            Cholesky (normal-equations) readout is kept for contrast.
* ``narma`` NARMA-10, N=200, 10000 training steps: test NRMSE (target <= 0.15).
* ``mc``    memory capacity of N=100 reservoirs, tanh and linear.

Usage::

    python benchmarks/bench_accuracy.py [--quick] [--task mg|narma|mc|all] [--tune]

The full run takes about 30 s on 2 cores with warm numba caches and
``OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1`` (the recorded setting); on a loaded
machine multithreaded BLAS made the small N=200 fits ~10x slower
(oversubscription), not faster. ``--tune`` takes 10-20 minutes.

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
``bias_scaling`` argument in 0.4.2; a uniform bias
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

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import mean_std, table  # noqa: E402
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
# Mackey-Glass, readout solver="qr" (streamed QR; it does not square the
# condition number, so a tiny alpha is usable). Search on the validation
# series (history seed VALID_SEED=2, 30 trials), training history seed 1,
# reservoir seeds 0 and 1, alpha scanned by refit_readout over 1e-15..1e-8:
# a 13-point random search over spectral_radius {0.7..1.0}, input_scaling
# 10**U(-1.3, 0.3), bias_scaling {0.05..1}, density {1%, 5%}, leak_rate
# {0.3..1}, then one-at-a-time moves around the best point. Validation
# log10 NRMSE84 at alpha=1e-14: -4.89 (seed 0; -4.84 for the bias 0.05
# neighbour on seed 1); the earlier tuned point (sr 0.9, IS 0.9, bias
# 0.5, density 5%, leak 0.7) reaches -4.82 with this solver, its neighbours
# -4.4..-4.9, so the optimum is broad. `--tune` repeats the random part;
# the one-at-a-time moves were run by hand. alpha=1e-15 was better still on
# most points (up to -5.3); 1e-14 is kept, the bottom of the range scanned. Jaeger & Haas's family (sr 0.8, density 1%, no leak,
# input and bias weights 0.05-0.35) reached only -0.5..-3.2 here: with the
# squashed input tanh(x - 1) of range ~0.8, weights that small leave the
# units nearly linear (Jaeger's original also had output feedback and a
# constant bias input, which this model does not).
MG_PARAMS = dict(n_reservoir=1000, spectral_radius=0.95, input_scaling=0.63,
                 bias_scaling=0.2, density=0.01, leak_rate=0.7, alpha=1e-14,
                 solver="qr")
# The contrast row: same reservoir, the normal-equations (Cholesky) readout
# at its own best validation alpha (1e-9: -3.47; 1e-8 -3.07, <= 1e-10 -3.05,
# where the eigendecomposition fallback takes over).
MG_CHOLESKY_ALPHA = 1e-9
# ReservoirPy: the same 13-point random search with the same alpha scan
# (`--tune`, reservoir seed 0, its own W). Its normal-equations Ridge diverges
# in free run for alpha <= 1e-13 on every point and often at 1e-12; its best
# is the point below at alpha=1e-12 (validation -4.55; 1e-11 -4.26, 1e-10
# -4.02). At our point it reaches -4.21 (alpha 1e-11), with ours at -4.89.
MG_PARAMS_RPY = dict(n_reservoir=1000, spectral_radius=0.95, input_scaling=0.629,
                     bias_scaling=0.05, density=0.01, leak_rate=0.7, alpha=1e-12)
RPY_MG_NOTE = ("ReservoirPy: its own random W (sparse normal), tuned by the same "
               "random search and alpha scan on the validation trials; its "
               "`Ridge` (normal equations) diverges in free run for alpha <= "
               "1e-13 and its best validation point is at 1e-12, next to that "
               "edge. Hyper-parameters: ")

# NARMA-10, solver="qr": random search on validation data (data seed
# VALID_SEED=2: train on its first N_TRAIN=10000 steps, score the next 2000),
# mean over reservoir seeds that are not test seeds, alpha scanned by
# refit_readout over 1e-14..1e-4. Stage 1 (seeds 10, 11; 17 points):
# spectral_radius {0.85..1.0}, input_scaling {0.05, 0.1, 0.2}, leak_rate
# {1, 0.9}, bias_scaling {0, 0.2, 0.5}, density {5, 10, 20%}; zero bias was
# always bad (>= 0.2), input_scaling 0.05 the best. Stage 2 (seeds 10-12; 24
# points): spectral_radius {0.95, 1.0, 1.05}, input_scaling {0.02..0.08},
# leak_rate {1, 0.9}, bias_scaling {0.2, 0.5, 1}, density {5, 10%}. Best
# validation NRMSE 0.118 (sr 1.05, IS 0.08, leak 0.9, bias 0.5, density 10%)
# but its effective spectral radius 1.045 triggers the echo-state warning;
# the runner-up below (0.120; per seed 0.141 / 0.121 / 0.099) is used. The
# previous point (sr 0.9, IS 0.1, no leak, bias 0.2, density 10%) scores
# 0.151 on the same validation data with 10000 training steps.
NARMA_PARAMS = dict(n_reservoir=200, spectral_radius=0.95, input_scaling=0.05,
                    bias_scaling=0.2, density=0.05, leak_rate=0.9, alpha=1e-12,
                    solver="qr")
# ReservoirPy at the same point, alpha re-scanned for its Ridge on the same
# validation data and seeds: 1e-14 0.137, 1e-12 0.137, 1e-10 0.139, 1e-8
# 0.183, 1e-6 0.296 (its W is a different random matrix: sparse normal).
NARMA_PARAMS_RPY = dict(NARMA_PARAMS, alpha=1e-12)

# Memory capacity: fixed settings (sr 0.95, small input scaling, no bias,
# readout on the states only); alpha chosen on a validation input (seed 2)
# from {1e-14, 1e-12, ..., 1e-4}. tanh: 37.4 for every alpha <= 1e-6 with
# either solver (ReservoirPy 33.0). identity: qr 61.2 / 57.3 / 52.6 / 46.9 at
# 1e-14 / 1e-12 / 1e-10 / 1e-8; cholesky the same except 55.8 at 1e-14, where
# it falls back to the truncated eigendecomposition (ReservoirPy 60.2 / 56.4 /
# 51.5 / 46.1). So alpha=1e-14 for both libraries and activations; the
# solver only matters for the linear reservoir at that alpha.
MC_PARAMS = dict(n_reservoir=100, spectral_radius=0.95, input_scaling=0.1,
                 bias_scaling=0.0, density=0.1, leak_rate=1.0, alpha=1e-14,
                 solver="qr")

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


def ours_mg_fit(params, seed, u_tr, **overrides):
    kw = dict(params, **overrides)
    with count_warnings() as n_warn:
        esn = ESNRegressor(**kw, washout=1000, include_input=True,
                           random_state=seed).fit(u_tr[:-1, None], u_tr[1:])
    return esn, n_warn[0]


def ours_generate(esn):
    return lambda warm: esn.generate(MG_HORIZON, X_warmup=warm)


class OursWarm:
    """Tuning helper: the warm-up states of every trial, computed once per
    reservoir, and a closed loop from them (public attributes only), so an
    alpha scan costs only the 84-step free runs. ``generate`` has no
    ``initial_state`` argument, hence the explicit loop; ``check`` compares
    it with ``generate`` on the first trial."""

    def __init__(self, esn, u, n_trials):
        self.esn, self.u, self.i = esn, u, 0
        self.warm = []
        for i in range(n_trials):
            seg = u[i * MG_STRIDE:i * MG_STRIDE + MG_WARM, None]
            self.warm.append((esn.predict(seg, return_state=True)[1], seg[-1, 0]))

    def free_run(self, x, u):
        esn, res = self.esn, self.esn.reservoir_
        w_u, w_x, b = esn.coef_[0, 0], esn.coef_[0, 1:], esn.intercept_[0]
        a, W, w_in, bias = res.leak_rate, res.W_, res.W_in_[:, 0], res.bias_
        out = np.empty(MG_HORIZON)
        for k in range(MG_HORIZON):
            out[k] = y = b + w_u * u + w_x @ x
            x = (1 - a) * x + a * np.tanh(w_in * y + W @ x + bias)
            u = y
        return out

    def generate(self, warm):
        """For mg_score: trials are asked for in order."""
        x, u = self.warm[self.i % len(self.warm)]
        self.i += 1
        return self.free_run(x, u)

    def check(self):
        seg = self.u[:MG_WARM, None]
        ref = self.esn.generate(MG_HORIZON, X_warmup=seg)
        np.testing.assert_allclose(self.free_run(*self.warm[0]), ref,
                                   rtol=1e-7, atol=1e-9)


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
        for solver, alpha in (("qr", MG_PARAMS["alpha"]),
                              ("cholesky", MG_CHOLESKY_ALPHA)):
            t0 = time.perf_counter()
            esn, nw = ours_mg_fit(MG_PARAMS, seed, u_tr, solver=solver, alpha=alpha)
            add(f"ours, solver='{solver}', alpha={alpha:g}",
                mg_score(ours_generate(esn), x_te, u_te, n_trials), nw)
            print(f"  mg ours seed={seed} solver={solver} "
                  f"{time.perf_counter() - t0:.1f}s", file=sys.stderr, flush=True)
        if reservoirpy is not None:
            t0 = time.perf_counter()
            model = RpyMG(MG_PARAMS_RPY, seed, True, u_tr)
            add(f"ReservoirPy {RPY_VERSION}, Ridge(ridge={MG_PARAMS_RPY['alpha']:g})",
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
           f"trials {MG_STRIDE} steps apart). Readout on [1, u(t), x(t)]. "
           "Target: log10 NRMSE84 <= -4.2.",
           ""]
    body = []
    for name, (vals, warns) in rows.items():
        vals = np.asarray(vals)
        w = str(int(np.sum(warns))) if warns else "-"
        per_seed = ", ".join(f"{v:.2f}" for v in np.log10(vals))
        body.append([name, mean_std(np.log10(vals), "{:.2f}"), per_seed,
                     mean_std(vals, "{:.2e}"), w])
    out.append(table(["model", "log10 NRMSE84 (mean ± std)", "per seed",
                      "NRMSE84", "ReservoirWarnings"], body))
    shared = {k: v for k, v in MG_PARAMS.items() if k not in ("alpha", "solver")}
    out += ["", f"Hyper-parameters (ours, both solvers): {fmt_params(shared)}; "
            "readout alpha as in each row (each solver's best on validation).",
            "", RPY_MG_NOTE + fmt_params(MG_PARAMS_RPY) + ".", ""]
    return "\n".join(out)


MG_TUNE_ALPHAS = (1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8)


def tune_mg(n_configs=12, n_trials=30):
    """Random search + alpha scan on the validation series (ours: solver='qr';
    ReservoirPy: alpha scan of its Ridge on the same reservoir settings)."""
    (_, u_tr), need = mg_data(n_trials)
    x_va, u_va = mg_series(need, VALID_SEED)
    rng = np.random.RandomState(1)
    configs = [{k: v for k, v in MG_PARAMS.items() if k not in ("alpha", "solver")}]
    for _ in range(n_configs):
        configs.append(dict(
            n_reservoir=1000,
            spectral_radius=float(rng.choice([0.7, 0.8, 0.9, 0.95, 1.0])),
            input_scaling=float(np.round(10 ** rng.uniform(-1.3, 0.3), 3)),
            bias_scaling=float(rng.choice([0.05, 0.2, 0.5, 1.0])),
            density=float(rng.choice([0.01, 0.05])),
            leak_rate=float(rng.choice([1.0, 0.7, 0.5, 0.3]))))
    results = []
    print("alphas:", " ".join(f"{a:g}" for a in MG_TUNE_ALPHAS))
    for p in configs:
        esn, _ = ours_mg_fit(dict(p, alpha=1e-12), 0, u_tr, solver="qr")
        warm = OursWarm(esn, u_va, n_trials)
        warm.check()
        scores = []
        for a in MG_TUNE_ALPHAS:
            with count_warnings():
                esn.refit_readout(a)
            scores.append(np.log10(mg_score(warm.generate, x_va, u_va, n_trials)))
            results.append((scores[-1], "ours", dict(p, alpha=a)))
        print("  ours " + " ".join(f"{v:6.2f}" for v in scores), fmt_params(p),
              flush=True)
        if reservoirpy is not None:
            rpy = RpyMG(dict(p, alpha=1e-12), 0, True, u_tr)
            scores = []
            for a in MG_TUNE_ALPHAS:
                scores.append(np.log10(mg_score(rpy.fit(a).generate, x_va, u_va,
                                                n_trials)))
                results.append((scores[-1], "rpy", dict(p, alpha=a)))
            print("  rpy  " + " ".join(f"{v:6.2f}" for v in scores), flush=True)
    for who in ("ours", "rpy"):
        mine = [r for r in results if r[1] == who and np.isfinite(r[0])]
        if mine:
            best = min(mine, key=lambda r: r[0])
            print(f"best for {who}:", round(best[0], 2), fmt_params(best[2]))


# --------------------------------------------------------------------------
# NARMA-10
# --------------------------------------------------------------------------
N_TRAIN, N_VALID, N_TEST, NARMA_WASHOUT = 10000, 2000, 2000, 200


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

    def per_seed(v):
        return ", ".join(f"{x:.3f}" for x in v)

    rows = [[f"ours, solver='{NARMA_PARAMS['solver']}'", mean_std(ours),
             per_seed(ours), str(warns)]]
    if rpy:
        rows.append([f"ReservoirPy {RPY_VERSION}, input to readout", mean_std(rpy),
                     per_seed(rpy), "-"])
    rpy_params = {k: v for k, v in NARMA_PARAMS_RPY.items() if k != "solver"}
    out = [f"### NARMA-10, N=200, test NRMSE ({len(seeds)} seeds)", "",
           f"Train {N_TRAIN} steps (washout {NARMA_WASHOUT}, so "
           f"{N_TRAIN - NARMA_WASHOUT} fitted rows), test the next "
           f"{N_TEST} steps of the same run (state carried over); NRMSE = RMSE / "
           "std(target). Seed s: reservoir seed s, data seed "
           f"{TEST_SEED} + 10 s. Target <= 0.15.", "",
           table(["model", "test NRMSE (mean ± std)", "per seed (s = 0, 1, ...)",
                  "ReservoirWarnings"], rows),
           "", f"Hyper-parameters, ours: {fmt_params(NARMA_PARAMS)}.",
           f"ReservoirPy: {fmt_params(rpy_params)}.", ""]
    return "\n".join(out)


def narma_scan(esn, u, y, alphas):
    """Validation NRMSE for each alpha: states once, readouts by refit."""
    Z = np.hstack([u[N_TRAIN:], esn.reservoir_.transform(u)[N_TRAIN:]])
    scores = []
    for a in alphas:
        with count_warnings():
            esn.refit_readout(a)
        scores.append(metrics.nrmse(y[N_TRAIN:], Z @ esn.coef_[0] + esn.intercept_[0]))
    return scores


NARMA_TUNE_ALPHAS = (1e-14, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4)


def tune_narma(n_configs=22, seeds=(10, 11, 12)):
    """Stage 2 of the recorded search (see NARMA_PARAMS) on validation data
    (data seed VALID_SEED), mean over reservoir seeds that are not test seeds;
    alpha scanned by refit_readout. ReservoirPy gets the same alphas on the
    best few of our configurations."""
    u, y = narma_data(VALID_SEED, N_VALID)
    rng = np.random.RandomState(5)
    base = {k: v for k, v in NARMA_PARAMS.items() if k not in ("alpha", "solver")}
    configs = [base, dict(base, leak_rate=1.0)]
    for _ in range(n_configs):
        configs.append(dict(
            n_reservoir=200,
            spectral_radius=float(rng.choice([0.95, 1.0, 1.05])),
            input_scaling=float(rng.choice([0.02, 0.03, 0.05, 0.08])),
            leak_rate=float(rng.choice([1.0, 0.9])),
            bias_scaling=float(rng.choice([0.2, 0.5, 1.0])),
            density=float(rng.choice([0.05, 0.1]))))
    results = []
    for p in configs:
        grid = np.array([narma_scan(ours_narma(dict(p, alpha=1e-10, solver="qr"),
                                               s, u, y)[0], u, y, NARMA_TUNE_ALPHAS)
                         for s in seeds])
        m = grid.mean(axis=0)
        j = int(np.argmin(m))
        results.append((m[j], dict(p, alpha=NARMA_TUNE_ALPHAS[j])))
        print(f"  ours {m[j]:.4f}  {fmt_params(results[-1][1])}", flush=True)
    results.sort(key=lambda r: r[0])
    print("best for ours:", round(results[0][0], 4), fmt_params(results[0][1]))
    if reservoirpy is not None:
        rpy_best = []
        for _, p in results[:5]:
            for a in NARMA_TUNE_ALPHAS:
                v = np.mean([metrics.nrmse(y[N_TRAIN:], rpy_narma(dict(p, alpha=a), s,
                                                                   u, y)[0][N_TRAIN:])
                             for s in seeds])
                rpy_best.append((v, dict(p, alpha=a)))
                print(f"  rpy  {v:.4f}  {fmt_params(rpy_best[-1][1])}", flush=True)
        best = min(rpy_best, key=lambda r: r[0])
        print("best for ReservoirPy:", round(best[0], 4), fmt_params(best[1]))


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
        rpy = []
        for solver in ("qr", "cholesky"):
            ours, warns = [], 0
            for seed in seeds:
                mc, nw, *_ = mc_ours(dict(MC_PARAMS, solver=solver), activation,
                                     seed, TEST_SEED + 10 * seed)
                ours.append(mc)
                warns += nw
            rows.append([activation, f"ours, solver='{solver}'",
                         mean_std(ours, "{:.1f}"), f"{max(ours):.1f}", str(warns)])
        for seed in seeds:
            if reservoirpy is not None:
                rpy.append(mc_rpy(MC_PARAMS, activation, seed, TEST_SEED + 10 * seed))
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
           "", "Hyper-parameters (both libraries, both solvers): " + fmt_params(
               {k: v for k, v in MC_PARAMS.items() if k != "solver"}) + ".", ""]
    return "\n".join(out)


def tune_mc():
    for activation in ("tanh", "identity"):
        for a in (1e-14, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4):
            mc, nw, *_ = mc_ours(dict(MC_PARAMS, alpha=a), activation, 0, VALID_SEED)
            mc_qr, nw_qr, *_ = mc_ours(dict(MC_PARAMS, alpha=a, solver="qr"),
                                       activation, 0, VALID_SEED)
            rpy = (mc_rpy(dict(MC_PARAMS, alpha=a), activation, 0, VALID_SEED)
                   if reservoirpy is not None else np.nan)
            print(f"  {activation:8s} alpha={a:g}: ours cholesky {mc:.1f} "
                  f"(warnings {nw}), qr {mc_qr:.1f} (warnings {nw_qr})  "
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
             "regenerate with `OMP_NUM_THREADS=1 NUMBA_NUM_THREADS=1 python benchmarks/bench_accuracy.py` "
             "(the thread settings only change the speed).", ""]
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
