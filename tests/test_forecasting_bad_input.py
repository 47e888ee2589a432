"""Every bad input of the forecasting package gets a clear error naming it."""

import numpy as np
import pandas as pd
import pytest

from forecasting import Forecaster, NaiveForecaster
from reservoir import ESNRegressor


def esn():
    return ESNRegressor(n_reservoir=20, washout=10, random_state=0)


def series(n=100, freq="h"):
    return pd.Series(np.sin(np.arange(n) / 3.0) + 2,
                     pd.date_range("2024", periods=n, freq=freq), name="v")


def test_unsorted_timestamps():
    y = series()
    y = y.iloc[[*range(50), 51, 50, *range(52, 100)]]
    with pytest.raises(ValueError, match="y has an index that is not sorted.*position 51"):
        Forecaster(esn()).fit(y)


def test_duplicated_timestamps():
    y = series()
    y = pd.concat([y.iloc[:50], y.iloc[49:]])
    with pytest.raises(ValueError, match="y has duplicated timestamps"):
        Forecaster(esn()).fit(y)


def test_gap_and_missing_frequency():
    y = series().drop(series().index[40])
    with pytest.raises(ValueError, match="cannot be inferred.*gaps.*asfreq"):
        Forecaster(esn()).fit(y)
    idx = pd.DatetimeIndex(["2024-01-01", "2024-01-02"])
    with pytest.raises(ValueError, match="cannot be inferred"):
        NaiveForecaster().fit(pd.Series([1.0, 2.0], idx))
    p = pd.Series(np.arange(10.0), pd.period_range("2000-01", periods=10, freq="M"))
    with pytest.raises(ValueError, match="PeriodIndex has a gap"):
        NaiveForecaster().fit(p.drop(p.index[4]))
    with pytest.raises(ValueError, match="not evenly spaced"):
        NaiveForecaster().fit(pd.Series([1.0, 2, 3], index=[0, 1, 3]))


def test_gap_filled_with_asfreq_and_interpolation():
    y = series().drop(series().index[40]).asfreq("h")
    assert y.isna().sum() == 1
    with pytest.raises(ValueError, match="y contains NaN at position 40.*nan_policy"):
        Forecaster(esn()).fit(y)
    f = Forecaster(esn(), nan_policy="interpolate").fit(y)
    assert f.n_interpolated_ == 1 and len(f._Y) == 100       # nothing dropped
    assert np.isfinite(f.predict(3)).all()
    lead = series().copy()
    lead.iloc[0] = np.nan
    with pytest.raises(ValueError, match="NaN at its start"):
        Forecaster(esn(), nan_policy="interpolate").fit(lead)
    with pytest.raises(ValueError, match="nan_policy='drop'"):
        Forecaster(esn(), nan_policy="drop").fit(series())


def test_too_short_history():
    with pytest.raises(ValueError, match=r"y has 12 observations, too short for .*washout=10"):
        Forecaster(esn()).fit(series(12))
    with pytest.raises(ValueError, match="max_horizon=20"):
        Forecaster(esn(), strategy="direct", max_horizon=20).fit(series(30))


@pytest.mark.parametrize("horizon, exc, match", [
    (0, ValueError, "horizon=0 must be >= 1"),
    (-3, ValueError, "horizon=-3"),
    (1.5, TypeError, "horizon=1.5 must be a positive integer"),
    (True, TypeError, "horizon=True"),
])
def test_bad_horizon(horizon, exc, match):
    f = NaiveForecaster().fit(series())
    with pytest.raises(exc, match=match):
        f.predict(horizon)


def test_bad_future_index():
    y = series()
    f = NaiveForecaster().fit(y)
    with pytest.raises(ValueError, match="not a future step"):
        f.predict(y.index[-3:])
    with pytest.raises(TypeError, match="DatetimeIndex"):
        f.predict(pd.RangeIndex(3))
    with pytest.raises(ValueError, match="sorted and unique"):
        f.predict(f.predict(3).index[::-1])


def test_mismatched_exogenous_columns():
    y = series()
    X = pd.DataFrame({"a": np.arange(110.0), "b": np.ones(110)},
                     index=pd.date_range("2024", periods=110, freq="h"))
    f = Forecaster(esn()).fit(y, X.iloc[:100])
    with pytest.raises(ValueError, match="X is required.*'a', 'b'"):
        f.predict(3)
    with pytest.raises(ValueError, match=r"missing \['b'\]"):
        f.predict(3, X=X.iloc[100:103][["a"]])
    with pytest.raises(ValueError, match="X's index must equal"):
        f.predict(3, X=X.iloc[101:104])
    with pytest.raises(ValueError, match="X's index must equal"):
        Forecaster(esn()).fit(y, X.iloc[:99])
    with pytest.raises(ValueError, match="fitted without exogenous"):
        Forecaster(esn()).fit(y).predict(3, X=X.iloc[100:103])
    with pytest.raises(ValueError, match="X_new is required"):
        f.update(series(110).iloc[100:])
    with pytest.raises(ValueError, match="does not use exogenous"):
        NaiveForecaster().fit(y, X.iloc[:100])
    # future exogenous values are required and accepted in any column order
    assert len(f.predict(3, X=X.iloc[100:103][["b", "a"]])) == 3


@pytest.mark.parametrize("y, exc, match", [
    (np.arange(10.0), TypeError, "y must be a pandas Series or DataFrame"),
    (pd.Series([], dtype=float), ValueError, "y is empty"),
    (pd.Series(["a", "b", "c"]), TypeError, "y must hold numbers"),
    (pd.Series([1.0, np.inf, 2.0]), ValueError, "infinity at position 1"),
    (pd.Series([1.0, 2.0], index=["x", "y"]), TypeError, "index of type Index"),
])
def test_bad_series(y, exc, match):
    with pytest.raises(exc, match=match):
        NaiveForecaster().fit(y)


@pytest.mark.parametrize("params, exc, match", [
    (dict(strategy="both"), ValueError, "strategy='both'"),
    (dict(trend="quadratic"), ValueError, "trend='quadratic'"),
    (dict(seasonality="x"), ValueError, "seasonality='x'"),
    (dict(strategy="direct", max_horizon=0), ValueError, "max_horizon=0"),
    (dict(season_length=1), ValueError, "season_length=1"),
    (dict(season_length="weekly"), ValueError, "season_length='weekly'"),
    (dict(context_length=0), ValueError, "context_length=0"),
    (dict(calibration_size=1.5), ValueError, "calibration_size=1.5"),
    (dict(estimator=object()), TypeError, "must have fit"),
    (dict(seasonality="difference", season_length=None), ValueError, "needs a season"),
])
def test_bad_parameters(params, exc, match):
    with pytest.raises(exc, match=match):
        Forecaster(**{"estimator": esn(), **params}).fit(series())


def test_interval_needs_enough_calibration_history():
    f = NaiveForecaster(calibration_size=3).fit(series(20))
    with pytest.raises(ValueError, match="calibration_size=3"):
        f.predict_interval(5)


def test_unfitted_predict():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        Forecaster().predict(3)


# -- update goes through the same checks as fit ---------------------------------
def _estimators():
    from forecasting import (AnomalyDetector, RollingZScoreDetector,
                             SeasonalNaiveDetector, SeasonalNaiveForecaster)
    small = ESNRegressor(n_reservoir=10, washout=5, random_state=0)
    return {
        "Forecaster": lambda: Forecaster(small, season_length=None),
        "NaiveForecaster": NaiveForecaster,
        "SeasonalNaiveForecaster": lambda: SeasonalNaiveForecaster(4),
        "AnomalyDetector": lambda: AnomalyDetector(small, season_length=None,
                                                   window=20, min_periods=5),
        "SeasonalNaiveDetector": lambda: SeasonalNaiveDetector(4, window=20,
                                                               min_periods=5),
        "RollingZScoreDetector": lambda: RollingZScoreDetector(window=20,
                                                               min_periods=5),
    }


def _with(y, i, value):
    out = y.astype(object)
    out.iloc[i] = value
    return out


# each turns a valid series into one that must be refused, by fit and update alike
BAD_VALUES = {
    "nan": lambda y: y.where(np.arange(len(y)) != 1),
    "inf": lambda y: y.where(np.arange(len(y)) != 1, np.inf),
    "-inf": lambda y: y.where(np.arange(len(y)) != 1, -np.inf),
    "complex": lambda y: y.astype(complex) + 1j,
    "complex object": lambda y: _with(y, 1, 2 + 1j),
    "datetime values": lambda y: pd.Series(pd.date_range("2020", periods=len(y)),
                                           index=y.index, name=y.name),
    "timedelta values": lambda y: pd.Series(pd.to_timedelta(np.arange(len(y)), "s"),
                                            index=y.index, name=y.name),
    "timestamp object": lambda y: _with(y, 1, pd.Timestamp("2020")),
    "strings": lambda y: y.astype(str),
    "numeric string object": lambda y: _with(y, 1, "1.5"),
    "huge int object": lambda y: _with(y, 1, 10**400),
    "empty": lambda y: y.iloc[:0],
    "ndarray": lambda y: y.to_numpy(),
    "list": lambda y: y.tolist(),
    "categorical": lambda y: y.astype("category"),
}


@pytest.mark.parametrize("bad", list(BAD_VALUES))
@pytest.mark.parametrize("which", list(_estimators()))
def test_update_rejects_what_fit_rejects(which, bad):
    y = pd.Series(np.sin(np.arange(160) / 3.0) + 2 + 0.1 * np.cos(np.arange(160)),
                  pd.date_range("2024", periods=160, freq="h"), name="v")
    make = _estimators()[which]
    corrupt = BAD_VALUES[bad]
    with pytest.raises((ValueError, TypeError)) as fit_err:
        make().fit(corrupt(y))
    assert "y" in str(fit_err.value).replace("y_new", "")
    model = make().fit(y.iloc[:120])
    with pytest.raises(fit_err.type) as update_err:
        model.update(corrupt(y.iloc[120:]))
    msg = str(update_err.value)
    assert "y_new" in msg, msg
    # the same complaint, about the argument of update
    first_words = str(fit_err.value).replace("y ", "y_new ", 1).split()[:3]
    assert msg.split()[:3] == first_words or "y_new" in msg.split()[0]
    # nothing was appended: the model continues as if update was never called
    model.update(y.iloc[120:])


@pytest.mark.parametrize("which", list(_estimators()))
def test_update_interpolates_across_the_junction(which):
    # nan_policy='interpolate': a NaN at the start of an update lies inside the
    # series (between the last observation and the next), as in one fit
    v = np.sin(np.arange(160) / 3.0) + 2 + 0.1 * np.cos(np.arange(160))
    y = pd.Series(v, pd.date_range("2024", periods=160, freq="h"), name="v")
    model = _estimators()[which]().set_params(nan_policy="interpolate")
    model.fit(y.iloc[:120])
    new = y.iloc[120:].copy()
    new.iloc[0] = np.nan
    model.update(new)
    filled = (v[119] + v[121]) / 2
    if hasattr(model, "_Y"):
        assert model._Y[120, 0] == pytest.approx(filled, rel=1e-12)
    else:
        assert model._last_row[0] == v[-1]
    end = y.iloc[:3].copy()
    end.index = pd.date_range(y.index[-1] + pd.Timedelta("1h"), periods=3, freq="h")
    end.iloc[-1] = np.nan
    with pytest.raises(ValueError, match="y_new has NaN at its end"):
        model.update(end)


# -- regression tests of the fuzz campaign's findings ---------------------------
def test_frequency_error_reports_real_steps_and_the_median_step():
    # pandas 3 stores microseconds: the step must not be read as nanoseconds
    y = series(100, freq="h")
    y = y.drop(y.index[[40, 41]])
    assert y.index.unit == "us"
    with pytest.raises(ValueError) as err:
        NaiveForecaster().fit(y)
    msg = str(err.value)
    assert "The smallest step is 0 days 01:00:00" in msg
    assert "is 0 days 03:00:00" in msg and "00:00:03.6" not in msg
    assert "y.asfreq('h')" in msg and "'30min'" not in msg
    for freq, alias in [("30min", "30min"), ("D", "D"), ("15s", "15s"), ("2D", "2D")]:
        y = series(50, freq=freq)
        with pytest.raises(ValueError, match=rf"y\.asfreq\('{alias}'\)"):
            NaiveForecaster().fit(y.drop(y.index[20]))
    # nanosecond indexes read the same
    y = series(50)
    y.index = y.index.as_unit("ns")
    with pytest.raises(ValueError, match="smallest step is 0 days 01:00:00"):
        NaiveForecaster().fit(y.drop(y.index[20]))


def test_extreme_scales_forecast_in_exactly_rescaled_units():
    # |y| >~ 1e154 used to give all-NaN forecasts (the variance overflowed),
    # 1e-300 a forecast of the mean (it underflowed); a power-of-two change of
    # units is exact, so the forecast is the rescaled forecast of y
    y = series(200)
    f = Forecaster(esn()).fit(y)
    ref = f.predict(5).to_numpy()
    for k in (600, 1000, -990, -1020):
        g = Forecaster(esn()).fit(y * 2.0**k)
        np.testing.assert_allclose(g.predict(5).to_numpy(), ref * 2.0**k, rtol=1e-12)
        assert g.trend_ == f.trend_
        iv = g.predict_interval(3)
        np.testing.assert_allclose(iv.to_numpy(), f.predict_interval(3).to_numpy()
                                   * 2.0**k, rtol=1e-12)
    # a forecast that overflows float64 is an error, not inf
    top = pd.Series(0.5e308 + np.arange(200.0) * 0.5e306)   # up to 1.5e308
    f = Forecaster(esn(), trend="difference").fit(top)
    assert np.isfinite(f.predict(5)).all()
    with pytest.raises(ValueError, match="forecast is not finite from step"):
        f.predict(200)                          # the trend passes 1.8e308


def test_numpy_scalar_parameters_mean_what_they_say():
    y = series(200)
    a = Forecaster(esn(), context_length=np.uint8(60)).fit(y).predict(4)
    b = Forecaster(esn(), context_length=60).fit(y).predict(4)
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())
    f = Forecaster(esn(), context_length=np.uint8(60)).fit(y)
    assert type(f._context_length) is int and f.context_length == np.uint8(60)
    # a NumPy float is a share, not a count
    f = NaiveForecaster(calibration_size=np.float32(0.3)).fit(y)
    g = NaiveForecaster(calibration_size=0.3).fit(y)
    np.testing.assert_array_equal(f._calibration_origins(2), g._calibration_origins(2))
    assert len(f._calibration_origins(2)) == 59
    np.testing.assert_array_equal(
        NaiveForecaster(calibration_size=np.int64(30)).fit(y)._calibration_origins(2),
        np.arange(170, 199))


@pytest.mark.parametrize("params, exc, match", [
    (dict(scale="no"), TypeError, "scale='no' must be True or False"),
    (dict(scale=None), TypeError, "scale=None"),
    (dict(scale=2), TypeError, "scale=2"),
    (dict(season_length=np.inf), ValueError, "season_length=inf must be finite"),
    (dict(season_length=(24, np.nan)), ValueError, "season_length=nan"),
    (dict(season_length=(24, "week")), TypeError, "season_length='week'"),
    (dict(season_length=True), TypeError, "season_length=True"),
    (dict(n_fourier=np.float64(2.0)), TypeError, r"n_fourier=\S*2\.0\S* must be an integer"),
    (dict(n_fourier=np.timedelta64(2)), TypeError, "n_fourier"),
    (dict(context_length=np.int8(-1)), ValueError, r"context_length=\S*-1\S* must be in"),
    (dict(calibration_size=np.float32(1.5)), ValueError, r"calibration_size=\S*1\.5"),
    (dict(calibration_size="20%"), TypeError, "calibration_size='20%'"),
    (dict(strategy=None), ValueError, "strategy=None"),
    (dict(strategy="direct", max_horizon=2.5), TypeError, "max_horizon=2.5"),
    (dict(nan_policy=None), ValueError, "nan_policy=None"),
])
def test_bad_parameters_numpy_scalars_and_types(params, exc, match):
    with pytest.raises(exc, match=match):
        Forecaster(**{"estimator": esn(), **params}).fit(series())


def test_duplicate_column_names_are_refused():
    y = series()
    df = pd.DataFrame({"a": y, "b": y * 2}).set_axis(["a", "a"], axis=1)
    for model in (NaiveForecaster(), Forecaster(esn())):
        with pytest.raises(ValueError, match="y has several columns named 'a'"):
            model.fit(df)
    X = pd.DataFrame({"x": np.arange(100.0), "z": 1.0}, index=y.index)
    with pytest.raises(ValueError, match="X has several columns named 'x'"):
        Forecaster(esn()).fit(y, X.set_axis(["x", "x"], axis=1))


def test_horizon_too_large_or_out_of_range_names_horizon():
    f = NaiveForecaster().fit(series())
    with pytest.raises(ValueError, match="horizon=1000000000000000000 steps"):
        f.predict(10**18)
    with pytest.raises(ValueError, match="horizon=1000000000000000000 steps"):
        f.predict_interval(10**18)
    with pytest.raises(ValueError, match="horizon reaches"):
        f.predict(pd.DatetimeIndex(["5000-01-01"]))
    late = series(20)
    late.index = pd.date_range(end="2262-04-10", periods=20, freq="D", unit="ns")
    with pytest.raises(ValueError, match="horizon: 3 steps .* beyond the dates"):
        NaiveForecaster().fit(late).predict(3)


def test_time_zone_mismatches_name_the_argument():
    y = series(100)
    berlin = y.tz_localize("Europe/Berlin")
    f = NaiveForecaster().fit(berlin)
    with pytest.raises(ValueError, match="horizon's timestamps are tz-naive"):
        f.predict(pd.date_range(y.index[-1], periods=3, freq="h"))
    later = series(110).iloc[100:]
    with pytest.raises(ValueError, match="y_new's timestamps are tz-naive"):
        f.update(later)
    with pytest.raises(ValueError, match="y_new's timestamps are UTC"):
        f.update(later.tz_localize("UTC"))
    # the same instants in another zone are the same steps: convert them
    f.update(later.tz_localize("Europe/Berlin"))
    assert f.cutoff_ == later.index[-1].tz_localize("Europe/Berlin")


def test_forecaster_update_across_dst_on_daily_data():
    idx = pd.date_range("2024-03-01", periods=200, freq="D", tz="Europe/Berlin")
    y = pd.Series(np.sin(np.arange(200) / 3.0) + 2, idx)
    f = NaiveForecaster().fit(y.iloc[:20]).update(y.iloc[20:60])   # crosses 31 March
    assert f.cutoff_ == idx[59]
    pred = f.predict(pd.DatetimeIndex([idx[62], idx[65]]))
    assert pred.tolist() == [y.iloc[59]] * 2
    f.update(y.iloc[60:])                                          # and 27 October
    assert f.predict(2).index[0] == pd.Timestamp("2024-09-17", tz="Europe/Berlin")


# -- found by the property-based tests (tests/test_properties_forecasting.py) -----
@pytest.mark.parametrize("value, exc, match", [
    # np.isfinite cannot read a Fraction or an int beyond int64: the checks
    # used to pass on NumPy's "ufunc 'isfinite' not supported" TypeError
    (__import__("fractions").Fraction(1, 3), None, None),
    (2**64, ValueError, "calibration_size=18446744073709551616 is beyond the int64"),
    (10**400, ValueError, "calibration_size=1000.* is beyond the int64"),
])
def test_parameters_beyond_what_numpy_reads(value, exc, match):
    if exc is None:
        f = NaiveForecaster(calibration_size=value).fit(series())
        assert f._calibration_size == pytest.approx(1 / 3)
        return
    with pytest.raises(exc, match=match):
        NaiveForecaster(calibration_size=value).fit(series())
    from forecasting import RollingZScoreDetector
    with pytest.raises(ValueError, match="threshold=.* too large for a float"):
        RollingZScoreDetector(threshold=10**400).fit(series(300))
