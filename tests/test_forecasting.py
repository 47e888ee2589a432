"""Forecaster: future index, strategies against identities, update, intervals."""

import pickle

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.linear_model import Ridge

import reservoir
from forecasting import (Forecaster, NaiveForecaster, SeasonalNaiveForecaster,
                         default_estimator)
from reservoir import ESNRegressor, Reservoir

SMALL = dict(n_reservoir=30, spectral_radius=0.8, input_scaling=0.5, density=0.2,
             leak_rate=0.7, alpha=1e-4, washout=10, random_state=0)


def small_esn(**kw):
    return ESNRegressor(**{**SMALL, **kw})


def seasonal_values(n, period=12, seed=0, noise=0.1):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    return 5 + np.sin(2 * np.pi * t / period) + noise * rng.randn(n)


class SequenceWrapper(RegressorMixin, BaseEstimator):
    """A sequence estimator with fit/predict only (no generate, no ESN
    attributes): the path the gradient-trained estimators take."""

    def __init__(self, inner=None):
        self.inner = inner

    def fit(self, X, y):
        self.inner_ = clone(self.inner).fit(X, y)
        self.washout = self.inner.washout
        return self

    def predict(self, X):
        return self.inner_.predict(X)


# -- the future index -----------------------------------------------------
@pytest.mark.parametrize("index, expected_first", [
    (pd.date_range("2024-01-01", periods=120, freq="30min", name="time"),
     pd.Timestamp("2024-01-03 12:00")),
    (pd.date_range("2000-01-31", periods=120, freq="ME", name="month"),
     pd.Timestamp("2010-01-31")),
    (pd.period_range("2000-01", periods=120, freq="M", name="period"),
     pd.Period("2010-01", freq="M")),
    (pd.RangeIndex(10, 250, 2, name="step"), 250),
    (pd.date_range("2024-01-01", periods=120, freq="D", tz="Europe/Paris", name="day"),
     pd.Timestamp("2024-04-30", tz="Europe/Paris")),
])
def test_future_index_each_index_type(index, expected_first):
    y = pd.Series(seasonal_values(len(index)), index=index, name="load")
    f = Forecaster(small_esn(), season_length=12).fit(y)
    pred = f.predict(5)
    assert isinstance(pred, pd.Series) and pred.name == "load"
    assert len(pred) == 5 and pred.index[0] == expected_first
    assert pred.index.name == index.name
    assert type(pred.index) is type(index) or isinstance(index, pd.RangeIndex)
    # the index continues the grid
    full = index.append(pred.index) if not isinstance(index, pd.RangeIndex) else \
        np.concatenate([index, pred.index])
    steps = np.diff(np.asarray(full.asi8 if hasattr(full, "asi8") else full))
    if getattr(index, "tz", None) is None and getattr(index, "freqstr", "") != "ME":  # DST, month ends
        assert len(set(steps.tolist())) == 1
    # a future index (skipping steps) selects from the same forecast
    sub = pred.index[[1, 4]]
    assert_allclose(f.predict(sub).to_numpy(), pred.to_numpy()[[1, 4]])
    assert f.predict(sub).index.equals(sub)


def test_inferred_frequency_without_freq_attribute():
    idx = pd.DatetimeIndex(pd.date_range("2024", periods=100, freq="h").to_numpy())
    assert idx.freq is None
    f = Forecaster(small_esn()).fit(pd.Series(seasonal_values(100), idx))
    assert f.freq_ == pd.tseries.frequencies.to_offset("h")
    assert f.seasons_ == (24.0, 168.0)
    assert f.predict(2).index[0] == idx[-1] + pd.Timedelta("1h")


def test_dataframe_keeps_columns_and_predicts_jointly():
    idx = pd.period_range("2000-01", periods=150, freq="M")
    y = pd.DataFrame({"a": seasonal_values(150), "b": seasonal_values(150, seed=1)},
                     index=idx)
    f = Forecaster(small_esn()).fit(y)
    pred = f.predict(4)
    assert isinstance(pred, pd.DataFrame) and list(pred.columns) == ["a", "b"]
    assert pred.index.equals(pd.period_range("2012-07", periods=4, freq="M"))
    # one model for both columns: the defaults written out by hand (no trend on
    # a stationary series, per-column standardisation, sin/cos of the monthly
    # season 12 at t + 1 for harmonics 1..3, closed-loop generate)
    assert f.trend_ == "none" and f.seasons_ == (12.0,)
    Y = y.to_numpy()
    mean, std = Y.mean(axis=0), Y.std(axis=0)
    Zs = (Y - mean) / std

    def fourier(t):
        return np.column_stack([g(2 * np.pi * j * t / 12) for j in (1, 2, 3)
                                for g in (np.sin, np.cos)])

    U = np.hstack([Zs, fourier(np.arange(1, 151))])
    esn = small_esn().fit(U[:-1], Zs[1:])
    expected = esn.generate(4, X_warmup=U, X_future=fourier(np.arange(151, 154)))
    assert f.estimator_.coef_.shape[0] == 2                 # joint readout
    assert_allclose(pred.to_numpy(), expected * std + mean, rtol=1e-10)


# -- strategies against identities -----------------------------------------
def test_recursive_equals_esn_generate():
    y = pd.Series(seasonal_values(300))
    f = Forecaster(small_esn(), seasonality="none", trend="none", scale=False).fit(y)
    esn = small_esn().fit(y.to_numpy()[:-1, None], y.to_numpy()[1:, None])
    expected = esn.generate(15, X_warmup=y.to_numpy()[:, None])
    assert_allclose(f.predict(15).to_numpy(), expected[:, 0], rtol=1e-12, atol=1e-12)


def test_recursive_with_scaling_equals_generate_on_scaled_series():
    v = seasonal_values(300) * 100 + 40
    y = pd.Series(v)
    f = Forecaster(small_esn(), seasonality="none", trend="none").fit(y)
    z = (v - v.mean()) / v.std()
    esn = small_esn().fit(z[:-1, None], z[1:, None])
    expected = esn.generate(7, X_warmup=z[:, None])[:, 0] * v.std() + v.mean()
    assert_allclose(f.predict(7).to_numpy(), expected, rtol=1e-10)


def test_generic_recursive_equals_generate_and_esn_stepping():
    y = pd.Series(seasonal_values(240), pd.date_range("2024", periods=240, freq="h"))
    # pure autoregression: generic re-run of predict == ESN generate
    kw = dict(seasonality="none", trend="none")
    a = Forecaster(small_esn(), **kw).fit(y).predict(10)
    b = Forecaster(SequenceWrapper(small_esn()), **kw).fit(y).predict(10)
    assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9)
    # Fourier inputs: ESN state stepping == generic re-run of predict
    a = Forecaster(small_esn(), trend="none").fit(y).predict(10)
    b = Forecaster(SequenceWrapper(small_esn()), trend="none").fit(y).predict(10)
    assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9)
    # a bounded context changes little once the state has forgotten its start
    c = Forecaster(SequenceWrapper(small_esn()), trend="none",
                   context_length=150).fit(y).predict(10)
    assert_allclose(c.to_numpy(), a.to_numpy(), rtol=1e-3)


def test_direct_equals_hand_built_multi_output_ridge():
    H, w, alpha = 4, 10, 1e-3
    v = seasonal_values(200)
    y = pd.Series(v)
    f = Forecaster(small_esn(alpha=alpha, washout=w), strategy="direct",
                   max_horizon=H, seasonality="none", trend="none", scale=False).fit(y)
    res_kw = {k: SMALL[k] for k in ("n_reservoir", "spectral_radius", "input_scaling",
                                    "density", "leak_rate", "random_state")}
    U = v[:, None]
    states = Reservoir(**res_kw).fit(U).transform(U)
    Z = np.hstack([U, states])
    T = len(v)
    targets = np.column_stack([v[h:T - H + h] for h in range(1, H + 1)])
    ridge = Ridge(alpha=alpha).fit(Z[w:T - H], targets[w:])
    expected = ridge.predict(Z[-1:])[0]
    assert_allclose(f.predict(H).to_numpy(), expected, rtol=1e-6, atol=1e-8)
    assert_allclose(f.estimator_.coef_, ridge.coef_, rtol=1e-5, atol=1e-8)


def test_direct_limits_horizon_and_needs_max_horizon():
    y = pd.Series(seasonal_values(200))
    f = Forecaster(small_esn(), strategy="direct", max_horizon=3).fit(y)
    assert len(f.predict(2)) == 2
    with pytest.raises(ValueError, match="exceeds max_horizon=3"):
        f.predict(4)
    with pytest.raises(ValueError, match="needs max_horizon"):
        Forecaster(small_esn(), strategy="direct").fit(y)


# -- trend and seasonality handling ------------------------------------------
@pytest.mark.parametrize("trend", ["none", "difference", "linear"])
@pytest.mark.parametrize("seasonality", ["fourier", "difference", "none"])
def test_transforms_invert_exactly_on_a_deterministic_series(trend, seasonality):
    t = np.arange(300)
    v = 2 + 0.05 * t + np.sin(2 * np.pi * t / 12)
    y = pd.Series(v, pd.period_range("2000-01", periods=300, freq="M"))
    f = Forecaster(small_esn(), trend=trend, seasonality=seasonality).fit(y)
    pred = f.predict(12).to_numpy()
    truth = 2 + 0.05 * np.arange(300, 312) + np.sin(2 * np.pi * np.arange(300, 312) / 12)
    assert np.isfinite(pred).all()
    if trend != "none":               # the trend is handled: the forecast follows it
        assert np.abs(pred - truth).mean() < 0.5


def test_trend_auto_differences_a_drifting_series_only():
    t = np.arange(400)
    drifting = pd.Series(0.1 * t + np.sin(t / 3))
    stationary = pd.Series(np.sin(2 * np.pi * t / 12))
    assert Forecaster(small_esn()).fit(drifting).trend_ == "difference"
    assert Forecaster(small_esn()).fit(stationary).trend_ == "none"


def test_exogenous_columns_are_used():
    rng = np.random.RandomState(0)
    n = 300
    x = rng.randn(n + 5)
    v = np.r_[0.0, 2 * x[1:n]] + 0.01 * rng.randn(n)       # y(t) = 2 x(t)
    idx = pd.RangeIndex(n + 5)
    y = pd.Series(v, idx[:n])
    X = pd.DataFrame({"x": x}, index=idx)
    f = Forecaster(small_esn(), seasonality="none", trend="none").fit(y, X.iloc[:n])
    pred = f.predict(5, X=X.iloc[n:])
    assert_allclose(pred.to_numpy(), 2 * x[n:], atol=0.3)
    # other future values give other forecasts
    other = f.predict(5, X=X.iloc[n:] * -1)
    assert not np.allclose(pred.to_numpy(), other.to_numpy())


# -- update ------------------------------------------------------------------
def test_update_is_refit_free_continuation():
    v = seasonal_values(400)
    y = pd.Series(v, pd.date_range("2024", periods=400, freq="D"))
    f = Forecaster(small_esn(), seasonality="none", trend="none").fit(y.iloc[:300])
    coef = f.estimator_.coef_.copy()
    f.update(y.iloc[300:350])
    f.update(y.iloc[350:400])
    assert_allclose(f.estimator_.coef_, coef)              # nothing refitted
    pred = f.predict(6)
    assert pred.index[0] == y.index[-1] + pd.Timedelta("1D")
    mean, std = v[:300].mean(), v[:300].std()              # scaling from the fit
    z = (v - mean) / std
    expected = f.estimator_.generate(6, X_warmup=z[:, None])[:, 0] * std + mean
    assert_allclose(pred.to_numpy(), expected, rtol=1e-10)
    # with Fourier inputs too: update == a forecaster fitted on the same part
    g = Forecaster(small_esn()).fit(y.iloc[:300]).update(y.iloc[300:])
    h = Forecaster(small_esn()).fit(y.iloc[:300])
    h._Y, h._index = g._Y, g._index
    h._info.last = g._info.last
    assert_allclose(g.predict(6).to_numpy(), h.predict(6).to_numpy())


def test_update_rejects_non_continuing_index():
    y = pd.Series(seasonal_values(200), pd.date_range("2024", periods=200, freq="D"))
    f = Forecaster(small_esn()).fit(y.iloc[:150])
    with pytest.raises(ValueError, match="must continue the history"):
        f.update(y.iloc[151:160])
    with pytest.raises(ValueError, match="must continue the history"):
        f.update(y.iloc[140:160])


# -- intervals ---------------------------------------------------------------
def test_interval_coverage_on_white_noise_is_close_to_nominal():
    rng = np.random.RandomState(3)
    v = rng.randn(1400)
    y = pd.Series(v)
    f = Forecaster(small_esn(alpha=1.0), seasonality="none", trend="none",
                   calibration_size=500).fit(y.iloc[:1000])
    hits = []
    for o in range(1000, 1400 - 4, 4):
        if o > 1000:
            f.update(y.iloc[o - 4:o])
        iv = f.predict_interval(4, coverage=0.8)
        actual = v[o:o + 4]
        hits.append((actual >= iv["lower"].to_numpy()) & (actual <= iv["upper"].to_numpy()))
    coverage = np.concatenate(hits).mean()
    assert 0.72 <= coverage <= 0.88, coverage


def test_interval_shape_and_monotone_in_coverage():
    y = pd.Series(seasonal_values(300), pd.period_range("2000-01", periods=300, freq="M"),
                  name="v")
    f = Forecaster(small_esn()).fit(y)
    narrow = f.predict_interval(6, coverage=0.5)
    wide = f.predict_interval(6, coverage=0.95)
    assert list(narrow.columns) == ["lower", "upper"]
    assert narrow.index.equals(f.predict(6).index)
    assert (wide["upper"] >= narrow["upper"]).all() and (wide["lower"] <= narrow["lower"]).all()
    point = f.predict(6)
    assert ((narrow["lower"] <= point) & (point <= narrow["upper"])).all()
    with pytest.raises(ValueError, match="coverage"):
        f.predict_interval(6, coverage=1.5)


def test_interval_for_baselines_and_multivariate():
    y = pd.DataFrame({"a": seasonal_values(200), "b": seasonal_values(200, seed=2)})
    iv = SeasonalNaiveForecaster(12).fit(y).predict_interval(3)
    assert list(iv.columns) == [("a", "lower"), ("a", "upper"), ("b", "lower"),
                                ("b", "upper")]


# -- scikit-learn protocol ---------------------------------------------------
def test_params_clone_and_nested_estimator_params():
    f = Forecaster()
    assert f.get_params()["estimator"] is None
    f.set_params(estimator__alpha=0.5, strategy="direct", max_horizon=3)
    assert isinstance(f.estimator, ESNRegressor) and f.estimator.alpha == 0.5
    g = clone(f)
    assert g.get_params()["estimator__alpha"] == 0.5 and g.estimator is not f.estimator
    assert default_estimator().get_params() == ESNRegressor(**{
        **default_estimator().get_params()}).get_params()


def test_pickle_round_trip_gives_same_forecast():
    y = pd.Series(seasonal_values(200), pd.date_range("2024", periods=200, freq="h"))
    f = Forecaster(small_esn()).fit(y)
    g = pickle.loads(pickle.dumps(f))
    assert_allclose(f.predict(5).to_numpy(), g.predict(5).to_numpy())


def test_same_settings_are_bit_identical():
    y = pd.Series(seasonal_values(200))
    a = Forecaster(small_esn()).fit(y).predict(5).to_numpy()
    b = Forecaster(small_esn()).fit(y).predict(5).to_numpy()
    assert np.array_equal(a, b)


# -- baselines ----------------------------------------------------------------
def test_naive_and_seasonal_naive_exact():
    v = np.arange(1.0, 11.0)
    y = pd.Series(v, pd.date_range("2024", periods=10, freq="D"), name="x")
    assert NaiveForecaster().fit(y).predict(3).tolist() == [10.0] * 3
    p = SeasonalNaiveForecaster(4).fit(y).predict(6)
    assert p.tolist() == [7.0, 8.0, 9.0, 10.0, 7.0, 8.0] and p.name == "x"
    df = pd.DataFrame({"a": v, "b": -v})
    assert SeasonalNaiveForecaster(3).fit(df).predict(4).to_numpy().tolist() == \
        [[8.0, -8.0], [9.0, -9.0], [10.0, -10.0], [8.0, -8.0]]
    f = SeasonalNaiveForecaster(4).fit(y.iloc[:8]).update(y.iloc[8:])
    assert f.predict(2).tolist() == [7.0, 8.0]
    with pytest.raises(ValueError, match="season_length=20"):
        SeasonalNaiveForecaster(20).fit(y)
    with pytest.raises(TypeError, match="season_length"):
        SeasonalNaiveForecaster(2.5).fit(y)


# -- the gradient-trained estimators (when present) --------------------------
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", ["SimpleRNNRegressor", "GRURegressor",
                                  "LSTMRegressor", "CWRNNRegressor"])
def test_rnn_estimators_through_the_generic_path(name):
    if not hasattr(reservoir, name):
        pytest.skip(f"reservoir.{name} not available yet")
    cls = getattr(reservoir, name)
    est = cls(hidden_size=4, max_iter=2, washout=5, random_state=0)
    y = pd.Series(seasonal_values(120), pd.date_range("2024", periods=120, freq="h"))
    direct = Forecaster(est, strategy="direct", max_horizon=3).fit(y).predict(3)
    recursive = Forecaster(est, context_length=50).fit(y).predict(3)
    assert direct.shape == recursive.shape == (3,)
    assert np.isfinite(direct).all() and np.isfinite(recursive).all()


# -- interval cache (fuzz campaign finding) ------------------------------------
@pytest.mark.parametrize("make", [lambda: Forecaster(small_esn()), NaiveForecaster,
                                  lambda: SeasonalNaiveForecaster(12)],
                         ids=["Forecaster", "Naive", "SeasonalNaive"])
def test_intervals_depend_on_the_data_not_on_earlier_calls(make):
    y = pd.Series(seasonal_values(300), pd.date_range("2024", periods=300, freq="h"))
    asked = make().fit(y.iloc[:240])
    asked.predict_interval(6)                 # residuals of the 240-row history
    asked.predict_interval(3)
    asked.update(y.iloc[240:270]).update(y.iloc[270:])
    fresh = make().fit(y.iloc[:240]).update(y.iloc[240:270]).update(y.iloc[270:])
    for h in (3, 6):
        pd.testing.assert_frame_equal(asked.predict_interval(h),
                                      fresh.predict_interval(h))
    # the residuals of one horizon are not a prefix of another's (the origins
    # differ), so asking for 6 steps first does not change the 3-step interval
    first6 = make().fit(y)
    first6.predict_interval(6)
    pd.testing.assert_frame_equal(first6.predict_interval(3),
                                  make().fit(y).predict_interval(3))
    # and the calibration equals the rolling forecasts written out by hand
    f = make().fit(y)
    origins = f._calibration_origins(3)
    picks = [0, 1, len(origins) - 1]
    res = []
    for o in origins[picks]:
        g = make().fit(y.iloc[:origins[0]])       # fitted once, then updated
        if o > origins[0]:
            g.update(y.iloc[origins[0]:o])
        res.append(np.abs(y.to_numpy()[o:o + 3] - g.predict(3).to_numpy()))
    assert_allclose(f._calibration_residuals(3)[picks, :, 0], np.array(res),
                    rtol=1e-12)
