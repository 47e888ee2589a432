"""Plots: the drawn artists (line data, bands, counts), not pixels."""

import sys

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

mpl = pytest.importorskip("matplotlib")
mpl.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from forecasting import (AnomalyDetector, Forecaster, NaiveForecaster,  # noqa: E402
                         SeasonalNaiveForecaster, backtest, plotting)
from reservoir import ESNRegressor  # noqa: E402

SMALL = dict(n_reservoir=30, spectral_radius=0.8, input_scaling=0.5, density=0.2,
             leak_rate=0.7, alpha=1e-4, washout=10, random_state=0)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def hourly(n=240, seed=0, level=5.0):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    return pd.Series(level + np.sin(2 * np.pi * t / 24) + 0.1 * rng.randn(n),
                     pd.date_range("2024", periods=n, freq="h"), name="load")


def band(collection):
    """The outline (x, y) vertices of a fill_between band."""
    return collection.get_paths()[0].vertices


@pytest.mark.filterwarnings("ignore:Only .* calibration backtests")
def test_forecaster_plot_draws_history_forecast_and_interval():
    y = hourly()
    f = Forecaster(ESNRegressor(**SMALL)).fit(y)
    ax = f.plot(12, coverage=0.8, n_history=50)
    hist_line, fc_line = ax.get_lines()
    assert hist_line.get_label() == "history" and fc_line.get_label() == "forecast"
    assert_allclose(hist_line.get_ydata(), y.to_numpy()[-50:])
    assert_allclose(fc_line.get_ydata(), f.predict(12).to_numpy())
    assert len(fc_line.get_xdata()) == 12
    (poly,) = ax.collections
    interval = f.predict_interval(12, 0.8)
    ys = band(poly)[:, 1]
    # the band's outline runs along both bounds: every bound is on it
    for bound in ("lower", "upper"):
        assert np.isin(np.round(interval[bound].to_numpy(), 9), np.round(ys, 9)).all()
    assert ys.min() == pytest.approx(interval["lower"].min())
    assert ys.max() == pytest.approx(interval["upper"].max())
    # no interval, and drawing on a given Axes
    fig, given = plt.subplots()
    assert f.plot(12, coverage=None, ax=given) is given
    assert len(given.get_lines()) == 2 and len(given.collections) == 0


def test_forecaster_plot_of_a_panel_and_a_new_series():
    a, b = hourly(240, 0), hourly(200, 1, level=9.0)
    f = NaiveForecaster().fit([a, b])
    ax = f.plot(6, series=1, n_history=20)
    assert_allclose(ax.get_lines()[0].get_ydata(), b.to_numpy()[-20:])
    assert_allclose(ax.get_lines()[1].get_ydata(), np.full(6, b.iloc[-1]))
    new = hourly(100, 2, level=2.0)
    ax = f.plot(6, y=new, coverage=None)
    assert_allclose(ax.get_lines()[1].get_ydata(), np.full(6, new.iloc[-1]))
    with pytest.raises(ValueError, match="series=2"):
        f.plot(6, series=2)


def test_forecaster_plot_multivariate_draws_every_column():
    y = pd.DataFrame({"a": hourly().to_numpy(), "b": hourly(seed=1).to_numpy() * 2},
                     index=hourly().index)
    f = SeasonalNaiveForecaster(24).fit(y)
    ax = f.plot(6)
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["a history", "a forecast", "b history", "b forecast"]
    assert len(ax.collections) == 2
    assert_allclose(ax.get_lines()[3].get_ydata(), y["b"].to_numpy()[-24:-18])


def test_backtest_plot_lines_per_origin_and_error_by_step():
    y = hourly(200)
    res = backtest(SeasonalNaiveForecaster(24), y, initial=150, horizon=6, step=10,
                   m=24)
    fig = res.plot()
    top, bottom = fig.axes
    lines = top.get_lines()
    assert len(lines) == 1 + len(res.origins)
    for line, (_, g) in zip(lines[1:], res.table.groupby("origin")):
        assert_allclose(line.get_ydata(), g["forecast"].to_numpy())
    actual = res.table.drop_duplicates("time").sort_values("time")
    assert_allclose(lines[0].get_ydata(), actual["actual"].to_numpy())
    (err,) = bottom.get_lines()
    assert_allclose(err.get_xdata(), np.arange(1, 7))
    assert_allclose(err.get_ydata(), res.by_step["MASE"].to_numpy())
    # given axes are drawn on and the figure returned
    fig2, axes = plt.subplots(2, 1)
    assert res.plot(ax=axes) is fig2 and len(axes[0].get_lines()) == len(lines)
    with pytest.raises(TypeError, match="sequence of 2"):
        res.plot(ax=axes[0])


def test_backtest_plot_of_a_panel_pooled_and_per_series():
    a, b = hourly(200, 0), hourly(230, 1, level=20.0)
    res = backtest(NaiveForecaster(), [a, b], initial=180, horizon=4, step=5, m=24)
    fig = res.plot(series=1)
    top, bottom = fig.axes
    assert len(top.get_lines()) == 1 + len(res.origins[1])
    pooled, s0, s1 = bottom.get_lines()
    assert_allclose(pooled.get_ydata(), res.by_step["MASE"].to_numpy())
    # each series' MASE by step, by hand from the table
    t = res.table[res.table["series"] == 1]
    by_hand = [np.mean(np.abs(t.loc[t["step"] == h, "scaled_error"])) for h in range(1, 5)]
    assert_allclose(s1.get_ydata(), by_hand)
    with pytest.raises(ValueError, match="series=5"):
        res.plot(series=5)


def test_anomaly_plot_series_scores_threshold_alarms_windows():
    y = hourly(400)
    y.iloc[300] += 8.0
    det = AnomalyDetector(estimator=ESNRegressor(**SMALL)).fit(y.iloc[:250])
    res = det.detect(y)
    assert res.flags.any()
    windows = [(y.index[295], y.index[305]), (y.index[350], y.index[360])]
    fig = res.plot(y, windows=windows)
    top, bottom = fig.axes
    series_line, alarms = top.get_lines()
    assert_allclose(series_line.get_ydata(), y.to_numpy())
    flagged = res.flags.to_numpy()
    assert_allclose(alarms.get_ydata(), y.to_numpy()[flagged])
    score, threshold, score_alarms = bottom.get_lines()
    assert_allclose(score.get_ydata(), res.scores.to_numpy())
    assert_allclose(threshold.get_ydata(), [res.threshold, res.threshold])
    assert len(score_alarms.get_xdata()) == int(flagged.sum())
    assert len(top.patches) == len(bottom.patches) == 2
    # scores only, on a given Axes
    fig, ax = plt.subplots()
    assert res.plot(ax=ax) is fig and len(ax.get_lines()) == 3
    with pytest.raises(ValueError, match="scores' index"):
        res.plot(y.iloc[:-1])


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    f = NaiveForecaster().fit(hourly(50))
    with pytest.raises(ImportError, match=r"reservoir-ts\[plot\]"):
        f.plot(3)
    res = backtest(NaiveForecaster(), hourly(50), initial=40, horizon=2)
    with pytest.raises(ImportError, match="'plot' extra"):
        res.plot()
    with pytest.raises(ImportError, match="matplotlib"):
        plotting.plot_anomalies(None)


def test_period_index_is_drawn_at_the_periods_start():
    # matplotlib has no unit for Period: the labels are drawn as timestamps
    idx = pd.period_range("2000Q1", periods=40, freq="Q")
    y = pd.Series(np.arange(40.0) + 1, idx)
    f = NaiveForecaster().fit(y)
    ax = f.plot(4, coverage=None, n_history=8)
    hist_line, fc_line = ax.get_lines()
    assert list(pd.DatetimeIndex(fc_line.get_xdata())) == list(
        pd.period_range("2010Q1", periods=4, freq="Q").to_timestamp())
    assert list(pd.DatetimeIndex(hist_line.get_xdata())) == list(idx[-8:].to_timestamp())
    res = backtest(NaiveForecaster(), y, initial=30, horizon=2, step=4)
    top, _ = res.plot().axes
    assert len(top.get_lines()) == 1 + len(res.origins)


def test_two_panel_plots_share_the_time_axis_only():
    y = hourly(200)
    res = backtest(NaiveForecaster(), y, initial=180, horizon=4, step=4)
    top, bottom = res.plot().axes
    assert not top.get_shared_x_axes().joined(top, bottom)   # time vs step ahead
    det_res = AnomalyDetector(estimator=ESNRegressor(**SMALL)).fit(y.iloc[:150]).detect(y)
    a, b = det_res.plot(y).axes
    assert a.get_shared_x_axes().joined(a, b)
