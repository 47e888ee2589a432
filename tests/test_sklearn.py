"""scikit-learn compatibility: the estimator checks, pipelines and searches."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from reservoir import (CWRNNClassifier, CWRNNRegressor, ESNClassifier, ESNRegressor,
                       GRUClassifier, GRURegressor, LSTMClassifier, LSTMRegressor,
                       Reservoir, SequenceScaler, SimpleRNNClassifier,
                       SimpleRNNRegressor)

# A sequence model's output at a row depends on the rows before it, so the
# checks that shuffle or subsample rows and expect row-wise results cannot hold.
ROW_ORDER = {
    "check_methods_sample_order_invariance":
        "rows are time steps: reordering them changes the state sequence",
    "check_methods_subset_invariance":
        "rows are time steps: a subset starts from another state",
}


# tiny configurations keep the checks fast
_RNN = dict(hidden_size=8, max_iter=20, learning_rate_init=0.05, random_state=0)


@parametrize_with_checks(
    [ESNRegressor(n_reservoir=20, random_state=0),
     Reservoir(n_reservoir=20, random_state=0),
     SimpleRNNRegressor(**_RNN), GRURegressor(**_RNN), LSTMRegressor(**_RNN),
     CWRNNRegressor(**_RNN)],
    expected_failed_checks=lambda est: ROW_ORDER,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# The classifiers read a single 2-D X with a 1-D y as one sequence labelled
# per step, which is what the checks feed; the same two row-order checks
# cannot hold. The scaler is row-wise and passes them.
@parametrize_with_checks(
    [ESNClassifier(n_reservoir=20, random_state=0),
     SimpleRNNClassifier(**_RNN), GRUClassifier(**_RNN), LSTMClassifier(**_RNN),
     # two modules: the checks label i.i.d. rows, which only the period-1
     # module sees at every step (4 of 8 units here, 2 with four modules)
     CWRNNClassifier(periods=(1, 2), **_RNN)],
    expected_failed_checks=lambda est: ROW_ORDER,
)
def test_sklearn_compatible_classifiers(estimator, check):
    check(estimator)


@parametrize_with_checks([SequenceScaler()])
def test_sklearn_compatible_scaler(estimator, check):
    check(estimator)


def _mackey_like(n=700):
    t = np.arange(n)
    return (np.sin(0.21 * t) * np.cos(0.033 * t) + 0.2 * np.sin(0.9 * t))[:, None]


def test_pipeline_and_clone():
    u = _mackey_like() * 50 + 10
    pipe = make_pipeline(StandardScaler(), ESNRegressor(n_reservoir=50, washout=20,
                                                        random_state=0))
    pipe.fit(u[:-1], u[1:, 0])
    assert pipe.score(u[:-1], u[1:, 0]) > 0.99
    twin = clone(pipe).fit(u[:-1], u[1:, 0])
    assert np.array_equal(twin.predict(u[:-1]), pipe.predict(u[:-1]))


def _search(n_jobs):
    u = _mackey_like()
    grid = {
        "spectral_radius": [0.5, 0.95],
        "n_reservoir": [20, 60],
        "input_scaling": [0.3],
        "density": [0.05, 0.2],
        "leak_rate": [1.0],
        "alpha": [1e-6],
    }
    search = GridSearchCV(ESNRegressor(washout=20, random_state=0), grid,
                          cv=TimeSeriesSplit(n_splits=3), n_jobs=n_jobs)
    search.fit(u[:-1], u[1:, 0])
    assert len(search.cv_results_["params"]) == 8
    assert search.best_score_ > 0.9
    assert set(search.best_params_) == set(grid)
    return search


def test_grid_search_over_reservoir_knobs_serial_and_parallel():
    serial = _search(1)
    parallel = _search(2)   # worker processes load the kernels from numba's cache
    # Bit for bit: the workers run the very same computations on the same
    # shapes, only with one BLAS thread instead of two (OpenBLAS splits a
    # product's rows and columns between threads, never its sums).
    np.testing.assert_array_equal(serial.cv_results_["mean_test_score"],
                                  parallel.cv_results_["mean_test_score"])
