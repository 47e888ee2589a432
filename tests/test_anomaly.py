"""AnomalyDetector and the baseline detectors: causality, online update,
thresholds, multivariate contributions, bad input, command line."""

import pickle

import numpy as np
import pandas as pd
import pytest

from forecasting import (AnomalyDetector, AnomalyResult, ForecastingWarning,
                         RollingZScoreDetector, SeasonalNaiveDetector)
from forecasting._validation import check_stream
from forecasting.__main__ import main
from reservoir import ESNRegressor


def small_esn():
    return ESNRegressor(n_reservoir=40, spectral_radius=0.9, input_scaling=0.5,
                        leak_rate=0.5, alpha=1.0, washout=20, random_state=0)


def series(n=700, seed=0, spike=None, name="load"):
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    v = 10 + np.sin(2 * np.pi * t / 24) + 0.1 * rng.normal(size=n)
    if spike is not None:
        v[spike] += 4
    return pd.Series(v, pd.date_range("2024-01-01", periods=n, freq="h"), name=name)


def detectors():
    return [AnomalyDetector(small_esn(), window=200, min_periods=30),
            AnomalyDetector(small_esn(), score="robust_z", window=200, min_periods=30),
            RollingZScoreDetector(window=100, min_periods=20),
            SeasonalNaiveDetector(window=200, min_periods=30)]


@pytest.mark.parametrize("det", detectors(), ids=lambda d: type(d).__name__ + d.score)
def test_interface_causal_and_spike(det):
    y = series(spike=600)
    det.fit(y[:400])
    s = det.anomaly_score(y)
    assert isinstance(s, pd.Series) and s.index.equals(y.index)
    assert np.isfinite(s).all() and (s >= 0).all()
    assert s.idxmax() in y.index[600:611]
    # causal: truncation invariance
    np.testing.assert_allclose(det.anomaly_score(y[:450]).to_numpy(),
                               s[:450].to_numpy(), rtol=1e-10, atol=1e-12)
    flags = det.predict(y)
    assert flags.dtype == bool and flags.index.equals(y.index)
    # the default rule: above threshold_, at most one alarm per cooldown + 1 rows
    above = np.flatnonzero(s.to_numpy() > det.threshold_)
    expected, last = [], None
    for i in above:
        if last is None or i - last > det.cooldown:
            expected.append(i)
            last = i
    assert np.flatnonzero(flags.to_numpy()).tolist() == expected
    assert det.detect(y).flag(cooldown=0).equals(s > det.threshold_)


@pytest.mark.parametrize("det", detectors()[:3], ids=lambda d: type(d).__name__)
def test_update_equals_one_run(det):
    y = series(spike=500)
    det.fit(y[:400])
    parts = [det.update(y[400:401]), det.update(y[401:550]), det.update(y[550:])]
    online = pd.concat([det.training_scores_] + [p.scores for p in parts])
    np.testing.assert_allclose(online.to_numpy(), det.anomaly_score(y).to_numpy(),
                               rtol=1e-9, atol=1e-12)
    with pytest.raises(ValueError, match="continue"):
        det.update(y[10:20])


def test_threshold_from_contamination_and_fixed():
    y = series(900)
    det = AnomalyDetector(small_esn(), window=200, min_periods=30,
                          contamination=0.05).fit(y)
    live = det.training_scores_[det.training_scores_ > 0]
    assert (live > det.threshold_).mean() == pytest.approx(0.05, abs=0.02)
    fixed = AnomalyDetector(small_esn(), threshold=3.0).fit(y)
    assert fixed.threshold_ == 3.0


def test_detect_result_and_cooldown():
    y = series(spike=600)
    det = AnomalyDetector(small_esn(), window=200, min_periods=30, threshold=0.5,
                          cooldown=0)
    res = det.fit(y[:400]).detect(y)
    assert res.flags.equals(res.scores > 0.5)       # cooldown 0: every row above
    assert isinstance(res, AnomalyResult) and res.threshold == 0.5
    assert list(res.contributions.columns) == ["load"]
    assert np.allclose(res.contributions.sum(axis=1), 1.0)
    assert res.predictions["load"].iloc[300:].notna().all()
    det.set_params(cooldown=50).fit(y[:400])
    cooled = np.flatnonzero(det.predict(y).to_numpy())
    assert len(cooled) <= len(np.flatnonzero(res.flags.to_numpy()))
    assert np.all(np.diff(cooled) > 50)


def test_multivariate_contributions():
    a, b = series(seed=1, name="a"), series(seed=2, name="b")
    df = pd.DataFrame({"a": a, "b": b})
    det = AnomalyDetector(small_esn(), window=200, min_periods=30).fit(df[:400])
    bad = df.copy()
    bad.iloc[600, 1] += 5
    res = det.detect(bad)
    assert isinstance(res.scores, pd.Series) and len(res.scores) == len(df)
    assert res.scores.idxmax() in df.index[600:611]
    assert res.contributions.loc[df.index[600], "b"] > 0.9
    assert np.allclose(res.contributions.sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="columns"):
        det.anomaly_score(df[["b", "a"]])
    with pytest.raises(ValueError, match="columns"):
        det.anomaly_score(df.rename(columns={"b": "c"}))
    with pytest.raises(ValueError, match="Series"):
        det.anomaly_score(a)


@pytest.mark.parametrize("c, exc", [
    (0, ValueError), (-0.1, ValueError), (0.6, ValueError), (float("nan"), ValueError),
    # a value of the wrong type is a TypeError, as for every reservoir parameter
    ("1%", TypeError), (True, TypeError), (np.True_, TypeError)])
def test_bad_contamination(c, exc):
    with pytest.raises(exc, match="contamination"):
        AnomalyDetector(small_esn(), contamination=c).fit(series(300))


@pytest.mark.parametrize("make", [
    lambda: AnomalyDetector(small_esn(), window=100, min_periods=20),
    lambda: RollingZScoreDetector(window=100, min_periods=20),
    lambda: SeasonalNaiveDetector(24, window=100, min_periods=20)],
    ids=["esn", "zscore", "seasonal"])
def test_constant_training_series_is_accepted_with_a_warning(make):
    # documented handling: nothing to learn, so the flat line scores low and
    # any change of it scores as anomalous (NAB's art_flatline is such a file)
    y = pd.Series(5.0, index=pd.date_range("2024", periods=400, freq="h"), name="x")
    with pytest.warns(ForecastingWarning, match=r"\['x'\] are constant in fit"):
        det = make().fit(y[:300])
    assert det.constant_columns_ == ["x"]
    res = det.detect(y)
    assert np.isfinite(res.scores).all() and not res.flags.any()
    assert res.scores.max() < 1.0
    moved = y.copy()
    moved.iloc[350] = 5.5
    res = det.detect(moved)
    assert res.scores.idxmax() in y.index[350:361] and res.flags.iloc[350:361].any()


def test_constant_stretch_after_fit_scores_finitely():
    # a constant stretch after fitting scores finitely
    det = RollingZScoreDetector(window=50, min_periods=10).fit(series(400))
    flat = series(400).copy()
    flat.iloc[200:] = 10.0
    for d in (det, AnomalyDetector(small_esn(), window=100,
                                   min_periods=20).fit(series(400))):
        s = d.anomaly_score(flat)
        assert np.isfinite(s).all()


def test_bad_input_like_forecaster():
    det = AnomalyDetector(small_esn())
    with pytest.raises(TypeError, match="pandas"):
        det.fit(np.arange(300.0))
    y = series(300)
    y.iloc[100] = np.nan
    with pytest.raises(ValueError, match="NaN at position 100"):
        det.fit(y)
    with pytest.raises(ValueError, match="too short|observations"):
        det.fit(series(15))
    fitted = AnomalyDetector(small_esn(), window=100, min_periods=20).fit(series(300))
    with pytest.raises(ValueError, match="frequency"):
        fitted.anomaly_score(series(300).asfreq("2h"))
    with pytest.raises(ValueError, match="window"):
        AnomalyDetector(small_esn(), window=1).fit(series(300))


def test_pickle_round_trip():
    det = AnomalyDetector(small_esn(), window=100, min_periods=20).fit(series(400))
    y = series(500, seed=3)
    again = pickle.loads(pickle.dumps(det))
    np.testing.assert_array_equal(again.anomaly_score(y), det.anomaly_score(y))


# -- command line ------------------------------------------------------------
@pytest.fixture
def csv(tmp_path):
    y = series(600, spike=500)
    path = tmp_path / "data.csv"
    pd.DataFrame({"when": y.index.strftime("%Y-%m-%d %H:%M"),
                  "load": y.to_numpy()}).to_csv(path, index=False)
    return path


def test_cli_anomalies_writes_csv(csv, tmp_path, capsys):
    out = tmp_path / "s.csv"
    assert main(["anomalies", str(csv), "--time-column", "when", "--column", "load",
                 "--train", "0.6", "--out", str(out)]) == 0
    df = pd.read_csv(out, index_col=0, parse_dates=True)
    assert list(df.columns) == ["load", "score", "anomaly"] and len(df) == 600
    assert df["score"].idxmax() == pd.Timestamp("2024-01-21 20:00")


def test_cli_anomalies_errors(csv, tmp_path, capsys):
    def one_line(argv, match):
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and err.startswith("error: "), err
        assert match in err
    one_line(["anomalies", str(tmp_path / "nope.csv"), "--time-column", "when",
              "--column", "load"], "not found")
    one_line(["anomalies", str(csv), "--time-column", "when", "--column", "power"],
             "--column 'power' is not a column")
    one_line(["anomalies", str(csv), "--time-column", "when", "--column", "load",
              "--contamination", "0.7"], "contamination")


# -- the score pipeline against a naive per-step loop -----------------------
def _naive_scores(Y, pred, floor, window, min_periods, smoothing, scale=None):
    """The module's four steps written out one timestamp at a time."""
    from scipy.stats import norm
    n, k = Y.shape
    E = Y - pred
    R = np.full((n, k), np.nan)
    for t in range(n):
        for j in range(k):
            if scale is not None:
                R[t, j] = E[t, j] / max(scale[t, j], floor[j])
                continue
            past = E[max(0, t - window):t, j]
            past = past[~np.isnan(past)]
            if len(past) < min_periods:
                continue
            q1, med, q3 = np.quantile(past, [0.25, 0.5, 0.75])
            R[t, j] = (E[t, j] - med) / max((q3 - q1) / 1.349, floor[j])
    R[np.isnan(R).any(axis=1)] = np.nan
    a = np.sqrt(np.mean(R ** 2, axis=1))
    out = np.zeros(n)
    for t in range(n):
        past = a[max(0, t - window):t]
        past = past[~np.isnan(past)]
        recent = a[max(0, t - smoothing + 1):t + 1]
        recent = recent[~np.isnan(recent)]
        if np.isnan(a[t]) or len(past) < min_periods:
            continue
        z = (recent.mean() - past.mean()) / max(past.std(ddof=1), 0.1)
        out[t] = max(-norm.logsf(z) / np.log(10), 0.0)
    return out


def test_seasonal_naive_scores_match_naive_loop():
    rng = np.random.default_rng(3)
    y = pd.DataFrame({"a": series(300, seed=1).to_numpy(),
                      "b": 5 + rng.standard_t(3, size=300)},
                     index=pd.date_range("2024-01-01", periods=300, freq="h"))
    y.iloc[250, 1] += 8
    det = SeasonalNaiveDetector(24, window=60, min_periods=15, smoothing=4)
    det.fit(y[:150])
    Y = y.to_numpy()
    pred = np.full_like(Y, np.nan)
    pred[24:] = Y[:-24]
    Etrain = (Y[:150] - pred[:150])[24:]
    q1, q3 = np.percentile(Etrain, [25, 75], axis=0)
    np.testing.assert_allclose(det.residual_scale_, (q3 - q1) / 1.349, rtol=1e-12)
    ref = _naive_scores(Y, pred, 0.1 * det.residual_scale_, 60, 15, 4)
    got = det.anomaly_score(y).to_numpy()
    assert (ref > 0).sum() > 200                     # past the warm-up
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)


def test_rolling_zscore_scores_match_naive_loop():
    y = series(260, seed=4, spike=200)
    det = RollingZScoreDetector(window=50, min_periods=10, smoothing=3)
    det.fit(y[:120])
    v = y.to_numpy()[:, None]
    mean = np.full_like(v, np.nan)
    sd = np.full_like(v, np.nan)
    for t in range(10, len(v)):
        past = v[max(0, t - 50):t, 0]
        mean[t, 0], sd[t, 0] = past.mean(), past.std(ddof=1)
    ref = _naive_scores(v, mean, 0.1 * det.residual_scale_, 50, 10, 3, scale=sd)
    got = det.anomaly_score(y).to_numpy()
    assert got.argmax() == 200
    np.testing.assert_allclose(got, ref, rtol=1e-9, atol=1e-9)


# -- regression tests of the fuzz campaign's findings ---------------------------
def _daily_berlin(n=400, seed=5):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2024-01-01", periods=n, freq="D", tz="Europe/Berlin")
    return pd.Series(10 + np.sin(2 * np.pi * np.arange(n) / 7)
                     + 0.1 * rng.normal(size=n), idx, name="load")


@pytest.mark.parametrize("det", [RollingZScoreDetector(window=50, min_periods=10),
                                 SeasonalNaiveDetector(window=50, min_periods=10),
                                 AnomalyDetector(small_esn(), window=50,
                                                 min_periods=10)],
                         ids=lambda d: type(d).__name__)
def test_tz_aware_daily_data_across_dst_is_on_the_grid(det):
    # daily steps are calendar days: 31 March and 27 October (23 and 25 hours
    # long in Berlin) are one step each
    y = _daily_berlin()
    det.fit(y[:80])                                   # ends before 31 March
    whole = det.anomaly_score(y)
    parts = [det.update(y[80:100]), det.update(y[100:330]), det.update(y[330:])]
    online = pd.concat([det.training_scores_] + [p.scores for p in parts])
    np.testing.assert_allclose(online.to_numpy(), whole.to_numpy(), rtol=1e-9,
                               atol=1e-12)
    # a run starting after a DST change sits at its calendar position (the
    # phase of the Fourier inputs): 200 days after the training start
    late = det.detect(y[200:])
    assert late.scores.index.equals(y.index[200:])
    _, _, marks = check_stream(y[200:], fitted=det._info)
    np.testing.assert_array_equal(marks.t, np.arange(200.0, 400.0))
    # an hour later each day is 1/24 of a step further (calendar days)
    _, _, marks = check_stream(y[200:].shift(1, freq="h"), fitted=det._info)
    np.testing.assert_allclose(marks.t, np.arange(200.0, 400.0) + 1 / 24, rtol=1e-12)


def test_tiny_and_huge_scales_score_as_the_series_itself():
    # a 1e-300-scale series used to be called "constant" (its variance
    # underflowed); a power-of-two change of units leaves every score as it is
    y = series(500, spike=450)
    for make in (lambda: RollingZScoreDetector(window=100, min_periods=20),
                 lambda: SeasonalNaiveDetector(window=100, min_periods=20),
                 lambda: AnomalyDetector(small_esn(), window=100, min_periods=20)):
        ref = make().fit(y[:300])
        ref_scores = ref.anomaly_score(y).to_numpy()
        for k in (-1000, -1015, 1010):        # 2**k * y stays a normal float
            det = make().fit(y[:300] * 2.0**k)
            np.testing.assert_allclose(det.anomaly_score(y * 2.0**k).to_numpy(),
                                       ref_scores, rtol=1e-9, atol=1e-12)
            np.testing.assert_allclose(det.residual_scale_,
                                       ref.residual_scale_ * 2.0**k, rtol=1e-12)
            res = det.update(y[300:] * 2.0**k)
            assert np.isfinite(res.scores).all()
            np.testing.assert_allclose(res.predictions.to_numpy(),
                                       ref.detect(y).predictions.to_numpy()[300:]
                                       * 2.0**k, rtol=1e-9)
    with pytest.warns(ForecastingWarning, match="constant"):
        RollingZScoreDetector().fit(pd.Series(1e-300, index=series(300).index))


def test_numpy_scalar_parameters_are_read_as_python_numbers():
    y = series(400, spike=350)
    a = RollingZScoreDetector(window=np.int8(100), min_periods=np.uint8(20),
                              smoothing=np.int16(3), contamination=np.float32(0.05),
                              cooldown=np.uint8(5)).fit(y[:300])
    b = RollingZScoreDetector(window=100, min_periods=20, smoothing=3,
                              contamination=float(np.float32(0.05)),
                              cooldown=5).fit(y[:300])
    np.testing.assert_array_equal(a.anomaly_score(y), b.anomaly_score(y))
    assert a.threshold_ == b.threshold_ and type(a.threshold_) is float
    with pytest.raises(TypeError, match="window"):
        RollingZScoreDetector(window=np.float64(100)).fit(y)
    with pytest.raises(ValueError, match="season_length=inf"):
        AnomalyDetector(small_esn(), season_length=np.inf).fit(y)
    with pytest.raises(TypeError, match="season_length=2.5"):
        SeasonalNaiveDetector(2.5).fit(y)
    with pytest.raises(TypeError, match="threshold='high'"):
        RollingZScoreDetector(threshold="high").fit(y)
    with pytest.raises(ValueError, match="threshold=inf"):
        RollingZScoreDetector(threshold=np.inf).fit(y)


def test_named_constants_are_the_pipeline_s():
    from forecasting import anomaly
    # the likelihood's floor of the rolling sd is what the naive loop uses
    assert anomaly._LIKELIHOOD_SD_FLOOR == 0.1
    # a series predicted perfectly (residuals all 0) gets this share of its sd
    y = pd.Series(np.tile([1.0, 2.0, 3.0, 4.0], 50),
                  pd.date_range("2024", periods=200, freq="h"))
    det = SeasonalNaiveDetector(4, window=50, min_periods=10).fit(y)
    assert det.residual_scale_[0] == pytest.approx(anomaly._MIN_RESIDUAL_SCALE
                                                   * y.std(ddof=0))


def test_warm_up_error_names_y():
    # found by the property-based tests: the message named no argument
    # residuals from step 3 on (season 3), normalised from step 3 + 5, scored
    # from step 3 + 5 + 5: ten observations leave no training score
    det = SeasonalNaiveDetector(3, window=20, min_periods=5, smoothing=3)
    with pytest.raises(ValueError, match="y has 10 observations and none is past "
                                         "the warm-up"):
        det.fit(series(10))
