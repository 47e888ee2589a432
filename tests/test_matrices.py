import numpy as np
import pytest
import scipy.sparse.linalg as spla

from reservoir import Reservoir, ReservoirWarning, matrices


def test_fixed_indegree_structure():
    rng = np.random.RandomState(0)
    W = matrices.fixed_indegree_matrix(300, 0.05, rng)
    counts = np.diff(W.indptr)
    assert (counts == 15).all()
    for i in range(300):
        cols = W.indices[W.indptr[i]:W.indptr[i + 1]]
        assert len(np.unique(cols)) == 15 and (np.diff(cols) > 0).all()
    assert W.data.min() >= -1 and W.data.max() < 1
    # density is honoured exactly: nnz / N^2
    assert W.nnz / 300**2 == pytest.approx(0.05)


@pytest.mark.parametrize("n", [50, 700])
def test_reservoir_scaled_to_spectral_radius(n):
    res = Reservoir(n_reservoir=n, spectral_radius=0.73, density=0.05,
                    random_state=1).fit(np.zeros((3, 2)))
    rho = np.abs(np.linalg.eigvals(res.W_.toarray())).max()
    assert rho == pytest.approx(0.73, rel=1e-7)


def test_arpack_matches_dense():
    W = matrices.fixed_indegree_matrix(800, 0.02, np.random.RandomState(3))
    dense = np.abs(np.linalg.eigvals(W.toarray())).max()
    assert matrices.spectral_radius(W) == pytest.approx(dense, rel=1e-8)
    # the seeded start vector makes ARPACK reproducible
    assert matrices.spectral_radius(W, 5) == matrices.spectral_radius(W, 5)


def test_arpack_failure_falls_back(monkeypatch):
    W = matrices.fixed_indegree_matrix(600, 0.05, np.random.RandomState(4))
    dense = np.abs(np.linalg.eigvals(W.toarray())).max()

    def failing(*args, **kwargs):
        raise spla.ArpackNoConvergence("no", np.array([]), np.array([]))

    monkeypatch.setattr(matrices, "eigs", failing)
    with pytest.warns(ReservoirWarning, match="power-iteration"):
        rho = matrices.spectral_radius(W)
    assert rho == pytest.approx(dense, rel=2e-2)


@pytest.mark.parametrize("n", [40, 600])
def test_effective_spectral_radius(n):
    W = matrices.fixed_indegree_matrix(n, 0.1, np.random.RandomState(5))
    a = 0.3
    M = (1 - a) * np.eye(n) + a * W.toarray()
    expected = np.abs(np.linalg.eigvals(M)).max()
    assert matrices.effective_spectral_radius(W, a) == pytest.approx(expected, rel=1e-6)


def test_echo_state_warning():
    X = np.zeros((5, 1))
    with pytest.warns(ReservoirWarning, match="effective spectral radius"):
        Reservoir(n_reservoir=30, spectral_radius=1.2, random_state=0).fit(X)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Reservoir(n_reservoir=30, spectral_radius=0.95, random_state=0).fit(X)


def test_same_seed_same_bits_and_input_scaling():
    X = np.zeros((4, 3))
    a = Reservoir(n_reservoir=60, input_scaling=[1.0, 0.5, 0.0], random_state=7).fit(X)
    b = Reservoir(n_reservoir=60, input_scaling=[1.0, 0.5, 0.0], random_state=7).fit(X)
    assert (a.W_ != b.W_).nnz == 0
    assert np.array_equal(a.W_in_, b.W_in_) and np.array_equal(a.bias_, b.bias_)
    assert np.abs(a.W_in_[:, 1]).max() <= 0.5 and not a.W_in_[:, 2].any()
    c = Reservoir(n_reservoir=60, random_state=8).fit(X)
    assert not np.array_equal(a.bias_, c.bias_)
