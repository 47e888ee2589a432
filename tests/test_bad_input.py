"""Bad input gets a clear error that names the argument."""

import numpy as np
import pytest

from reservoir import ESNRegressor, Reservoir

X = np.random.RandomState(0).randn(50, 2)
y = X[:, 0]


@pytest.mark.parametrize("Xbad,match", [
    (np.where(np.arange(100).reshape(50, 2) == 33, np.nan, X), "X contains NaN at row 16, column 1"),
    (np.where(np.arange(100).reshape(50, 2) == 8, np.inf, X), "X contains infinity at row 4"),
    (X[:, 0], "Expected 2D array, got 1D"),
    (X[None, None], "Expected 2D array, got 4D"),
    ([], "X is an empty list"),
    (X.astype(complex), "Complex data not supported"),
    (np.array([["a", "b"]] * 50), "pass numeric data"),
    (np.zeros((0, 2)), "0 timesteps"),
])
def test_bad_X(Xbad, match):
    with pytest.raises(ValueError, match=match):
        ESNRegressor(n_reservoir=5).fit(Xbad, y if np.ndim(Xbad) == 2 and len(Xbad) == 50 else None)


def test_bad_y_and_alignment():
    with pytest.raises(ValueError, match="y has 49 timesteps but X has 50"):
        ESNRegressor(n_reservoir=5).fit(X, y[:-1])
    with pytest.raises(ValueError, match="y contains NaN at row 3"):
        ESNRegressor(n_reservoir=5).fit(X, np.where(np.arange(50) == 3, np.nan, y))
    with pytest.raises(ValueError, match="requires y to be passed"):
        ESNRegressor(n_reservoir=5).fit(X, None)
    seqs = [X[:20], X[20:]]
    with pytest.raises(ValueError, match=r"y \(sequence 1\) has 29 timesteps but X \(sequence 1\) has 30"):
        ESNRegressor(n_reservoir=5).fit(seqs, [y[:20], y[20:49]])
    with pytest.raises(ValueError, match="must be a list of the same length"):
        ESNRegressor(n_reservoir=5).fit(seqs, y)
    with pytest.raises(ValueError, match="y has 1 sequences but X has 2"):
        ESNRegressor(n_reservoir=5).fit(seqs, [y[:20]])


def test_washout_longer_than_sequence():
    with pytest.raises(ValueError, match=r"washout=50 must be smaller than the sequence length \(50\)"):
        ESNRegressor(n_reservoir=5, washout=50).fit(X, y)
    with pytest.raises(ValueError, match=r"\(sequence 1\)"):
        ESNRegressor(n_reservoir=5, washout=10).fit([X[:20], X[20:25]], [y[:20], y[20:25]])


@pytest.mark.parametrize("params,exc,match", [
    ({"n_reservoir": 0}, ValueError, "n_reservoir=0 must be in"),
    ({"n_reservoir": 2.5}, TypeError, "n_reservoir=2.5 must be an integer"),
    ({"spectral_radius": -1}, ValueError, "spectral_radius=-1"),
    ({"density": 0.0}, ValueError, r"density=0.0 must be in \(0"),
    ({"density": 1.5}, ValueError, "density=1.5"),
    ({"leak_rate": 0}, ValueError, "leak_rate=0"),
    ({"alpha": -1e-3}, ValueError, "alpha=-0.001"),
    ({"alpha": "big"}, TypeError, "alpha='big' must be a real number"),
    ({"washout": -1}, ValueError, "washout=-1"),
    ({"activation": "relu"}, ValueError, "activation='relu' must be one of"),
    ({"input_scaling": [1.0, 2.0, 3.0]}, ValueError, "input_scaling has 3 values but X has 2 features"),
    ({"input_scaling": -1.0}, ValueError, "input_scaling=-1.0"),
    ({"n_jobs": 0}, ValueError, "n_jobs=0"),
    ({"include_input": "yes"}, TypeError, "include_input='yes'"),
    ({"solver": "svd"}, ValueError, "solver='svd' must be 'cholesky', 'qr' or 'rls'"),
])
def test_parameters_out_of_range(params, exc, match):
    with pytest.raises(exc, match=match):
        ESNRegressor(**params).fit(X, y)


def test_predict_checks_features_and_fitting():
    esn = ESNRegressor(n_reservoir=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="X has 3 features, but ESNRegressor is expecting 2"):
        esn.predict(np.zeros((10, 3)))
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        ESNRegressor().predict(X)
    with pytest.raises(ValueError, match="pass their future values as X_future"):
        esn.generate(5)
    with pytest.raises(ValueError, match="generate feeds outputs back"):
        ESNRegressor(n_reservoir=5).fit(X[:, :1], X).generate(5)
    with pytest.raises(ValueError, match="n_steps=0"):
        ESNRegressor(n_reservoir=5).fit(X[:, :1], y).generate(0)
    with pytest.raises(TypeError, match="sparse input is not supported"):
        import scipy.sparse as sp
        Reservoir(n_reservoir=5).fit(sp.csr_matrix(X))
    with pytest.raises(ValueError, match="continue_state=True needs a previous call"):
        ESNRegressor(n_reservoir=5).partial_fit(X, y, continue_state=True)
