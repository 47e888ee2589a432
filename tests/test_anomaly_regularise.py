"""forecasting.regularise: a series put on a regular grid on purpose, every
change counted (the helper behind ``--freq`` and ``Forecaster(freq=...)``)."""

import numpy as np
import pandas as pd
import pytest

from forecasting import RegularisedSeries, regularise


def _irregular():
    # 00:00, 00:05 twice, a step back to 00:00:00 (after 00:10), a gap to 00:30
    idx = pd.to_datetime(["2024-03-01 00:00", "2024-03-01 00:05", "2024-03-01 00:05",
                          "2024-03-01 00:10", "2024-03-01 00:00", "2024-03-01 00:30"])
    return pd.Series([1.0, 2.0, 6.0, 3.0, 5.0, 9.0], idx, name="v")


def _reference(y, freq, agg):
    """Naive loop: sort by time (stable), floor to the grid from the first
    label, aggregate each step, interpolate empty steps linearly."""
    order = np.argsort(y.index.asi8, kind="stable")
    t = y.index[order]
    v = y.to_numpy()[order]
    k = np.asarray((t - t[0]) // pd.Timedelta(freq))
    n = int(k[-1]) + 1
    out = np.full(n, np.nan)
    fn = {"mean": np.mean, "max": np.max, "first": lambda a: a[0],
          "last": lambda a: a[-1], "sum": np.sum}[agg]
    for b in range(n):
        if (k == b).any():
            out[b] = fn(v[k == b])
    ok = np.flatnonzero(~np.isnan(out))
    miss = np.isnan(out)
    out[miss] = np.interp(np.flatnonzero(miss), ok, out[ok])
    return out, miss


@pytest.mark.parametrize("agg", ["mean", "max", "first", "last", "sum"])
def test_matches_a_naive_loop_and_counts_every_change(agg):
    y = _irregular()
    r = regularise(y, "5min", agg=agg)
    ref, miss = _reference(y, "5min", agg)
    assert isinstance(r, RegularisedSeries)
    assert r.y.index.equals(pd.date_range("2024-03-01", periods=7, freq="5min"))
    assert r.y.index.freq == pd.tseries.frequencies.to_offset("5min")
    assert r.y.name == "v"
    np.testing.assert_allclose(r.y.to_numpy(), ref, rtol=1e-12)
    np.testing.assert_array_equal(r.imputed.to_numpy(), miss)
    assert r.imputed.index.equals(r.y.index)
    # one step back (00:10 -> 00:00); 00:05 and 00:00 repeat earlier labels;
    # 6 rows land in 4 steps; 3 empty steps (00:15, 00:20, 00:25) interpolated
    assert (r.n_rows, r.n_steps_back, r.n_duplicates, r.n_merged, r.n_inserted,
            r.n_filled, r.n_missing) == (6, 1, 2, 2, 3, 3, 0)
    assert "1 step(s) back sorted" in r.summary() and "3 missing step(s)" in r.summary()


def test_the_input_is_not_modified_and_its_order_does_not_matter():
    y = _irregular()
    before = y.copy()
    r = regularise(y, "5min")
    pd.testing.assert_series_equal(y, before)
    # stable sort: the same rows given sorted give the same grid
    shuffled = y.iloc[[5, 0, 3, 1, 4, 2]]
    again = regularise(shuffled, "5min")
    # the two 00:05 rows keep their relative order, so means agree exactly;
    # 00:00 rows are 1 and 5 either way
    np.testing.assert_allclose(again.y.to_numpy(), r.y.to_numpy(), rtol=1e-12)


def test_default_freq_is_the_median_step_and_a_coarser_freq_aggregates():
    idx = pd.date_range("2024-01-01", periods=48, freq="h").delete([5, 6, 30])
    y = pd.Series(np.arange(45.0), idx)
    r = regularise(y)
    assert r.freq == pd.tseries.frequencies.to_offset("h") and len(r.y) == 48
    assert r.n_inserted == 3 and r.imputed.sum() == 3
    # the filled steps lie on the line between their neighbours
    assert r.y.iloc[5] == pytest.approx(4 + 1 / 3) and r.y.iloc[6] == pytest.approx(
        4 + 2 / 3)
    daily = regularise(y, "D", agg="sum")
    assert daily.y.index.equals(pd.date_range("2024-01-01", periods=2, freq="D"))
    np.testing.assert_allclose(daily.y.to_numpy(),
                               [y[:"2024-01-01 23:00"].sum(), y["2024-01-02":].sum()])
    assert daily.n_merged == 45 - 2 and daily.n_inserted == 0


def test_fill_none_leaves_gaps_and_edges_stay_nan():
    y = _irregular()
    r = regularise(y, "5min", fill=None)
    assert r.y.isna().sum() == 3 and r.n_filled == 0 and r.n_missing == 3
    assert not r.imputed.any()
    z = y.copy()
    z.iloc[-1] = np.nan                    # the last step holds only NaN
    r = regularise(z, "5min")
    assert np.isnan(r.y.iloc[-1]) and r.n_missing == 4 and r.n_filled == 0


def test_dataframe_cells_tz_and_integer_index():
    idx = pd.DatetimeIndex(["2024-03-31 00:00", "2024-03-31 01:00", "2024-03-31 04:00"],
                           tz="UTC")
    df = pd.DataFrame({"a": [1.0, np.nan, 4.0], "b": [0.0, 1.0, 4.0]}, idx)
    r = regularise(df, "h")
    assert list(r.y.columns) == ["a", "b"] and str(r.y.index.tz) == "UTC"
    np.testing.assert_allclose(r.y["a"], [1, 1.75, 2.5, 3.25, 4])
    np.testing.assert_allclose(r.y["b"], [0, 1, 2, 3, 4])
    # cells: a at 01:00 (NaN observed) and 02:00, 03:00 in both columns
    assert r.n_filled == 5 and r.imputed.tolist() == [False, True, True, True, False]
    s = pd.Series([1.0, 2.0, 3.0, 5.0], index=[10, 12, 12, 18], name="x")
    r = regularise(s, 2)
    assert r.y.index.equals(pd.RangeIndex(10, 20, 2))
    np.testing.assert_allclose(r.y, [1.0, 2.5, 3.333333333333, 4.166666666667, 5.0])
    assert (r.n_duplicates, r.n_inserted) == (1, 2)


def test_calendar_freq():
    idx = pd.to_datetime(["2024-01-03", "2024-01-20", "2024-03-05"])
    r = regularise(pd.Series([1.0, 3.0, 10.0], idx), "MS")
    assert r.y.index.equals(pd.date_range("2024-01-01", periods=3, freq="MS"))
    np.testing.assert_allclose(r.y, [2.0, 6.0, 10.0])
    assert r.imputed.tolist() == [False, True, False]


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"agg": "mode"}, ValueError, "agg='mode'"),
    ({"fill": "ffill"}, ValueError, "fill='ffill'"),
    ({"freq": "fortnight"}, ValueError, "freq='fortnight'"),
])
def test_bad_arguments_name_themselves(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        regularise(_irregular(), **kwargs)


def test_bad_input():
    with pytest.raises(TypeError, match="pandas Series or DataFrame"):
        regularise(np.arange(3.0))
    with pytest.raises(ValueError, match="empty"):
        regularise(pd.Series([], index=pd.DatetimeIndex([]), dtype=float))
    with pytest.raises(TypeError, match="must hold numbers"):
        regularise(pd.Series(["a", "b"], pd.date_range("2024", periods=2, freq="h")))
    with pytest.raises(TypeError, match="DatetimeIndex or an integer index"):
        regularise(pd.Series([1.0, 2.0], index=["x", "y"]))
    with pytest.raises(ValueError, match="single timestamp"):
        regularise(pd.Series([1.0], pd.DatetimeIndex(["2024-01-01"])))
    with pytest.raises(ValueError, match="freq=0"):
        regularise(pd.Series([1.0, 2.0], index=[0, 1]), 0)
