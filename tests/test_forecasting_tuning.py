"""score(y_future) and GridSearchCV with a time-series split."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit

from forecasting import Forecaster, NaiveForecaster, SeasonalNaiveForecaster
from reservoir import ESNRegressor


def series(n=240, seed=0):
    rng = np.random.RandomState(seed)
    t = np.arange(n)
    v = 10 + np.sin(2 * np.pi * t / 12) + 0.3 * rng.randn(n)
    return pd.Series(v, pd.period_range("2000-01", periods=n, freq="M"), name="v")


def test_score_is_negated_mase_with_the_naive_scale_of_the_history():
    y = series()
    f = SeasonalNaiveForecaster(12).fit(y.iloc[:200])
    future = y.iloc[200:212]
    forecast = f.predict(12).to_numpy()
    scale = np.mean(np.abs(np.diff(y.to_numpy()[:200])))
    expected = -np.mean(np.abs(future.to_numpy() - forecast)) / scale
    assert f.score(future) == pytest.approx(expected, rel=1e-12)
    # the perfect forecast scores 0, the maximum
    flat = pd.Series(np.r_[np.zeros(20), np.ones(20)])
    g = NaiveForecaster().fit(flat.iloc[:25])
    assert g.score(flat.iloc[25:]) == 0.0
    # the observations must follow the history
    with pytest.raises(ValueError, match="must continue the history"):
        f.score(y.iloc[201:210])


def test_score_of_a_panel_pools_every_value():
    a, b = series(), series(seed=1) * 100
    f = NaiveForecaster().fit([a.iloc[:200], b.iloc[:190]])
    s = f.score([a.iloc[200:210], b.iloc[190:195]])
    parts = []
    for y, end, n in ((a, 200, 10), (b, 190, 5)):
        v = y.to_numpy()
        scale = np.mean(np.abs(np.diff(v[:end])))
        parts.append(np.abs(v[end:end + n] - v[end - 1]) / scale)
    assert s == pytest.approx(-np.mean(np.concatenate(parts)), rel=1e-12)
    with pytest.raises(TypeError, match="list of series"):
        f.score(a.iloc[200:210])


def test_grid_search_with_time_series_split_scores_each_fold_by_hand():
    y = series()
    cv = TimeSeriesSplit(n_splits=4, test_size=12)
    search = GridSearchCV(SeasonalNaiveForecaster(2), {"season_length": [2, 6, 12]},
                          cv=cv).fit(y)
    for i, m in enumerate([2, 6, 12]):
        folds = []
        for train, test in cv.split(y):
            f = SeasonalNaiveForecaster(m).fit(y.iloc[train])
            folds.append(f.score(y.iloc[test]))
        assert search.cv_results_["mean_test_score"][i] == pytest.approx(np.mean(folds))
    assert search.best_params_ == {"season_length": 12}     # the true period
    assert search.best_estimator_.cutoff_ == y.index[-1]    # refitted on all of y


def test_grid_search_over_esn_knobs_and_forecaster_parameters():
    y = series(200)
    grid = {"estimator__n_reservoir": [10, 20], "n_fourier": [1, 2],
            "context_length": [None, 60]}
    base = Forecaster(ESNRegressor(washout=10, random_state=0))
    search = GridSearchCV(base, grid, cv=TimeSeriesSplit(n_splits=2, test_size=12))
    search.fit(y)
    assert len(search.cv_results_["params"]) == 8
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert (search.cv_results_["mean_test_score"] <= 0).all()
    best = search.best_estimator_
    assert best.estimator_.n_reservoir == search.best_params_["estimator__n_reservoir"]
    assert len(best.predict(6)) == 6
    # with the default estimator (None) the nested names work too
    search = GridSearchCV(Forecaster(), {"estimator__spectral_radius": [0.5, 0.9]},
                          cv=TimeSeriesSplit(n_splits=2, test_size=12)).fit(y)
    assert search.best_estimator_.estimator_.spectral_radius in (0.5, 0.9)
