import numpy as np
import pytest
from sklearn.linear_model import Ridge

from reservoir import ReservoirWarning
from reservoir.readout import RidgeStatistics, solve_ridge


def _fit(stats, alpha):
    gram, cross, mean_z, mean_y = stats.centered()
    w = solve_ridge(gram, cross, alpha)
    return w.T, mean_y - mean_z @ w


@pytest.mark.parametrize("alpha", [1e-8, 1e-2, 3.0])
def test_streamed_ridge_equals_sklearn(alpha):
    rng = np.random.RandomState(0)
    X = np.tanh(rng.randn(700, 30)) + 3.0   # offset: the shift must keep precision
    U = rng.randn(700, 2)
    Y = X[:, :3] @ rng.randn(3, 2) + U @ rng.randn(2, 2) + 0.1 * rng.randn(700, 2)
    stats = RidgeStatistics(30, 2, 2)
    for lo in range(0, 700, 128):               # uneven chunks
        stats.update(X[lo:lo + 128].copy(), U[lo:lo + 128], Y[lo:lo + 128],
                     overwrite_states=True)
    coef, intercept = _fit(stats, alpha)
    ref = Ridge(alpha=alpha, solver="cholesky").fit(np.hstack([U, X]), Y)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(intercept, ref.intercept_, rtol=1e-7, atol=1e-9)
    assert stats.n_samples == 700


def test_ill_conditioned_falls_back_with_warning():
    rng = np.random.RandomState(1)
    x = rng.randn(200, 1)
    X = np.hstack([x, x, rng.randn(200, 3)])     # duplicated column
    y = X @ np.array([1.0, 1.0, 0.5, -0.5, 2.0])[:, None]
    stats = RidgeStatistics(5, 0, 1).update(X, None, y)
    with pytest.warns(ReservoirWarning, match="ill-conditioned"):
        coef, intercept = _fit(stats, 0.0)
    # the minimum-norm solution splits the duplicated weight evenly
    np.testing.assert_allclose(coef[0], [1.0, 1.0, 0.5, -0.5, 2.0], atol=1e-8)
    np.testing.assert_allclose(X @ coef.T + intercept, y, atol=1e-8)


@pytest.mark.parametrize("alpha", [0.0, 1e-8, 1e-2, 3.0])
def test_streamed_qr_equals_sklearn(alpha):
    from reservoir.readout import QRStatistics
    rng = np.random.RandomState(0)
    X = np.tanh(rng.randn(700, 30)) + 3.0
    U = rng.randn(700, 2)
    Y = X[:, :3] @ rng.randn(3, 2) + U @ rng.randn(2, 2) + 0.1 * rng.randn(700, 2)
    stats = QRStatistics(30, 2, 2)
    for lo in range(0, 700, 128):
        stats.update(X[lo:lo + 128], U[lo:lo + 128], Y[lo:lo + 128])
    coef, intercept = stats.solve(alpha)
    ref = Ridge(alpha=alpha, solver="svd").fit(np.hstack([U, X]), Y)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(intercept, ref.intercept_, rtol=1e-10, atol=1e-12)


def test_qr_keeps_precision_where_the_gram_matrix_loses_it():
    """Nearly collinear features and a tiny ridge: the normal equations square
    the condition number (~4e8 -> 2e17); the QR factor does not.

    Both are compared with the same ridge problem solved by SVD on the whole
    stacked matrix ``[X - mean; sqrt(alpha) I]``. The QR readout matches it to
    round-off on every BLAS tried (2e-15 here; Haswell, Sandybridge, Nehalem
    and Prescott kernels); the Cholesky readout is off by 2e-9 to 7e-8
    depending on the kernel, never below 1e-9. The bounds sit orders of
    magnitude from both (the residuals against y, not used here, are 1e-9 for
    both on some kernels: they do not tell the two apart).
    """
    from reservoir.readout import QRStatistics
    rng = np.random.RandomState(5)
    t = np.linspace(0, 1, 3000)[:, None]
    X = np.hstack([t ** k for k in range(1, 13)])       # monomials: cond ~ 4e8
    w_true = rng.randn(12, 1)
    y = X @ w_true + 0.5
    alpha = 1e-14
    qr = QRStatistics(12, 0, 1)
    chol = RidgeStatistics(12, 0, 1)
    for lo in range(0, 3000, 700):
        qr.update(X[lo:lo + 700], None, y[lo:lo + 700])
        chol.update(X[lo:lo + 700], None, y[lo:lo + 700])
    coef_qr, b_qr = qr.solve(alpha)
    with pytest.warns(ReservoirWarning):
        coef_ch, b_ch = chol.solve(alpha)
    Xc = X - X.mean(axis=0)
    stacked = np.vstack([Xc, np.sqrt(alpha) * np.eye(12)])
    rhs = np.vstack([y - y.mean(), np.zeros((12, 1))])
    w_ref = np.linalg.lstsq(stacked, rhs, rcond=None)[0]
    reference = Xc @ w_ref + y.mean()
    dev_qr = np.abs(X @ coef_qr.T + b_qr - reference).max()
    dev_ch = np.abs(X @ coef_ch.T + b_ch - reference).max()
    assert dev_qr < 1e-12
    assert dev_ch > 1e-10
