"""The online RLS readout: kernel against a naive loop and closed forms."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge

from reservoir import ESNRegressor
from reservoir._kernels import rls_update
from conftest import naive_states


def naive_rls(Z, Y, lam, alpha):
    """Textbook RLS, one row at a time."""
    P = np.eye(Z.shape[1]) / alpha
    W = np.zeros((Y.shape[1], Z.shape[1]))
    for z, y in zip(Z, Y):
        pz = P @ z
        k = pz / (lam + z @ pz)
        W += np.outer(y - W @ z, k)
        P = (P - np.outer(k, pz)) / lam
    return W, P


def _data(T=300, n=12, d=2, o=2, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(T, n))
    U = rng.normal(size=(T, d))
    Z = np.hstack([np.ones((T, 1)), U, X])
    Y = Z @ rng.normal(size=(Z.shape[1], o)) + 0.1 * rng.normal(size=(T, o))
    return X, U, Y, Z


@pytest.mark.parametrize("lam", [1.0, 0.97])
def test_kernel_matches_naive_loop(lam):
    X, U, Y, Z = _data()
    W, P = np.zeros((2, Z.shape[1])), np.eye(Z.shape[1]) / 0.5
    rls_update(X, U, Y, lam, W, P)
    W_ref, P_ref = naive_rls(Z, Y, lam, 0.5)
    np.testing.assert_allclose(W, W_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(P, P_ref, rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(P, P.T)        # symmetric to the bit


@pytest.mark.parametrize("lam", [1.0, 0.98])
def test_kernel_equals_weighted_ridge(lam):
    """After T rows, W minimises sum lam^(T-1-t) |y_t - W z_t|^2 + lam^T alpha |W|^2."""
    X, U, Y, Z = _data(T=400)
    alpha = 1e-2
    W, P = np.zeros((2, Z.shape[1])), np.eye(Z.shape[1]) / alpha
    for lo, hi in [(0, 1), (1, 150), (150, 150), (150, 400)]:   # chunks carry on
        rls_update(X[lo:hi], U[lo:hi], Y[lo:hi], lam, W, P)
    w = lam ** np.arange(len(Z) - 1, -1, -1.0)
    A = (Z * w[:, None]).T @ Z + lam ** len(Z) * alpha * np.eye(Z.shape[1])
    W_ref = np.linalg.solve(A, (Z * w[:, None]).T @ Y).T
    np.testing.assert_allclose(W, W_ref, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(P, np.linalg.inv(A), rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("include_input", [True, False])
def test_esn_rls_equals_ridge_at_forgetting_factor_one(include_input):
    """P0 = I / alpha, forgetting factor 1: the ridge solution on [1, u, x],
    the constant penalised like the other features, to ~1e-8 relative."""
    rng = np.random.RandomState(0)
    X = np.cumsum(rng.randn(600, 2), axis=0) * 0.1
    y = np.column_stack([np.sin(3 * X[:, 0]), X[:, 1] ** 2])
    esn = ESNRegressor(n_reservoir=30, washout=40, alpha=1e-3, solver="rls",
                       include_input=include_input, random_state=0).fit(X, y)
    states = naive_states(esn.reservoir_, X)
    feats = np.hstack([np.ones((600, 1))] + ([X] if include_input else []) + [states])[40:]
    ref = Ridge(alpha=1e-3, fit_intercept=False, solver="cholesky").fit(feats, y[40:])
    np.testing.assert_allclose(esn.intercept_, ref.coef_[:, 0], rtol=1e-8)
    np.testing.assert_allclose(esn.coef_, ref.coef_[:, 1:], rtol=1e-8,
                               atol=1e-8 * np.abs(ref.coef_).max())
    assert esn.n_samples_fitted_ == 560


def test_chunked_partial_fit_equals_one_fit():
    rng = np.random.RandomState(1)
    X = np.cumsum(rng.randn(900, 1), axis=0) * 0.1
    y = np.sin(2 * X[:, 0])
    kw = dict(n_reservoir=25, washout=30, alpha=1e-2, solver="rls",
              forgetting_factor=0.995, random_state=3)
    one = ESNRegressor(**kw).fit(X, y)
    part = ESNRegressor(**kw).partial_fit(X[:100], y[:100])
    for lo, hi in [(100, 101), (101, 480), (480, 900)]:
        part.partial_fit(X[lo:hi], y[lo:hi], continue_state=True)
    # The chunks give the input projection other BLAS shapes, so the states
    # differ at round-off, which the recursion amplifies: the tolerance is
    # relative to the largest weight (|w| up to ~30 here; measured 1.2e-10
    # absolute on a weight of 0.08).
    scale = np.abs(one.coef_).max()
    np.testing.assert_allclose(part.coef_, one.coef_, rtol=1e-9, atol=1e-10 * scale)
    np.testing.assert_allclose(part.intercept_, one.intercept_, rtol=1e-9,
                               atol=1e-10 * scale)
    # many sequences: one fit of the list is the calls one after another
    seqs, ys = [X[:300], X[300:650], X[650:]], [y[:300], y[300:650], y[650:]]
    whole = ESNRegressor(**kw).fit(seqs, ys)
    steps = ESNRegressor(**kw)
    for s, t in zip(seqs, ys):
        steps.partial_fit(s, t)
    np.testing.assert_allclose(steps.coef_, whole.coef_, rtol=1e-9, atol=1e-11)


def test_forgetting_tracks_a_system_that_changes_halfway():
    """y = a(t) x(t-1)-like dynamics whose coefficients flip at the half: the
    RLS readout with forgetting follows, the batch ridge averages both."""
    rng = np.random.RandomState(2)
    u = rng.uniform(-1, 1, 4000)
    y = np.zeros(4000)
    for t in range(2, 4000):
        a, b = (0.6, 0.3) if t < 2000 else (-0.5, 0.4)
        y[t] = a * u[t - 1] + b * u[t - 2] * u[t - 1]
    X = u[:, None]
    kw = dict(n_reservoir=50, washout=50, alpha=1e-4, input_scaling=0.5,
              random_state=0)
    batch = ESNRegressor(**kw).fit(X[:3000], y[:3000])
    rls = ESNRegressor(**kw, solver="rls", forgetting_factor=0.99).fit(X[:3000], y[:3000])
    err = lambda m: np.sqrt(np.mean((m.predict(X)[3000:] - y[3000:]) ** 2))
    assert err(rls) < 0.3 * err(batch)


def test_bad_parameters_and_what_rls_cannot_do():
    X, y = np.random.RandomState(0).randn(60, 1), np.zeros(60)
    for ff in (0, 1.5, -0.2):
        with pytest.raises(ValueError, match=rf"forgetting_factor={ff!r} must be in \(0, 1\]"):
            ESNRegressor(n_reservoir=5, solver="rls", forgetting_factor=ff).fit(X, y)
    with pytest.raises(ValueError, match="alpha=0 must be > 0 with solver='rls'"):
        ESNRegressor(n_reservoir=5, solver="rls", alpha=0).fit(X, y)
    esn = ESNRegressor(n_reservoir=5, solver="rls", random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="refit_readout needs the ridge statistics"):
        esn.refit_readout(1e-3)
    with pytest.raises(ValueError, match="alpha=0.1 differs from alpha=1e-06"):
        esn.set_params(alpha=0.1).partial_fit(X, y)
    with pytest.raises(ValueError, match="solver='cholesky' differs from the solver"):
        esn.set_params(alpha=1e-6, solver="cholesky").partial_fit(X, y)


def test_same_bits_clone_pickle():
    X = np.cumsum(np.random.RandomState(5).randn(300, 2), axis=0) * 0.1
    y = X[:, 0] * X[:, 1]
    a = ESNRegressor(n_reservoir=20, solver="rls", forgetting_factor=0.999,
                     feedback_scaling=0.2, random_state=7).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.coef_, b.coef_)
    c = pickle.loads(pickle.dumps(a))
    c.partial_fit(X[:50], y[:50])
    a.partial_fit(X[:50], y[:50])
    np.testing.assert_array_equal(a.coef_, c.coef_)
