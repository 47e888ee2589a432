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
