"""scikit-learn's estimator checks for the deep, bidirectional, feedback and
RLS configurations of the ESN, and for NVARRegressor."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from reservoir import ESNRegressor, NVARRegressor, Reservoir
from test_sklearn import ROW_ORDER

# tiny configurations keep the checks fast
ESTIMATORS = [
    ESNRegressor(n_reservoir=12, num_layers=2, random_state=0),
    ESNRegressor(n_reservoir=12, bidirectional=True, random_state=0),
    ESNRegressor(n_reservoir=12, feedback_scaling=0.3, teacher_noise=1e-3,
                 random_state=0),
    ESNRegressor(n_reservoir=12, solver="rls", forgetting_factor=0.99, random_state=0),
    Reservoir(n_reservoir=8, num_layers=2, bidirectional=True, random_state=0),
    NVARRegressor(delay=1, order=2),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=lambda est: ROW_ORDER)
def test_sklearn_compatible(estimator, check):
    check(estimator)
