"""Forecaster(freq=...) and ``forecast --freq``: irregular data put on a grid
on purpose, the same as regularising by hand, and reported."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from forecasting import Forecaster, regularise
from forecasting.__main__ import main
from reservoir import ESNRegressor


def _esn():
    return ESNRegressor(n_reservoir=30, random_state=0)


def _irregular(n=240, start="2024-01-01"):
    """Hourly values with a duplicated timestamp, a 5-step gap and a row out
    of order."""
    t = pd.date_range(start, periods=n, freq="h")
    y = pd.Series(10 + np.sin(2 * np.pi * np.arange(n) / 24), t, name="load")
    parts = [y.iloc[:100], y.iloc[99:100] + 0.5, y.iloc[105:150],
             y.iloc[151:152], y.iloc[150:151], y.iloc[152:]]
    return pd.concat(parts)


def test_freq_is_regularising_by_hand_then_fitting():
    y = _irregular()
    with pytest.raises(ValueError, match="duplicated timestamps"):
        Forecaster(_esn(), alphas=None).fit(y)
    f = Forecaster(_esn(), alphas=None, freq="h").fit(y)
    ref = Forecaster(_esn(), alphas=None).fit(regularise(y, "h").y)
    pd.testing.assert_series_equal(f.predict(5), ref.predict(5))
    rep = f.regularised_
    assert (rep.n_rows, rep.n_duplicates, rep.n_inserted, rep.n_steps_back) == (
        len(y), 1, 5, 1)
    assert int(rep.imputed.sum()) == 5 and f.cutoff_ == y.index.max()
    assert ref.regularised_ is None          # nothing to report without freq


def test_auto_uses_the_median_step_and_coarser_steps_average():
    y = _irregular()
    f = Forecaster(_esn(), alphas=None, freq="auto").fit(y)
    assert f.freq_ == pd.tseries.frequencies.to_offset("h")
    two = Forecaster(_esn(), alphas=None, freq="2h").fit(y)
    np.testing.assert_allclose(two._histories[0].Y[:, 0],
                               regularise(y, "2h").y.to_numpy(), rtol=0, atol=0)
    assert two.freq_ == pd.tseries.frequencies.to_offset("2h")


def test_update_and_exogenous_columns_go_on_the_same_grid():
    y = _irregular()
    X = pd.DataFrame({"x": np.cos(np.arange(len(y)))}, index=y.index)
    f = Forecaster(_esn(), alphas=None, freq="h").fit(y, X)
    ref = Forecaster(_esn(), alphas=None).fit(regularise(y, "h").y,
                                              regularise(X, "h").y)
    t = pd.date_range(y.index.max() + pd.Timedelta("1h"), periods=4, freq="h")
    new = pd.Series([10.0, 10.5, 10.5, 11.0], t[[0, 1, 1, 2]], name="load")   # a duplicate
    Xn = pd.DataFrame({"x": [0.1, 0.2, 0.2, 0.3]}, index=new.index)
    f.update(new, Xn)
    ref.update(regularise(new, "h").y, regularise(Xn, "h").y)
    assert f.regularised_.n_duplicates == 1 and f.cutoff_ == t[2]
    Xf = pd.DataFrame({"x": [0.0, 0.1, 0.2]},
                      index=pd.date_range(t[3], periods=3, freq="h"))
    pd.testing.assert_series_equal(f.predict(3, Xf), ref.predict(3, Xf))


def test_panels_report_per_series_and_params_clone():
    ys = [_irregular(), _irregular(start="2024-03-01")]
    f = Forecaster(_esn(), alphas=None, freq="h").fit(ys)
    assert isinstance(f.regularised_, list) and len(f.regularised_) == 2
    assert all(r.n_duplicates == 1 for r in f.regularised_)
    assert clone(f).get_params()["freq"] == "h"


def test_bad_freq_names_the_parameter():
    y = _irregular()
    with pytest.raises(ValueError, match="freq='bogus' cannot regularise y"):
        Forecaster(_esn(), freq="bogus").fit(y)
    X = pd.DataFrame({"x": np.zeros(len(y) - 1)}, index=y.index[:-1])
    with pytest.raises(ValueError, match="X must be on exactly y's index"):
        Forecaster(_esn(), freq="h").fit(y, X)


def test_command_line_forecast_freq(tmp_path, capsys):
    y = _irregular()
    path = tmp_path / "irregular.csv"
    pd.DataFrame({"when": y.index.strftime("%Y-%m-%d %H:%M"),
                  "load": y.to_numpy()}).to_csv(path, index=False)
    argv = ["forecast", str(path), "--time-column", "when", "--column", "load",
            "--horizon", "3", "--coverage", "0"]
    assert main(argv) == 2
    assert "duplicated timestamps" in capsys.readouterr().err
    assert main(argv + ["--freq", "h"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0] == "when,forecast" and len(out.out.splitlines()) == 4
    assert out.err.startswith("regularised: 236 rows -> 240 steps of h")
