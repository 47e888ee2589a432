"""NVARRegressor: features and closed loop against naive loops, the readout
against scikit-learn's Ridge, and the sequence semantics."""

import pickle
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge

from reservoir import NVARRegressor, datasets
from reservoir import nvar as nvar_module
from reservoir._kernels import nvar_features, nvar_free_run


def naive_features(U, delay, order, strides, hist=None):
    """Linear: u(t), u(t-s), ..., u(t-delay s) (zeros before the start, or
    ``hist``); then every monomial of degree 2..order, by degree."""
    U = np.asarray(U, dtype=float)
    h = delay * strides
    past = np.zeros((h, U.shape[1])) if hist is None else hist
    full = np.vstack([past, U])
    rows = []
    for t in range(len(U)):
        lin = np.concatenate([full[h + t - j * strides] for j in range(delay + 1)])
        nonlin = [np.prod(lin[list(c)]) for r in range(2, order + 1)
                  for c in combinations_with_replacement(range(lin.size), r)]
        rows.append(np.concatenate([lin, nonlin]))
    return np.array(rows)


def _series(n, d=2, seed=0):
    rng = np.random.RandomState(seed)
    return np.cumsum(rng.randn(n, d), axis=0) * 0.1


@pytest.mark.parametrize("delay,order,strides,d", [(0, 1, 1, 1), (2, 2, 1, 2),
                                                   (1, 3, 3, 2), (3, 2, 2, 1)])
def test_feature_kernel_matches_naive(delay, order, strides, d):
    U = _series(40, d)
    h = delay * strides
    hist = np.random.RandomState(1).randn(h, d)
    m = nvar_module._monomials((delay + 1) * d, order)
    out = np.empty((40, (delay + 1) * d + m.shape[0]))
    nvar_features(np.vstack([hist, U]), delay, strides, m, out)
    np.testing.assert_allclose(out, naive_features(U, delay, order, strides, hist),
                               rtol=1e-14, atol=1e-15)


def test_free_run_kernel_matches_naive():
    delay, order, strides, d, o = 2, 2, 2, 3, 2
    rng = np.random.RandomState(2)
    m = nvar_module._monomials((delay + 1) * d, order)
    F = (delay + 1) * d + m.shape[0]
    coef, intercept = rng.randn(o, F) * 0.05, rng.randn(o) * 0.1
    window = rng.randn(delay * strides + 1, d)
    future = rng.randn(14, d - o)
    out = np.empty((15, o))
    nvar_free_run(window, future, delay, strides, m, coef, intercept, out)
    hist, u, ref = list(window[:-1]), window[-1], []
    for s in range(15):
        feats = naive_features(u[None], delay, order, strides, np.array(hist))[0]
        ref.append(coef @ feats + intercept)
        hist = (hist + [u])[1:]
        u = np.concatenate([ref[-1], future[s] if s < 14 else np.zeros(d - o)])
    np.testing.assert_allclose(out, np.array(ref), rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("include_constant", [True, False])
@pytest.mark.parametrize("solver", ["cholesky", "qr"])
def test_readout_equals_ridge_on_naive_features(include_constant, solver):
    X = _series(500)
    y = np.column_stack([np.sin(3 * X[:, 0]) * X[:, 1], X[:, 0] ** 2])
    est = NVARRegressor(delay=2, order=2, strides=2, alpha=1e-3, washout=4,
                        include_constant=include_constant, solver=solver).fit(X, y)
    feats = naive_features(X, 2, 2, 2)
    ref = Ridge(alpha=1e-3, fit_intercept=include_constant).fit(feats[4:], y[4:])
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(est.intercept_, np.broadcast_to(ref.intercept_, (2,)),
                               atol=1e-9)
    np.testing.assert_allclose(est.predict(X), ref.predict(feats), atol=1e-8)
    assert est.n_nvar_features_ == 6 + 21 and est.n_samples_fitted_ == 496


def test_streaming_many_sequences_and_partial_fit(monkeypatch):
    seqs = [_series(n, seed=n) for n in (300, 7, 120)]
    ys = [np.sin(s[:, 0] * 4) for s in seqs]
    kw = dict(delay=1, order=3, alpha=1e-4, washout=3)
    whole = NVARRegressor(**kw).fit(seqs, ys)
    feats = np.vstack([naive_features(s, 1, 3, 1)[3:] for s in seqs])
    ref = Ridge(alpha=1e-4).fit(feats, np.concatenate([y[3:] for y in ys]))
    np.testing.assert_allclose(whole.coef_[0], ref.coef_, rtol=1e-7, atol=1e-9)
    # 256-row chunks: the history carries across chunk boundaries. The
    # statistics' shift comes from another first chunk, so the rounding of
    # this ill-conditioned (cubic) system differs: predictions agree closely,
    # the individual weights to 1e-6.
    monkeypatch.setattr(nvar_module, "CHUNK_FLOATS", 256 * whole.n_nvar_features_)
    chunked = NVARRegressor(**kw).fit(seqs, ys)
    np.testing.assert_allclose(chunked.coef_, whole.coef_, rtol=1e-6, atol=1e-9)
    pred = chunked.predict(seqs)
    for p, s in zip(pred, seqs):
        np.testing.assert_allclose(p, naive_features(s, 1, 3, 1) @ ref.coef_
                                   + ref.intercept_, atol=1e-8)
    # the next chunk of one sequence continues its history, with no washout
    X, y = seqs[0], ys[0]
    one = NVARRegressor(**kw).fit(X, y)
    two = NVARRegressor(**kw).partial_fit(X[:100], y[:100])
    two.partial_fit(X[100:], y[100:], continue_state=True)
    np.testing.assert_allclose(two.coef_, one.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(two.predict(X), one.predict(X), atol=1e-9)


def test_state_and_generate():
    u = datasets.lorenz(1500, dt=0.025, random_state=0) / 10
    est = NVARRegressor(delay=1, order=2, alpha=1e-6, washout=5)
    est.fit(u[:1000], u[1:1001])
    whole, end = est.predict(u[:800], return_state=True)
    first, mid = est.predict(u[:500], return_state=True)
    second = est.predict(u[500:800], initial_state=mid)
    np.testing.assert_allclose(np.vstack([first, second]), whole, atol=1e-13)
    np.testing.assert_array_equal(end, u[799:800])      # the last input
    gen = est.generate(50, X_warmup=u[:1100])
    fed = np.vstack([u[:1100], gen[:-1]])
    np.testing.assert_allclose(est.predict(fed)[1099:], gen, rtol=1e-10, atol=1e-12)
    assert np.abs(gen[:10] - u[1100:1110]).max() < 1e-2
    _, before = est.predict(u[:1099], return_state=True)
    np.testing.assert_allclose(est.generate(20, X_warmup=u[1099:1100], initial_state=before),
                               gen[:20], atol=1e-12)
    np.testing.assert_allclose(est.generate(5), est.generate(5, X_warmup=u[:1000]),
                               atol=1e-12)
    np.testing.assert_allclose(est.predict(u[1000:1010], initial_state=est.last_state_),
                               est.predict(u[:1010])[1000:], atol=1e-13)


def test_generate_with_known_future_columns():
    t = np.arange(400)
    v, cal = np.sin(0.3 * t), np.cos(0.05 * t)
    X = np.column_stack([v[:-1], cal[1:]])
    est = NVARRegressor(delay=3, order=2, washout=3).fit(X, v[1:])
    fut = np.random.RandomState(1).randn(9, 1)
    gen = est.generate(10, X_warmup=X[:200], X_future=fut)
    fed = np.vstack([X[:200], np.column_stack([gen[:-1], fut[:, 0]])])
    np.testing.assert_allclose(est.predict(fed)[199:], gen, rtol=1e-10, atol=1e-12)


def test_same_features_as_reservoirpy():
    """Our delay=k-1 is ReservoirPy's NVAR(delay=k): the same features."""
    rpy = pytest.importorskip("reservoirpy.nodes")
    U = _series(60, d=3)
    for k, order, s in [(2, 2, 1), (3, 2, 2)]:
        theirs = rpy.NVAR(delay=k, order=order, strides=s).run(U)
        ours = naive_features(U, k - 1, order, s)
        np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_pandas_names_clone_pickle_same_bits():
    idx = pd.date_range("2024-01-01", periods=120, freq="h")
    X = pd.DataFrame(_series(120), index=idx, columns=["a", "b"])
    y = pd.Series(np.sin(np.arange(120) / 5), index=idx, name="target")
    est = NVARRegressor(delay=1, order=2).fit(X, y)
    pred = est.predict(X)
    assert isinstance(pred, pd.Series) and pred.index.equals(idx) and pred.name == "target"
    names = list(est.get_feature_names_out())
    assert names[:4] == ["a(t)", "b(t)", "a(t-1)", "b(t-1)"]
    assert names[4:7] == ["a(t)^2", "a(t) b(t)", "a(t) a(t-1)"] and len(names) == 14
    np.testing.assert_array_equal(clone(est).fit(X, y).predict(X), pred)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X), pred)


@pytest.mark.parametrize("params,exc,match", [
    ({"delay": -1}, ValueError, r"delay=-1 must be in \[0, inf\)"),
    ({"delay": 1.5}, TypeError, "delay=1.5 must be an integer"),
    ({"order": 0}, ValueError, "order=0 must be in"),
    ({"strides": 0}, ValueError, "strides=0 must be in"),
    ({"alpha": -1.0}, ValueError, "alpha=-1.0"),
    ({"include_constant": "yes"}, TypeError, "include_constant='yes'"),
    ({"solver": "rls"}, ValueError, "solver='rls' must be 'cholesky' or 'qr'"),
    ({"delay": 30, "order": 3}, ValueError, "NVAR features, more than 10000"),
])
def test_bad_parameters(params, exc, match):
    with pytest.raises(exc, match=match):
        NVARRegressor(**params).fit(_series(50), np.zeros(50))


def test_partial_fit_refuses_a_changed_shape():
    est = NVARRegressor(delay=1).fit(_series(50), np.zeros(50))
    with pytest.raises(ValueError, match="delay, order and strides changed"):
        est.set_params(delay=2).partial_fit(_series(50), np.zeros(50))
    with pytest.raises(ValueError, match=r"initial_state must be a finite array of shape \(2, 2\)"):
        NVARRegressor(delay=2).fit(_series(50), np.zeros(50)).predict(
            _series(5), initial_state=np.zeros(3))
