"""A global Forecaster over a list of series: the same model written out by
hand, new series, update, intervals, backtest."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from forecasting import (Forecaster, NaiveForecaster, SeasonalNaiveForecaster,
                         backtest)
from reservoir import ESNRegressor

SMALL = dict(n_reservoir=30, spectral_radius=0.8, input_scaling=0.5, density=0.2,
             leak_rate=0.7, alpha=1e-4, washout=10, random_state=0)


def small_esn(**kw):
    return ESNRegressor(**{**SMALL, **kw})


def seasonal(n, start, level=5.0, amp=1.0, seed=0, period=24):
    rng = np.random.RandomState(seed)
    idx = pd.date_range(start, periods=n, freq="h", name="time")
    hours = (idx - pd.Timestamp("2024-01-01")) / pd.Timedelta(hours=1)
    v = level + amp * np.sin(2 * np.pi * np.asarray(hours) / period) \
        + 0.1 * amp * rng.randn(n)
    return pd.Series(v, idx, name=f"s{seed}")


def panel():
    # different starts, lengths and levels on one hourly grid
    return [seasonal(300, "2024-01-01", seed=0),
            seasonal(250, "2024-01-03 05:00", level=50, amp=10, seed=1),
            seasonal(280, "2024-01-02 11:00", level=-3, amp=0.5, seed=2)]


def fourier(t, period=24, n=3):
    return np.column_stack([g(2 * np.pi * j * t / period) for j in range(1, n + 1)
                            for g in (np.sin, np.cos)])


def by_hand(ys, **forecaster_kw):
    """The global model written out: each series standardised by its own
    mean and std, Fourier terms at its own phase on the common calendar
    (steps from the first series' first label), one ESN fitted on the list."""
    ref = ys[0].index[0]
    U, Zs, stats = [], [], []
    for y in ys:
        v = y.to_numpy()
        mean, std = v.mean(), v.std()
        z = (v - mean) / std
        t0 = (y.index[0] - ref) / pd.Timedelta("1h")
        t = t0 + np.arange(1, len(v) + 1)
        U.append(np.hstack([z[:, None], fourier(t, 24), fourier(t, 168)]))
        Zs.append(z[:, None])
        stats.append((mean, std, t0))
    esn = small_esn().fit([u[:-1] for u in U], [z[1:] for z in Zs])
    return esn, U, stats


def test_panel_fit_and_predict_equal_the_model_written_out():
    ys = panel()
    f = Forecaster(small_esn(), trend="none", alphas=None).fit(ys)
    preds = f.predict(5)
    assert isinstance(preds, list) and len(preds) == 3
    esn, U, stats = by_hand(ys)
    assert_allclose(f.estimator_.coef_, esn.coef_, rtol=1e-10, atol=1e-12)
    for y, pred, u, (mean, std, t0) in zip(ys, preds, U, stats):
        assert pred.name == y.name
        assert pred.index.equals(pd.date_range(y.index[-1] + pd.Timedelta("1h"),
                                               periods=5, freq="h", name="time"))
        t = t0 + np.arange(len(y) + 1, len(y) + 5)
        future = np.hstack([fourier(t, 24), fourier(t, 168)])
        expected = esn.generate(5, X_warmup=u, X_future=future)[:, 0] * std + mean
        assert_allclose(pred.to_numpy(), expected, rtol=1e-9)
    assert f.n_series_ == 3 and f.trend_ == ["none"] * 3
    assert f.cutoff_ == [y.index[-1] for y in ys]


def test_new_series_is_forecast_from_its_own_history():
    ys = panel()
    f = Forecaster(small_esn(), alphas=None).fit(ys)
    # a fitted series passed as a new history gives its own forecast
    for j in range(3):
        pd.testing.assert_series_equal(f.predict(6, y=ys[j]), f.predict(6)[j])
    # a series never seen: its own scale and phase, the fitted network
    new = seasonal(200, "2024-01-05 07:00", level=1000, amp=100, seed=7)
    pred = f.predict(6, y=new)
    esn = f.estimator_
    v = new.to_numpy()
    mean, std = v.mean(), v.std()
    t0 = (new.index[0] - ys[0].index[0]) / pd.Timedelta("1h")
    t = t0 + np.arange(1, len(v) + 1)
    u = np.hstack([((v - mean) / std)[:, None], fourier(t, 24), fourier(t, 168)])
    tf = t0 + np.arange(len(v) + 1, len(v) + 6)
    expected = esn.generate(6, X_warmup=u, X_future=np.hstack(
        [fourier(tf, 24), fourier(tf, 168)]))[:, 0] * std + mean
    assert_allclose(pred.to_numpy(), expected, rtol=1e-9)
    assert pred.index[0] == new.index[-1] + pd.Timedelta("1h")
    # and a single-series fit forecasts new series the same way
    g = Forecaster(small_esn(), alphas=None).fit(ys[0])
    pd.testing.assert_series_equal(g.predict(4, y=ys[0]), g.predict(4))
    iv = f.predict_interval(4, y=new)
    assert list(iv.columns) == ["lower", "upper"] and (iv["lower"] < iv["upper"]).all()


def test_panel_update_and_none_entries():
    ys = panel()
    heads = [y.iloc[:-20] for y in ys]
    f = Forecaster(small_esn(), alphas=None).fit(heads)
    coef = f.estimator_.coef_.copy()
    f.update([ys[0].iloc[-20:], None, ys[2].iloc[-20:-10]])
    assert_allclose(f.estimator_.coef_, coef)
    assert f.cutoff_ == [ys[0].index[-1], heads[1].index[-1], ys[2].index[-11]]
    # the forecasts equal a new-series forecast from the histories so far
    preds = f.predict(3)
    for pred, hist in zip(preds, [ys[0], heads[1], ys[2].iloc[:-10]]):
        # new series are scaled by their own history; fitted ones by the fit's
        assert pred.index[0] == hist.index[-1] + pd.Timedelta("1h")
    with pytest.raises(TypeError, match="list of 3 series"):
        f.update(ys[0].iloc[-1:])
    with pytest.raises(ValueError, match="y_new has 2 entries"):
        f.update([None, None])
    with pytest.raises(ValueError, match=r"y_new\[1\]'s index must continue"):
        f.update([None, ys[1].iloc[-5:], None])
    assert f.cutoff_[1] == heads[1].index[-1]           # nothing appended


def test_panel_intervals_and_baselines():
    ys = panel()
    iv = SeasonalNaiveForecaster(24).fit(ys).predict_interval(3, coverage=0.8)
    assert isinstance(iv, list) and len(iv) == 3
    for y, frame in zip(ys, iv):
        assert frame.index[0] == y.index[-1] + pd.Timedelta("1h")
    # each series' interval from its own residuals: equal to fitting it alone
    alone = SeasonalNaiveForecaster(24).fit(ys[1]).predict_interval(3, coverage=0.8)
    pd.testing.assert_frame_equal(iv[1], alone)
    assert NaiveForecaster().fit(ys).predict(2)[2].tolist() == [ys[2].iloc[-1]] * 2


@pytest.mark.parametrize("make, match", [
    (lambda ys: [ys[0], ys[1].asfreq("2h")], "shares one frequency"),
    (lambda ys: [ys[0], ys[1].to_frame()], "same columns"),
    (lambda ys: [ys[0], pd.Series(ys[1].to_numpy())], "same kind of index"),
    (lambda ys: [ys[0], ys[1].to_numpy()], r"y\[1\] must be a pandas Series"),
    (lambda ys: [], "empty list"),
    (lambda ys: [1.0, 2.0], r"y\[0\] must be a pandas Series"),
])
def test_panel_bad_input(make, match):
    with pytest.raises((TypeError, ValueError), match=match):
        Forecaster(small_esn()).fit(make(panel()))


def test_panel_exogenous_columns_per_series():
    ys = panel()
    Xs = [pd.DataFrame({"x": np.cos(np.arange(len(y)))}, index=y.index) for y in ys]
    f = Forecaster(small_esn(), alphas=None).fit(ys, Xs)
    futures = [pd.DataFrame({"x": np.zeros(3)},
                            index=pd.date_range(y.index[-1] + pd.Timedelta("1h"),
                                                periods=3, freq="h"))
               for y in ys]
    preds = f.predict(3, futures)
    assert len(preds) == 3 and all(np.isfinite(p).all() for p in preds)
    with pytest.raises(ValueError, match=r"X\[0\] is required"):
        f.predict(3)
    with pytest.raises(ValueError, match=r"X\[1\] is None"):
        Forecaster(small_esn()).fit(ys, [Xs[0], None, Xs[2]])
    with pytest.raises(ValueError, match="X has 2 entries"):
        Forecaster(small_esn()).fit(ys, Xs[:2])


def test_panel_backtest_per_series_and_pooled():
    ys = panel()
    res = backtest(NaiveForecaster(), ys, initial=200, horizon=4, step=10, m=24)
    assert list(res.table.columns[:2]) == ["origin", "series"]
    assert list(res.by_series.index) == [0, 1, 2]
    # a naive backtest of a panel is the backtest of each series alone
    for j, y in enumerate(ys):
        alone = backtest(NaiveForecaster(), y, initial=200, horizon=4, step=10, m=24)
        mine = res.table[res.table["series"] == j].drop(columns="series")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), alone.table)
        assert res.by_series.loc[j, "MASE"] == pytest.approx(alone.summary["MASE"])
        assert res.origins[j].equals(alone.origins)
    pooled = np.mean(np.abs(res.table["scaled_error"]))
    assert res.summary["MASE"] == pytest.approx(pooled)
    # the global model: fitted once on every head, then updated round by round
    f = Forecaster(small_esn(), alphas=None)
    res = backtest(f, ys, initial=200, horizon=4, step=25, refit=False, m=24)
    g = Forecaster(small_esn(), alphas=None).fit([y.iloc[:200] for y in ys])
    first = g.predict(4)
    for j in range(3):
        rows = res.table[(res.table["series"] == j)]
        assert_allclose(rows["forecast"].iloc[:4], first[j].to_numpy())
    g.update([y.iloc[200:225] for y in ys])
    second = g.predict(4)
    for j in range(3):
        rows = res.table[(res.table["series"] == j)]
        assert_allclose(rows["forecast"].iloc[4:8], second[j].to_numpy())
    # the shortest series runs out of origins first
    assert [len(o) for o in res.origins] == [4, 2, 4]
    again = backtest(f, ys, initial=200, horizon=4, step=25, refit=1, m=24, n_jobs=2)
    assert len(again.table) == len(res.table)


def test_panel_backtest_with_exogenous_columns_of_unequal_series():
    # the shorter series run out of origins (and of exogenous rows) first;
    # the rounds still forecast the others from their own future columns
    ys = panel()
    Xs = [pd.DataFrame({"x": np.cos(np.arange(len(y)) / 5.0)}, index=y.index)
          for y in ys]
    f = Forecaster(small_esn(), alphas=None)
    res = backtest(f, ys, initial=200, horizon=4, step=25, refit=False, X=Xs)
    assert [len(o) for o in res.origins] == [4, 2, 4]
    g = Forecaster(small_esn(), alphas=None).fit([y.iloc[:200] for y in ys],
                                                 [x.iloc[:200] for x in Xs])
    for r in range(1, 4):
        o = 200 + 25 * r
        new = [y.iloc[o - 25:o] if len(y) >= o + 4 else None for y in ys]
        newX = [x.iloc[o - 25:o] if n is not None else None for x, n in zip(Xs, new)]
        g.update(new, newX)
    last = g.predict(4, [x.iloc[275:279] if len(x) >= 279 else
                         pd.DataFrame({"x": np.zeros(4)},
                                      index=pd.date_range(g.cutoff_[1], periods=5,
                                                          freq="h")[1:])
                         for x in Xs])
    rows = res.table[res.table["series"] == 0]
    assert_allclose(rows["forecast"].iloc[-4:], last[0].to_numpy())
