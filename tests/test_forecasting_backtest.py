"""backtest and the forecast metrics against hand computation and scikit-learn."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from sklearn import metrics as skm

import reservoir.metrics
from forecasting import (Forecaster, NaiveForecaster, SeasonalNaiveForecaster,
                         backtest, metrics)
from reservoir import ESNRegressor


# -- metrics ------------------------------------------------------------------
def test_metrics_match_sklearn_and_hand_values():
    rng = np.random.RandomState(0)
    a = rng.rand(50) + 0.5
    b = a + rng.randn(50) * 0.1
    assert metrics.mae(a, b) == pytest.approx(skm.mean_absolute_error(a, b))
    assert metrics.rmse(a, b) == pytest.approx(skm.root_mean_squared_error(a, b))
    assert metrics.mape(a, b) == pytest.approx(skm.mean_absolute_percentage_error(a, b))
    assert metrics.mape([0.0, 2.0], [1.0, 2.0]) == pytest.approx(
        skm.mean_absolute_percentage_error([0.0, 2.0], [1.0, 2.0]))
    assert metrics.smape([1.0, 2.0, 0.0], [3.0, 2.0, 0.0]) == pytest.approx(
        (2 * 2 / 4 + 0 + 0) / 3)
    # MASE: mae / in-sample seasonal-naive mae
    train = np.array([1.0, 3.0, 2.0, 5.0, 4.0])       # lag-2 diffs: 1, 2, 2
    assert metrics.mase_scale(train, 2) == pytest.approx(5 / 3)
    assert metrics.mase([1.0, 2.0], [2.0, 4.0], train, m=2) == pytest.approx(1.5 / (5 / 3))
    assert metrics.mase([1.0], [2.0], train) == pytest.approx(1 / 1.75)   # lag-1 diffs 2, 1, 3, 1
    assert metrics.nrmse is reservoir.metrics.nrmse


def test_metric_errors():
    with pytest.raises(ValueError, match="shape"):
        metrics.mae([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="nan"):
        metrics.rmse([1, np.nan], [1, 2])
    with pytest.raises(ValueError, match="constant at lag"):
        metrics.mase([1.0], [2.0], [3.0, 3.0, 3.0])
    with pytest.raises(ValueError, match="m=0"):
        metrics.mase_scale([1.0, 2.0], 0)


# -- backtest -------------------------------------------------------------------
def test_backtest_rows_and_metrics_by_hand():
    v = np.array([3.0, 5.0, 4.0, 6.0, 8.0, 7.0, 9.0, 12.0, 10.0, 11.0, 13.0, 15.0])
    y = pd.Series(v, pd.date_range("2024", periods=len(v), freq="D"), name="v")
    res = backtest(NaiveForecaster(), y, initial=5, horizon=3, step=2, m=1)
    origins = [5, 7, 9]
    assert len(res.table) == 3 * len(origins)
    assert list(res.table.columns) == ["origin", "step", "time", "actual", "forecast",
                                       "error", "scaled_error"]
    assert list(res.origins) == [y.index[o - 1] for o in origins]
    rows, scaled = [], []
    for o in origins:
        scale = np.mean(np.abs(np.diff(v[:o])))
        for h in range(1, 4):
            err = v[o + h - 1] - v[o - 1]
            rows.append(err)
            scaled.append(err / scale)
    assert_allclose(res.table["forecast"], np.repeat(v[np.array(origins) - 1], 3))
    assert_allclose(res.table["error"], rows)
    assert res.table["time"].iloc[0] == y.index[5]
    assert res.summary["MAE"] == pytest.approx(np.mean(np.abs(rows)))
    assert res.summary["RMSE"] == pytest.approx(np.sqrt(np.mean(np.square(rows))))
    assert res.summary["MASE"] == pytest.approx(np.mean(np.abs(scaled)))
    actual = res.table["actual"].to_numpy()
    assert res.summary["MAPE"] == pytest.approx(np.mean(np.abs(rows) / actual))
    assert res.summary["NRMSE"] == pytest.approx(
        reservoir.metrics.nrmse(actual, res.table["forecast"]))
    step1 = res.table[res.table["step"] == 1]
    assert res.by_step.loc[1, "MAE"] == pytest.approx(np.abs(step1["error"]).mean())
    assert "BacktestResult(3 origins" in repr(res)


def test_backtest_refit_modes_and_parallel_agree():
    v = np.sin(np.arange(120) * 2 * np.pi / 12) + np.arange(120) * 0.01
    y = pd.Series(v)
    a = backtest(SeasonalNaiveForecaster(12), y, 60, 6, step=6, refit=True, m=12)
    b = backtest(SeasonalNaiveForecaster(12), y, 60, 6, step=6, refit=False, m=12)
    c = backtest(SeasonalNaiveForecaster(12), y, 60, 6, step=6, refit=3, m=12,
                 n_jobs=2)
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.table, c.table)


def test_backtest_forecaster_refit_false_equals_update_path():
    v = np.sin(np.arange(200) * 2 * np.pi / 12) + 3
    y = pd.Series(v, pd.period_range("2000-01", periods=200, freq="M"))
    esn = ESNRegressor(n_reservoir=20, washout=5, random_state=0)
    f = Forecaster(esn)
    res = backtest(f, y, initial=150, horizon=4, step=10, refit=False)
    g = Forecaster(esn).fit(y.iloc[:150])
    assert_allclose(res.table["forecast"].iloc[:4], g.predict(4).to_numpy())
    g.update(y.iloc[150:160])
    assert_allclose(res.table["forecast"].iloc[4:8], g.predict(4).to_numpy())
    # direct without max_horizon gets the backtest's horizon
    res = backtest(Forecaster(esn, strategy="direct"), y, 150, 4, step=20)
    assert len(res.table) == 4 * 3
    assert not hasattr(f, "cutoff_")                  # the template is untouched


def test_backtest_multivariate_table():
    y = pd.DataFrame({"a": np.arange(30.0), "b": np.arange(30.0) ** 1.5})
    res = backtest(NaiveForecaster(), y, 20, 2, step=4)
    assert list(res.table.columns[:3]) == ["origin", "series", "step"]
    assert len(res.table) == 3 * 2 * 2
    # the naive forecast in closed form: origin o forecasts v[o - 1] for every
    # step h; the actual is v[o + h - 1]; the MASE scale is the mean absolute
    # first difference of the history v[:o] (one row per origin, series, step)
    rows = []
    for o in (20, 24, 28):
        for col in ("a", "b"):
            v = y[col].to_numpy()
            scale = np.mean(np.abs(np.diff(v[:o])))
            for h in (1, 2):
                err = v[o + h - 1] - v[o - 1]
                rows.append((o - 1, col, h, o + h - 1, v[o + h - 1], v[o - 1], err,
                             err / scale))
    expected = pd.DataFrame(rows, columns=["origin", "series", "step", "time",
                                           "actual", "forecast", "error",
                                           "scaled_error"])
    pd.testing.assert_frame_equal(res.table, expected, check_dtype=False)
    # a(t) = t: every naive error of step h is exactly h, scaled by 1
    a = res.table[res.table["series"] == "a"]
    assert_allclose(a["error"], a["step"])
    assert_allclose(a["scaled_error"], a["step"])


@pytest.mark.parametrize("kwargs, match", [
    (dict(initial=0, horizon=2), "initial=0"),
    (dict(initial=1.5, horizon=2), "initial=1.5"),
    (dict(initial=25, horizon=10), "exceeds the series length"),
    (dict(initial=10, horizon=0), "horizon=0"),
    (dict(initial=10, horizon=2, step=0), "step=0"),
    (dict(initial=10, horizon=2, refit="yes"), "refit='yes'"),
    (dict(initial=10, horizon=2, m=12), "must exceed m=12"),
])
def test_backtest_bad_arguments(kwargs, match):
    y = pd.Series(np.arange(30.0))
    with pytest.raises(ValueError, match=match):
        backtest(NaiveForecaster(), y, **kwargs)


def test_backtest_progress_bar_is_optional():
    y = pd.Series(np.arange(30.0))
    res = backtest(NaiveForecaster(), y, 20, 2, progress=True)   # tqdm or not
    assert len(res.table) == 9 * 2


def test_backtest_numpy_integer_arguments_equal_python_ones():
    v = np.sin(np.arange(200) / 4.0) + 3
    y = pd.Series(v, pd.date_range("2024", periods=200, freq="h"))
    a = backtest(NaiveForecaster(), y, np.int8(100), np.int8(10), step=np.uint8(7),
                 refit=np.int16(3), m=np.int8(24))
    b = backtest(NaiveForecaster(), y, 100, 10, step=7, refit=3, m=24)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.m == 24 and type(a.m) is int
    share = backtest(NaiveForecaster(), y, np.float32(0.5), 10, step=50)
    assert share.table["origin"].iloc[0] == y.index[99]


@pytest.mark.parametrize("forecaster, match", [
    (None, "forecaster=None must be an"),
    (NaiveForecaster, "got a class"),
    ("naive", "forecaster='naive'"),
    (ESNRegressor(), "no update"),
])
def test_backtest_refuses_what_is_no_forecaster(forecaster, match):
    y = pd.Series(np.arange(200.0))
    with pytest.raises(TypeError, match=match):
        backtest(forecaster, y, 100, 10)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(n_jobs=0), ValueError, "n_jobs=0"),
    (dict(n_jobs=1.5), TypeError, "n_jobs=1.5"),
    (dict(progress="yes"), TypeError, "progress='yes'"),
    (dict(m=np.float64(2.0)), TypeError, "m="),
    (dict(step=np.int8(-2)), ValueError, "step="),
    (dict(initial=np.float32(0.001)), ValueError, "initial=0.001"),
    (dict(initial="10"), TypeError, "initial='10'"),
])
def test_backtest_bad_argument_types(kwargs, exc, match):
    y = pd.Series(np.arange(30.0))
    args = {"initial": 10, "horizon": 2, **kwargs}
    with pytest.raises(exc, match=match):
        backtest(NaiveForecaster(), y, **args)


def test_backtest_checks_arguments_before_the_data():
    # found by the property-based tests: a bad refit on a short series was
    # reported as "initial plus horizon exceeds the series length"
    y = pd.Series(np.arange(5.0))
    with pytest.raises(ValueError, match="refit=0 must be in"):
        backtest(NaiveForecaster(), y, 10, 2, refit=0)
    with pytest.raises(TypeError, match="m="):
        backtest(NaiveForecaster(), y.astype(complex), 10, 2, m=1.0)
