"""Tests for reservoir.metrics: nrmse and memory capacity."""

import numpy as np
import pytest
from sklearn.metrics import mean_squared_error

from reservoir.datasets import memory_capacity_task
from reservoir.metrics import memory_capacity, nrmse

# --------------------------------------------------------------------------
# nrmse
# --------------------------------------------------------------------------


def test_nrmse_hand_computed():
    # errors (0, 0, 0, 1): rmse = sqrt(1/4) = 0.5; std of 1..4 = sqrt(1.25)
    assert nrmse([1, 2, 3, 4], [1, 2, 3, 5]) == pytest.approx(0.5 / np.sqrt(1.25), rel=1e-15)
    # errors (1, -1): rmse 1; y_true (0, 2) has std 1
    assert nrmse([0.0, 2.0], [1.0, 1.0]) == 1.0


def test_nrmse_perfect_and_mean_predictions():
    rng = np.random.RandomState(0)
    y = rng.normal(size=500)
    assert nrmse(y, y) == 0.0
    assert nrmse(y, np.full_like(y, y.mean())) == pytest.approx(1.0, rel=1e-12)


def test_nrmse_uses_population_std_not_sample_std():
    y = np.array([0.0, 1.0, 2.0])
    pred = y + 1.0  # rmse 1
    assert nrmse(y, pred) == pytest.approx(1.0 / np.std(y, ddof=0), rel=1e-15)


def test_nrmse_matches_sklearn_mean_squared_error_identity():
    rng = np.random.RandomState(1)
    y_true = rng.normal(size=(200, 3)) * [1.0, 5.0, 0.1] + [0.0, 3.0, -2.0]
    y_pred = y_true + rng.normal(scale=0.3, size=(200, 3))
    expected = np.sqrt(mean_squared_error(y_true, y_pred, multioutput="raw_values")) / y_true.std(
        axis=0
    )
    raw = nrmse(y_true, y_pred, multioutput="raw_values")
    assert raw.shape == (3,)
    np.testing.assert_allclose(raw, expected, rtol=1e-12)
    assert nrmse(y_true, y_pred) == pytest.approx(expected.mean(), rel=1e-12)
    weights = [0.5, 0.25, 0.25]
    assert nrmse(y_true, y_pred, multioutput=weights) == pytest.approx(
        np.average(expected, weights=weights), rel=1e-12
    )


def test_nrmse_1d_and_single_column_are_interchangeable():
    rng = np.random.RandomState(2)
    y_true, y_pred = rng.normal(size=100), rng.normal(size=100)
    expected = nrmse(y_true, y_pred)
    assert isinstance(expected, float)
    assert nrmse(y_true[:, None], y_pred) == expected
    assert nrmse(y_true, y_pred[:, None]) == expected
    raw = nrmse(y_true, y_pred, multioutput="raw_values")
    assert raw.shape == (1,) and raw[0] == expected


def test_nrmse_is_scale_invariant():
    rng = np.random.RandomState(3)
    y_true, y_pred = rng.normal(size=100), rng.normal(size=100)
    assert nrmse(1e6 * y_true, 1e6 * y_pred) == pytest.approx(nrmse(y_true, y_pred), rel=1e-12)


@pytest.mark.parametrize(
    "y_true, y_pred, kwargs, exc, match",
    [
        ([1, 2, 3, 4, 5], np.ones(4), {}, ValueError, r"shape \(5,\).*shape \(4,\)"),
        (np.ones((5, 2)), np.ones((5, 3)), {}, ValueError, "same number"),
        ([], [], {}, ValueError, "y_true is empty"),
        ([1, np.nan, 3], [1, 2, 3], {}, ValueError, r"y_true contains nan at position \(1,\)"),
        ([1, 2, 3], [1, 2, np.inf], {}, ValueError, r"y_pred contains inf at position \(2,\)"),
        ([2, 2, 2], [1, 2, 3], {}, ValueError, "constant in output 0.*standard deviation is 0"),
        ([[1, 2], [2, 2]], [[1, 2], [2, 2]], {}, ValueError, "constant in output 1"),
        ([1, 2], [1, 2], {"multioutput": "variance_weighted"}, ValueError, "multioutput="),
        ([1, 2], [1, 2], {"multioutput": [0.5, 0.5]}, ValueError, "weights have shape"),
        (np.ones((2, 2, 2)), np.ones((2, 2, 2)), {}, ValueError, "must be 1-D"),
        (["a", "b"], [1, 2], {}, TypeError, "y_true must hold real numbers"),
    ],
)
def test_nrmse_bad_input(y_true, y_pred, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nrmse(y_true, y_pred, **kwargs)


# --------------------------------------------------------------------------
# memory capacity
# --------------------------------------------------------------------------


def test_memory_capacity_perfect_copies_give_k():
    u, Y = memory_capacity_task(1000, 12, random_state=0)
    mc, per_delay = memory_capacity(u, Y, return_per_delay=True)
    assert mc == pytest.approx(12.0, abs=1e-12)
    np.testing.assert_allclose(per_delay, np.ones(12), atol=1e-14)
    # 1-D u, and affine maps of each column, score the same
    assert memory_capacity(u[:, 0], 3.0 * Y - 1.0) == pytest.approx(12.0, abs=1e-12)


def test_memory_capacity_ignores_rows_without_target():
    u, Y = memory_capacity_task(300, 4, random_state=1)
    Y_garbage = Y.copy()
    for k in range(1, 5):
        Y_garbage[:k, k - 1] = 1e6  # rows t < k have no target
    assert memory_capacity(u, Y_garbage) == pytest.approx(4.0, abs=1e-12)


def test_memory_capacity_matches_corrcoef_per_delay():
    rng = np.random.RandomState(2)
    u, Y = memory_capacity_task(400, 5, random_state=2)
    Y_pred = Y + rng.normal(scale=0.2, size=Y.shape)
    _, per_delay = memory_capacity(u, Y_pred, return_per_delay=True)
    for k in range(1, 6):
        r = np.corrcoef(u[: 400 - k, 0], Y_pred[k:, k - 1])[0, 1]
        assert per_delay[k - 1] == pytest.approx(r**2, rel=1e-12)
    assert np.all((per_delay > 0.3) & (per_delay < 1.0))


def test_memory_capacity_independent_noise_is_near_zero():
    rng = np.random.RandomState(3)
    u, _ = memory_capacity_task(5000, 20, random_state=3)
    noise = rng.normal(size=(5000, 20))
    mc = memory_capacity(u, noise)
    # each term is about 1 / n_timesteps in expectation
    assert 0.0 <= mc < 0.05


def test_memory_capacity_max_delay_uses_leading_columns():
    rng = np.random.RandomState(4)
    u, Y = memory_capacity_task(500, 6, random_state=4)
    Y_pred = Y + rng.normal(scale=0.5, size=Y.shape)
    _, all_delays = memory_capacity(u, Y_pred, return_per_delay=True)
    mc3, first3 = memory_capacity(u, Y_pred, max_delay=3, return_per_delay=True)
    np.testing.assert_array_equal(first3, all_delays[:3])
    assert mc3 == pytest.approx(all_delays[:3].sum())


def test_memory_capacity_constant_prediction_scores_zero():
    u, Y = memory_capacity_task(200, 3, random_state=5)
    Y[:, 1] = 0.7
    _, per_delay = memory_capacity(u, Y, return_per_delay=True)
    assert per_delay[1] == 0.0
    assert per_delay[0] == pytest.approx(1.0) and per_delay[2] == pytest.approx(1.0)


def _linear_reservoir_states(u, W, w_in):
    """x(t) = W x(t-1) + w_in u(t), x(-1) = 0, by a plain loop."""
    x = np.zeros(W.shape[0])
    states = np.empty((len(u), W.shape[0]))
    for t in range(len(u)):
        x = W @ x + w_in * u[t]
        states[t] = x
    return states


@pytest.mark.parametrize("seed", [0, 1])
def test_memory_capacity_of_linear_readout_obeys_jaeger_bound(seed):
    n_units, max_delay, washout, split = 10, 40, 100, 3000
    rng = np.random.RandomState(seed)
    W = rng.normal(size=(n_units, n_units))
    W *= 0.95 / np.max(np.abs(np.linalg.eigvals(W)))
    w_in = rng.uniform(-1, 1, size=n_units)
    u, Y = memory_capacity_task(6000, max_delay, random_state=seed)
    states = _linear_reservoir_states(u[:, 0], W, w_in)
    features = np.hstack([states, np.ones((len(states), 1))])
    # one least-squares readout per delay, trained after the washout
    coef, *_ = np.linalg.lstsq(features[washout:split], Y[washout:split], rcond=None)
    Y_pred = features @ coef
    mc_test = memory_capacity(u[split:], Y_pred[split:])
    mc_train = memory_capacity(u[washout:split], Y_pred[washout:split])
    assert 0.7 * n_units < mc_test <= n_units
    assert mc_train <= n_units


_RAMP = np.arange(10.0)
_NOISE = np.random.RandomState(0).normal(size=(10, 2))


@pytest.mark.parametrize(
    "u, Y_pred, kwargs, exc, match",
    [
        (np.ones((10, 2)), _NOISE, {}, ValueError, r"u must be 1-D .* got shape \(10, 2\)"),
        (_RAMP, _RAMP, {}, ValueError, r"Y_pred must be 2-D.*reshape\(-1, 1\)"),
        (_RAMP, _NOISE[:9], {}, ValueError, "u has 10 timesteps but Y_pred has 9"),
        (_RAMP, _NOISE, {"max_delay": 3}, ValueError, r"max_delay=3 must be in \[1, 2\]"),
        (_RAMP, _NOISE, {"max_delay": 1.5}, TypeError, "max_delay=1.5 must be an integer"),
        (_RAMP[:5], np.ones((5, 4)), {}, ValueError, "5 timesteps are too few for max_delay=4"),
        (np.ones(10), _NOISE, {}, ValueError, "u is constant"),
        (_RAMP, np.full((10, 2), np.nan), {}, ValueError, "Y_pred contains nan"),
    ],
)
def test_memory_capacity_bad_input(u, Y_pred, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        memory_capacity(u, Y_pred, **kwargs)


# --------------------------------------------------------------------------
# regressions of the fuzz campaign: scales, weights, object arrays
# --------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-300, 1e-160, 1e160, 1e300])
def test_nrmse_at_extreme_scales_equals_unit_scale(scale):
    """Squares of 1e-300 data once underflowed to 0 (nrmse inf or nan)."""
    rng = np.random.RandomState(5)
    y_true, y_pred = rng.normal(size=(80, 2)), rng.normal(size=(80, 2))
    expected = nrmse(y_true, y_pred, multioutput="raw_values")
    got = nrmse(scale * y_true, scale * y_pred, multioutput="raw_values")
    np.testing.assert_allclose(got, expected, rtol=1e-13)


def test_nrmse_of_unit_data_is_the_plain_formula_to_the_bit():
    # the internal scaling is by powers of two: exact for ordinary data
    rng = np.random.RandomState(6)
    y_true, y_pred = 3.7 * rng.normal(size=300), rng.normal(size=300)
    plain = np.sqrt(np.mean((y_true - y_pred) ** 2)) / np.std(y_true)
    assert nrmse(y_true, y_pred) == plain


@pytest.mark.parametrize("weights, match", [
    ([0, 0], "must be non-negative and not all zero"),
    ([1, -1], "must be non-negative"),
    ([1, np.nan], "multioutput contains nan"),
    ([[1, 1]], "weights have shape"),
    (["a", "b"], "multioutput must hold real numbers"),
])
def test_nrmse_bad_weights(weights, match):
    y2 = np.arange(8.0).reshape(4, 2) ** 2
    with pytest.raises((ValueError, TypeError), match=match):
        nrmse(y2, y2 + 1, multioutput=weights)


def test_nrmse_weights_as_array_and_zero_weight():
    y_true = np.column_stack([np.arange(10.0), np.arange(10.0) ** 2])
    y_pred = y_true + [[1.0, 5.0]]
    raw = nrmse(y_true, y_pred, multioutput="raw_values")
    assert nrmse(y_true, y_pred, multioutput=np.array([1.0, 0.0])) == raw[0]
    assert nrmse(y_true, y_pred, multioutput=np.array([1, 3])) == pytest.approx(
        (raw[0] + 3 * raw[1]) / 4, rel=1e-15)


def test_nrmse_object_arrays_of_numbers_are_numbers():
    y_true, y_pred = [1, 2, 3, 4], [1.0, 2.0, 3.0, 5.0]
    expected = nrmse(y_true, y_pred)
    assert nrmse(np.array(y_true, dtype=object), np.array(y_pred, dtype=object)) == expected
    huge = np.array([1, 2, 10**400], dtype=object)
    with pytest.raises(ValueError, match="y_true holds an integer too large for float64"):
        nrmse(huge, [1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="y_pred must hold real numbers.*'b'"):
        nrmse(y_true, np.array([1, 2, 3, "b"], dtype=object))
    with pytest.raises(ValueError, match="y_true cannot be read as an array"):
        nrmse([[1, 2], [3]], [[1, 2], [3]])


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_memory_capacity_at_extreme_scales(scale):
    rng = np.random.RandomState(7)
    u, Y = memory_capacity_task(400, 4, random_state=7)
    Y_pred = Y + rng.normal(scale=0.3, size=Y.shape)
    expected = memory_capacity(u, Y_pred)
    assert memory_capacity(u * scale, Y_pred / scale) == pytest.approx(expected, rel=1e-12)


def test_nrmse_a_zero_prediction_does_not_set_the_scale():
    """y_true of 2e-202 against y_pred 0 once scored 0.0 (the all-zero
    prediction's scale was taken as 1 and 2e-202 squared underflowed)."""
    assert nrmse([2e-202, 0.0], [0.0, 0.0]) == pytest.approx(np.sqrt(2), rel=1e-15)
    assert nrmse([2e-202, 0.0], [1.0, 1.0]) == pytest.approx(
        np.sqrt((1 - 2e-202) ** 2 + 1) / np.sqrt(2) / 1e-202, rel=1e-12)
    # an error 1e-184 times the target's size is small, not zero
    assert nrmse([7e-185, 1.0], [0.0, 1.0]) == pytest.approx(
        7e-185 / np.sqrt(2) / 0.5, rel=1e-12)
