"""Tests for reservoir.datasets: determinism, shapes, reference loops, statistics."""

import numpy as np
import pytest

from reservoir.datasets import (
    lorenz,
    mackey_glass,
    mackey_glass_squash,
    mackey_glass_unsquash,
    memory_capacity_task,
    narma,
)

# Each generator with small arguments, returning a tuple of arrays.
GENERATORS = {
    "mackey_glass": lambda rs: (mackey_glass(300, discard=50, random_state=rs),),
    "narma": lambda rs: narma(300, random_state=rs),
    "lorenz": lambda rs: (lorenz(300, random_state=rs),),
    "memory_capacity_task": lambda rs: memory_capacity_task(300, 5, random_state=rs),
}


# --------------------------------------------------------------------------
# common behaviour
# --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_same_seed_gives_identical_bits(name):
    first = GENERATORS[name](42)
    second = GENERATORS[name](42)
    for a, b in zip(first, second):
        assert a.dtype == np.float64
        assert a.tobytes() == b.tobytes()


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_different_seeds_give_different_output(name):
    first = GENERATORS[name](0)
    second = GENERATORS[name](1)
    assert not np.array_equal(first[0], second[0])


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_random_state_instance_matches_int_seed(name):
    from_int = GENERATORS[name](7)
    from_instance = GENERATORS[name](np.random.RandomState(7))
    for a, b in zip(from_int, from_instance):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_numpy_generator_is_rejected_with_a_fix(name):
    with pytest.raises(TypeError, match="random_state=.*RandomState"):
        GENERATORS[name](np.random.default_rng(0))


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: mackey_glass(0), ValueError, "n_timesteps=0"),
        (lambda: mackey_glass(10.0), TypeError, "n_timesteps"),
        (lambda: mackey_glass(10, tau=17.05), ValueError, "tau=17.05 must be .* multiple of dt"),
        (lambda: mackey_glass(10, dt=0), ValueError, "dt=0 must be in .*0.1 is standard"),
        (lambda: mackey_glass(10, x0=-1), ValueError, "x0=-1 must be in"),
        (lambda: mackey_glass(10, history_noise=2.0), ValueError, "history_noise=2.0"),
        (lambda: mackey_glass(10, subsample=0), ValueError, "subsample=0"),
        (lambda: narma(10, order=0), ValueError, "order=0"),
        (lambda: narma(10, washout=-1), ValueError, "washout=-1"),
        (lambda: narma(10, max_tries=0), ValueError, "max_tries=0"),
        (lambda: lorenz(10, dt=-0.01), ValueError, "dt=-0.01 must be in"),
        (lambda: lorenz(10, x0=[1.0, 2.0]), ValueError, r"x0 must have shape \(3,\)"),
        (lambda: lorenz(10, x0=[1.0, np.nan, 2.0]), ValueError, "x0=.* must be finite"),
        (lambda: memory_capacity_task(5, 5), ValueError, "n_timesteps=5 must be larger"),
        (lambda: memory_capacity_task(50, 0), ValueError, "max_delay=0"),
        (
            lambda: memory_capacity_task(50, 2, distribution="beta"),
            ValueError,
            "distribution='beta'",
        ),
    ],
)
def test_bad_arguments_raise_naming_the_argument(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --------------------------------------------------------------------------
# Mackey-Glass
# --------------------------------------------------------------------------


def _naive_mackey_glass(n_samples, tau, dt, subsample, x0, a=0.2, b=0.1, n=10):
    """Euler on a numpy array, constant history, no discard."""
    delay = int(round(tau / dt))
    n_steps = (n_samples - 1) * subsample
    x = np.empty(delay + 1 + n_steps)
    x[: delay + 1] = x0
    for i in range(delay, delay + n_steps):
        x[i + 1] = x[i] + dt * (a * x[i - delay] / (1 + x[i - delay] ** n) - b * x[i])
    return x[delay::subsample]


def test_mackey_glass_matches_naive_euler_loop():
    got = mackey_glass(400, tau=17, discard=0, history_noise=0.0)
    expected = _naive_mackey_glass(400, tau=17, dt=0.1, subsample=10, x0=1.2)
    assert got.shape == (400,)
    assert got[0] == 1.2
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0)


def test_mackey_glass_discard_drops_leading_samples():
    full = mackey_glass(500, discard=0, random_state=3)
    tail = mackey_glass(300, discard=200, random_state=3)
    np.testing.assert_array_equal(tail, full[200:])


def test_mackey_glass_jaeger_protocol_statistics():
    x = mackey_glass(10_000, random_state=0)
    assert x.shape == (10_000,)
    assert abs(x.mean() - 0.93) < 0.03
    assert abs(x.std() - 0.23) < 0.02
    assert 0.2 < x.min() and x.max() < 1.5


def test_mackey_glass_is_chaotic():
    # histories 1e-9 apart: close at first, then separate to the attractor's size
    a = mackey_glass(4000, discard=0, history_noise=0.0, x0=1.2)
    b = mackey_glass(4000, discard=0, history_noise=0.0, x0=1.2 + 1e-9)
    gap = np.abs(a - b)
    assert gap[:200].max() < 1e-6
    assert gap[3000:].max() > 0.2


def test_mackey_glass_tau_30():
    x17 = mackey_glass(3000, tau=17, random_state=0)
    x30 = mackey_glass(3000, tau=30, random_state=0)
    assert np.all(np.isfinite(x30))
    assert 0.1 < x30.std() < 0.5
    assert not np.allclose(x17, x30)


def test_mackey_glass_history_noise_zero_ignores_seed():
    a = mackey_glass(100, discard=10, history_noise=0.0, random_state=0)
    b = mackey_glass(100, discard=10, history_noise=0.0, random_state=1)
    np.testing.assert_array_equal(a, b)


def test_squash_round_trip():
    x = mackey_glass(1000, random_state=0)
    y = mackey_glass_squash(x)
    np.testing.assert_allclose(y, np.tanh(x - 1))
    assert np.all(np.abs(y) < 1)
    np.testing.assert_allclose(mackey_glass_unsquash(y), x, rtol=1e-12)


def test_unsquash_rejects_values_outside_open_interval():
    with pytest.raises(ValueError, match=r"strictly inside \(-1, 1\).*1.0.*position \(2,\)"):
        mackey_glass_unsquash([0.0, 0.5, 1.0])


# --------------------------------------------------------------------------
# NARMA
# --------------------------------------------------------------------------


def _naive_narma(u, order):
    """Straight from the textbook: arrays indexed by time, zeros before t=0.

    Returns out[t] = y(t + 1).
    """
    T = len(u)
    y = np.zeros(T + 1)  # y[t] = y(t); y(0) = 0
    for t in range(T):
        total = 0.0
        for i in range(order):
            if t - i >= 0:
                total += y[t - i]
        u_lag = u[t - order + 1] if t - order + 1 >= 0 else 0.0
        y[t + 1] = 0.3 * y[t] + 0.05 * y[t] * total + 1.5 * u_lag * u[t] + 0.1
    return y[1:]


@pytest.mark.parametrize("order", [10, 5, 1])
def test_narma_matches_naive_loop(order):
    u, y = narma(1500, order=order, washout=0, random_state=0)
    assert u.shape == y.shape == (1500,)
    np.testing.assert_allclose(y, _naive_narma(u, order), rtol=1e-12, atol=0)


def test_narma_alignment_is_causal():
    # y[t] must not change when inputs after t change
    u, y = narma(300, washout=0, random_state=0)
    u_changed = u.copy()
    u_changed[150:] = 0.25
    y_changed = _naive_narma(u_changed, 10)
    np.testing.assert_array_equal(_naive_narma(u, 10)[:150], y_changed[:150])
    # and y[t] does depend on u[t]
    u_changed = u.copy()
    u_changed[150] += 0.1
    assert _naive_narma(u_changed, 10)[150] != y[150]


def test_narma_washout_drops_leading_steps():
    u_full, y_full = narma(1200, washout=0, random_state=5)
    u, y = narma(1000, washout=200, random_state=5)
    np.testing.assert_array_equal(u, u_full[200:])
    np.testing.assert_array_equal(y, y_full[200:])


def test_narma_input_distribution_and_output_range():
    u, y = narma(5000, random_state=0)
    assert u.min() >= 0.0 and u.max() <= 0.5
    assert abs(u.mean() - 0.25) < 0.01
    assert 0.2 < y.mean() < 0.6  # stationary mean is about 0.38


def test_narma_higher_order_divergence_raises_clearly():
    with pytest.raises(ValueError, match="NARMA-20 diverged.*order"):
        narma(2000, order=20, random_state=0)


def test_narma_redraws_diverging_input_deterministically():
    # seed 7 diverges on its first draw of 10,000 steps (around step 3,300)
    with pytest.raises(ValueError, match="max_tries=1"):
        narma(10_000, washout=0, max_tries=1, random_state=7)
    u, y = narma(10_000, washout=0, random_state=7)
    assert np.all(np.abs(y) < 1e3)
    np.testing.assert_allclose(y, _naive_narma(u, 10), rtol=1e-12)
    u_again, y_again = narma(10_000, washout=0, random_state=7)
    np.testing.assert_array_equal(u, u_again)
    np.testing.assert_array_equal(y, y_again)


# --------------------------------------------------------------------------
# Lorenz
# --------------------------------------------------------------------------


def _lorenz_rhs(s, sigma=10.0, rho=28.0, beta=8.0 / 3.0):
    x, y, z = s
    return np.array([sigma * (y - x), x * (rho - z) - y, x * y - beta * z])


def test_lorenz_one_step_matches_hand_written_rk4():
    s0 = np.array([1.0, -2.0, 20.0])
    h = 0.01
    k1 = _lorenz_rhs(s0)
    k2 = _lorenz_rhs(s0 + h / 2 * k1)
    k3 = _lorenz_rhs(s0 + h / 2 * k2)
    k4 = _lorenz_rhs(s0 + h * k3)
    expected = s0 + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    got = lorenz(2, dt=h, x0=s0, discard=0)
    np.testing.assert_array_equal(got[0], s0)
    np.testing.assert_allclose(got[1], expected, rtol=1e-14, atol=1e-14)


def test_lorenz_rk4_is_fourth_order():
    # error of one step over a short interval shrinks like dt**4 (global error)
    s0 = np.array([1.0, 1.0, 20.0])
    reference = lorenz(1601, dt=0.5 / 1600, x0=s0, discard=0)[-1]
    errors = [
        np.abs(lorenz(n + 1, dt=0.5 / n, x0=s0, discard=0)[-1] - reference).max()
        for n in (50, 100)
    ]
    assert 10 < errors[0] / errors[1] < 25  # 2**4 = 16


def test_lorenz_attractor_statistics():
    states = lorenz(50_000, random_state=0)
    assert states.shape == (50_000, 3)
    mean = states.mean(axis=0)
    assert abs(mean[2] - 23.5) < 0.7
    assert abs(mean[0]) < 2.0 and abs(mean[1]) < 2.0
    assert np.abs(states[:, :2]).max() < 30
    assert 0 < states[:, 2].min() and states[:, 2].max() < 50


def test_lorenz_discard_and_given_x0_ignore_seed():
    s0 = [0.0, 1.0, 1.05]
    full = lorenz(300, x0=s0, discard=0, random_state=0)
    tail = lorenz(100, x0=s0, discard=200, random_state=1)
    np.testing.assert_array_equal(tail, full[200:])


# --------------------------------------------------------------------------
# memory capacity task
# --------------------------------------------------------------------------


def test_memory_task_shifts_exactly():
    u, Y = memory_capacity_task(200, 7, random_state=0)
    assert u.shape == (200, 1) and Y.shape == (200, 7)
    for k in range(1, 8):
        for t in range(200):
            expected = u[t - k, 0] if t >= k else 0.0
            assert Y[t, k - 1] == expected


@pytest.mark.parametrize(
    "distribution, low, high, std",
    [("uniform", -0.5, 0.5, 12**-0.5), ("normal", -np.inf, np.inf, 1.0)],
)
def test_memory_task_input_distribution(distribution, low, high, std):
    u, _ = memory_capacity_task(20_000, 1, random_state=0, distribution=distribution)
    assert low <= u.min() and u.max() <= high
    assert abs(u.mean()) < 0.03 * std
    assert abs(u.std() - std) < 0.03 * std


# --------------------------------------------------------------------------
# regressions of the fuzz campaign: overflow and impossible sizes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, match",
    [
        # Python's float ** raised OverflowError from inside the integrator
        (lambda: mackey_glass(10, a=1e308), "Mackey-Glass integration diverged"),
        (lambda: mackey_glass(10, n=1e300), "Mackey-Glass integration diverged"),
        # diverging inside the discarded transient is a divergence too
        (lambda: mackey_glass(5, a=1e308, discard=3000), "Mackey-Glass integration diverged"),
        (lambda: mackey_glass(10, tau=1e308, dt=1e-300), r"tau / dt = .* overflows"),
        (lambda: mackey_glass(10**18), r"n_timesteps=1000000000000000000.*bytes, more than"),
        (lambda: narma(10**18), r"n_timesteps=1000000000000000000.*bytes, more than"),
        (lambda: lorenz(10**18), r"n_timesteps=1000000000000000000.*bytes, more than"),
        (lambda: lorenz(10, sigma=1e308), "Lorenz integration diverged"),
        (lambda: memory_capacity_task(10**18, 2), r"n_timesteps=1000000000000000000.*bytes, more than"),
        (lambda: mackey_glass(10, a=np.inf), "a=inf must be finite"),
        (lambda: narma(np.int8(10), order=np.uint8(0)), "order=np.uint8"),
    ],
)
def test_overflow_and_sizes_are_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_numpy_scalar_arguments_give_the_python_results():
    a = mackey_glass(np.int16(50), tau=np.float32(17), subsample=np.uint8(10),
                     discard=np.int16(100), random_state=0)
    b = mackey_glass(50, tau=17.0, subsample=10, discard=100, random_state=0)
    np.testing.assert_array_equal(a, b)
    u1, y1 = narma(np.int16(300), order=np.uint8(10), random_state=0)
    u2, y2 = narma(300, order=10, random_state=0)
    np.testing.assert_array_equal(y1, y2)
