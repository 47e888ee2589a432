import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from reservoir import ESNRegressor, Reservoir
from reservoir import esn as esn_module
from conftest import naive_states


def _series(n, seed=0, d=1):
    rng = np.random.RandomState(seed)
    return np.cumsum(rng.randn(n, d), axis=0) * 0.1


@pytest.mark.parametrize("activation,leak", [("tanh", 1.0), ("tanh", 0.3),
                                             ("identity", 0.7)])
def test_transform_matches_naive_loop(activation, leak):
    X = _series(120, d=2)
    res = Reservoir(n_reservoir=40, spectral_radius=0.8, leak_rate=leak,
                    activation=activation, input_scaling=0.5,
                    random_state=0).fit(X)
    np.testing.assert_allclose(res.transform(X), naive_states(res, X),
                               rtol=1e-12, atol=1e-13)


def test_many_sequences_reset_state_each():
    seqs = [_series(n, seed=n) for n in (30, 1, 57)]
    res = Reservoir(n_reservoir=25, random_state=0).fit(seqs)
    out = res.transform(seqs)
    assert isinstance(out, list) and [o.shape for o in out] == [(30, 25), (1, 25), (57, 25)]
    for o, s in zip(out, seqs):
        np.testing.assert_allclose(o, naive_states(res, s), rtol=1e-12, atol=1e-13)
    cube = np.stack([_series(20, seed=s) for s in range(4)])
    out3 = res.transform(cube)
    assert out3.shape == (4, 20, 25)
    np.testing.assert_allclose(out3[2], naive_states(res, cube[2]), atol=1e-13)


def test_streaming_in_chunks_is_exact(monkeypatch):
    X = _series(3000)
    y = np.roll(X[:, 0], -1)
    full = ESNRegressor(n_reservoir=30, washout=50, random_state=3).fit(X, y)
    # force 256-row chunks: the state must carry across chunk boundaries
    monkeypatch.setattr(esn_module, "CHUNK_FLOATS", 256 * 30)
    chunked = ESNRegressor(n_reservoir=30, washout=50, random_state=3).fit(X, y)
    np.testing.assert_allclose(chunked.predict(X), full.predict(X), rtol=1e-7, atol=1e-8)
    np.testing.assert_allclose(chunked.reservoir_.transform(X),
                               naive_states(chunked.reservoir_, X), atol=1e-12)


@pytest.mark.parametrize("include_input", [True, False])
@pytest.mark.parametrize("solver", ["cholesky", "qr"])
def test_readout_equals_ridge_on_naive_states(include_input, solver):
    X = _series(400, d=2)
    y = np.column_stack([np.sin(X[:, 0]), X[:, 1] ** 2])
    esn = ESNRegressor(n_reservoir=50, washout=30, alpha=1e-3, solver=solver,
                       include_input=include_input, random_state=0).fit(X, y)
    states = naive_states(esn.reservoir_, X)[30:]
    feats = np.hstack([X[30:], states]) if include_input else states
    ref = Ridge(alpha=1e-3).fit(feats, y[30:])
    np.testing.assert_allclose(esn.coef_, ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(esn.predict(X)[30:], ref.predict(feats), atol=1e-8)
    assert esn.n_samples_fitted_ == 370


def test_many_sequences_fit_and_washout_per_sequence():
    seqs = [_series(n, seed=n) for n in (80, 45, 120)]
    ys = [np.sin(3 * s[:, 0]) for s in seqs]
    esn = ESNRegressor(n_reservoir=20, washout=10, alpha=1e-4, random_state=1,
                       n_jobs=2).fit(seqs, ys)
    feats = np.vstack([np.hstack([s, naive_states(esn.reservoir_, s)])[10:] for s in seqs])
    ref = Ridge(alpha=1e-4).fit(feats, np.concatenate([y[10:] for y in ys]))
    np.testing.assert_allclose(esn.coef_[0], ref.coef_, rtol=1e-6, atol=1e-8)
    pred = esn.predict(seqs)
    assert isinstance(pred, list) and pred[1].shape == (45,)


@pytest.mark.parametrize("solver", ["cholesky", "qr"])
def test_partial_fit_matches_fit(solver):
    seqs = [_series(n, seed=n) for n in (90, 60)]
    ys = [np.cos(s[:, 0]) for s in seqs]
    whole = ESNRegressor(n_reservoir=20, washout=5, random_state=2, solver=solver).fit(seqs, ys)
    part = ESNRegressor(n_reservoir=20, washout=5, random_state=2, solver=solver)
    part.partial_fit(seqs[0], ys[0]).partial_fit(seqs[1], ys[1])
    np.testing.assert_allclose(part.coef_, whole.coef_, rtol=1e-7, atol=1e-9)
    # the next chunk of one sequence: the state carries over, no second washout
    X, y = _series(300, seed=9), np.sin(np.arange(300) / 7)
    one = ESNRegressor(n_reservoir=20, washout=5, random_state=2, solver=solver).fit(X, y)
    two = ESNRegressor(n_reservoir=20, washout=5, random_state=2, solver=solver)
    two.partial_fit(X[:170], y[:170]).partial_fit(X[170:], y[170:], continue_state=True)
    np.testing.assert_allclose(two.coef_, one.coef_, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("solver", ["cholesky", "qr"])
def test_refit_readout_reuses_statistics(monkeypatch, solver):
    X, y = _series(500), np.sin(np.arange(500) / 5)
    esn = ESNRegressor(n_reservoir=40, alpha=1e-6, random_state=0, solver=solver).fit(X, y)

    def boom(*a, **k):
        raise AssertionError("the reservoir must not run again")

    monkeypatch.setattr(Reservoir, "_iter_states", boom)
    esn.refit_readout(alpha=0.5)
    monkeypatch.undo()
    ref = ESNRegressor(n_reservoir=40, alpha=0.5, random_state=0, solver=solver).fit(X, y)
    np.testing.assert_allclose(esn.coef_, ref.coef_, rtol=1e-10)


def test_generate_is_the_closed_loop_of_predict():
    u = np.sin(np.arange(600) * 0.2)[:, None] + 0.3 * np.sin(np.arange(600) * 0.311)[:, None]
    esn = ESNRegressor(n_reservoir=60, washout=50, alpha=1e-8, random_state=0)
    esn.fit(u[:-1], u[1:])
    warm = u[:400]
    gen = esn.generate(30, X_warmup=warm)
    assert gen.shape == (30, 1)
    # Feeding the generated values back teacher-forced reproduces them.
    fed = np.vstack([warm, gen[:-1]])
    np.testing.assert_allclose(esn.predict(fed)[399:], gen, rtol=1e-10, atol=1e-12)
    # It also tracks the true signal a few steps ahead.
    assert np.abs(gen[:5] - u[400:405]).max() < 2e-2
    # generate() without warm-up continues after the training data
    np.testing.assert_allclose(esn.generate(5), esn.generate(5, X_warmup=u[:-1]),
                               atol=1e-10)


def test_pandas_in_pandas_out():
    idx = pd.date_range("2024-01-01", periods=200, freq="h")
    X = pd.DataFrame({"load": _series(200)[:, 0], "temp": _series(200, 1)[:, 0]}, index=idx)
    y = pd.Series(np.sin(np.arange(200) / 9), index=idx, name="target")
    esn = ESNRegressor(n_reservoir=20, random_state=0).fit(X, y)
    pred = esn.predict(X)
    assert isinstance(pred, pd.Series) and pred.name == "target"
    assert pred.index.equals(idx)
    np.testing.assert_array_equal(esn.feature_names_in_, ["load", "temp"])
    Y = pd.DataFrame({"a": y, "b": -y})
    pred2 = ESNRegressor(n_reservoir=20, random_state=0).fit(X, Y).predict(X)
    assert list(pred2.columns) == ["a", "b"] and pred2.index.equals(idx)
    res = Reservoir(n_reservoir=5, random_state=0).set_output(transform="pandas")
    states = res.fit_transform(X)
    assert states.index.equals(idx)
    assert list(states.columns) == [f"reservoir{i}" for i in range(5)]


def test_same_seed_same_bits_and_pickle():
    X, y = _series(300, d=2), np.sin(np.arange(300) / 4)
    a = ESNRegressor(n_reservoir=30, random_state=11).fit(X, y)
    b = ESNRegressor(n_reservoir=30, random_state=11).fit(X, y)
    assert np.array_equal(a.predict(X), b.predict(X))
    c = pickle.loads(pickle.dumps(a))
    assert np.array_equal(c.predict(X), a.predict(X))
    u = X[:, :1]
    d = ESNRegressor(n_reservoir=30, random_state=11).fit(u[:-1], u[1:])
    e = pickle.loads(pickle.dumps(d))
    assert np.array_equal(e.generate(7), d.generate(7))


def test_memory_stays_bounded_by_chunks(monkeypatch):
    """Fitting never builds the T x N state matrix: every block is one chunk."""
    seen = []
    real = esn_module._kernels.harvest

    def spy(packed, drive, leak, x0, linear, out, *args):
        seen.append(out.shape[0])       # the rows of states of one call
        return real(packed, drive, leak, x0, linear, out, *args)

    monkeypatch.setattr(esn_module._kernels, "harvest", spy)
    monkeypatch.setattr(esn_module, "CHUNK_FLOATS", 1000 * 20)
    X = _series(5500)
    ESNRegressor(n_reservoir=20, random_state=0).fit(X, X[:, 0])
    assert max(seen) == 1000 and sum(seen) == 5500


def test_predict_continues_an_explicit_state():
    X, y = _series(400, d=2), np.sin(np.arange(400) / 6)
    esn = ESNRegressor(n_reservoir=30, random_state=0).fit(X, y)
    whole, end = esn.predict(X, return_state=True)
    first, mid = esn.predict(X[:150], return_state=True)
    second = esn.predict(X[150:], initial_state=mid)
    np.testing.assert_allclose(np.concatenate([first, second]), whole, atol=1e-12)
    np.testing.assert_allclose(end, naive_states(esn.reservoir_, X)[-1], atol=1e-12)
    with pytest.raises(ValueError, match=r"initial_state must be a finite array of shape \(30,\)"):
        esn.predict(X, initial_state=np.zeros(3))
    with pytest.raises(ValueError, match="single 2-D sequence"):
        esn.predict([X, X], return_state=True)


def test_generate_with_known_future_columns():
    rng = np.random.RandomState(1)
    u = np.sin(np.arange(300) * 0.3)
    cal = np.cos(np.arange(300) * 0.05)
    X = np.column_stack([u[:-1], cal[1:]])          # value at t, calendar of t+1
    esn = ESNRegressor(n_reservoir=40, washout=20, random_state=0).fit(X, u[1:])
    future = rng.randn(11, 1)
    gen = esn.generate(12, X_warmup=X[:150], X_future=future)
    fed = np.vstack([X[:150], np.column_stack([gen[:-1], future[:, 0]])])
    np.testing.assert_allclose(esn.predict(fed)[149:], gen, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"X_future of shape \(11, 1\)"):
        esn.generate(12, X_warmup=X[:150])
    with pytest.raises(ValueError, match=r"X_future must have shape \(11, 1\)"):
        esn.generate(12, X_warmup=X[:150], X_future=np.zeros((3, 1)))


def test_score_leaves_out_the_washout():
    from sklearn.metrics import r2_score
    X, y = _series(300), np.sin(np.arange(300) / 5)
    esn = ESNRegressor(n_reservoir=30, washout=40, random_state=0).fit(X, y)
    assert esn.score(X, y) == pytest.approx(r2_score(y[40:], esn.predict(X)[40:]))
    seqs, ys = [X[:150], X[150:]], [y[:150], y[150:]]
    pred = esn.predict(seqs)
    expected = r2_score(np.concatenate([ys[0][40:], ys[1][40:]]),
                        np.concatenate([pred[0][40:], pred[1][40:]]))
    assert esn.score(seqs, ys) == pytest.approx(expected)


def test_generate_from_a_kept_state():
    u = np.sin(np.arange(400) * 0.2)[:, None]
    esn = ESNRegressor(n_reservoir=40, washout=20, random_state=0).fit(u[:-1], u[1:])
    _, state = esn.predict(u[:299], return_state=True)       # state before row 299
    np.testing.assert_allclose(esn.generate(9, X_warmup=u[299:300], initial_state=state),
                               esn.generate(9, X_warmup=u[:300]), atol=1e-12)
    assert esn.n_parameters_ == 1 + 1 + 40
    with pytest.raises(ValueError, match="pass X_warmup too"):
        esn.generate(3, initial_state=state)


def test_a_fresh_process_loads_the_kernels_from_numbas_cache():
    """What GridSearchCV's worker processes rely on: no compilation."""
    import subprocess
    import sys
    code = (
        "import numpy as np\n"
        "from reservoir import ESNRegressor, _kernels\n"
        "u = np.sin(np.arange(300) / 5)[:, None]\n"
        "esn = ESNRegressor(n_reservoir=20, random_state=0).fit(u[:-1], u[1:])\n"
        "esn.predict([u, u[:50]]); esn.generate(5)\n"
        "ds = [_kernels._harvest, _kernels._harvest_many, _kernels._free_run_1]\n"
        "print(sum(len(d.stats.cache_misses) for d in ds),"
        " sum(len(d.stats.cache_hits) for d in ds))\n")
    for _ in range(2):       # the first run may compile and fill the cache
        out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                             text=True, check=True).stdout.split()
    misses, hits = map(int, out)
    assert misses == 0 and hits >= 3
