"""``python -m reservoir --warm-cache``: afterwards nothing compiles.

The workload below is written as a user would, not as the warm-up is: other
input types, other call paths, the forecasting package on top.
"""

import io
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def user_workload():
    """A broad use of the public API on small data."""
    from forecasting import AnomalyDetector, Forecaster, backtest
    from reservoir import (CWRNNRegressor, ESNRegressor, GRURegressor, LSTMRegressor,
                           Reservoir, SimpleRNNRegressor)

    rng = np.random.RandomState(1)
    t = np.arange(400) * 0.1
    frame = pd.DataFrame({"a": np.sin(t), "b": np.cos(0.3 * t)})
    target = pd.Series(np.sin(t + 0.1), name="y")
    seqs = [rng.randn(int(n), 2) for n in rng.randint(10, 80, size=70)]
    ys = [np.column_stack([s[:, 0], s.sum(axis=1)]) for s in seqs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        esn = ESNRegressor(n_reservoir=30, washout=10, random_state=0).fit(frame, target)
        _, state = esn.predict(frame, return_state=True)
        esn.predict(frame.iloc[:50], initial_state=state)
        esn.partial_fit(frame.iloc[:100], target.iloc[:100], continue_state=True)
        esn.refit_readout(1e-3)
        esn.generate(10, X_warmup=frame, X_future=rng.randn(9, 1))
        ESNRegressor(n_reservoir=25, solver="qr", activation="identity", n_jobs=-1,
                     random_state=0).fit(seqs, ys).predict(np.stack([s[:10] for s in seqs]))
        Reservoir(n_reservoir=20, n_jobs=2, random_state=0).fit_transform(seqs)
        # the float32 path: deep, many sequences, carried state, generate
        e32 = ESNRegressor(n_reservoir=20, dtype="float32", num_layers=2, washout=5,
                           random_state=0).fit(seqs, ys)
        e32.predict(seqs[:40])
        g32 = ESNRegressor(n_reservoir=20, dtype="float32", random_state=0).fit(
            frame.iloc[:-1], frame.iloc[1:])
        _, state = g32.predict(frame.iloc[:50], return_state=True)
        g32.generate(5, X_warmup=frame.iloc[:50], initial_state=None)
        Reservoir(n_reservoir=20, dtype="float32", bidirectional=True,
                  random_state=0).fit_transform(np.stack([s[:10] for s in seqs]))
        u = np.sin(t)[:, None]
        for cls, kw in [(SimpleRNNRegressor, {}), (GRURegressor, {"bptt_window": 50}),
                        (LSTMRegressor, {"dtype": "float64", "num_layers": 2,
                                         "early_stopping": True}),
                        (CWRNNRegressor, {"periods": (1, 3)})]:
            m = cls(hidden_size=6, max_iter=2, random_state=0, **kw).fit(u[:-1], u[1:, 0])
            m.predict([u[:30], u[:70]])
            m.generate(8, X_warmup=u[:100])
        LSTMRegressor(hidden_size=4, bidirectional=True, max_iter=1,
                      random_state=0).fit(seqs, ys).predict(seqs[:3])
        idx = pd.date_range("2024-03-01", periods=24 * 14, freq="h")
        y = pd.Series(5 + np.sin(2 * np.pi * np.arange(len(idx)) / 24)
                      + 0.1 * rng.randn(len(idx)), index=idx)
        small = ESNRegressor(n_reservoir=20, washout=24, random_state=0)
        Forecaster(small, strategy="direct", max_horizon=6).fit(y).predict(6)
        Forecaster(GRURegressor(hidden_size=4, max_iter=2)).fit(y).predict(3)
        backtest(Forecaster(small), y, initial=24 * 12, horizon=12, step=24)
        AnomalyDetector(small).fit(y[:24 * 10]).detect(y)


def _signatures():
    from reservoir._warm import package_dispatchers
    return {name: set(d.signatures) for name, d in package_dispatchers().items()}


def test_after_the_warm_up_a_user_workload_needs_no_new_specialisation():
    """In this process: every kernel specialisation the workload uses was
    already compiled or loaded by the warm-up (what a fresh process would
    otherwise compile). The slow test below proves the same across processes
    with an empty cache."""
    from reservoir._warm import warm_cache
    out = io.StringIO()
    summary = warm_cache(file=out)
    assert summary["kernels"] >= 5 and "warmed" in out.getvalue()
    before = _signatures()
    user_workload()
    after = _signatures()
    new = {k: after[k] - before.get(k, set()) for k in after
           if after[k] - before.get(k, set())}
    assert not new, f"specialisations the warm-up missed: {new}"


@pytest.mark.slow
def test_a_fresh_process_compiles_nothing_after_the_warm_up_command(tmp_path):
    """The command on an empty NUMBA_CACHE_DIR, then the workload in a fresh
    process with the same directory: no cache misses, only hits."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba"),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    warm = subprocess.run([sys.executable, "-m", "reservoir", "--warm-cache"],
                          capture_output=True, text=True, env=env, timeout=1800)
    assert warm.returncode == 0, warm.stderr[-2000:]
    assert " 0 loaded from the cache" in warm.stdout       # it did compile
    code = ("import sys; sys.path.insert(0, sys.argv[1])\n"
            "from test_warm_cache import user_workload\n"
            "from reservoir._warm import package_dispatchers\n"
            "user_workload()\n"
            "ds = package_dispatchers().values()\n"
            "print(sum(len(d.stats.cache_misses) for d in ds),"
            " sum(len(d.stats.cache_hits) for d in ds))\n")
    run = subprocess.run([sys.executable, "-c", code, str(ROOT / "tests")],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    misses, hits = map(int, run.stdout.split())
    assert misses == 0 and hits >= 5
