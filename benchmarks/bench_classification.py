"""Sequence classification: ESNClassifier, GRU/LSTM classifiers, ReservoirPy.

Sections (``--section``, default all):

* ``protocol``  How the shipped defaults of ``ESNClassifier`` were chosen:
                candidate defaults (representation x ridge alpha, the other
                knobs at the Reservoir's defaults) scored by 5-fold stratified
                cross-validation on the training split of every data set in
                the protocol (the archive set, plus generated univariate sets
                after the UCR archive's CBF and Synthetic Control, so the
                choice is not fitted to one set); the winner has the best mean
                rank. No test split is read.
* ``defaults``  Test accuracy of ``ESNClassifier()`` (raw input, and after
                ``SequenceScaler``) and of each representation at the defaults.
* ``cv``        Hyper-parameters by 5-fold stratified cross-validation on the
                training split only (a fixed generic grid over spectral radius,
                input scaling, leak rate, representation and ridge alpha at
                N=500); the best setting refitted on the whole training split
                and scored on the test split for five reservoir seeds.
* ``rnn``       GRU and LSTM classifiers at a few sizes: test accuracy and
                training time (three seeds).
* ``speed``     Fit plus predict on about 5,000 sequences at N=500 against the
                same job done with ReservoirPy 0.4.2 by hand (``Reservoir.run``
                on every sequence, mean and last state, scikit-learn's
                ``RidgeClassifier``).

Usage::

    python benchmarks/bench_classification.py [--dataset JapaneseVowels]
        [--section protocol|defaults|cv|rnn|speed|all] [--quick]

Data: ``../shared/data/uea/<dataset>/<dataset>_{TRAIN,TEST}.ts`` relative to
the repository root (never copied into it). Writes
``benchmarks/classification_results.md`` (for JapaneseVowels with all
sections) or prints only.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _common import mean_std, table  # noqa: E402
from _uea import load_uea  # noqa: E402
from reservoir import (ESNClassifier, GRUClassifier, LSTMClassifier,  # noqa: E402
                       ReservoirWarning, SequenceScaler)

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "classification_results.md")

CV_FOLDS, CV_SEED = 5, 0

# -- protocol for the defaults ------------------------------------------------
# candidates: representation x alpha (x the model space's n_components and
# embedding_alpha), everything else at ESNClassifier's reservoir defaults
# (N=100, spectral radius 0.9, input scaling 1, density 0.1, no leak), inputs
# standardised by SequenceScaler as documented
DEFAULT_REPRESENTATIONS = ("mean", "last", "last_mean", "model_space")
DEFAULT_ALPHAS = (1e-2, 1e-1, 1.0, 10.0)
DEFAULT_COMPONENTS = (10, 20, 30)
DEFAULT_EMBEDDING_ALPHAS = (1.0, 10.0, 100.0)

# -- the generic search grid ------------------------------------------------------
GRID = {"spectral_radius": (0.5, 0.9, 1.2), "input_scaling": (0.1, 0.3, 1.0),
        "leak_rate": (0.1, 0.3, 1.0),
        "representation": ("mean", "last_mean", "model_space")}
GRID_ALPHAS = (1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0, 100.0)
GRID_N = 500
TEST_SEEDS = (0, 1, 2, 3, 4)

RNN_SIZES = (16, 32, 64)
RNN_SEEDS = (0, 1, 2)
RNN_EPOCHS = 100

SPEED_N = 500
SPEED_TILE = 8          # JapaneseVowels train + test, 8 times: 5,120 sequences
SPEED_REPEATS = 3


def log(msg):
    print(f"  [{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class Quiet:
    """Silence convergence warnings; count ReservoirWarnings."""

    count = 0

    def __enter__(self):
        self._cm = warnings.catch_warnings(record=True)
        self._caught = self._cm.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        Quiet.count += sum(issubclass(w.category, ReservoirWarning) for w in self._caught)
        self._cm.__exit__(*exc)
        return False


# ---------------------------------------------------------------------------
# Generated sets after the UCR archive's synthetic problems
# ---------------------------------------------------------------------------
def cbf(n_per_class, seed, length=128):
    """Cylinder-Bell-Funnel (Saito 1994): a plateau, a ramp up or a ramp down
    of height 6 + N(0, 1) on a random interval [a, b], plus N(0, 1) noise."""
    rng = np.random.RandomState(seed)
    t = np.arange(length)
    X, y = [], []
    for c in range(3):
        for _ in range(n_per_class):
            a = rng.randint(16, 33)
            b = a + rng.randint(32, 97)
            on = (t >= a) & (t <= b)
            shape = [np.ones(length), (t - a) / (b - a), (b - t) / (b - a)][c]
            x = (6 + rng.randn()) * on * shape + rng.randn(length)
            X.append(x[:, None])
            y.append(["cylinder", "bell", "funnel"][c])
    return X, np.array(y)


def synthetic_control(n_per_class, seed, length=60):
    """Synthetic Control (Alcock and Manolopoulos 1999): normal, cyclic,
    increasing and decreasing trend, upward and downward shift."""
    rng = np.random.RandomState(seed)
    t = np.arange(length)
    X, y = [], []
    names = ["normal", "cyclic", "increasing", "decreasing", "upward", "downward"]
    for c, name in enumerate(names):
        for _ in range(n_per_class):
            x = 30 + 2 * rng.uniform(-3, 3, length)
            if name == "cyclic":
                x += rng.uniform(10, 15) * np.sin(2 * np.pi * t / rng.uniform(10, 15))
            elif name in ("increasing", "decreasing"):
                x += (1 if name == "increasing" else -1) * rng.uniform(0.2, 0.5) * t
            elif name in ("upward", "downward"):
                t3 = rng.randint(length // 3, 2 * length // 3 + 1)
                x += (1 if name == "upward" else -1) * rng.uniform(7.5, 20) * (t >= t3)
            X.append(x[:, None])
            y.append(name)
    return X, np.array(y)


def fmt_params(p):
    return ", ".join(f"{k}={v!r}" if isinstance(v, str) else f"{k}={v:g}"
                     for k, v in p.items())


def shuffled(X, y, seed):
    order = np.random.RandomState(seed).permutation(len(X))
    return [X[i] for i in order], y[order]


# ---------------------------------------------------------------------------
# Cross-validation on a training split (alpha by refit_readout)
# ---------------------------------------------------------------------------
def cv_accuracy(X, y, params, alphas, seed=0):
    """Mean 5-fold stratified CV accuracy for each alpha (inputs scaled on
    each training fold); the reservoir runs once per fold."""
    folds = StratifiedKFold(CV_FOLDS, shuffle=True, random_state=CV_SEED)
    acc = np.zeros(len(alphas))
    for train, val in folds.split(np.zeros(len(y)), y):
        scaler = SequenceScaler().fit([X[i] for i in train])
        Xtr = scaler.transform([X[i] for i in train])
        Xva = scaler.transform([X[i] for i in val])
        with Quiet():
            est = ESNClassifier(**params, alpha=alphas[0], random_state=seed).fit(Xtr, y[train])
            for k, a in enumerate(alphas):
                est.refit_readout(a)
                acc[k] += est.score(Xva, y[val]) / CV_FOLDS
    return acc


def fit_score(params, X_train, y_train, X_test, y_test, scale=True, seed=0):
    scaler = SequenceScaler().fit(X_train) if scale else None
    A = scaler.transform(X_train) if scale else X_train
    B = scaler.transform(X_test) if scale else X_test
    t0 = time.perf_counter()
    with Quiet():
        est = ESNClassifier(**params, random_state=seed).fit(A, y_train)
    fit_time = time.perf_counter() - t0
    return est.score(B, y_test), fit_time


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------
def run_protocol(data, quick):
    sets = {data["name"]: (data["X_train"], data["y_train"]),
            "CBF (generated)": shuffled(*cbf(30, seed=1), seed=0),
            "Synthetic Control (generated)": shuffled(*synthetic_control(30, seed=1),
                                                      seed=0)}
    shapes = [dict(representation=r) for r in DEFAULT_REPRESENTATIONS if r != "model_space"]
    shapes += [dict(representation="model_space", n_components=k, embedding_alpha=e)
               for k, e in itertools.product(DEFAULT_COMPONENTS, DEFAULT_EMBEDDING_ALPHAS)]
    candidates = [tuple(sorted(dict(sh, alpha=a).items()))
                  for sh in shapes for a in DEFAULT_ALPHAS]
    scores = {}
    for name, (X, y) in sets.items():
        t = time.perf_counter()
        for sh in shapes:
            acc = cv_accuracy(X, y, sh, DEFAULT_ALPHAS)
            for a, s in zip(DEFAULT_ALPHAS, acc):
                scores[(name, tuple(sorted(dict(sh, alpha=a).items())))] = s
        log(f"protocol {name}: {time.perf_counter() - t:.0f} s")
    ranks = {c: [] for c in candidates}
    for name in sets:
        vals = np.array([scores[(name, c)] for c in candidates])
        # rank 1 = best; ties share the mean rank
        order = (-vals).argsort(kind="stable")
        r = np.empty(len(vals))
        r[order] = np.arange(1, len(vals) + 1)
        for v in np.unique(vals):
            r[vals == v] = r[vals == v].mean()
        for c, rank in zip(candidates, r):
            ranks[c].append(rank)
    rows = []
    for c in sorted(candidates, key=lambda c: np.mean(ranks[c])):
        d = dict(c)
        ms = d["representation"] == "model_space"
        rows.append([d["representation"], f"{d['alpha']:g}",
                     d["n_components"] if ms else "", f"{d['embedding_alpha']:g}" if ms else ""]
                    + [f"{scores[(n, c)]:.3f}" for n in sets]
                    + [f"{np.mean(ranks[c]):.1f}"])
    best = dict(min(candidates, key=lambda c: np.mean(ranks[c])))
    shipped = ESNClassifier()
    shipped_c = {k: getattr(shipped, k) for k in best}
    text = ["### Choosing the defaults (training splits only)", "",
            f"Every candidate is `SequenceScaler()` then `ESNClassifier(representation=..., "
            f"alpha=...)` with the other defaults (N={shipped.n_reservoir}, spectral "
            f"radius {shipped.spectral_radius}, input scaling {shipped.input_scaling}, "
            f"density {shipped.density}, leak rate {shipped.leak_rate}), scored by "
            f"{CV_FOLDS}-fold stratified cross-validation (shuffled, seed {CV_SEED}) "
            "on the training split of each set; the candidate with the best mean rank "
            "over the sets wins. The generated sets (30 series per class, drawn once "
            "with seed 1) follow the definitions of the UCR archive's CBF (length 128, "
            "univariate) and Synthetic Control (length 60, univariate); "
            f"{data['name']} is the only archive set read, and only its training split.", "",
            table(["representation", "alpha", "n_components", "embedding_alpha"]
                  + [f"CV accuracy, {n}" for n in sets] + ["mean rank"], rows), "",
            f"Protocol winner: {fmt_params(best)}; shipped defaults: "
            f"{fmt_params(shipped_c)} -> "
            f"{'the same' if best == shipped_c else 'DIFFERENT (update the defaults)'}.", ""]
    return "\n".join(text)


def run_defaults(data, quick):
    X, y, Xt, yt = data["X_train"], data["y_train"], data["X_test"], data["y_test"]
    rows = []
    for label, params, scale in [("ESNClassifier() on the raw input", {}, False),
                                 ("SequenceScaler() + ESNClassifier()", {}, True)]:
        accs, times = [], []
        for seed in TEST_SEEDS:
            acc, t = fit_score(params, X, y, Xt, yt, scale=scale, seed=seed)
            accs.append(acc)
            times.append(t)
        rows.append([label, mean_std(accs), f"{min(accs):.3f}",
                     f"{statistics.median(times) * 1e3:.0f}"])
    rep_rows = []
    for rep in ("mean", "last", "last_mean", "model_space"):
        cv = cv_accuracy(X, y, dict(representation=rep), (ESNClassifier().alpha,))[0]
        accs = [fit_score(dict(representation=rep), X, y, Xt, yt, seed=s)[0]
                for s in TEST_SEEDS]
        rep_rows.append([rep, f"{cv:.3f}", mean_std(accs)])
    text = [f"### Defaults on {data['name']}", "",
            f"Test accuracy over reservoir seeds {list(TEST_SEEDS)} (mean ± std, and the "
            "worst seed); fit time is the median over the seeds (the reservoir drawn "
            "and run, the readout solved).", "",
            table(["model", "test accuracy", "worst seed", "fit time (ms)"], rows), "",
            f"Each representation at the other defaults (with SequenceScaler): "
            f"{CV_FOLDS}-fold CV accuracy on the training split (seed 0) and test "
            "accuracy over the seeds above.", "",
            table(["representation", "CV accuracy (train)", "test accuracy"], rep_rows),
            ""]
    return "\n".join(text), rows


def run_cv(data, quick):
    X, y, Xt, yt = data["X_train"], data["y_train"], data["X_test"], data["y_test"]
    keys = list(GRID)
    results = []
    t = time.perf_counter()
    for values in itertools.product(*(GRID[k] for k in keys)):
        params = dict(zip(keys, values), n_reservoir=GRID_N)
        acc = cv_accuracy(X, y, params, GRID_ALPHAS)
        for a, s in zip(GRID_ALPHAS, acc):
            results.append((s, dict(params, alpha=a)))
    search_time = time.perf_counter() - t
    log(f"cv grid: {len(results)} settings in {search_time:.0f} s")
    # best CV accuracy; ties broken by the larger alpha (the simpler model),
    # then by the grid order
    best_score = max(s for s, _ in results)
    best = [p for s, p in results if s == best_score]
    best = max(best, key=lambda p: p["alpha"])
    accs = [fit_score(best, X, y, Xt, yt, seed=s)[0] for s in TEST_SEEDS]
    top = sorted(results, key=lambda r: -r[0])[:8]
    top_rows = [[f"{s:.4f}", ", ".join(f"{k}={v:g}" if not isinstance(v, str) else f"{k}={v}"
                                         for k, v in p.items() if k != "n_reservoir")]
                for s, p in top]
    per_rep = []
    for rep in GRID["representation"]:
        s, p = max(((s, p) for s, p in results if p["representation"] == rep),
                   key=lambda r: (r[0], r[1]["alpha"]))
        acc_r = [fit_score(p, X, y, Xt, yt, seed=seed)[0] for seed in TEST_SEEDS]
        per_rep.append([rep, f"{s:.4f}", mean_std(acc_r)])
    grid_txt = "; ".join(f"{k} {list(v)}" for k, v in GRID.items())
    text = [f"### Hyper-parameters by cross-validation on the training split ({data['name']})",
            "",
            f"Grid (fixed in the script, not fitted to this set): {grid_txt}; alpha "
            f"{list(GRID_ALPHAS)} (by `refit_readout`, the reservoir run once per fold); "
            f"N={GRID_N}; `SequenceScaler` fitted on each training fold. {CV_FOLDS}-fold "
            f"stratified CV (shuffled, seed {CV_SEED}), reservoir seed 0; the best CV "
            "accuracy wins, ties going to the larger alpha. "
            f"{len(results)} settings in {search_time:.0f} s.", "",
            f"Chosen: {', '.join(f'{k}={v}' for k, v in best.items())} (CV accuracy "
            f"{best_score:.4f}).", "",
            f"**Test accuracy of the chosen setting** over reservoir seeds "
            f"{list(TEST_SEEDS)}: {mean_std(accs, '{:.4f}')} (worst {min(accs):.4f}; "
            f"per seed {', '.join(f'{a:.4f}' for a in accs)}).", "",
            "Best setting per representation (CV), and its test accuracy:", "",
            table(["representation", "best CV accuracy", "test accuracy"], per_rep), "",
            "Top CV settings:", "", table(["CV accuracy", "setting"], top_rows), ""]
    return "\n".join(text), accs


def run_rnn(data, quick):
    X, y, Xt, yt = data["X_train"], data["y_train"], data["X_test"], data["y_test"]
    scaler = SequenceScaler().fit(X)
    A, B = scaler.transform(X), scaler.transform(Xt)
    rows = []
    sizes = RNN_SIZES[:2] if quick else RNN_SIZES
    for cls in (GRUClassifier, LSTMClassifier):
        for h in sizes:
            accs, times, epochs, params = [], [], [], None
            for seed in RNN_SEEDS:
                est = cls(hidden_size=h, max_iter=RNN_EPOCHS, random_state=seed)
                t0 = time.perf_counter()
                with Quiet():
                    est.fit(A, y)
                times.append(time.perf_counter() - t0)
                accs.append(est.score(B, yt))
                epochs.append(est.n_iter_)
                params = est.n_parameters_
            rows.append([cls.__name__, h, params, mean_std(accs), f"{min(accs):.3f}",
                         mean_std(times, "{:.1f}"), f"{np.mean(epochs):.0f}"])
            log(f"rnn {cls.__name__} h={h}: {np.mean(accs):.3f}")
    esn_rows = []
    for label, params in [("ESNClassifier() defaults", {}),
                          ("ESNClassifier(n_reservoir=500)", dict(n_reservoir=500))]:
        accs, times = [], []
        for seed in RNN_SEEDS:
            acc, t = fit_score(params, X, y, Xt, yt, seed=seed)
            accs.append(acc)
            times.append(t)
        esn_rows.append([label, mean_std(accs), mean_std(times, "{:.2f}")])
    text = [f"### Gradient-trained classifiers on {data['name']}", "",
            f"Defaults of the estimators (Adam, learning rate 0.01, batch 32, "
            f"`pooling='last'`, `n_iter_no_change='auto'`), max_iter={RNN_EPOCHS}, "
            f"float32, inputs standardised by SequenceScaler; seeds {list(RNN_SEEDS)}. "
            "Training time is wall-clock for fit (no compilation: kernels load from "
            "numba's cache).", "",
            table(["model", "hidden", "trained params", "test accuracy", "worst seed",
                   "fit time (s)", "epochs"], rows), "",
            "The ESN beside them, same seeds and scaler:", "",
            table(["model", "test accuracy", "fit time (s)"], esn_rows), ""]
    return "\n".join(text)


def reservoirpy_job(X_train, y_train, X_test, n, seed):
    """The same job by hand with ReservoirPy: run every sequence, pool the
    mean and last states, RidgeClassifier."""
    from reservoirpy.nodes import Reservoir as RpyReservoir
    from sklearn.linear_model import RidgeClassifier

    res = RpyReservoir(units=n, sr=0.9, lr=1.0, input_scaling=1.0,
                       rc_connectivity=0.1, input_connectivity=1.0, seed=seed)

    def features(seqs):
        # a list runs every sequence from the same (zero) initial state
        states = res.run(seqs)
        return np.array([np.concatenate([s.mean(axis=0), s[-1]]) for s in states])

    clf = RidgeClassifier(alpha=1.0).fit(features(X_train), y_train)
    return clf.predict(features(X_test))


def ours_job(X_train, y_train, X_test, n, seed, n_jobs=None):
    clf = ESNClassifier(n_reservoir=n, spectral_radius=0.9, leak_rate=1.0,
                        input_scaling=1.0, density=0.1, alpha=1.0,
                        representation="last_mean", include_input=False,
                        n_jobs=n_jobs, random_state=seed).fit(X_train, y_train)
    return clf.predict(X_test)


def run_speed(data, quick):
    X, y, Xt, yt = data["X_train"], data["y_train"], data["X_test"], data["y_test"]
    scaler = SequenceScaler().fit(X)
    A, B = scaler.transform(X), scaler.transform(Xt)
    tile = 2 if quick else SPEED_TILE
    A, yA, B, yB = A * tile, np.tile(y, tile), B * tile, np.tile(yt, tile)
    n_seq, n_steps = len(A) + len(B), sum(len(a) for a in A + B)
    try:
        import reservoirpy
        rpy_version = reservoirpy.__version__
    except ImportError:
        rpy_version = None
    ours_job(A[::50], yA[::50], B[::50], SPEED_N, 0)       # warm the caches
    t_ours, t_rpy, ratios, acc_ours, acc_rpy, t_two = [], [], [], [], [], []
    for rep in range(SPEED_REPEATS):
        t0 = time.perf_counter()
        pred = ours_job(A, yA, B, SPEED_N, rep)
        t_ours.append(time.perf_counter() - t0)
        acc_ours.append(np.mean(pred == yB))
        t0 = time.perf_counter()
        ours_job(A, yA, B, SPEED_N, rep, n_jobs=-1)
        t_two.append(time.perf_counter() - t0)
        if rpy_version:
            t0 = time.perf_counter()
            pred = reservoirpy_job(A, yA, B, SPEED_N, rep)
            t_rpy.append(time.perf_counter() - t0)
            acc_rpy.append(np.mean(pred == yB))
            ratios.append(t_rpy[-1] / t_ours[-1])
        log(f"speed repeat {rep}: ours {t_ours[-1]:.2f} s"
            + (f", ReservoirPy {t_rpy[-1]:.2f} s" if rpy_version else ""))
    load = os.getloadavg()
    rows = [["ours: ESNClassifier(representation='last_mean', include_input=False)",
             f"{statistics.median(t_ours):.2f}", f"{np.mean(acc_ours):.4f}"],
            ["ours, the same with n_jobs=-1 (both cores for the many-sequence kernel)",
             f"{statistics.median(t_two):.2f}", "(the same)"]]
    if rpy_version:
        rows.append([f"ReservoirPy {rpy_version} by hand + RidgeClassifier",
                     f"{statistics.median(t_rpy):.2f}", f"{np.mean(acc_rpy):.4f}"])
    ratio = statistics.median(ratios) if ratios else None
    ratio_two = (statistics.median(b / a for a, b in zip(t_two, t_rpy))
                 if t_rpy else None)
    text = [f"### Speed: fit plus predict, {n_seq} sequences ({n_steps} steps), N={SPEED_N}",
            "",
            f"{data['name']} standardised, train and test each repeated {tile} times "
            f"({len(A)} sequences fitted, {len(B)} predicted). Both: N={SPEED_N}, "
            "spectral radius 0.9, no leak, input scaling 1, density 0.1, dense input "
            "weights, the mean and the last state of every sequence, ridge alpha 1 "
            "(one-vs-rest on +-1 targets). Ours: one `fit` and one `predict` (the "
            "reservoir matrices drawn, the many-sequence kernel, the streamed ridge); "
            "ReservoirPy: a new `Reservoir` (its matrices drawn when it first "
            "runs), `Reservoir.run` on the list of sequences (each from a zero "
            "state, its Python loop over steps), numpy pooling, "
            "`sklearn.linear_model.RidgeClassifier`. Default threads "
            f"(`n_jobs=None`: one numba thread). Median of {SPEED_REPEATS} alternating "
            "repeats (reservoir seeds 0, 1, 2); the ratio is the median of the "
            "per-repeat ratios.", "",
            table(["job", "time (s)", "accuracy on the repeated test split"], rows), "",
            (f"**Ratio ReservoirPy / ours: {ratio:.1f}x** (per repeat "
             f"{', '.join(f'{r:.1f}' for r in ratios)}; target >= 5x); with "
             f"`n_jobs=-1`, {ratio_two:.1f}x against the same ReservoirPy run "
             "(its `run(..., workers=-1)` starts worker processes and was five "
             "times slower than one worker here, so one worker is its fastest "
             "setting). " if ratio else "ReservoirPy not installed: no ratio. ")
            + f"Load average at the end: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}.",
            ""]
    return "\n".join(text), ratio


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="JapaneseVowels")
    parser.add_argument("--section", default="all",
                        choices=["protocol", "defaults", "cv", "rnn", "speed", "all"])
    parser.add_argument("--quick", action="store_true",
                        help="fewer sizes and a smaller speed job")
    args = parser.parse_args(argv)
    loaded = load_uea(args.dataset)
    if loaded is None:
        print(f"{args.dataset}: data not found under ../shared/data/uea; skipped.")
        return 0
    Xtr, ytr, Xte, yte = loaded
    data = dict(name=args.dataset, X_train=Xtr, y_train=ytr, X_test=Xte, y_test=yte)
    sections = (["protocol", "defaults", "cv", "rnn", "speed"] if args.section == "all"
                else [args.section])
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    with Quiet():                                   # compile or load the kernels
        ESNClassifier(n_reservoir=20, random_state=0).fit(Xtr[::10], ytr[::10])
    lengths = [len(x) for x in Xtr + Xte]
    blas = os.environ.get("OPENBLAS_NUM_THREADS")
    cmd = (f"OPENBLAS_NUM_THREADS={blas} " if blas else "") + \
        "python benchmarks/bench_classification.py" + (
        f" --dataset {args.dataset}" if args.dataset != "JapaneseVowels" else "") + (
        f" --section {args.section}" if args.section != "all" else "") + (
        " --quick" if args.quick else "")
    parts = [f"# Sequence classification: {args.dataset}", "",
             f"Regenerate with `{cmd}`. Machine: {os.cpu_count()} cores, "
             f"{platform.python_implementation()} {platform.python_version()}, numpy "
             f"{np.__version__}; timings are wall-clock on a shared machine (load "
             "below). "
             f"Data: {len(Xtr)} training and {len(Xte)} test sequences, "
             f"{Xtr[0].shape[1]} dimension(s), lengths {min(lengths)} to {max(lengths)}, "
             f"{len(np.unique(ytr))} classes; the standard split of the archive.", ""]
    blocks = {}
    for section in sections:
        t = time.perf_counter()
        l0 = os.getloadavg()
        fn = {"protocol": run_protocol, "defaults": run_defaults, "cv": run_cv,
              "rnn": run_rnn, "speed": run_speed}[section]
        out = fn(data, args.quick)
        text = out[0] if isinstance(out, tuple) else out
        print(text, flush=True)
        l1 = os.getloadavg()
        blocks[section] = (f"<!-- section: {section} -->\n{text}\n({section}: "
                           f"{time.perf_counter() - t:.0f} s; load average at start "
                           f"{l0[0]:.2f}, at end {l1[0]:.2f})\n<!-- end: {section} -->")
        log(f"{section} done in {time.perf_counter() - t:.0f} s")
    load1 = os.getloadavg()
    summary = (f"Total time {time.perf_counter() - t0:.0f} s. Load average (1, 5, 15 "
               f"min) at start {load0[0]:.2f}, {load0[1]:.2f}, {load0[2]:.2f}; at end "
               f"{load1[0]:.2f}, {load1[1]:.2f}, {load1[2]:.2f}. ReservoirWarnings "
               f"raised: {Quiet.count}.")
    print(summary)
    if args.dataset != "JapaneseVowels" or args.quick:
        return 0
    if args.section == "all":
        with open(RESULTS, "w") as fh:
            fh.write("\n".join(parts + [blocks[s] for s in sections] + ["", summary])
                     + "\n")
        log(f"wrote {RESULTS}")
    elif os.path.exists(RESULTS):
        # one section re-run: replace its block, say so at the top
        with open(RESULTS) as fh:
            old = fh.read()
        begin, finish = f"<!-- section: {args.section} -->", f"<!-- end: {args.section} -->"
        if begin in old and finish in old:
            head, rest = old.split(begin, 1)
            _, tail = rest.split(finish, 1)
            # the note goes inside the block, so the next re-run replaces it too
            note = (f"(Section `{args.section}` regenerated separately with `{cmd}`; "
                    f"{summary})\n")
            block = blocks[args.section].replace(finish, note + finish)
            with open(RESULTS, "w") as fh:
                fh.write(head + block + tail)
            log(f"updated the {args.section} section of {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
