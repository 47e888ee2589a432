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
