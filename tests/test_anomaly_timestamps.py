"""Detectors score rows as they come, whatever their timestamps (issue 10):
every input row gets a score on the input's own index, in the input's order;
gaps, duplicated timestamps and a small step back are marked, imputed rows
are marked and never flagged; the alarm rule; bad input."""

import numpy as np
import pandas as pd
import pytest

from forecasting import (AnomalyDetector, AnomalyResult, ForecastingWarning,
                         RollingZScoreDetector, SeasonalNaiveDetector)
from forecasting.anomaly import (DEFAULT_COOLDOWN, DEFAULT_REARM, DEFAULT_THRESHOLD,
                                 _alarms)
from forecasting.detection_metrics import nab_score
from reservoir import ESNRegressor


def small_esn():
    return ESNRegressor(n_reservoir=30, spectral_radius=0.9, input_scaling=0.5,
                        leak_rate=0.5, alpha=1.0, washout=10, random_state=0)


MAKERS = {
    "esn": lambda **kw: AnomalyDetector(small_esn(), window=100, min_periods=20, **kw),
    "zscore": lambda **kw: RollingZScoreDetector(window=100, min_periods=20, **kw),
    "seasonal": lambda **kw: SeasonalNaiveDetector(24, window=100, min_periods=20,
                                                   **kw),
}
parametrize_makers = pytest.mark.parametrize("make", list(MAKERS.values()),
                                             ids=list(MAKERS))


def values(n, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 10 + np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=n)


def hourly(n=400, seed=0):
    return pd.Series(values(n, seed), pd.date_range("2024-01-01", periods=n,
                                                    freq="h"), name="load")


def with_index(index, seed=0):
    return pd.Series(values(len(index), seed), index=index, name="load")


def base_index(n=400):
    return pd.date_range("2024-01-01", periods=n, freq="h")


def gaps():
    return base_index(420).delete([150, 151, 152, 300])           # two gaps


def duplicates():
    idx = list(base_index(400))
    idx[200] = idx[199]                                # 199 twice, 200 missing
    idx[201:204] = [idx[201]] * 3                      # 201 three times
    return pd.DatetimeIndex(idx)


def step_back():
    idx = list(base_index(400))
    # the clock goes back an hour at row 250: 248, 249, 248, 249, 250, ...
    return pd.DatetimeIndex(idx[:250] + idx[248:398])


def jittered():
    rng = np.random.default_rng(1)
    off = pd.to_timedelta(rng.integers(-300, 300, size=400), unit="s")
    return base_index(400) + off                       # no frequency


IRREGULAR = {"gaps": gaps, "duplicates": duplicates, "step_back": step_back,
             "jittered": jittered}


# -- every row scored on the input's own index ---------------------------------
@parametrize_makers
@pytest.mark.parametrize("kind", list(IRREGULAR))
def test_result_index_is_the_input_index(make, kind):
    y = with_index(IRREGULAR[kind]())
    det = make().fit(y[:250])
    res = det.detect(y)
    for part in (res.scores, res.flags, res.imputed, res.after_gap, res.duplicate,
                 res.step_back, res.contributions, res.predictions):
        assert part.index.equals(y.index)
    assert np.isfinite(res.scores).all() and (res.scores >= 0).all()
    assert res.to_frame().index.equals(y.index)
    assert list(res.to_frame().columns) == ["score", "anomaly", "imputed",
                                            "after_gap", "duplicate", "step_back"]
    # rows keep their order: the scores of the first k rows are those of a
    # run over the first k rows (causality, row by row in input order)
    k = 320
    np.testing.assert_allclose(det.detect(y.iloc[:k]).scores.to_numpy(),
                               res.scores.to_numpy()[:k], rtol=1e-10, atol=1e-12)
    assert det.anomaly_score(y).index.equals(y.index)
    assert det.predict(y).index.equals(y.index)


def test_marks_say_which_rows_followed_a_gap_repeated_or_went_back():
    det = MAKERS["zscore"]().fit(hourly(250))
    res = det.detect(with_index(gaps()))
    assert np.flatnonzero(res.after_gap).tolist() == [150, 297]
    assert not res.duplicate.any() and not res.step_back.any()
    res = det.detect(with_index(duplicates()))
    assert np.flatnonzero(res.duplicate).tolist() == [200, 202, 203]
    # 199 -> 201 and 201 -> 204 are gaps of two and three steps
    assert np.flatnonzero(res.after_gap).tolist() == [201, 204]
    res = det.detect(with_index(step_back()))
    assert np.flatnonzero(res.step_back).tolist() == [250]
    assert not res.after_gap.any() and not res.duplicate.any()
    res = det.detect(with_index(jittered()))          # +-5 minutes: no gap
    assert not (res.after_gap.any() or res.duplicate.any() or res.step_back.any())


def test_seasons_come_from_the_median_step_or_season_length_in_steps():
    y = with_index(jittered())
    # the median step (about 1 h 00 min 19 s) is read as the round step it
    # is within 2 %: an hour
    det = AnomalyDetector(small_esn(), window=100, min_periods=20).fit(y[:300])
    assert det.freq_ == pd.Timedelta("1h") and not det.regular_
    assert det.seasons_ == (24.0, 168.0)
    det = AnomalyDetector(small_esn(), season_length=12, window=100,
                          min_periods=20).fit(y[:300])
    assert det.seasons_ == (12.0,)
    # a regular index keeps its frequency
    det = AnomalyDetector(small_esn(), window=100, min_periods=20).fit(hourly(300))
    assert det.regular_ and det.freq_ == pd.tseries.frequencies.to_offset("h")
    # the seasonal inputs follow the timestamps: a gap of a day skips a day
    # of phase, so scoring the gappy series equals scoring the full series'
    # rows on the same model wherever the reservoir has forgotten the gap
    full = hourly(420)
    holes = full.drop(full.index[150:174])
    det = MAKERS["esn"]().fit(full[:140])
    a = det.detect(full).predictions.iloc[:, 0].reindex(holes.index)
    b = det.detect(holes).predictions.iloc[:, 0]
    np.testing.assert_allclose(b.iloc[250:].to_numpy(), a.iloc[250:].to_numpy(),
                               rtol=1e-6)


@pytest.mark.parametrize("index", [
    pd.Index([0, 1, 2, 4, 5, 6, 7, 9] + list(range(10, 400))),
    pd.PeriodIndex(pd.period_range("2000-01-01", periods=400, freq="D").delete(
        [100, 101])),
], ids=["int_with_gaps", "period_with_gap"])
@parametrize_makers
def test_integer_and_period_indexes_with_gaps(make, index):
    y = with_index(index)
    res = make().fit(y[:250]).detect(y)
    assert res.scores.index.equals(y.index) and np.isfinite(res.scores).all()
    assert res.after_gap.sum() == (1 if isinstance(index, pd.PeriodIndex) else 2)


@parametrize_makers
def test_update_across_irregular_rows_equals_one_run(make):
    y = with_index(step_back())
    whole = make().fit(y[:240]).detect(y)          # the same rows in one run
    det = make().fit(y[:240])
    parts = [det.update(y[240:249]), det.update(y[249:250]), det.update(y[250:251]),
             det.update(y[251:])]
    assert parts[2].step_back.tolist() == [True]   # marked across the junction
    online = pd.concat([det.training_scores_] + [p.scores for p in parts])
    assert online.index.equals(y.index)
    np.testing.assert_allclose(online.to_numpy(), det.anomaly_score(y).to_numpy(),
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        pd.concat([p.scores for p in parts]).to_numpy(),
        whole.scores.to_numpy()[240:], rtol=1e-9, atol=1e-12)
    # a gap and a duplicate at the junction are marked on the first new row
    det = make().fit(hourly(300))
    last = hourly(300).index[-1]
    assert det.update(with_index(pd.DatetimeIndex([last]))).duplicate.tolist() == [True]
    gap = pd.DatetimeIndex([last + pd.Timedelta(hours=5)])
    assert det.update(with_index(gap)).after_gap.tolist() == [True]


# -- time order: the documented limits -------------------------------------------
def test_steps_back_beyond_the_limits_are_errors_naming_the_position():
    det = MAKERS["zscore"]()
    idx = list(base_index(400))
    far = pd.DatetimeIndex(idx[:250] + idx[240:390])        # back 10 hours
    with pytest.raises(ValueError, match=r"goes back in time at position 250.*"
                                         r"sort_index\(\)"):
        det.fit(with_index(far))
    with pytest.raises(ValueError, match="not in time order: 399 of 399 steps"):
        det.fit(with_index(base_index(400)[::-1]))
    many = base_index(400).to_numpy().copy()
    for i in (50, 100, 150, 200, 300):            # five swaps: more than 1 %
        many[[i, i + 1]] = many[[i + 1, i]]
    with pytest.raises(ValueError, match="not in time order: 5 of 399"):
        det.fit(with_index(pd.DatetimeIndex(many)))
    det.fit(hourly(300))
    with pytest.raises(ValueError, match="y_new must continue the rows seen so far"):
        det.update(hourly(300)[10:20])
    # a series at another frequency is refused (the model predicts one step)
    with pytest.raises(ValueError, match="median step is 2 times the fitted"):
        det.detect(hourly(300).asfreq("2h"))


def test_an_hour_back_is_allowed_for_minute_data():
    # the autumn change of daylight-saving time in local timestamps
    idx = pd.date_range("2024-10-27 00:00", periods=300, freq="5min")
    local = pd.DatetimeIndex(list(idx[:36]) + list(idx[24:288]))   # 03:00 -> 02:00
    res = MAKERS["zscore"]().fit(with_index(local)[:200]).detect(with_index(local))
    assert np.flatnonzero(res.step_back).tolist() == [36]


# -- imputed rows ---------------------------------------------------------------
@parametrize_makers
def test_imputed_rows_are_marked_and_never_flagged(make):
    y = hourly(400)
    y.iloc[[300, 301, 350]] = np.nan
    det = make(nan_policy="interpolate", threshold=0.0, cooldown=0).fit(y[:250])
    res = det.detect(y)
    assert np.flatnonzero(res.imputed).tolist() == [300, 301, 350]
    assert not res.flags[res.imputed].any()
    live = res.scores > 0
    assert res.flags[live & ~res.imputed].all()      # every other live row
    assert res.flag(0.0, cooldown=0)[res.imputed].sum() == 0
    online = det.update(y[250:] .set_axis(y.index[250:] + pd.Timedelta(days=400)))
    assert not online.flags[online.imputed].any() and online.imputed.sum() == 3


# -- the alarm rule -------------------------------------------------------------
def _naive_alarms(scores, eligible, threshold, cooldown, rearm):
    out, last, armed = [], None, True
    for i, s in enumerate(scores):
        fire = False
        if s > threshold:
            if eligible[i] and (last is None or i - last > cooldown) \
                    and (armed or not rearm):
                fire, last, armed = True, i, False
        else:
            armed = True
        out.append(fire)
    return np.array(out)


@pytest.mark.parametrize("cooldown", [0, 1, 7, 50])
@pytest.mark.parametrize("rearm", [False, True])
def test_alarm_kernel_matches_a_naive_loop_in_any_chunks(cooldown, rearm):
    rng = np.random.default_rng(cooldown)
    scores = np.abs(rng.standard_cauchy(2000))
    eligible = rng.random(2000) > 0.05
    ref = _naive_alarms(scores, eligible, 2.0, cooldown, rearm)
    got, _ = _alarms(scores, eligible, 2.0, cooldown, rearm)
    np.testing.assert_array_equal(got, ref)
    # the state carries over between chunks
    state, parts = None, []
    for a, b in ((0, 1), (1, 700), (700, 701), (701, 2000)):
        out, state = _alarms(scores[a:b], eligible[a:b], 2.0, cooldown, rearm, state)
        parts.append(out)
    np.testing.assert_array_equal(np.concatenate(parts), ref)


def test_default_rule_and_result_flag_equal_a_detector_with_those_parameters():
    det = MAKERS["esn"]()
    assert (det.threshold, det.cooldown, det.rearm, det.contamination) == (
        DEFAULT_THRESHOLD, DEFAULT_COOLDOWN, DEFAULT_REARM, None)
    y = hourly(1500, seed=2)
    y.iloc[[700, 760, 1200]] += [3, 3, 4]
    res = det.fit(y[:400]).detect(y)
    assert res.threshold == DEFAULT_THRESHOLD and res.cooldown == DEFAULT_COOLDOWN
    np.testing.assert_array_equal(res.flags, res.flag())
    for rule in [dict(threshold=1.0, cooldown=0), dict(threshold=2.0, cooldown=30,
                                                       rearm=True)]:
        other = MAKERS["esn"](**rule).fit(y[:400]).detect(y)
        np.testing.assert_array_equal(res.flag(**rule), other.flags)
        np.testing.assert_array_equal(other.scores, res.scores)
    # a cooldown of 200 rows: the spikes at 700 and 760 raise one alarm
    alarms = np.flatnonzero(res.flags)
    assert np.all(np.diff(alarms) > DEFAULT_COOLDOWN)
    assert any(700 <= a <= 710 for a in alarms) and not any(
        755 <= a <= 770 for a in alarms)


def test_contamination_sets_the_threshold_from_the_training_scores():
    y = hourly(900)
    det = MAKERS["esn"](contamination=0.05, cooldown=0).fit(y)
    live = det.training_scores_[det.training_scores_ > 0]
    assert (live > det.threshold_).mean() == pytest.approx(0.05, abs=0.02)
    assert det.threshold_ != DEFAULT_THRESHOLD
    with pytest.raises(TypeError, match="threshold=None"):
        MAKERS["esn"](threshold=None).fit(y)


def test_default_rule_raises_few_alarms_on_noise():
    rng = np.random.default_rng(5)
    y = pd.Series(rng.normal(size=20000), pd.date_range("2024", periods=20000,
                                                         freq="min"))
    res = RollingZScoreDetector().fit(y[:750]).detect(y)
    assert res.flags.iloc[750:].sum() <= 20        # at most 1 per 1,000 rows


def test_nab_score_of_rows_with_duplicates_and_a_step_back():
    y = with_index(step_back())
    res = MAKERS["zscore"](threshold=0.5, cooldown=0).fit(y[:200]).detect(y)
    windows = [(y.index[300], y.index[320])]
    assert np.isfinite(nab_score(res.flags, windows, probationary=200).score)


# -- bad input -------------------------------------------------------------------
@parametrize_makers
def test_bad_input_is_refused_by_name(make):
    with pytest.raises(ValueError, match=r"too short|observations|warm-up"):
        make().fit(hourly(12))
    nan = hourly(300) * np.nan
    with pytest.raises(ValueError, match="NaN at position 0"):
        make().fit(nan)
    with pytest.raises(ValueError, match="all NaN"):
        make(nan_policy="interpolate").fit(nan)
    text = pd.DataFrame({"load": hourly(300), "host": "a"})
    with pytest.raises(TypeError, match="'host' must hold numbers"):
        make().fit(text)
    both = pd.DataFrame({"a": hourly(300), "b": hourly(300, seed=1)})
    det = make().fit(both)
    with pytest.raises(ValueError, match=r"missing \['b'\], unexpected \['c'\]"):
        det.detect(both.rename(columns={"b": "c"}))
    with pytest.raises(ValueError, match="in the same order"):
        det.detect(both[["b", "a"]])
    with pytest.raises(ValueError, match="no two distinct timestamps"):
        make().fit(with_index(pd.DatetimeIndex(["2024-01-01"] * 300)))


def test_constant_column_warns_and_scores_low():
    y = pd.Series(2.0, index=base_index(300), name="x")
    with pytest.warns(ForecastingWarning, match="constant in fit"):
        det = MAKERS["esn"]().fit(y)
    assert np.isfinite(det.detect(y).scores).all()


def test_result_repr_and_fields():
    res = MAKERS["zscore"]().fit(hourly(300)).detect(hourly(300))
    assert isinstance(res, AnomalyResult) and "flagged" in repr(res)


@parametrize_makers
def test_a_missing_last_row_online_waits_for_the_next_one(make):
    # interpolation needs a later observation: one NaN row alone is refused
    # with the fix (the message once said "start" for a one-row update)
    y = hourly(400)
    det = make(nan_policy="interpolate").fit(y[:300])
    gap = y.copy()
    gap.iloc[300] = np.nan
    with pytest.raises(ValueError, match=r"y_new has NaN at its end \(position 0\).*"
                                         "pass the row again with the next"):
        det.update(gap[300:301])
    res = det.update(gap[300:302])             # the stream did not move
    assert res.imputed.tolist() == [True, False] and not res.flags.iloc[0]
    ref = make(nan_policy="interpolate").fit(y[:300]).detect(gap.interpolate())
    np.testing.assert_allclose(res.scores.to_numpy(), ref.scores.iloc[300:302],
                               rtol=1e-9, atol=1e-12)


# -- short chunks (online updates) use direct window kernels ------------------------
@pytest.mark.parametrize("window, min_periods", [(5, 2), (20, 20), (50, 7)])
def test_direct_window_kernels_equal_pandas_rolling(monkeypatch, window, min_periods):
    # two code paths for the same statistics (a sort of the window against
    # pandas' skip lists and online sums): equal to rounding, NaN alike
    from forecasting import anomaly
    rng = np.random.default_rng(window)
    E = rng.standard_cauchy((90, 2))
    E[rng.random((90, 2)) < 0.15] = np.nan
    E[:3] = np.nan
    a = np.abs(rng.normal(size=90))
    a[rng.random(90) < 0.15] = np.nan
    floor = np.array([0.05, 0.1])
    for split in (0, 1, 40, 70, 89):
        hist_E, new_E = E[:split], E[split:split + anomaly._DIRECT_ROWS]
        hist_a, new_a = a[:split], a[split:split + anomaly._DIRECT_ROWS]
        direct_r = anomaly._normalise(hist_E, new_E, window, min_periods, floor)
        direct_l = anomaly._likelihood(hist_a, new_a, window, min_periods, 4, 1e-3)
        with monkeypatch.context() as mp:
            mp.setattr(anomaly, "_DIRECT_ROWS", 0)
            ref_r = anomaly._normalise(hist_E, new_E, window, min_periods, floor)
            ref_l = anomaly._likelihood(hist_a, new_a, window, min_periods, 4, 1e-3)
        np.testing.assert_allclose(direct_r, ref_r, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(direct_l, ref_l, rtol=1e-9, atol=1e-12)
        assert (np.isnan(direct_r) == np.isnan(ref_r)).all()
        assert (np.isnan(direct_l) == np.isnan(ref_l)).all()
