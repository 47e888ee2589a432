"""Target transforms for positive series: identities with a forecaster
fitted on the transformed series, Guerrero's parameter, domains."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from forecasting import Forecaster
from forecasting import _transforms as tf
from reservoir import ESNRegressor


def small_esn():
    return ESNRegressor(n_reservoir=30, spectral_radius=0.8, input_scaling=0.5,
                        density=0.2, leak_rate=0.7, alpha=1e-2, washout=10,
                        random_state=0)


def positive(n=240, seed=0):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    level = np.exp(0.01 * t)                      # multiplicative growth
    v = level * (3 + np.sin(2 * np.pi * t / 12)) * np.exp(0.05 * rng.randn(n))
    return pd.Series(v, pd.period_range("2000-01", periods=n, freq="M"), name="v")


@pytest.mark.parametrize("name, forward, inverse", [
    ("log", np.log, np.exp), ("log1p", np.log1p, np.expm1)])
def test_transform_equals_a_forecaster_of_the_transformed_series(name, forward,
                                                                 inverse):
    y = positive()
    f = Forecaster(small_esn(), transform=name).fit(y)
    g = Forecaster(small_esn()).fit(forward(y))
    assert_allclose(f.predict(8).to_numpy(), inverse(g.predict(8).to_numpy()),
                    rtol=1e-9)
    # the interval is the transformed series' interval, mapped back
    iv_f, iv_g = f.predict_interval(8, coverage=0.8), g.predict_interval(8, coverage=0.8)
    assert_allclose(iv_f.to_numpy(), inverse(iv_g.to_numpy()), rtol=1e-8)
    assert f.alpha_ == g.alpha_ and f.trend_ == g.trend_


def test_box_cox_uses_guerreros_parameter_fixed_at_fit():
    y = positive()
    f = Forecaster(small_esn(), transform="box-cox").fit(y)
    lam = f.lambda_[0]
    # Guerrero by brute force: the lambda of [-1, 2] (step 0.01) whose
    # sd / mean^(1 - lambda) over yearly blocks varies least
    blocks = y.to_numpy()[:240].reshape(20, 12)
    mu, sd = blocks.mean(axis=1), blocks.std(axis=1, ddof=1)
    grid = np.round(np.arange(-1, 2.001, 0.01), 2)
    cv = [np.std(sd / mu ** (1 - g), ddof=1) / np.mean(sd / mu ** (1 - g))
          for g in grid]
    assert lam == grid[int(np.argmin(cv))]
    bc = pd.Series(tf.target_forward("box-cox", np.array([lam]), y.to_numpy()[:, None])[:, 0],
                   y.index)
    g = Forecaster(small_esn()).fit(bc)
    expected = (lam * g.predict(6).to_numpy() + 1) ** (1 / lam)
    assert_allclose(f.predict(6).to_numpy(), expected, rtol=1e-9)
    f.update(positive(252).iloc[240:])
    assert f.lambda_[0] == lam                              # not re-estimated


def test_guerrero_on_known_variance_laws():
    rng = np.random.RandomState(0)
    level = np.repeat(np.linspace(1, 50, 40), 12)
    proportional = level * (1 + 0.1 * rng.randn(len(level)))   # sd ~ level
    constant = level + rng.randn(len(level))                   # sd constant
    assert abs(tf.guerrero_lambda(proportional, 12)) <= 0.15
    assert abs(tf.guerrero_lambda(constant, 12) - 1) <= 0.15
    assert tf.guerrero_lambda(proportional[:12], 12) == 1.0     # one block: none


def test_inverse_box_cox_stays_in_the_domain():
    z = np.array([[-10.0], [0.0], [1.0]])
    out = tf.target_inverse("box-cox", np.array([0.5]), z)
    assert out[0, 0] == 0.0 and out[1, 0] == 1.0 and out[2, 0] == pytest.approx(2.25)
    assert_allclose(tf.target_forward("box-cox", np.array([0.5]), out[1:]), z[1:])
    assert tf.target_inverse("box-cox", np.array([-0.5]), np.array([[3.0]]))[0, 0] \
        == np.finfo(float).max


def test_positive_forecasts_and_intervals_of_a_decaying_series():
    rng = np.random.RandomState(2)
    t = np.arange(200)
    v = 50 * np.exp(-0.03 * t) * np.exp(0.2 * rng.randn(200))
    y = pd.Series(v)
    f = Forecaster(small_esn(), transform="log").fit(y)
    assert (f.predict(40) > 0).all()
    assert (f.predict_interval(20, coverage=0.95)["lower"] > 0).all()


@pytest.mark.parametrize("name, bad", [("log", 0.0), ("box-cox", -1.0),
                                       ("log1p", -1.0)])
def test_values_outside_the_domain_are_refused_at_fit_and_update(name, bad):
    y = positive(100)
    corrupt = y.copy()
    corrupt.iloc[30] = bad
    with pytest.raises(ValueError, match=rf"transform='{name}' needs values > .* "
                                         r"at position 30"):
        Forecaster(small_esn(), transform=name).fit(corrupt)
    f = Forecaster(small_esn(), transform=name).fit(y.iloc[:80])
    later = y.iloc[80:].copy()
    later.iloc[3] = bad
    with pytest.raises(ValueError, match="y_new has"):
        f.update(later)
    f.update(y.iloc[80:])                  # nothing was appended before
    with pytest.raises(ValueError, match="transform='sqrt'"):
        Forecaster(small_esn(), transform="sqrt").fit(y)
